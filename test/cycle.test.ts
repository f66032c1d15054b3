import type pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { configureCluster, connectTo, createStandby, readServerLog, restartCluster } from './cluster/local';
import { checkpointStatsTarget, skipIf, withoutCron } from './helpers/capabilities';
import { clusterInfo, createDatabase, cronDatabase, withClient } from './helpers/db';
import {
  alterSystem,
  analyze,
  collectNotices,
  connect,
  forceCheckpoints,
  freshMaxWalSizeMb,
  history,
  requestedCheckpoints,
  scalar,
  setJobActive,
} from './helpers/walrus';

/**
 * The core cycle on the real cluster, in the cron database where pg_cron and dblink live. Sizes start at 32 MB
 * (min_wal_size too, so the floor is two 16 MB segments) and checkpoint_timeout is 30 s.
 */

const START_MB = 32;

/** The end time of the newest successful run of the pg_walrus job, or 0. */
async function lastJobRun(client: pg.Client): Promise<number> {
  return Number(
    await scalar<string | null>(
      client,
      `SELECT coalesce(extract(epoch FROM max(d.end_time)), 0)::float8 FROM cron.job_run_details d
         JOIN cron.job j USING (jobid) WHERE j.jobname = 'pg_walrus' AND d.status = 'succeeded'`,
    ),
  );
}

async function waitForJobRunAfter(client: pg.Client, after: number): Promise<number> {
  await expect.poll(() => lastJobRun(client), { timeout: 90_000, interval: 500 }).toBeGreaterThan(after);
  return lastJobRun(client);
}

let client: pg.Client;

beforeAll(async () => {
  await alterSystem({ min_wal_size: `${START_MB}MB`, max_wal_size: `${START_MB}MB` });
  client = await connect();
  await client.query('CREATE EXTENSION pg_walrus');
  await setJobActive(client, false);
});

afterAll(async () => {
  await client.query('DROP EXTENSION IF EXISTS pg_walrus');
  await client.end();
  await alterSystem({ min_wal_size: null, max_wal_size: null, checkpoint_timeout: null });
});

beforeEach(async () => {
  client.removeAllListeners('notice');
  await client.query('TRUNCATE walrus.history, walrus.sample');
  await client.query('RESET ALL');
  // pg_walsizer's arithmetic (current x (forced + 1)), whatever walrus.algorithm defaults to; forecast.test.ts has the
  // forecast's.
  await client.query("SET walrus.algorithm = 'multiplicative'");
  // These tests grow several times in a row; the rate limits have tests of their own.
  await client.query("SET walrus.cooldown_sec = '0'");
  await client.query("SET walrus.max_changes_per_hour = '1000'");
  await alterSystem({ max_wal_size: `${START_MB}MB` });
});

