import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
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
  setSession,
  startClean,
  waitFor,
} from '../helpers/walrus';
import { skipIf, withoutCron } from '../helpers/capabilities';
import { clusterInfo, cronDatabase } from '../helpers/db';

/** A session logged in as role itself: SET ROLE would leave session_user a superuser. */
async function loginAs(role: string): Promise<pg.Client> {
  const info = clusterInfo();
  const c = new pg.Client({ host: info.host, port: info.port, user: role, database: cronDatabase() });
  await c.connect();
  return c;
}

/**
 * The promises pg_walrus makes to a DBA whose pg_cron job runs as a superuser, each kept against the attack that
 * would break it: name shadowing through search_path, forged state, removing the job, an interrupted cycle.
 */

let client: pg.Client;
let uninstall: (current: pg.Client) => Promise<void>;

beforeAll(async () => {
  ({ client, uninstall } = await installPaused());
});

afterAll(() => uninstall(client));

beforeEach(async () => {
  await startClean(client);
});

/** Runs sql as role (SET ROLE in the shared session), returning 'ok' or the error message. */
async function as(role: string, sql: string, params: unknown[] = []): Promise<string> {
  await client.query(`SET ROLE ${role}`);
  try {
    await client.query(sql, params);
    return 'ok';
  } catch (error) {
    return (error as Error).message;
  } finally {
    await client.query('RESET ROLE');
  }
}

async function withRole(role: string, fn: () => Promise<void>, setup = ''): Promise<void> {
  await client.query(`DROP OWNED BY ${role}`).catch(() => undefined);
  await client.query(`DROP ROLE IF EXISTS ${role}; CREATE ROLE ${role} LOGIN; ${setup}`);
  try {
    await fn();
  } finally {
    await client.query('RESET ROLE');
    await client.query(`DROP OWNED BY ${role}; DROP ROLE ${role}`);
  }
}

