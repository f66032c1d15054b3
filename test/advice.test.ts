import type pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { clusterInfo, cronDatabase } from './helpers/db';
import { connectTo } from './cluster/local';
import {
  alterSystem,
  analyze,
  forceCheckpoints,
  freshMaxWalSizeMb,
  history,
  installPaused,
  scalar,
  setSession,
} from './helpers/walrus';

/**
 * Where pg_walrus must not apply (walrus.apply = advise, an HA manager owning the configuration), a cycle decides
 * exactly as live mode would, records the decision as advice and leaves max_wal_size alone; walrus_recommendation()
 * gives the commands that apply it.
 */

let client: pg.Client;
let uninstall: (current: pg.Client) => Promise<void>;

interface Commands {
  alter_system: string;
  patroni: string;
  aws_rds: string;
  gcloud: string;
  azure: string;
}

beforeAll(async () => {
  ({ client, uninstall } = await installPaused());
});

afterAll(() => uninstall(client));

beforeEach(async () => {
  await client.query('RESET ALL');
  await client.query('SELECT walrus_reset()');
  await alterSystem({ min_wal_size: '32MB', max_wal_size: '32MB' });
  // Sizes below are pg_walsizer's arithmetic, whatever walrus.algorithm defaults to.
  await setSession(client, { 'walrus.cooldown_sec': '0', 'walrus.algorithm': 'multiplicative' });
});

describe('advisory mode', () => {
  it('walrus.apply = advise decides as live mode would, records advice and changes nothing', async () => {
    await setSession(client, { 'walrus.apply': 'advise' });
    const made = await forceCheckpoints(client, 2);
    const recommendation = await scalar<{ action: string; recommended_size_mb: number; advice: string; commands: Commands }>(
      client,
      'SELECT walrus_recommendation()',
    );
    const size = 32 * (made + 1);
    expect(recommendation).toMatchObject({ action: 'increase', recommended_size_mb: size, advice: 'walrus.apply = advise' });
    expect(recommendation.commands).toEqual({
      alter_system: `ALTER SYSTEM SET max_wal_size = '${size}MB'; SELECT pg_reload_conf();`,
      patroni: `patronictl edit-config --pg max_wal_size=${size}MB --force`,
      aws_rds: `aws rds modify-db-parameter-group --db-parameter-group-name <group> --parameters "ParameterName=max_wal_size,ParameterValue=${size},ApplyMethod=immediate"`,
      gcloud: `gcloud sql instances patch <instance> --database-flags=max_wal_size=${size}`,
      azure: `az postgres flexible-server parameter set --resource-group <group> --server-name <server> --name max_wal_size --value ${size}`,
    });
    const result = await analyze(client);
    expect(result).toMatchObject({ applied: false, recommendation: { action: 'advise', proposed: 'increase', new_size_mb: size } });
    expect((await history(client)).at(-1)).toMatchObject({ action: 'advise', old_size_mb: 32, new_size_mb: size });
    expect(await freshMaxWalSizeMb()).toBe(32);
    // Metrics carry the advice too, for alerting where nothing applies it.
    expect(await scalar<string>(client, 'SELECT walrus_metrics()')).toContain(`walrus_advised_max_wal_size_bytes ${size * 1048576}`);
    // The command it gives works: run by hand, it applies the size, and the next cycle records it as such.
    await client.query(`ALTER SYSTEM SET max_wal_size = '${size}MB'`);
    await client.query('SELECT pg_reload_conf()');
    expect(await freshMaxWalSizeMb()).toBe(size);
    await analyze(client);
    expect((await history(client)).map((r) => r.action)).toContain('external_change');
  });

  it('a server managed by Patroni is advised, not altered', async () => {
    const info = clusterInfo();
    // Patroni's own sessions name themselves; that is what gives it away from inside the server.
    const patroni = await connectTo({ ...info }, cronDatabase());
    await patroni.query("SET application_name = 'Patroni heartbeat'");
    try {
      const apply = await scalar<{ possible: boolean; patroni: boolean; reason: string }>(client, "SELECT walrus_status() -> 'apply'");
      expect(apply).toMatchObject({ possible: false, patroni: true });
      expect(apply.reason).toContain('patronictl edit-config');
      await forceCheckpoints(client, 2);
      const result = await analyze(client);
      expect(result.recommendation).toMatchObject({ action: 'advise' });
      expect(result.recommendation!.reason).toContain('Patroni manages this server');
      expect(await freshMaxWalSizeMb()).toBe(32);
    } finally {
      await patroni.end();
    }
    expect((await scalar<{ possible: boolean }>(client, "SELECT walrus_status() -> 'apply'")).possible).toBe(true);
  });
});