describe('the pg_cron job', () => {
  beforeEach((ctx) => skipIf(ctx, withoutCron()));

  it('is scheduled by CREATE EXTENSION at a one-minute cadence for a 30 s checkpoint_timeout', async () => {
    const { rows } = await client.query("SELECT schedule, command FROM cron.job WHERE jobname = 'pg_walrus'");
    expect(rows).toEqual([{ schedule: '* * * * *', command: 'SELECT public.walrus_analyze()' }]);
  });

  it('grows max_wal_size on real forced checkpoints, notifies listeners, and the new size survives a restart', async () => {
    const listener = await connect();
    const events: string[] = [];
    listener.on('notification', (n) => events.push(n.payload ?? ''));
    await listener.query('LISTEN walrus_events');
    // The job runs with the server's settings, not this session's.
    await alterSystem({ 'walrus.algorithm': 'multiplicative' });
    await setJobActive(client, true);
    try {
      // The job's first run sets the baseline; the checkpoints come after it, the decision in its next run.
      const baselineRun = await waitForJobRunAfter(client, await lastJobRun(client));
      expect(await forceCheckpoints(client, 8)).toBeGreaterThanOrEqual(8);
      await waitForJobRunAfter(client, baselineRun);
    } finally {
      await setJobActive(client, false);
      await alterSystem({ 'walrus.algorithm': null });
      await listener.end();
    }
    const rows = await history(client);
    expect(rows[0]).toMatchObject({ action: 'no_change', metadata: { baseline: true } });
    const decision = rows.find((r) => r.action === 'increase')!;
    expect(decision).toBeDefined();
    // Forced checkpoints are normalised to one checkpoint_timeout: delta x 30 / max(elapsed, 30).
    const observed = decision.metadata['observed'] as { requested_delta: number; elapsed_sec: number };
    const expectedForced = Math.round((observed.requested_delta * 30) / Math.max(observed.elapsed_sec, 30));
    expect(observed.requested_delta).toBeGreaterThanOrEqual(8);
    expect(decision.forced_checkpoints).toBe(expectedForced);
    expect(decision.old_size_mb).toBe(START_MB);
    expect(decision.new_size_mb).toBe(Math.min(START_MB * (expectedForced + 1), 4096));
    expect(await freshMaxWalSizeMb()).toBe(decision.new_size_mb);

    // The job's session sent the event; a plain LISTEN client received it as JSON.
    const event = events.map((e) => JSON.parse(e) as Record<string, unknown>).find((e) => e['action'] === 'increase');
    expect(event).toMatchObject({
      event: 'resize',
      action: 'increase',
      old_size_mb: START_MB,
      new_size_mb: decision.new_size_mb,
      reason: decision.reason,
    });
    expect(Date.parse(String(event!['timestamp']))).not.toBeNaN();

    const log = await readServerLog(clusterInfo());
    expect(log).toMatch(/pg_walrus: detected \d+ forced checkpoints over \d+ seconds/);
    expect(log).toContain(`pg_walrus: resizing max_wal_size from ${START_MB} MB to ${decision.new_size_mb} MB`);

    await client.end();
    await restartCluster(clusterInfo());
    client = await connect();
    expect(await freshMaxWalSizeMb()).toBe(decision.new_size_mb);
  }, 300_000); // two pg_cron minutes plus the checkpoints: longer than the default test timeout

  it('follows a checkpoint_timeout change on the next cycle', async () => {
    await alterSystem({ checkpoint_timeout: '5min' });
    try {
      await analyze(client);
      expect(await scalar(client, "SELECT schedule FROM cron.job WHERE jobname = 'pg_walrus'")).toBe('*/5 * * * *');
    } finally {
      await alterSystem({ checkpoint_timeout: null });
      await analyze(client);
    }
    expect(await scalar(client, "SELECT schedule FROM cron.job WHERE jobname = 'pg_walrus'")).toBe('* * * * *');
  });

  it('runs every minute while walrus.algorithm = forecast is in force, set plainly or by a profile', async () => {
    const schedule = (): Promise<unknown> => scalar(client, "SELECT schedule FROM cron.job WHERE jobname = 'pg_walrus'");
    const everyDay = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];
    // The schedule a cycle leaves after `statement` (in the session the cycle runs in).
    const scheduleAfter = async (statement: string, ...params: string[]): Promise<unknown> => {
      await client.query(statement, params);
      await analyze(client);
      return schedule();
    };
    await alterSystem({ checkpoint_timeout: '5min' });
    try {
      await analyze(client);
      expect(await schedule()).toBe('*/5 * * * *');
      expect(await scheduleAfter("SET walrus.algorithm = 'forecast'")).toBe('* * * * *');
      expect(await scheduleAfter("SET walrus.algorithm = 'multiplicative'")).toBe('*/5 * * * *');
      // forecast is the default.
      expect(await scheduleAfter('RESET walrus.algorithm')).toBe('* * * * *');
      expect(await scheduleAfter("SET walrus.algorithm = 'multiplicative'")).toBe('*/5 * * * *');
      // A profile in force all week switches the algorithm, and the schedule with it.
      const always = [{ name: 'always', days: everyDay, start_hour: 0, end_hour: 24, algorithm: 'forecast' }];
      expect(await scheduleAfter('SELECT set_config($1, $2, false)', 'walrus.profiles', JSON.stringify(always))).toBe('* * * * *');
    } finally {
      await client.query('RESET walrus.profiles');
      await alterSystem({ checkpoint_timeout: null });
      await analyze(client);
    }
    expect(await schedule()).toBe('* * * * *');
  });
});

