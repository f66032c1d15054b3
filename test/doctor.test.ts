import type pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { connectTo, restartCluster } from './cluster/local';
import { clusterInfo, connect, createDatabase, cronDatabase } from './helpers/db';
import { alterSystem, forceCheckpoints, installPaused, setJobActive, setSession, waitFor } from './helpers/walrus';
import { skipIf, withoutCron } from './helpers/capabilities';

/**
 * walrus_doctor() on the real server: every check in both of its states, each with the fix it offers. Settings and
 * catalog states are made for real (a slot holding WAL, a failing archive_command, a missing dblink), never faked.
 */

let client: pg.Client;
let uninstall: (current: pg.Client) => Promise<void>;

interface Row {
  check: string;
  status: string;
  detail: string;
  fix: string;
}

async function doctor(c: pg.Client = client): Promise<Record<string, Row>> {
  const { rows } = await c.query<Row>('SELECT * FROM walrus_doctor()');
  return Object.fromEntries(rows.map((r) => [r.check, r]));
}

beforeAll(async () => {
  ({ client, uninstall } = await installPaused());
});

afterAll(() => uninstall(client));

beforeEach(async (ctx) => {
  skipIf(ctx, withoutCron());
  await client.query('RESET ALL');
  await client.query('SELECT walrus_reset()');
  await alterSystem({ min_wal_size: '32MB', max_wal_size: '32MB' });
});

