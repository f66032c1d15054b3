import type pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { restartCluster } from './cluster/local';
import { skipIf, withoutCron, withoutPgDump } from './helpers/capabilities';
import { clusterInfo, dumpAndRestore } from './helpers/db';
import {
  alterSystem,
  analyze,
  analyzeAfterInterval,
  collectNotices,
  connect,
  forceCheckpoints,
  freshMaxWalSizeMb,
  history,
  installPaused,
  scalar,
  setSession as setSessionOf,
  waitFor,
} from './helpers/walrus';
import { attemptAs } from './helpers/sql';

/**
 * The essential package on the real cluster: shrink, dry-run, rate limits, NOTIFY, the SQL API, privileges and
 * pg_dump. Cycles are called directly (the pg_cron job is paused); cycle.test.ts proves the job runs the same thing.
 */

let client: pg.Client;
let uninstall: (current: pg.Client) => Promise<void>;

const setSession = (settings: Record<string, string>): Promise<void> => setSessionOf(client, settings);

beforeAll(async () => {
  ({ client, uninstall } = await installPaused());
});

afterAll(() => uninstall(client));

beforeEach(async () => {
  client.removeAllListeners('notice');
  client.removeAllListeners('notification');
  await client.query('SELECT walrus_reset()');
  await client.query('RESET ALL');
  // These tests count on pg_walsizer's arithmetic (current x (forced + 1)) and the per-interval shrink around it, not
  // on whatever walrus.algorithm defaults to; forecast has its own suite (forecast.test.ts).
  await client.query("SET walrus.algorithm = 'multiplicative'");
  await alterSystem({ min_wal_size: '32MB', max_wal_size: '32MB' });
});

describe('auto-shrink', () => {
  beforeEach(async () => {
    await alterSystem({ max_wal_size: '256MB' });
    await setSession({ 'walrus.shrink_intervals': '3', 'walrus.min_size': '32MB', 'walrus.cooldown_sec': '0' });
  });

  it('shrinks after exactly shrink_intervals quiet intervals, and the count survives a restart', async () => {
    const first = await analyzeAfterInterval(client);
    const second = await analyzeAfterInterval(client);
    expect([first.recommendation?.action, second.recommendation?.action]).toEqual(['no_change', 'no_change']);
    expect(await scalar(client, 'SELECT quiet_intervals FROM walrus.state')).toBe(2);

    await client.end();
    await restartCluster(clusterInfo());
    client = await connect();
    await setSession({ 'walrus.algorithm': 'multiplicative', 'walrus.shrink_intervals': '3', 'walrus.min_size': '32MB', 'walrus.cooldown_sec': '0' });

    // Comparable counters across the restart need the statistics to survive it, which a clean shutdown ensures.
    const third = await analyzeAfterInterval(client);
    expect(third.recommendation).toMatchObject({ action: 'decrease', old_size_mb: 256, new_size_mb: 192 });
    expect(await freshMaxWalSizeMb()).toBe(192);
    // The shrink restarted the quiet count.
    expect(await scalar(client, 'SELECT quiet_intervals FROM walrus.state')).toBe(0);
    expect((await analyzeAfterInterval(client)).recommendation?.action).toBe('no_change');
  });

  it('counts quiet time, not calls: five cycles within a second are no quiet interval at all', async () => {
    await setSession({ 'walrus.shrink_intervals': '1' });
    for (let i = 0; i < 5; i++) expect((await analyze(client)).recommendation?.action).toBe('no_change');
    expect(await scalar(client, 'SELECT quiet_intervals FROM walrus.state')).toBe(0);
    expect(await freshMaxWalSizeMb()).toBe(256);
    // The time they spanned still counts towards the interval that a later cycle completes.
    const later = await analyzeAfterInterval(client);
    expect(later.recommendation).toMatchObject({ action: 'decrease', new_size_mb: 192 });
  });

  it('stops at walrus.min_size and reports that it is at the floor', async () => {
    await alterSystem({ max_wal_size: '40MB' });
    await setSession({ 'walrus.shrink_intervals': '1' });
    const shrunk = await analyzeAfterInterval(client);
    // 40 x 0.75 = 30 MB would be below the 32 MB floor.
    expect(shrunk.recommendation).toMatchObject({ action: 'decrease', new_size_mb: 32 });
    const atFloor = await analyzeAfterInterval(client);
    expect(atFloor.recommendation).toMatchObject({ action: 'no_change', new_size_mb: 32 });
    expect(atFloor.recommendation!.reason).toContain('already at the shrink floor of 32 MB');
  });

  it('restarts the quiet count when max_wal_size grows', async () => {
    await alterSystem({ max_wal_size: '32MB' });
    await analyzeAfterInterval(client);
    expect(await scalar(client, 'SELECT quiet_intervals FROM walrus.state')).toBe(1);
    await forceCheckpoints(client, 2);
    expect((await analyze(client)).recommendation?.action).toBe('increase');
    expect(await scalar(client, 'SELECT quiet_intervals FROM walrus.state')).toBe(0);
  });

  it('does nothing when walrus.shrink_enable is off', async () => {
    await setSession({ 'walrus.shrink_intervals': '1', 'walrus.shrink_enable': 'off' });
    expect((await analyzeAfterInterval(client)).recommendation?.action).toBe('no_change');
    expect(await freshMaxWalSizeMb()).toBe(256);
  });
});