describe('a cycle called directly, as any scheduler without pg_cron would (every major)', () => {
  it('grows max_wal_size on real forced checkpoints, notifies listeners, and the new size survives a restart', async () => {
    const listener = await connect();
    const events: string[] = [];
    listener.on('notification', (n) => events.push(n.payload ?? ''));
    await listener.query('LISTEN walrus_events');
    let result: Awaited<ReturnType<typeof analyze>>;
    try {
      expect(await analyze(client)).toMatchObject({ baseline: true });
      expect(await forceCheckpoints(client, 4)).toBeGreaterThanOrEqual(4);
      result = await analyze(client);
      // Notifications reach other sessions at commit; wait for this one before the listener goes.
      await expect.poll(() => events.length, { timeout: 5_000 }).toBeGreaterThan(0);
    } finally {
      await listener.end();
    }
    const rows = await history(client);
    expect(rows[0]).toMatchObject({ action: 'no_change', metadata: { baseline: true } });
    const decision = rows.at(-1)!;
    const observed = decision.metadata['observed'] as { requested_delta: number; elapsed_sec: number };
    expect(observed.requested_delta).toBeGreaterThanOrEqual(4);
    // Called within a second of the baseline: normalised to one checkpoint_timeout, delta x 30 / max(elapsed, 30).
    const expectedForced = Math.round((observed.requested_delta * 30) / Math.max(observed.elapsed_sec, 30));
    expect(decision).toMatchObject({ action: 'increase', old_size_mb: START_MB, forced_checkpoints: expectedForced });
    expect(decision.new_size_mb).toBe(START_MB * (expectedForced + 1));
    expect(result).toMatchObject({ analyzed: true, applied: true });
    expect(await freshMaxWalSizeMb()).toBe(decision.new_size_mb);

    const event = events.map((e) => JSON.parse(e) as Record<string, unknown>).find((e) => e['action'] === 'increase');
    expect(event).toMatchObject({ event: 'resize', old_size_mb: START_MB, new_size_mb: decision.new_size_mb, reason: decision.reason });
    const log = await readServerLog(clusterInfo());
    expect(log).toContain(`pg_walrus: resizing max_wal_size from ${START_MB} MB to ${decision.new_size_mb} MB`);

    await client.end();
    await restartCluster(clusterInfo());
    client = await connect();
    expect(await freshMaxWalSizeMb()).toBe(decision.new_size_mb);
  });
});

