import type pg from 'pg';
import { clusterInfo, connect, withClient } from './db';
import { scalar, waitFor } from './sql';

export { forceCheckpoints, requestedCheckpoints, scalar, waitFor } from './sql';

/** max_wal_size in MB as a brand-new session sees it, i.e. after any reload has been processed. */
export async function freshMaxWalSizeMb(database?: string): Promise<number> {
  return withClient(
    async (c) => Number(await scalar<string>(c, "SELECT setting FROM pg_settings WHERE name = 'max_wal_size'")),
    database,
  );
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
  /** What the cycle decided (the proposal's name); null when it decided nothing (skipped, or a baseline). */
  recommendation?: { action: string; old_size_mb: number; new_size_mb: number; reason: string } | null;
  observed?: Record<string, unknown>;
}

export async function analyze(client: pg.Client): Promise<CycleResult> {
  return scalar<CycleResult>(client, 'SELECT walrus_analyze()');
}

/**
 * Moves every stored sample back by whole checkpoint_timeouts, so the next cycle measures that much more elapsed time:
 * quiet intervals are time, not calls, and a test cannot wait minutes for them.
 */
export async function passIntervals(client: pg.Client, intervals = 1): Promise<void> {
  await client.query(
    "UPDATE walrus.sample SET taken_at = taken_at - $1::int * current_setting('checkpoint_timeout')::interval",
    [intervals],
  );
}

/** One cycle as if it came one checkpoint_timeout after the previous one. */
export async function analyzeAfterInterval(client: pg.Client): Promise<CycleResult> {
  await passIntervals(client);
  return analyze(client);
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
  const { rows } = await client.query<HistoryRow & { forced_checkpoints: string }>(
    'SELECT action, old_size_mb, new_size_mb, forced_checkpoints, reason, metadata FROM walrus.history ORDER BY id',
  );
  // forced_checkpoints is bigint, which node-postgres returns as a string.
  return rows.map((r) => ({ ...r, forced_checkpoints: Number(r.forced_checkpoints) }));
}

export { connect, withClient };

/** Pauses or resumes the extension's pg_cron job; without pg_cron (PostgreSQL 16-18 here) there is no job. */
export async function setJobActive(client: pg.Client, active: boolean): Promise<void> {
  if (!clusterInfo().hasCron) return;
  await client.query("SELECT cron.alter_job(jobid, active := $1) FROM cron.job WHERE jobname = 'pg_walrus'", [active]);
}

/**
 * A session in the cron database with pg_walrus installed and its job paused, so a test file calls the cycles itself;
 * cycle.test.ts proves the job runs the same function. uninstall() drops it and resets the sizes.
 */
export async function installPaused(): Promise<{ client: pg.Client; uninstall: (current: pg.Client) => Promise<void> }> {
  const client = await connect();
  await client.query('CREATE EXTENSION pg_walrus');
  await setJobActive(client, false);
  return {
    client,
    // Tests that restart the cluster reconnect, so the session to uninstall from is passed in.
    uninstall: async (current: pg.Client) => {
      await current.query('DROP EXTENSION IF EXISTS pg_walrus');
      await current.end();
      await alterSystem({ min_wal_size: null, max_wal_size: null });
    },
  };
}

/**
 * Each test of a paused install starts from the same place: no notice listener, the session's settings reset, no
 * history or learned state (walrus_reset), max_wal_size and min_wal_size at 32 MB, then `session`'s walrus.* values.
 */
export async function startClean(client: pg.Client, session: Record<string, string> = {}): Promise<void> {
  client.removeAllListeners('notice');
  await client.query('RESET ALL');
  await client.query('SELECT walrus_reset()');
  await alterSystem({ min_wal_size: '32MB', max_wal_size: '32MB' });
  await setSession(client, session);
}

/** Sets walrus.* (or any user-settable) values for the rest of the session. */
export async function setSession(client: pg.Client, settings: Record<string, string>): Promise<void> {
  for (const [name, value] of Object.entries(settings)) {
    await client.query('SELECT set_config($1, $2, false)', [name, value]);
  }
}