describe('dry-run', () => {
  it('never changes max_wal_size during a forced-checkpoint storm, and records what live mode applies', async () => {
    await setSession({ 'walrus.dry_run': 'on', 'walrus.cooldown_sec': '0', 'walrus.max_changes_per_hour': '100' });
    const made = await forceCheckpoints(client, 4);
    // The same counters decide twice: in dry-run inside a transaction rolled back afterwards, then live.
    await client.query('BEGIN');
    const dry = await analyze(client);
    await client.query('ROLLBACK');
    expect(dry.recommendation).toMatchObject({ action: 'dry_run', proposed: 'increase', apply: false });
    expect(await freshMaxWalSizeMb()).toBe(32);

    await setSession({ 'walrus.dry_run': 'off' });
    const live = await analyze(client);
    expect(live.recommendation).toMatchObject({ action: 'increase', new_size_mb: dry.recommendation!.new_size_mb });
    expect(live.recommendation!.new_size_mb).toBe(32 * (made + 1));
    expect(await freshMaxWalSizeMb()).toBe(32 * (made + 1));
  });

  it('records dry_run rows with the size, and counts them against the rate limits', async () => {
    await setSession({ 'walrus.dry_run': 'on', 'walrus.cooldown_sec': '0', 'walrus.max_changes_per_hour': '1' });
    await forceCheckpoints(client, 2);
    const first = await analyze(client);
    await forceCheckpoints(client, 2);
    const second = await analyze(client);
    expect(first.recommendation).toMatchObject({ action: 'dry_run', new_size_mb: 96 });
    expect(second.recommendation).toMatchObject({ action: 'skipped', proposed: 'increase' });
    expect(second.recommendation!.reason).toContain('hourly limit reached');
    const rows = await history(client);
    expect(rows.map((r) => [r.action, r.new_size_mb])).toEqual([
      ['dry_run', 96],
      ['skipped', 32],
    ]);
    expect(await freshMaxWalSizeMb()).toBe(32);
  });
});

describe('rate limiting', () => {
  it('holds changes back during the cooldown', async () => {
    await setSession({ 'walrus.cooldown_sec': '3600', 'walrus.max_changes_per_hour': '100' });
    await forceCheckpoints(client, 2);
    expect((await analyze(client)).recommendation?.action).toBe('increase');
    await forceCheckpoints(client, 3);
    const held = await analyze(client);
    expect(held.recommendation).toMatchObject({ action: 'skipped', proposed: 'increase' });
    expect(held.recommendation!.reason).toMatch(/cooldown: \d+ s of walrus.cooldown_sec = 3600 s left/);
  });

  it('allows max_changes_per_hour in a rolling 60 minutes, also across a restart', async () => {
    const limits = { 'walrus.cooldown_sec': '0', 'walrus.max_changes_per_hour': '2' };
    await setSession(limits);
    for (const expected of ['increase', 'increase', 'skipped']) {
      await forceCheckpoints(client, 2);
      expect((await analyze(client)).recommendation?.action).toBe(expected);
    }
    await client.end();
    await restartCluster(clusterInfo());
    client = await connect();
    await setSession({ ...limits, 'walrus.algorithm': 'multiplicative' });
    await forceCheckpoints(client, 2);
    expect((await analyze(client)).recommendation?.action).toBe('skipped');

    // Once the changes are more than 60 minutes old, the window has room again.
    await client.query(`UPDATE walrus.history SET "timestamp" = "timestamp" - interval '61 minutes'`);
    await forceCheckpoints(client, 2);
    expect((await analyze(client)).recommendation?.action).toBe('increase');
  });

  it('makes no automatic change at all when max_changes_per_hour is 0', async () => {
    await setSession({ 'walrus.max_changes_per_hour': '0' });
    await forceCheckpoints(client, 3);
    const result = await analyze(client);
    expect(result.recommendation).toMatchObject({ action: 'skipped' });
    expect(result.recommendation!.reason).toContain('automatic changes are off');
    expect(await freshMaxWalSizeMb()).toBe(32);
  });
});

