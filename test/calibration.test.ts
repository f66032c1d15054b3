import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SERVER, type ServerConfig } from '../src/sim/checkpointer';
import { replayWal } from '../src/sim/replay';
import { MB } from '../src/sim/units';
import { checkpointCounters, lastCheckpoint, traceWal, walPosition } from './helpers/checkpoints';
import { clusterInfo, createDatabase, type IsolatedDatabase } from './helpers/db';
import { pgbench, pgbenchInit } from './helpers/pgbench';
import { alterSystem, connect, scalar, waitFor } from './helpers/walrus';

/**
 * The checkpoint model against the real server: a rate-limited pgbench load under a fixed small max_wal_size, the
 * WAL position sampled every 250 ms, and the model fed that measured WAL must predict the requested checkpoints
 * pg_stat_bgwriter counts, within 20%. Two sizes: 48MB, where CheckPointSegments truncates 3 / 1.9 to 1 (a
 * continuous max_wal_size / (1 + cct) model would predict about half the checkpoints), and 64MB (2 segments).
 */

const TOLERANCE = 0.2;
const SCALE = 10;
const SAMPLE_MS = 250;
const RUNS = [
  { maxWalMb: 48, tps: 600, seconds: 30 },
  { maxWalMb: 64, tps: 1100, seconds: 40 },
] as const;

let db: IsolatedDatabase;
let client: pg.Client;

beforeAll(async () => {
  db = await createDatabase('calibration');
  await pgbenchInit(clusterInfo(), db.name, SCALE);
  client = await connect(db.name);
});

afterAll(async () => {
  await client?.end();
  await alterSystem({ max_wal_size: null, min_wal_size: null });
  await db?.drop();
});

async function serverConfig(): Promise<ServerConfig> {
  const setting = (name: string): Promise<string> =>
    scalar<string>(client, 'SELECT setting FROM pg_settings WHERE name = $1', [name]);
  return {
    ...DEFAULT_SERVER,
    checkpointTimeoutSec: Number(await setting('checkpoint_timeout')),
    completionTarget: Number(await setting('checkpoint_completion_target')),
    segmentMb: Number(await setting('wal_segment_size')) / MB,
    minWalSizeMb: Number(await setting('min_wal_size')),
  };
}

/** A CHECKPOINT, and a wait until the checkpointer has reported it, so the baseline counter already includes it. */
async function freshCheckpoint(): Promise<void> {
  const before = (await checkpointCounters(client)).requested;
  await client.query('CHECKPOINT');
  await waitFor(() => checkpointCounters(client), (c) => c.requested > before, 'the CHECKPOINT to be counted');
}

describe('the checkpoint model against PostgreSQL', () => {
  it.each(RUNS)('predicts the forced checkpoints of pgbench -R $tps under max_wal_size = $maxWalMb MB', async (load) => {
    await alterSystem({ max_wal_size: `${load.maxWalMb}MB`, min_wal_size: '32MB' });
    const server = await serverConfig();
    await freshCheckpoint();
    const start = await lastCheckpoint(client);
    const before = await checkpointCounters(client);
    const work = pgbench(clusterInfo(), db.name, { seconds: load.seconds, rate: load.tps, clients: 2 });
    const { samples, result } = await traceWal(client, work, SAMPLE_MS);
    // A checkpoint requested at the very end is counted once the checkpointer reports it (well under a second).
    const settle = await traceWal(client, new Promise((resolve) => setTimeout(resolve, 1500)), SAMPLE_MS);
    const after = await checkpointCounters(client);
    const trace = [...samples, ...settle.samples.slice(1)];
    trace.push(await walPosition(client));

    const observed = after.requested - before.requested;
    const predicted = replayWal(trace, server, load.maxWalMb, start).counters().requested;
    const first = trace[0]!;
    const last = trace.at(-1)!;
    const walMb = (last.lsn - first.lsn) / MB;
    const averaged = replayWal([first, last], server, load.maxWalMb, start).counters().requested;
    const continuous = Math.floor(((last.lsn - start.redoLsn) / MB) / (load.maxWalMb / (1 + server.completionTarget)));
    console.log(
      `max_wal_size ${load.maxWalMb}MB: ${result.tps.toFixed(0)} tps, ${(walMb / (last.time - first.time)).toFixed(2)} MB/s ` +
        `of WAL over ${(last.time - first.time).toFixed(1)} s; requested checkpoints observed ${observed}, ` +
        `predicted ${predicted} (from the average rate alone ${averaged}; a continuous max_wal_size / (1 + cct) ` +
        `trigger would say ${continuous})`,
    );

    expect(observed, 'the load must force enough checkpoints for a 20% comparison to mean something').toBeGreaterThanOrEqual(5);
    expect(Math.abs(predicted - observed)).toBeLessThanOrEqual(TOLERANCE * observed);
    expect(Math.abs(averaged - observed)).toBeLessThanOrEqual(TOLERANCE * observed);
  });
});