describe('walrus_doctor()', () => {
  it('lists every check once, with a fix wherever the status is not ok', async () => {
    const rows = (await client.query<Row>('SELECT * FROM walrus_doctor()')).rows;
    expect(rows.map((r) => r.check)).toEqual([
      'pg_cron', 'job', 'apply', 'settings', 'cap', 'replication slots', 'archiver', 'wal_keep_size', 'cadence',
      'pressure at the cap', 'standby',
    ]);
    for (const r of rows) {
      expect(['ok', 'warn', 'fail']).toContain(r.status);
      expect(r.fix === '').toBe(r.status === 'ok');
    }
  });

  it('pg_cron and dblink: missing in a database without them', async () => {
    expect((await doctor())['pg_cron']!.status).toBe('ok');
    expect((await doctor())['apply']).toMatchObject({ status: 'ok' });
    const db = await createDatabase('walrus_doctor_bare');
    const other = await connect(db.name);
    try {
      await other.query('CREATE EXTENSION pg_walrus');
      const found = await doctor(other);
      expect(found['pg_cron']).toMatchObject({ status: 'fail' });
      expect(found['pg_cron']!.fix).toContain('CREATE EXTENSION pg_cron');
      expect(found['job']).toMatchObject({ status: 'fail' });
      expect(found['apply']).toMatchObject({ status: 'fail', fix: 'CREATE EXTENSION dblink;' });
    } finally {
      await other.end();
      await db.drop();
    }
  });

  it('the job: paused, active, failing, missing', async () => {
    expect((await doctor())['job']).toMatchObject({ status: 'warn', detail: 'the pg_cron job pg_walrus is paused' });
    await setJobActive(client, true);
    try {
      expect((await doctor())['job']!.status).toBe('ok');
      await client.query(`
        INSERT INTO cron.job_run_details (jobid, runid, job_pid, database, username, command, status, return_message,
                                          start_time, end_time)
        SELECT jobid, nextval('cron.runid_seq'), 0, database, username, command, 'failed', 'ERROR: boom', now(), now()
          FROM cron.job WHERE jobname = 'pg_walrus'`);
      const failing = (await doctor())['job']!;
      expect(failing).toMatchObject({ status: 'fail' });
      expect(failing.detail).toContain('ERROR: boom');
    } finally {
      await client.query("DELETE FROM cron.job_run_details WHERE return_message = 'ERROR: boom'");
      await setJobActive(client, false);
    }
    await client.query("DELETE FROM cron.job WHERE jobname = 'pg_walrus'");
    try {
      expect((await doctor())['job']).toMatchObject({ status: 'fail', fix: 'SELECT walrus.schedule_job();' });
    } finally {
      await client.query('SELECT walrus.schedule_job()');
      await setJobActive(client, false);
    }
  });

  it('settings, the cap and min_wal_size', async () => {
    expect((await doctor())['settings']!.status).toBe('ok');
    expect((await doctor())['cap']!.status).toBe('ok');
    await setSession(client, { 'walrus.threshold': 'often' });
    const settings = (await doctor())['settings']!;
    expect(settings.status).toBe('warn');
    expect(settings.detail).toContain("walrus.threshold = 'often' (not an integer");
    await client.query('RESET walrus.threshold');

    await alterSystem({ max_wal_size: '256MB' });
    await setSession(client, { 'walrus.max': '128MB' });
    expect((await doctor())['cap']).toMatchObject({ status: 'warn' });
    expect((await doctor())['cap']!.detail).toContain('max_wal_size (256 MB) is above walrus.max (128 MB)');
    await alterSystem({ min_wal_size: '192MB' });
    await setSession(client, { 'walrus.max': '160MB' });
    expect((await doctor())['cap']!.detail).toContain('min_wal_size (192 MB) is above walrus.max (160 MB)');
  });

  it('WAL held by a replication slot, which a larger max_wal_size cannot free', async () => {
    expect((await doctor())['replication slots']!.status).toBe('ok');
    await client.query("SELECT pg_create_physical_replication_slot('walrus_doctor_slot', true)");
    try {
      await forceCheckpoints(client, 4); // 32 MB max_wal_size: several 16 MB segments more than it
      await client.query('CHECKPOINT');
      const found = (await doctor())['replication slots']!;
      expect(found.status).toBe('warn');
      expect(found.detail).toMatch(/walrus_doctor_slot \(\d+ MB, inactive\)/);
    } finally {
      await client.query("SELECT pg_drop_replication_slot('walrus_doctor_slot')");
    }
  });

  it('wal_keep_size above max_wal_size, and a checkpoint_timeout shorter than pg_cron can follow', async () => {
    expect((await doctor())['wal_keep_size']!.status).toBe('ok');
    await alterSystem({ wal_keep_size: '1GB' });
    try {
      expect((await doctor())['wal_keep_size']).toMatchObject({ status: 'warn' });
    } finally {
      await alterSystem({ wal_keep_size: null });
    }
    // The test cluster runs checkpoint_timeout = 30s, and pg_cron 1.4 schedules in minutes.
    expect((await doctor())['cadence']).toMatchObject({ status: 'warn' });
    await alterSystem({ checkpoint_timeout: '60s' });
    try {
      expect((await doctor())['cadence']!.status).toBe('ok');
    } finally {
      await alterSystem({ checkpoint_timeout: null });
    }
  });

  it('forced checkpoints that persist at walrus.max', async () => {
    expect((await doctor())['pressure at the cap']!.status).toBe('ok');
    await setSession(client, { 'walrus.max': '64MB' });
    await client.query(`INSERT INTO walrus.history (action, old_size_mb, new_size_mb, forced_checkpoints, checkpoint_timeout_sec, reason)
                        SELECT 'no_change', 64, 64, 5, 30, 'at the cap' FROM generate_series(1, 4)`);
    const found = (await doctor())['pressure at the cap']!;
    expect(found).toMatchObject({ status: 'warn' });
    expect(found.fix).toContain("walrus_set('walrus.max', '128MB')");
  });

  it('a failing archiver', async () => {
    expect((await doctor())['archiver']).toMatchObject({ status: 'ok', detail: 'archive_mode is off' });
    await alterSystem({ archive_mode: 'on', archive_command: 'false' });
    await client.end();
    await restartCluster(clusterInfo());
    client = await connect();
    try {
      await client.query('SELECT pg_switch_wal()');
      await waitFor(
        () => doctor().then((d) => d['archiver']!.status),
        (s) => s === 'fail',
        'the archiver to fail',
      );
      expect((await doctor())['archiver']!.detail).toContain('archiving fails');
    } finally {
      await alterSystem({ archive_mode: null, archive_command: null });
      await client.end();
      await restartCluster(clusterInfo());
      client = await connect();
    }
    expect((await doctor())['archiver']!.status).toBe('ok');
  });

  it('a Patroni-managed server is advised, and says how to apply', async () => {
    const patroni = await connectTo(clusterInfo(), cronDatabase());
    try {
      await patroni.query("SET application_name = 'Patroni heartbeat'");
      expect((await doctor())['apply']).toMatchObject({ status: 'warn' });
      expect((await doctor())['apply']!.fix).toContain("'commands' ->> 'patroni'");
    } finally {
      await patroni.end();
    }
  });

  it('walrus_status_report() is walrus_status() one fact per row, then what needs attention with its fix', async () => {
    const { rows } = await client.query<{ section: string; name: string; value: string; hint: string | null }>(
      'SELECT * FROM walrus_status_report()',
    );
    const fact = (section: string, name: string) => rows.find((r) => r.section === section && r.name === name);
    expect(fact('pg_walrus', 'current_max_wal_size_mb')?.value).toBe('32');
    expect(fact('apply', 'possible')?.value).toBe('true');
    // The job is paused in the tests: the report says so, with the command that resumes it.
    const attention = fact('attention', 'job');
    expect(attention?.value).toContain('warn: the pg_cron job pg_walrus is paused');
    expect(attention?.hint).toContain('cron.alter_job');
    expect(rows.filter((r) => r.section === 'attention').every((r) => r.hint !== null && r.hint !== '')).toBe(true);
  });
});