describe('a cycle', () => {
  it('takes a baseline first and does not react to the cumulative counter', async () => {
    await forceCheckpoints(client, 3);
    const first = await analyze(client);
    expect(first).toMatchObject({ analyzed: true, baseline: true, applied: false });
    expect(await freshMaxWalSizeMb()).toBe(START_MB);
  });

  it('grows by current x (forced + 1) when forced checkpoints reach the threshold', async () => {
    await analyze(client);
    const made = await forceCheckpoints(client, 3);
    const result = await analyze(client);
    expect(result.recommendation).toMatchObject({ action: 'increase', old_size_mb: START_MB, new_size_mb: START_MB * (made + 1) });
    expect(result.applied).toBe(true);
    expect(await freshMaxWalSizeMb()).toBe(START_MB * (made + 1));
  });

  it('does not count manual CHECKPOINT commands as WAL pressure', async () => {
    await analyze(client);
    const before = await requestedCheckpoints(client);
    for (let i = 0; i < 10; i++) await client.query('CHECKPOINT');
    // CHECKPOINT returns before the checkpointer reports its statistics: wait until the counter has all ten.
    await expect.poll(() => requestedCheckpoints(client), { timeout: 5_000 }).toBeGreaterThanOrEqual(before + 10);
    const result = await analyze(client);
    expect(result.observed!['requested_delta']).toBeGreaterThanOrEqual(10);
    expect(result.recommendation).toMatchObject({ action: 'no_change', new_size_mb: START_MB });
    const row = (await history(client)).at(-1)!;
    expect(row.forced_checkpoints).toBe(0);
    const pressure = (row.metadata['observed'] as { pressure: { counted: number; ignored: number; reason: string } }).pressure;
    expect(pressure.counted).toBe(0);
    expect(pressure.ignored).toBeGreaterThanOrEqual(10);
    expect(pressure.reason).toContain('came from elsewhere');
    expect(await freshMaxWalSizeMb()).toBe(START_MB);
  });

  it('changes nothing below the threshold', async () => {
    await client.query("SET walrus.threshold = '5'");
    await analyze(client);
    const made = await forceCheckpoints(client, 2);
    expect(made).toBeLessThan(5);
    const result = await analyze(client);
    expect(result.recommendation).toMatchObject({ action: 'no_change', new_size_mb: START_MB });
    expect(result.recommendation!.reason).toContain('below the threshold of 5');
    expect(await freshMaxWalSizeMb()).toBe(START_MB);
  });

  it('caps growth at walrus.max with a WARNING, and then stays put', async () => {
    const notices = collectNotices(client);
    await client.query("SET walrus.max = '64MB'");
    await analyze(client);
    await forceCheckpoints(client, 3);
    const capped = await analyze(client);
    expect(capped.recommendation).toMatchObject({ action: 'capped', new_size_mb: 64 });
    expect(notices.some((n) => n.startsWith('WARNING') && n.includes('capped at 64 MB'))).toBe(true);
    expect(await freshMaxWalSizeMb()).toBe(64);

    await forceCheckpoints(client, 3);
    const again = await analyze(client);
    expect(again.recommendation).toMatchObject({ action: 'no_change', old_size_mb: 64, new_size_mb: 64 });
    expect(await freshMaxWalSizeMb()).toBe(64);
  });

  it('never goes below min_wal_size or two WAL segments, nor above walrus.max', async () => {
    await alterSystem({ min_wal_size: '256MB' });
    try {
      await analyze(client);
      await forceCheckpoints(client, 2);
      const result = await analyze(client);
      // 32 MB x 3 would be 96 MB, below min_wal_size.
      expect(result.recommendation).toMatchObject({ action: 'increase', new_size_mb: 256 });
      expect(await freshMaxWalSizeMb()).toBe(256);
    } finally {
      await alterSystem({ min_wal_size: `${START_MB}MB` });
    }
    await expect(client.query("SELECT walrus.apply_max_wal_size(16, 4096, '')")).rejects.toThrow(/below the floor of 32 MB/);
    // Nor above walrus.max, however the size was reached.
    await expect(client.query("SELECT walrus.apply_max_wal_size(1500000000, 4096, '')")).rejects.toThrow(/above walrus.max = 4096 MB/);
    expect(await freshMaxWalSizeMb()).toBe(256);
  });

  it('re-baselines after pg_stat_reset_shared instead of reacting', async () => {
    await analyze(client);
    await forceCheckpoints(client, 3);
    // The counters live in pg_stat_checkpointer from PostgreSQL 17, which resets separately from pg_stat_bgwriter.
    await client.query('SELECT pg_stat_reset_shared($1)', [checkpointStatsTarget()]);
    const result = await analyze(client);
    expect(result).toMatchObject({ baseline: true, applied: false });
    expect(await freshMaxWalSizeMb()).toBe(START_MB);
  });

  it('lets exactly one of two concurrent calls run; the other returns at once', async () => {
    const other = await connect();
    try {
      await client.query('BEGIN');
      await analyze(client);
      // Were the second call to wait for the lock, the statement timeout would fail this test.
      await other.query("SET statement_timeout = '5s'");
      const skipped = await analyze(other);
      expect(skipped).toMatchObject({ analyzed: false, skipped: true });
      expect(skipped.reason).toContain('another walrus_analyze() is running');
    } finally {
      await client.query('COMMIT');
      await other.end();
    }
  });

  it('survives an apply failure, records it (never a password), and applies on the next cycle', async () => {
    const info = clusterInfo();
    const notices = collectNotices(client);
    // A password is never used (walrus.conninfo refuses one, test/security/settings.test.ts), nor shown anywhere.
    await client.query('SELECT set_config($1, $2, false)', [
      'walrus.conninfo',
      `host=${info.host} port=1 dbname=${info.database} user=${info.user} password=sup3rsecret`,
    ]);
    await analyze(client);
    await client.query('SELECT set_config($1, $2, false)', ['walrus.conninfo', `host=${info.host} port=1 dbname=${info.database} user=${info.user}`]);
    const made = await forceCheckpoints(client, 2);
    const failed = await analyze(client);
    expect(failed).toMatchObject({ analyzed: true, applied: false });
    expect(failed.error).toMatch(/could not establish connection|connection/i);
    expect(await freshMaxWalSizeMb()).toBe(START_MB);
    const row = (await history(client)).at(-1)!;
    expect(row).toMatchObject({ action: 'error', old_size_mb: START_MB, new_size_mb: START_MB });
    expect(row.metadata['intended_size_mb']).toBe(START_MB * (made + 1));
    expect(notices.some((n) => n.startsWith('WARNING') && n.includes('could not apply max_wal_size'))).toBe(true);

    const everything = JSON.stringify(await history(client)) + notices.join('\n') + (await readServerLog(info));
    expect(everything).not.toContain('sup3rsecret');

    await client.query('RESET walrus.conninfo');
    const made2 = await forceCheckpoints(client, 2);
    const applied = await analyze(client);
    expect(applied).toMatchObject({ applied: true, recommendation: { action: 'increase', new_size_mb: START_MB * (made2 + 1) } });
    expect(await freshMaxWalSizeMb()).toBe(START_MB * (made2 + 1));
  });

  it('without dblink it advises instead of failing the cycle', async () => {
    const db = await createDatabase('walrus_nodblink');
    const other = await connect(db.name);
    try {
      await other.query('CREATE EXTENSION pg_walrus');
      await analyze(other);
      await forceCheckpoints(other, 2);
      const result = await analyze(other);
      expect(result).toMatchObject({ analyzed: true, applied: false, recommendation: { action: 'advise' } });
      expect(result.recommendation!.reason).toContain('dblink is not installed');
      expect(await freshMaxWalSizeMb()).toBe(START_MB);
    } finally {
      await other.end();
      await db.drop();
    }
  });
});