describe('walrus_reset()', () => {
  it('clears history and re-baselines, so the cumulative counter is not read as one interval', async () => {
    await setSession({ 'walrus.cooldown_sec': '0' });
    await forceCheckpoints(client, 3);
    expect(await scalar(client, 'SELECT walrus_reset()')).toBe(true);
    expect(await history(client)).toEqual([]);
    const next = await analyze(client);
    expect(next.baseline).toBeUndefined();
    expect(next.recommendation).toMatchObject({ action: 'no_change', new_size_mb: 32 });
    expect((await history(client))[0]!.forced_checkpoints).toBe(0);
  });
});

describe('NOTIFY', () => {
  it('is safe with any channel name and keeps the payload under 8000 bytes', async () => {
    const channel = `odd "chan'nel"; DROP TABLE walrus.history; --`;
    const listener = await connect();
    const payloads: string[] = [];
    listener.on('notification', (n) => payloads.push(n.payload ?? ''));
    try {
      await listener.query(`LISTEN ${listener.escapeIdentifier(channel)}`);
      await setSession({ 'walrus.notify_channel': channel, 'walrus.cooldown_sec': '0' });
      await forceCheckpoints(client, 2);
      await analyze(client);
      await client.query("SELECT walrus.notify($1, 'error', 32, 32, repeat('é', 100000))", [channel]);
      await waitFor(async () => payloads.length, (n) => n >= 2, 'two notifications');
    } finally {
      await listener.end();
    }
    expect(JSON.parse(payloads[0]!)).toMatchObject({ event: 'resize', action: 'increase', old_size_mb: 32 });
    expect(Buffer.byteLength(payloads[1]!)).toBeLessThan(8000);
    expect(await scalar(client, "SELECT to_regclass('walrus.history') IS NOT NULL")).toBe(true);
  });

  it('walrus.notify = off sends nothing; an empty walrus.notify_channel is the default channel', async () => {
    const listener = await connect();
    const payloads: string[] = [];
    listener.on('notification', (n) => payloads.push(n.payload ?? ''));
    try {
      await listener.query('LISTEN walrus_events');
      await setSession({ 'walrus.notify': 'off', 'walrus.cooldown_sec': '0' });
      await forceCheckpoints(client, 2);
      expect((await analyze(client)).applied).toBe(true);
      // The empty channel is the default one: this event is the only one the listener may see.
      await setSession({ 'walrus.notify': 'on', 'walrus.notify_channel': '' });
      await forceCheckpoints(client, 2);
      expect((await analyze(client)).applied).toBe(true);
      await waitFor(async () => payloads.length, (n) => n >= 1, 'a notification on the default channel');
      await listener.query('SELECT 1');
    } finally {
      await listener.end();
    }
    expect(payloads).toHaveLength(1);
    const event = JSON.parse(payloads[0]!) as { action: string; old_size_mb: number };
    expect(event.action).toBe('increase');
    expect(event.old_size_mb).toBeGreaterThan(32);
  });

  it('an unusable channel is a WARNING, never a failed cycle', async () => {
    const notices = collectNotices(client);
    await setSession({ 'walrus.notify_channel': 'x'.repeat(100), 'walrus.cooldown_sec': '0' });
    await forceCheckpoints(client, 2);
    expect((await analyze(client)).applied).toBe(true);
    expect(notices.some((n) => n.startsWith('WARNING') && n.includes('could not notify'))).toBe(true);
  });
});