describe('search_path: the superuser job never runs another role\'s code', () => {
  it('every pg_walrus function pins search_path to pg_catalog, pg_temp', async () => {
    const { rows } = await client.query<{ fn: string; proconfig: string[] | null }>(`
      SELECT p.oid::regprocedure::text AS fn, p.proconfig
        FROM pg_proc p JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e'
        JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'pg_walrus'`);
    expect(rows.length).toBeGreaterThan(60);
    const unpinned = rows.filter((r) => !(r.proconfig ?? []).includes('search_path=pg_catalog, pg_temp')).map((r) => r.fn);
    expect(unpinned).toEqual([]);
  });

  it('an aggregate, a function and an operator planted in public are never called by cycles or reports', async () => {
    await client.query('DROP TABLE IF EXISTS public.walrus_pwned; CREATE TABLE public.walrus_pwned (who text, what text)');
    await client.query('GRANT INSERT, SELECT ON public.walrus_pwned TO PUBLIC');
    // What a cluster upgraded from PostgreSQL 14 or older still grants PUBLIC.
    await withRole('walrus_attacker', async () => {
      await client.query('SET ROLE walrus_attacker');
      await client.query(`
        CREATE FUNCTION public.walrus_evil(what text) RETURNS void LANGUAGE plpgsql AS $$
        BEGIN
          INSERT INTO public.walrus_pwned VALUES (current_user, what);
          IF (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
            EXECUTE 'ALTER ROLE walrus_attacker SUPERUSER';
          END IF;
        END $$;
        CREATE FUNCTION public.walrus_evil_sfunc(state float8[], x float8) RETURNS float8[] LANGUAGE plpgsql AS $$
        BEGIN PERFORM public.walrus_evil('array_agg(float8)'); RETURN state || x; END $$;
        CREATE AGGREGATE public.array_agg(float8) (SFUNC = public.walrus_evil_sfunc, STYPE = float8[], INITCOND = '{}');
        CREATE FUNCTION public.format(text, integer, integer) RETURNS text LANGUAGE plpgsql AS $$
        BEGIN PERFORM public.walrus_evil('format(text, integer, integer)'); RETURN pg_catalog.format($1, $2, $3); END $$;
        CREATE FUNCTION public.walrus_evil_mul(numeric, integer) RETURNS numeric LANGUAGE plpgsql AS $$
        BEGIN PERFORM public.walrus_evil('numeric * integer'); RETURN $1 * $2::numeric; END $$;
        CREATE OPERATOR public.* (FUNCTION = public.walrus_evil_mul, LEFTARG = numeric, RIGHTARG = integer);`);
      // The shadows are live: an unpinned query through public picks each of them over pg_catalog's.
      await client.query("SELECT (SELECT array_agg(x) FROM (VALUES (1::float8)) v(x)), format('%s %s', 1, 2), 2::numeric * 3");
      await client.query('RESET ROLE');
      const planted = await client.query('SELECT what FROM public.walrus_pwned ORDER BY what');
      expect(planted.rows.map((r) => r.what)).toEqual(['array_agg(float8)', 'format(text, integer, integer)', 'numeric * integer']);
      await client.query('TRUNCATE public.walrus_pwned');

      // As the superuser, with public on the search_path (the job's default): every path the job and a DBA take.
      await setSession(client, { 'walrus.cooldown_sec': '0', 'walrus.algorithm': 'percentile' });
      await analyzeAfterInterval(client);
      await alterSystem({ max_wal_size: '48MB' }); // an external change: the cycle records it with format()
      await forceCheckpoints(client, 2);
      const grown = await analyzeAfterInterval(client);
      expect(grown.recommendation?.action).toBe('increase');
      for (const sql of [
        'SELECT walrus_status()',
        'SELECT walrus_recommendation()',
        'SELECT walrus_wal_rate()',
        'SELECT walrus_metrics()',
        'SELECT * FROM walrus_history()',
        'SELECT * FROM walrus.settings',
      ]) {
        await client.query(sql);
      }
      expect((await history(client)).map((r) => r.action)).toContain('external_change');
      expect((await client.query('SELECT who, what FROM public.walrus_pwned')).rows).toEqual([]);
      expect(await scalar(client, "SELECT rolsuper FROM pg_roles WHERE rolname = 'walrus_attacker'")).toBe(false);
    }, 'GRANT CREATE ON SCHEMA public TO walrus_attacker');
    await client.query('DROP TABLE public.walrus_pwned');
  });
});