describe('with allow_alter_system = off (PostgreSQL 17+)', () => {
  /** allow_alter_system cannot be set with ALTER SYSTEM itself: only in postgresql.conf, then a reload. */
  async function allowAlterSystem(on: boolean): Promise<void> {
    await configureCluster(clusterInfo(), { allow_alter_system: on });
    const setting = (): Promise<string> => withClient((c) => scalar<string>(c, "SELECT current_setting('allow_alter_system')"), 'postgres');
    await expect.poll(setting, { timeout: 10_000 }).toBe(on ? 'on' : 'off');
  }

  beforeEach((ctx) => {
    const { major } = clusterInfo();
    skipIf(ctx, major < 17 ? `allow_alter_system exists from PostgreSQL 17 (this is PostgreSQL ${major})` : undefined);
  });

  it('reports that applying is not possible, and cycles record their decision and why they did not apply', async () => {
    await allowAlterSystem(false);
    try {
      // A fresh session: walrus_status reads the setting as the reload left it.
      const apply = await withClient((c) => scalar<{ possible: boolean; reason: string; alter_system_allowed: boolean }>(c, "SELECT walrus_status() -> 'apply'"));
      expect(apply).toMatchObject({ possible: false, alter_system_allowed: false });
      expect(apply.reason).toContain('allow_alter_system is off');

      await analyze(client);
      const made = await forceCheckpoints(client, 2);
      const result = await analyze(client);
      // The cycle does not try: it records what it would apply, as advice, and why.
      expect(result).toMatchObject({ analyzed: true, applied: false });
      expect(result.error).toBeUndefined();
      const row = (await history(client)).at(-1)!;
      expect(row).toMatchObject({ action: 'advise', old_size_mb: START_MB, new_size_mb: START_MB * (made + 1) });
      expect(row.reason).toContain('allow_alter_system is off');
      expect(await freshMaxWalSizeMb()).toBe(START_MB);
      // Whatever calls it, the apply step itself refuses with the reason rather than a vaguer dblink failure.
      await expect(client.query('SELECT walrus.apply_max_wal_size($1, 4096, $2)', [START_MB * 2, ''])).rejects.toThrow(
        /^allow_alter_system is off/,
      );
      expect(await freshMaxWalSizeMb()).toBe(START_MB);
    } finally {
      await allowAlterSystem(true);
    }
    const apply = await scalar<{ possible: boolean }>(client, "SELECT walrus_status() -> 'apply'");
    expect(apply.possible).toBe(true);
  });
});

