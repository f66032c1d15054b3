import type pg from 'pg';
import { checkpointCounters } from './checkpoints';

/*
 * Client-side helpers with no test-runner dependency, shared by the tests and by the demo script.
 */

/** Polls until the value satisfies the predicate; usable in hooks, where expect.poll is not. */
export async function waitFor<T>(
  read: () => Promise<T>,
  ok: (value: T) => boolean,
  what: string,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (ok(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (last: ${String(value)})`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Runs a statement as another role (SET ROLE): 'ok', or the error's message, for privilege tests. */
export async function attemptAs(client: pg.Client, role: string, sql: string): Promise<string> {
  await client.query(`SET ROLE ${role}`);
  try {
    await client.query(sql);
    return 'ok';
  } catch (error) {
    return (error as Error).message;
  } finally {
    await client.query('RESET ROLE');
  }
}

/** The first column of the first row. */
export async function scalar<T>(client: pg.Client, sql: string, params: unknown[] = []): Promise<T> {
  const { rows } = await client.query<Record<string, T>>(sql, params);
  if (rows.length === 0) throw new Error(`no row from: ${sql}`);
  return Object.values(rows[0]!)[0] as T;
}

export async function requestedCheckpoints(client: pg.Client): Promise<number> {
  return (await checkpointCounters(client)).requested;
}

/**
 * Real WAL pressure: each write plus WAL segment switch adds a segment of WAL since the last checkpoint, and once that
 * passes max_wal_size / (1 + checkpoint_completion_target) the checkpointer starts a requested ("forced")
 * checkpoint. Switches until the counter has moved n times, waiting for each so that no two requests merge.
 */
export async function forceCheckpoints(client: pg.Client, n: number): Promise<number> {
  const before = await requestedCheckpoints(client);
  await client.query('CREATE TABLE IF NOT EXISTS public.walrus_wal_pressure (x bigint)');
  const deadline = Date.now() + 30_000 * n;
  for (let i = 0; i < n; i++) {
    let now = await requestedCheckpoints(client);
    while (now <= before + i) {
      if (Date.now() > deadline) throw new Error(`only ${now - before} of ${n} forced checkpoints arrived`);
      await client.query('INSERT INTO public.walrus_wal_pressure SELECT g FROM generate_series(1, 100) g');
      // Only a switch that completes the checkpoint distance requests a checkpoint: wait for that one, not the others
      // (at 288 MB a checkpoint takes 9 switches, and waiting after each would cost seconds per checkpoint).
      if (!(await switchReachesTrigger(client))) {
        now = await requestedCheckpoints(client);
        continue;
      }
      now = await waitFor(() => requestedCheckpoints(client), (c) => c > before + i, 'a checkpoint', 1_000).catch(() =>
        requestedCheckpoints(client),
      );
    }
  }
  return (await requestedCheckpoints(client)) - before;
}

/**
 * Switches to a new WAL segment and says whether the segments since the last checkpoint's redo point now reach
 * CheckPointSegments (PostgreSQL's XLogCheckpointNeeded), i.e. whether this switch requested a checkpoint.
 */
async function switchReachesTrigger(client: pg.Client): Promise<boolean> {
  await client.query('SELECT pg_switch_wal()');
  const { rows } = await client.query<{ reached: boolean }>(
    `SELECT floor(pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0') / seg) - floor(pg_wal_lsn_diff(redo_lsn, '0/0') / seg)
              >= greatest(1, floor(floor(max_wal / seg) / (1 + cct))) AS reached
       FROM pg_control_checkpoint(),
            LATERAL (SELECT pg_size_bytes(current_setting('wal_segment_size')) AS seg,
                            pg_size_bytes(current_setting('max_wal_size')) AS max_wal,
                            current_setting('checkpoint_completion_target')::float8 AS cct) AS settings`,
  );
  return rows[0]!.reached;
}