describe('walrus_recommendation()', () => {
  it('is strictly read-only: no transaction id, no rows, no state, no size change', async () => {
    await analyze(client);
    await forceCheckpoints(client, 3);
    const before = await client.query(
      "SELECT (SELECT count(*) FROM walrus.history) h, (SELECT count(*) FROM walrus.sample) s, (SELECT row_to_json(st) FROM walrus.state st) st",
    );
    await client.query('BEGIN');
    const rec = await scalar<Record<string, unknown>>(client, 'SELECT walrus_recommendation()');
    // A transaction that wrote anything has been assigned an id.
    expect(await scalar(client, 'SELECT pg_current_xact_id_if_assigned()')).toBeNull();
    await client.query('COMMIT');
    expect(rec).toMatchObject({ action: 'increase', current_size_mb: 32, recommended_size_mb: 128, confidence: 'low' });
    const after = await client.query(
      "SELECT (SELECT count(*) FROM walrus.history) h, (SELECT count(*) FROM walrus.sample) s, (SELECT row_to_json(st) FROM walrus.state st) st",
    );
    expect(after.rows).toEqual(before.rows);
    expect(await freshMaxWalSizeMb()).toBe(32);
  });
});

describe('walrus_status() and walrus_history()', () => {
  it('reports settings, state, rate limits, the job, applicability and invalid settings', async () => {
    await setSession({ 'walrus.cooldown_sec': '600', 'walrus.shrink_factor': '1.5' });
    await forceCheckpoints(client, 2);
    await analyze(client);
    const status = await scalar<Record<string, unknown>>(client, 'SELECT walrus_status()');
    expect(status).toMatchObject({
      enabled: true,
      dry_run: false,
      current_max_wal_size_mb: 96,
      configured_maximum_mb: 4096,
      threshold: 2,
      checkpoint_timeout_sec: 30,
      shrink_factor: 0.75,
      total_adjustments: 1,
      at_ceiling: false,
      rate_limit: { cooldown_sec: 600, changes_last_hour: 1, limit_reached: true },
      // Without pg_cron (PostgreSQL 16-18 here) there is no job to report.
      cron_job: clusterInfo().hasCron ? { scheduled: true, schedule: '* * * * *', active: false } : { scheduled: false },
      apply: { possible: true, dblink_installed: true, role_allowed: true },
      invalid_settings: [{ name: 'walrus.shrink_factor', value: "'1.5'" }],
    });
    expect((status['rate_limit'] as { cooldown_remaining_sec: number }).cooldown_remaining_sec).toBeGreaterThan(590);
    expect(status['last_adjustment_time']).not.toBeNull();
  });

  it('says what the decision says: the cooldown with its slack, the ceiling with the floor', async () => {
    await setSession({ 'walrus.cooldown_sec': '100' });
    await forceCheckpoints(client, 2);
    await analyze(client);
    // 96 s after the change the 5% slack lets a change through: status must not claim 4 s are left.
    await client.query(`UPDATE walrus.history SET "timestamp" = "timestamp" - interval '96 seconds'`);
    const cooled = await scalar<{ rate_limit: { cooldown_remaining_sec: number; limit_reached: boolean } }>(client, 'SELECT walrus_status()');
    expect(cooled.rate_limit).toMatchObject({ cooldown_remaining_sec: 0, limit_reached: false });

    // walrus.max below min_wal_size: the cap is the floor, and growth still has room up to it.
    await alterSystem({ max_wal_size: '48MB', min_wal_size: '128MB' });
    await setSession({ 'walrus.max': '32MB', 'walrus.cooldown_sec': '0' });
    const status = await scalar<{ at_ceiling: boolean }>(client, 'SELECT walrus_status()');
    expect(status.at_ceiling).toBe(false);
    await forceCheckpoints(client, 2);
    expect((await analyze(client)).recommendation).toMatchObject({ action: 'capped', new_size_mb: 128 });
    const after = await scalar<{ at_ceiling: boolean }>(client, 'SELECT walrus_status()');
    expect(after.at_ceiling, JSON.stringify(after)).toBe(true);
  });

  it('walrus_history() returns the newest rows first, bounded and filtered', async () => {
    await client.query(`INSERT INTO walrus.history (action, old_size_mb, new_size_mb, forced_checkpoints, checkpoint_timeout_sec, reason, "timestamp")
      SELECT 'no_change', 32, 32, 0, 30, 'row ' || g, now() - g * interval '1 minute' FROM generate_series(1, 500) g`);
    const { rows } = await client.query('SELECT * FROM walrus_history()');
    expect(rows).toHaveLength(100);
    expect(rows[0].reason).toBe('row 1');
    const recent = await client.query("SELECT reason FROM walrus_history(since => now() - interval '10 minutes 30 seconds', max_rows => 1000)");
    expect(recent.rows).toHaveLength(10);
    const none = await client.query("SELECT * FROM walrus_history(only_action => 'increase')");
    expect(none.rows).toHaveLength(0);
  });

  it('walrus.settings lists every setting with its range, derived from the declarations', async () => {
    const { SETTINGS } = await import('../src/settings');
    const { rows } = await client.query('SELECT name, boot_val, valid FROM walrus.settings ORDER BY name');
    expect(rows.map((r) => r.name).sort()).toEqual(SETTINGS.map((s) => `walrus.${s.name}`).sort());
    expect(rows.every((r) => r.valid)).toBe(true);
  });
});