describe('on a streaming standby', () => {
  it('does nothing, says why, and does not claim it could apply', async () => {
    const standby = await createStandby(clusterInfo());
    try {
      const result = await withStandby(standby.info, (c) => analyze(c));
      expect(result).toMatchObject({ analyzed: false, skipped: true });
      expect(result.reason).toContain('standby');
      expect(await withStandby(standby.info, (c) => scalar(c, 'SELECT count(*)::int FROM walrus.sample'))).toBe(0);
      // Nor does it claim it could: ALTER SYSTEM on a standby changes nothing the primary uses.
      const apply = await withStandby(standby.info, (c) => scalar<{ possible: boolean; reason: string }>(c, "SELECT walrus_status() -> 'apply'"));
      expect(apply).toMatchObject({ possible: false, standby: true });
      expect(apply.reason).toContain('standby');
    } finally {
      await standby.stop();
    }
    expect(await freshMaxWalSizeMb()).toBe(START_MB);
  });
});

async function withStandby<T>(info: ReturnType<typeof clusterInfo>, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = await connectTo(info, info.database);
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

describe('installation', () => {
  it('succeeds without pg_cron and says how to schedule the cycle', async () => {
    const db = await createDatabase('walrus_nocron');
    const other = await connect(db.name);
    try {
      const notices = collectNotices(other);
      await other.query('CREATE EXTENSION pg_walrus');
      expect(notices.join('\n')).toMatch(/^WARNING: pg_walrus: pg_cron is not installed/);
    } finally {
      await other.end();
      await db.drop();
    }
  });

  it("does not get in the way of other roles' DROP EXTENSION, and keeps its job then", async () => {
    const db = cronDatabase();
    await client.query(`DROP ROLE IF EXISTS walrus_dbo; CREATE ROLE walrus_dbo; GRANT CREATE ON DATABASE ${db} TO walrus_dbo`);
    try {
      await client.query('SET ROLE walrus_dbo');
      // hstore is a trusted extension: a role with CREATE on the database may install and drop it.
      await client.query('CREATE SCHEMA walrus_dbo_ext AUTHORIZATION walrus_dbo');
      await client.query('CREATE EXTENSION hstore SCHEMA walrus_dbo_ext');
      await client.query('DROP EXTENSION hstore');
    } finally {
      await client.query('RESET ROLE');
      await client.query('DROP SCHEMA IF EXISTS walrus_dbo_ext CASCADE');
      await client.query(`REVOKE CREATE ON DATABASE ${db} FROM walrus_dbo; DROP ROLE walrus_dbo`);
    }
    if (clusterInfo().hasCron) {
      expect(await scalar(client, "SELECT count(*)::int FROM cron.job WHERE jobname = 'pg_walrus'")).toBe(1);
    }
  });

  it('DROP EXTENSION removes the job, and a failed DROP keeps it', async (ctx) => {
    skipIf(ctx, withoutCron());
    const jobs = async (): Promise<number> => scalar<number>(client, "SELECT count(*)::int FROM cron.job WHERE jobname = 'pg_walrus'");
    expect(await jobs()).toBe(1);
    await client.query('BEGIN');
    await client.query('DROP EXTENSION pg_walrus');
    await client.query('ROLLBACK');
    expect(await jobs()).toBe(1);
    await client.query('DROP EXTENSION pg_walrus');
    expect(await jobs()).toBe(0);
    await client.query('CREATE EXTENSION pg_walrus');
    await setJobActive(client, false);
    expect(await jobs()).toBe(1);
  });
});