describe('operators run cycles but cannot forge what the job reads', () => {
  it('an operator has no write access to the tables and no admin function; PUBLIC is never an operator', async () => {
    await withRole('walrus_op', async () => {
      for (const sql of [
        "INSERT INTO walrus.history (action, old_size_mb, new_size_mb, forced_checkpoints, checkpoint_timeout_sec, reason) VALUES ('increase', 32, 1500000000, 9, 30, 'forged')",
        'UPDATE walrus.history SET new_size_mb = 1500000000',
        'DELETE FROM walrus.history',
        'UPDATE walrus.sample SET max_wal_size_mb = 1500000000',
        'DELETE FROM walrus.sample',
        'UPDATE walrus.state SET quiet_intervals = 1000',
        'SELECT walrus_reset()',
        "SELECT walrus.grant_operator('walrus_op')",
        'SELECT walrus.schedule_job()',
        "SELECT walrus.record('increase', 32, 1500000000, 9, 30, 'forged', '{}')",
        'SELECT walrus.take_sample()',
      ]) {
        expect(await as('walrus_op', sql), sql).toMatch(/permission denied/);
      }
      expect(await as('walrus_op', 'SELECT walrus_analyze()')).toBe('ok');
      expect(await as('walrus_op', 'SELECT count(*) FROM walrus.history')).toBe('ok');
    }, "SELECT walrus.grant_operator('walrus_op')");
    for (const grantee of ['public', 'PUBLIC', 'Public']) {
      await expect(client.query('SELECT walrus.grant_operator($1)', [grantee])).rejects.toThrow(/needs a role, not/);
    }
  });

  it("an operator's cycle acts on the server's settings, not on SET walrus.* in its own session", async () => {
    await alterSystem({ 'walrus.max': '96MB', 'walrus.cooldown_sec': '0' });
    try {
      await withRole('walrus_op', async () => {
        const op = await loginAs('walrus_op');
        try {
          await setSession(op, { 'walrus.max': '1TB', 'walrus.dry_run': 'on', 'walrus.conninfo': 'host=/nowhere' });
          await forceCheckpoints(client, 4);
          const result = await analyze(op);
          // 32 MB x 5 would be 160 MB; the server's walrus.max of 96 MB holds, and the change is live, not dry-run,
          // applied over the owner's loopback connection, not the operator's.
          expect(result.recommendation).toMatchObject({ action: 'capped', new_size_mb: 96 });
          expect(result.applied).toBe(true);
          expect(await freshMaxWalSizeMb()).toBe(96);
        } finally {
          await op.end();
        }
      }, "SELECT walrus.grant_operator('walrus_op')");
    } finally {
      await alterSystem({ 'walrus.max': null, 'walrus.cooldown_sec': null });
    }
  });

  it('a stored size, however large, is clamped to walrus.max before anything is applied', async () => {
    await setSession(client, { 'walrus.cooldown_sec': '0', 'walrus.max': '128MB', 'walrus.shrink_intervals': '1', 'walrus.min_size': '32MB' });
    // Only the owner can write the history now; even a row it wrote wrongly cannot steer the job past the cap.
    await client.query(`INSERT INTO walrus.history (action, old_size_mb, new_size_mb, forced_checkpoints, checkpoint_timeout_sec, reason)
                        VALUES ('increase', 32, 1500000000, 9, 30, 'forged')`);
    const result = await analyzeAfterInterval(client);
    expect(result.recommendation?.new_size_mb).toBeLessThanOrEqual(128);
    expect(await freshMaxWalSizeMb()).toBeLessThanOrEqual(128);
  });
});

describe('the pg_cron job', () => {
  beforeEach((ctx) => skipIf(ctx, withoutCron()));

  const job = async (): Promise<unknown[]> =>
    (await client.query("SELECT jobid, schedule, command, active FROM cron.job WHERE jobname = 'pg_walrus'")).rows;

  it('survives any DROP EXTENSION that does not drop pg_walrus, whoever runs it', async () => {
    const before = await job();
    expect(before).toHaveLength(1);
    await withRole('walrus_nobody', async () => {
      for (const sql of [
        'DROP EXTENSION IF EXISTS "pg_walrus-x"',
        'DROP EXTENSION IF EXISTS nosuch /* pg_walrus */',
        'DROP EXTENSION IF EXISTS nosuch; SELECT 1 -- drop extension pg_walrus',
      ]) {
        expect(await as('walrus_nobody', sql)).toBe('ok');
        expect(await job()).toEqual(before);
      }
      expect(await as('walrus_nobody', 'DROP EXTENSION pg_walrus')).toMatch(/must be owner/);
      expect(await job()).toEqual(before);
    });
    // Dropping pg_cron itself is not stopped by the hook trying to put the job back.
    await client.query('BEGIN');
    await client.query('DROP EXTENSION pg_cron');
    await client.query('ROLLBACK');
    expect(await job()).toEqual(before);
  });

  it('is removed when pg_walrus is dropped, even by a command that does not name it', async () => {
    await client.query(`DO $$ BEGIN EXECUTE 'DROP EXTENSION ' || 'pg_' || 'walrus'; END $$`);
    expect(await job()).toEqual([]);
    await client.query('CREATE EXTENSION pg_walrus');
    await client.query("SELECT cron.alter_job(jobid, active := false) FROM cron.job WHERE jobname = 'pg_walrus'");
  });

  it('a cycle warns when the job is missing', async () => {
    await client.query("DELETE FROM cron.job WHERE jobname = 'pg_walrus'");
    try {
      const notices = collectNotices(client);
      const result = await analyze(client);
      expect(result).toMatchObject({ job_missing: true });
      expect(notices.join('\n')).toContain('the pg_cron job pg_walrus is missing');
    } finally {
      await client.query('SELECT walrus.schedule_job()');
      await client.query("SELECT cron.alter_job(jobid, active := false) FROM cron.job WHERE jobname = 'pg_walrus'");
    }
  });
});