describe('history retention', () => {
  it('cleanup_history() deletes rows older than the retention and returns the count; 0 keeps all', async () => {
    await client.query(`INSERT INTO walrus.history (action, old_size_mb, new_size_mb, forced_checkpoints, checkpoint_timeout_sec, reason, "timestamp")
      SELECT 'no_change', 32, 32, 0, 30, 'old', now() - g * interval '1 day' FROM generate_series(1, 40) g`);
    await setSession({ 'walrus.history_retention_days': '0' });
    expect(await scalar(client, 'SELECT walrus.cleanup_history()')).toBe('0');
    await setSession({ 'walrus.history_retention_days': '30' });
    expect(await scalar(client, 'SELECT walrus.cleanup_history()')).toBe('11');
    // Each cycle cleans up as well.
    await setSession({ 'walrus.history_retention_days': '10' });
    await analyze(client);
    expect(await scalar(client, "SELECT count(*)::int FROM walrus.history WHERE reason = 'old'")).toBe(9);
  });

  it("also deletes the pg_cron job's own old runs from cron.job_run_details, and nobody else's", async (ctx) => {
    skipIf(ctx, withoutCron());
    const other = await scalar<string>(client, "SELECT cron.schedule('walrus_test_other', '0 0 1 1 *', 'SELECT 1')");
    try {
      // Runs of both jobs, 1 to 40 days old (the run log pg_cron never purges).
      await client.query(`INSERT INTO cron.job_run_details (jobid, runid, job_pid, database, username, command, status, return_message, start_time, end_time)
        SELECT j.jobid, nextval('cron.runid_seq'), 0, current_database(), current_user, j.command, 'succeeded', '1 row',
               now() - g * interval '1 day', now() - g * interval '1 day'
          FROM cron.job j, generate_series(1, 40) g WHERE j.jobname IN ('pg_walrus', 'walrus_test_other')`);
      const runs = (name: string): Promise<number> =>
        scalar<number>(client, `SELECT count(*)::int FROM cron.job_run_details d JOIN cron.job j USING (jobid) WHERE j.jobname = $1 AND d.end_time < now() - interval '12 hours'`, [name]);
      await setSession({ 'walrus.history_retention_days': '0' });
      await client.query('SELECT walrus.cleanup_history()');
      expect(await runs('pg_walrus')).toBe(40);
      await setSession({ 'walrus.history_retention_days': '30' });
      await client.query('SELECT walrus.cleanup_history()');
      expect(await runs('pg_walrus')).toBe(29);
      expect(await runs('walrus_test_other')).toBe(40);
    } finally {
      await client.query('SELECT cron.unschedule($1::bigint)', [other]);
    }
  });
});

