import { existsSync } from 'node:fs';
import type pg from 'pg';
import { describe, expect, it } from 'vitest';
import { connectTo, createStandby, readServerLog, restartCluster } from './cluster/local';
import { skipIf, withoutCron } from './helpers/capabilities';
import { clusterInfo, conninfo, createDatabase, cronDatabase, withClient } from './helpers/db';

async function value<T>(client: pg.Client, sql: string, params: unknown[] = []): Promise<T> {
  const { rows } = await client.query<Record<string, T>>(sql, params);
  const row = rows[0];
  if (row === undefined) throw new Error(`no row from ${sql}`);
  return Object.values(row)[0] as T;
}

function scalar<T>(sql: string, params: unknown[] = [], database?: string): Promise<T> {
  return withClient((client) => value<T>(client, sql, params), database);
}

describe('test cluster', () => {
  it('runs PostgreSQL 15 or newer, the major WALRUS_PG asked for', async () => {
    const version = Number(await scalar<string>('SHOW server_version_num'));
    expect(version).toBeGreaterThanOrEqual(150000);
    expect(Math.floor(version / 10000)).toBe(clusterInfo().major);
    expect(clusterInfo().major).toBe(Number(process.env['WALRUS_PG'] || 15));
  });

  it('has dblink in the cron database, and pg_cron exactly when the cluster says so', async () => {
    const installed = "SELECT array_agg(extname::text ORDER BY extname) FROM pg_extension WHERE extname IN ('dblink', 'pg_cron')";
    expect(await scalar<string[]>(installed)).toEqual(clusterInfo().hasCron ? ['dblink', 'pg_cron'] : ['dblink']);
  });

  it('preloads pg_cron and has it installed in the cron database', async (ctx) => {
    skipIf(ctx, withoutCron());
    expect(cronDatabase()).toBe('walrus_test');
    expect(await scalar<string>('SHOW shared_preload_libraries')).toContain('pg_cron');
    expect(await scalar<string>("SELECT extversion FROM pg_extension WHERE extname = 'pg_cron'")).toMatch(/^1\./);
  });

  it('schedules cron jobs', async (ctx) => {
    skipIf(ctx, withoutCron());
    await withClient(async (client) => {
      const id = await value<string>(client, "SELECT cron.schedule('walrus-harness', '* * * * *', 'SELECT 1')");
      try {
        const job = await client.query('SELECT command FROM cron.job WHERE jobid = $1', [id]);
        expect(job.rows).toEqual([{ command: 'SELECT 1' }]);
      } finally {
        await client.query('SELECT cron.unschedule($1::bigint)', [id]);
      }
    });
  });

  it('reaches itself through a dblink loopback connection', async () => {
    // dblink_exec refuses statements that return rows ("statement returning results not allowed").
    expect(await scalar<string>('SELECT dblink_exec($1, $2)', [conninfo(), 'SET application_name = walrus'])).toBe('SET');
    expect(await scalar<number>('SELECT x FROM dblink($1, $2) AS t(x int)', [conninfo(), 'SELECT 1'])).toBe(1);
  });

  it('uses the short checkpoint_timeout', async () => {
    expect(await scalar<string>('SHOW checkpoint_timeout')).toBe('30s');
  });

  it('writes RAISE LOG messages to the server log', async () => {
    const marker = `walrus-log-marker-${Date.now()}`;
    await withClient((client) => client.query(`DO $$ BEGIN RAISE LOG '${marker}'; END $$`));
    await expect.poll(() => readServerLog(clusterInfo()), { timeout: 5000 }).toContain(marker);
  });

  it('restarts the cluster', async () => {
    const startTime = 'SELECT pg_postmaster_start_time()::text';
    const before = await scalar<string>(startTime);
    await restartCluster(clusterInfo());
    expect(await scalar<string>(startTime)).not.toBe(before);
  });

  it('creates and removes a streaming standby', async () => {
    const standby = await createStandby(clusterInfo());
    try {
      expect(standby.info.port).not.toBe(clusterInfo().port);
      const client = await connectTo(standby.info, 'postgres');
      try {
        expect(await value<boolean>(client, 'SELECT pg_is_in_recovery()')).toBe(true);
      } finally {
        await client.end();
      }
    } finally {
      await standby.stop();
    }
    expect(existsSync(standby.info.dataDir)).toBe(false);
  });

  it('creates isolated databases without pg_cron', async () => {
    const db = await createDatabase('harness');
    try {
      expect(await scalar<string>('SELECT current_database()', [], db.name)).toBe(db.name);
      const cron = "SELECT count(*)::int FROM pg_extension WHERE extname = 'pg_cron'";
      expect(await scalar<number>(cron, [], db.name)).toBe(0);
    } finally {
      await db.drop();
    }
    const left = 'SELECT count(*)::int FROM pg_database WHERE datname = $1';
    expect(await scalar<number>(left, [db.name], 'postgres')).toBe(0);
  });
});
