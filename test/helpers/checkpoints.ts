import type pg from 'pg';
import type { WalSample } from '../../src/sim/replay';

/*
 * Reading a server's WAL position and checkpoint state, for the calibration test and the benchmarks. Positions are
 * byte offsets as float8 (exact below 2^53 bytes, 8 PB).
 */

export async function walPosition(client: pg.Client): Promise<WalSample> {
  const { rows } = await client.query<{ time: number; lsn: number }>(
    `SELECT extract(epoch FROM clock_timestamp())::float8 AS time,
            pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::float8 AS lsn`,
  );
  return rows[0]!;
}

export interface CheckpointCounters {
  /** Requested checkpoints, skipped ones included (what pg_walrus reads; see walrus.read_counters). */
  readonly requested: number;
  readonly timed: number;
  /** Completed checkpoints, timed and requested together: PostgreSQL 18's num_done; null before 18. */
  readonly done: number | null;
}

/** The counters moved from pg_stat_bgwriter to pg_stat_checkpointer in PostgreSQL 17; 18 added num_done. */
const COUNTER_QUERIES: readonly (readonly [number, string])[] = [
  [180000, 'SELECT num_requested AS requested, num_timed AS timed, num_done AS done FROM pg_stat_checkpointer'],
  [170000, 'SELECT num_requested AS requested, num_timed AS timed, NULL AS done FROM pg_stat_checkpointer'],
  [0, 'SELECT checkpoints_req AS requested, checkpoints_timed AS timed, NULL AS done FROM pg_stat_bgwriter'],
];

const counterQuery = new WeakMap<pg.Client, Promise<string>>();

function counterQueryFor(client: pg.Client): Promise<string> {
  let query = counterQuery.get(client);
  if (query === undefined) {
    query = client.query<{ v: string }>("SELECT current_setting('server_version_num') AS v").then(({ rows }) => {
      const version = Number(rows[0]!.v);
      return COUNTER_QUERIES.find(([from]) => version >= from)![1];
    });
    counterQuery.set(client, query);
  }
  return query;
}

export async function checkpointCounters(client: pg.Client): Promise<CheckpointCounters> {
  const query = await counterQueryFor(client);
  await client.query('SELECT pg_stat_clear_snapshot()');
  const { rows } = await client.query<{ requested: string; timed: string; done: string | null }>(query);
  const row = rows[0]!;
  return { requested: Number(row.requested), timed: Number(row.timed), done: row.done === null ? null : Number(row.done) };
}

/** The last completed checkpoint: its redo point and start time (epoch seconds), from pg_control. */
export async function lastCheckpoint(client: pg.Client): Promise<{ redoLsn: number; lastCheckpointTime: number }> {
  const { rows } = await client.query<{ redo: number; time: number }>(
    `SELECT pg_wal_lsn_diff(redo_lsn, '0/0')::float8 AS redo, extract(epoch FROM checkpoint_time)::float8 AS time
       FROM pg_control_checkpoint()`,
  );
  return { redoLsn: rows[0]!.redo, lastCheckpointTime: rows[0]!.time };
}

/** Samples the WAL position every `everyMs` until `work` settles; the last sample is taken after it. */
export async function traceWal<T>(client: pg.Client, work: Promise<T>, everyMs: number): Promise<{ samples: WalSample[]; result: T }> {
  const samples: WalSample[] = [await walPosition(client)];
  let done = false;
  const finished = work.finally(() => {
    done = true;
  });
  while (!done) {
    await Promise.race([new Promise((resolve) => setTimeout(resolve, everyMs)), finished.catch(() => undefined)]);
    samples.push(await walPosition(client));
  }
  return { samples, result: await finished };
}