describe('privileges', () => {
  it('no pg_walrus function is executable by PUBLIC; every SECURITY DEFINER function pins search_path', async () => {
    const { rows } = await client.query(`
      SELECT p.oid::regprocedure::text AS fn, p.prosecdef, p.proconfig,
             p.proacl IS NULL OR EXISTS (SELECT FROM aclexplode(p.proacl) a WHERE a.grantee = 0 AND a.privilege_type = 'EXECUTE') AS public_exec
        FROM pg_proc p JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e'
        JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'pg_walrus'`);
    expect(rows.length).toBeGreaterThan(20);
    expect(rows.filter((r) => r.public_exec).map((r) => r.fn)).toEqual([]);
    const definers = rows.filter((r) => r.prosecdef);
    expect(definers.length).toBeGreaterThan(0);
    for (const d of definers) expect(d.proconfig?.some((c: string) => c.startsWith('search_path='))).toBe(true);
  });

  it('a plain login role gets nothing; a pg_monitor member reads; an operator runs cycles', async () => {
    const roles = ['walrus_plain', 'walrus_monitor', 'walrus_operator'];
    for (const r of roles) await client.query(`DROP ROLE IF EXISTS ${r}; CREATE ROLE ${r} LOGIN`);
    await client.query('GRANT pg_monitor TO walrus_monitor');
    await client.query("SELECT walrus.grant_operator('walrus_operator')");
    const as = (role: string, sql: string): Promise<string> => attemptAs(client, role, sql);
    try {
      for (const sql of ['SELECT walrus_status()', 'SELECT * FROM walrus_history()', 'SELECT walrus_recommendation()', 'SELECT * FROM walrus.settings', 'SELECT walrus_analyze()']) {
        expect(await as('walrus_plain', sql)).toMatch(/permission denied/);
      }
      for (const sql of ['SELECT walrus_status()', 'SELECT * FROM walrus_history()', 'SELECT walrus_recommendation()', 'SELECT * FROM walrus.settings', 'SELECT count(*) FROM walrus.history']) {
        expect(await as('walrus_monitor', sql)).toBe('ok');
      }
      for (const sql of ['SELECT walrus_analyze()', 'SELECT walrus_reset()', 'SELECT walrus.cleanup_history()', 'DELETE FROM walrus.history']) {
        expect(await as('walrus_monitor', sql)).toMatch(/permission denied/);
      }
      expect(await as('walrus_operator', 'SELECT walrus_analyze()')).toBe('ok');
      // Deleting history is the owner's: an operator may not rewrite the audit trail (test/security has the rest).
      for (const sql of ['SELECT walrus_reset()', 'SELECT walrus.cleanup_history()', 'DELETE FROM walrus.history']) {
        expect(await as('walrus_operator', sql)).toMatch(/permission denied/);
      }
      // The monitor sees the superuser's pg_cron job through walrus_status, despite pg_cron's row-level security.
      await client.query('SET ROLE walrus_monitor');
      const status = await scalar<{ cron_job: { scheduled: boolean } }>(client, 'SELECT walrus_status()');
      await client.query('RESET ROLE');
      expect(status.cron_job.scheduled).toBe(clusterInfo().hasCron);
    } finally {
      await client.query('RESET ROLE');
      await client.query('REVOKE pg_monitor FROM walrus_monitor');
      await client.query('DROP OWNED BY walrus_operator');
      for (const r of roles) await client.query(`DROP ROLE ${r}`);
    }
  });
});

describe('samples', () => {
  it('keeps exactly enough for the largest walrus.sample_window, whatever gaps the id sequence has', async () => {
    // Rows with gaps between their ids, as rolled-back inserts leave them.
    await client.query(`
      INSERT INTO walrus.sample (id, taken_at, requested_checkpoints, timed_checkpoints, wal_lsn, checkpoint_timeout_sec,
                                 checkpoint_completion_target, max_wal_size_mb, min_wal_size_mb, wal_segment_mb)
      SELECT 1000000 + 3 * g, now() - (3000 - g) * interval '30 seconds', 0, 0, ('0/' || to_hex(g * 16))::pg_lsn, 30,
             0.9, 32, 32, 16
        FROM generate_series(1, 2500) g`);
    await client.query("SELECT setval('walrus.sample_id_seq', 2000000)");
    await client.query('SELECT walrus.take_sample()');
    expect(await scalar(client, 'SELECT count(*)::int FROM walrus.sample')).toBe(2001);
    const intervals = await scalar<number>(
      client,
      "SELECT cardinality(walrus.wal_window((SELECT s FROM walrus.sample s ORDER BY id DESC LIMIT 1), 2000))",
    );
    expect(intervals).toBe(2000);
  });
});

describe('pg_dump', () => {
  it('keeps history, samples and state through a dump and restore into a fresh database', async (ctx) => {
    skipIf(ctx, withoutPgDump());
    const rows = 'SELECT id, action, reason, metadata FROM walrus.history ORDER BY id';
    await dumpAndRestore(
      'walrus_dump',
      async (src) => {
        await src.query('SELECT walrus_analyze()');
        await src.query('SELECT walrus_analyze()');
        return (await src.query(rows)).rows;
      },
      async (dst, before) => {
        expect((await dst.query(rows)).rows).toEqual(before);
        expect(before).toHaveLength(2);
        expect(await scalar(dst, 'SELECT count(*)::int FROM walrus.sample')).toBe(2);
        expect(await scalar(dst, 'SELECT cycles::int FROM walrus.state')).toBe(1);
        // The sequence came along too: the next row does not collide.
        await dst.query('SELECT walrus_analyze()');
        expect(await scalar(dst, 'SELECT count(*)::int FROM walrus.history')).toBe(3);
      },
    );
  });
});

