import type pg from 'pg';
import { connect, withClient } from './db';

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

/** The first column of the first row. */
export async function scalar<T>(client: pg.Client, sql: string, params: unknown[] = []): Promise<T> {
  const { rows } = await client.query<Record<string, T>>(sql, params);
  if (rows.length === 0) throw new Error(`no row from: ${sql}`);
  return Object.values(rows[0]!)[0] as T;
}

/** max_wal_size in MB as a brand-new session sees it, i.e. after any reload has been processed. */
export async function freshMaxWalSizeMb(database?: string): Promise<number> {
  return withClient(
    async (c) => Number(await scalar<string>(c, "SELECT setting FROM pg_settings WHERE name = 'max_wal_size'")),
    database,
  );
}

export async function requestedCheckpoints(client: pg.Client): Promise<number> {
  await client.query('SELECT pg_stat_clear_snapshot()');
  return Number(await scalar<string>(client, 'SELECT checkpoints_req FROM pg_stat_bgwriter'));
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
      await client.query('SELECT pg_switch_wal()');
      now = await waitFor(() => requestedCheckpoints(client), (c) => c > before + i, 'a checkpoint', 1_000).catch(() =>
        requestedCheckpoints(client),
      );
    }
  }
  return (await requestedCheckpoints(client)) - before;
}

/** Sets (or, with null, resets) server-wide settings the way a DBA would, and waits until new sessions see them. */
export async function alterSystem(settings: Record<string, string | null>): Promise<void> {
  const reloadedAt = await withClient(async (c) => {
    for (const [name, value] of Object.entries(settings)) {
      // Placeholders (walrus.*) must exist in the session before PostgreSQL 15 accepts ALTER SYSTEM for them.
      if (name.startsWith('walrus.')) await c.query('SELECT set_config($1, $2, false)', [name, value ?? '']);
      if (value === null) await c.query(`ALTER SYSTEM RESET ${c.escapeIdentifier(name)}`);
      else await c.query(`ALTER SYSTEM SET ${c.escapeIdentifier(name)} = ${c.escapeLiteral(value)}`);
    }
    const now = await scalar<string>(c, 'SELECT extract(epoch FROM now())::float8');
    await c.query('SELECT pg_reload_conf()');
    return now;
  }, 'postgres');
  // A new session inherits the postmaster's configuration, so its load time moves once the reload is done.
  await waitFor(
    () => withClient((c) => scalar<number>(c, 'SELECT extract(epoch FROM pg_conf_load_time())::float8'), 'postgres'),
    (loadedAt) => loadedAt >= Number(reloadedAt),
    'the configuration reload',
  );
}

export interface CycleResult {
  analyzed: boolean;
  skipped?: boolean;
  baseline?: boolean;
  applied?: boolean;
  reason?: string;
  error?: string;
  decision?: { action: string; old_size_mb: number; new_size_mb: number; reason: string };
  observed?: Record<string, unknown>;
}

export async function analyze(client: pg.Client): Promise<CycleResult> {
  return scalar<CycleResult>(client, 'SELECT walrus_analyze()');
}

/** Collects the WARNING/NOTICE messages a session receives, for asserting what a DBA would see. */
export function collectNotices(client: pg.Client): string[] {
  const notices: string[] = [];
  client.on('notice', (n) => notices.push(`${n.severity ?? ''}: ${n.message}`));
  return notices;
}

export interface HistoryRow {
  action: string;
  old_size_mb: number;
  new_size_mb: number;
  forced_checkpoints: number;
  reason: string;
  metadata: Record<string, unknown>;
}

export async function history(client: pg.Client): Promise<HistoryRow[]> {
  const { rows } = await client.query<HistoryRow>(
    'SELECT action, old_size_mb, new_size_mb, forced_checkpoints, reason, metadata FROM walrus.history ORDER BY id',
  );
  return rows;
}

export { connect, withClient };