describe('an applied change is never lost from the history', () => {
  it('a cycle killed after applying leaves an external_change row that the rate limits count', async () => {
    // pg_walsizer's arithmetic, so the size applied is known: 32 MB x (2 + 1).
    await setSession(client, { 'walrus.cooldown_sec': '0', 'walrus.algorithm': 'multiplicative' });
    await analyzeAfterInterval(client); // creates the walrus.state row the blocker locks
    const blocker = await connect();
    const victim = await connect();
    // The terminated session's socket closes under it; that is the point of the test.
    victim.on('error', () => undefined);
    try {
      await blocker.query('BEGIN');
      await blocker.query('SELECT * FROM walrus.state FOR UPDATE');
      await setSession(victim, { 'walrus.cooldown_sec': '0', 'walrus.algorithm': 'multiplicative' });
      const victimPid = await scalar<number>(victim, 'SELECT pg_backend_pid()');
      await forceCheckpoints(victim, 2);
      const cycle = victim.query('SELECT walrus_analyze()').then(
        () => 'finished',
        (error: Error) => error.message,
      );
      // It recorded and applied, and now waits for walrus.state.
      await waitFor(
        () => scalar<string | null>(client, 'SELECT wait_event_type FROM pg_stat_activity WHERE pid = $1', [victimPid]),
        (w) => w === 'Lock',
        'the cycle to block on walrus.state',
      );
      await client.query('SELECT pg_terminate_backend($1)', [victimPid]);
      expect(await cycle).toMatch(/terminat/);
      await blocker.query('ROLLBACK');
    } finally {
      await blocker.end();
      await victim.end().catch(() => undefined);
    }
    expect(await freshMaxWalSizeMb()).toBe(96);
    expect((await history(client)).map((r) => r.action)).not.toContain('increase');

    // The next cycle still sees the interval's forced checkpoints and would grow again, but the change it finds
    // unrecorded is recorded now and spends the hour's only change.
    await setSession(client, { 'walrus.max_changes_per_hour': '1' });
    const next = await analyze(client);
    const rows = await history(client);
    expect(rows.find((r) => r.action === 'external_change')).toMatchObject({ old_size_mb: 32, new_size_mb: 96 });
    expect(next.recommendation).toMatchObject({ action: 'skipped', proposed: 'increase' });
    expect(next.recommendation!.reason).toContain('hourly limit reached: 1 changes');
  });
});

describe('applying', () => {
  it("keeps libpq's own reason when the loopback connection fails, and retries a failed shrink at the next cycle", async () => {
    await alterSystem({ max_wal_size: '256MB' });
    await setSession(client, {
      // One walrus.shrink_factor step after walrus.shrink_intervals quiet intervals: a known size to retry.
      'walrus.algorithm': 'multiplicative',
      'walrus.cooldown_sec': '0',
      'walrus.shrink_intervals': '1',
      'walrus.min_size': '32MB',
      'walrus.conninfo': 'host=/nonexistent/walrus port=1 dbname=postgres',
    });
    const failed = await analyzeAfterInterval(client);
    expect(failed.error).toContain('could not establish connection');
    expect(failed.error).toMatch(/No such file or directory/);
    expect((await history(client)).at(-1)).toMatchObject({ action: 'error', new_size_mb: 256 });
    expect(await scalar(client, 'SELECT quiet_intervals FROM walrus.state')).toBe(1);

    await client.query('RESET walrus.conninfo');
    const retried = await analyze(client);
    expect(retried.recommendation).toMatchObject({ action: 'decrease', new_size_mb: 192 });
    expect(await freshMaxWalSizeMb()).toBe(192);
  });
});
