import { CheckpointModel, type ServerConfig, type StartState } from './checkpointer';

/** A WAL position at a moment: seconds and bytes, as pg_current_wal_lsn() sampled on a real server. */
export interface WalSample {
  readonly time: number;
  readonly lsn: number;
}

/**
 * Runs the checkpoint model over a measured WAL trace: between two samples the WAL rate is taken as constant. The
 * start state (redo point and time of the last checkpoint) comes from the same server, so the model starts where
 * the server was.
 */
export function replayWal(
  samples: readonly WalSample[],
  server: ServerConfig,
  maxWalSizeMb: number,
  start: Omit<StartState, 'time' | 'lsn'>,
): CheckpointModel {
  const first = samples[0];
  if (first === undefined) throw new Error('an empty WAL trace');
  const model = new CheckpointModel(server, maxWalSizeMb, { ...start, time: first.time, lsn: first.lsn }, true);
  for (let i = 1; i < samples.length; i++) {
    const from = samples[i - 1]!;
    const to = samples[i]!;
    const seconds = to.time - from.time;
    model.advance(to.time, seconds > 0 ? Math.max(0, to.lsn - from.lsn) / seconds : 0);
  }
  return model;
}
