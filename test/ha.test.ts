import { join } from 'node:path';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectTo, createStandby, runAsServerUser, type Standby } from './cluster/local';
import type { ClusterInfo } from './cluster/provider';
import { clusterInfo } from './helpers/db';
import {
  alterSystem,
  analyze,
  forceCheckpoints,
  installPaused,
  scalar,
  setSession,
  waitFor,
} from './helpers/walrus';

/**
 * A failover as an operator lives through it, on a real primary and streaming standby: ALTER SYSTEM is not
 * replicated, the history is. The standby tells the truth about its size, never acts, and the first cycle after a
 * promotion restores the size the cluster had decided.
 */

let client: pg.Client;
let uninstall: (current: pg.Client) => Promise<void>;
let standby: Standby | undefined;

beforeAll(async () => {
  ({ client, uninstall } = await installPaused());
  await client.query('SELECT walrus_reset()');
  await alterSystem({ min_wal_size: '32MB', max_wal_size: '32MB' });
});

afterAll(async () => {
  await standby?.stop().catch(() => undefined);
  await uninstall(client);
});

async function on<T>(info: ClusterInfo, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = await connectTo(info, clusterInfo().database);
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

interface Replication {
  in_recovery: boolean;
  timeline: number;
  local_max_wal_size_mb: number;
  cluster_decided_mb: number | null;
  differs: boolean;
  at_promotion?: string;
  restartpoints_requested?: number;
}

describe('a primary and its streaming standby', () => {
  it('grow on the primary, tell the truth on the standby, restore the size at promotion', async () => {
    standby = await createStandby(clusterInfo());
    const replica = standby.info;

    // Grown on the primary after the standby was made: the standby's postgresql.auto.conf keeps 32 MB
    await setSession(client, { 'walrus.cooldown_sec': '0' });
    await forceCheckpoints(client, 2);
    // (the base backup's own checkpoint and segment switches count too, so the size is read, not assumed)
    const grown = await analyze(client);
    expect(grown.recommendation?.action).toBe('increase');
    const decided = grown.recommendation!.new_size_mb;
    expect(decided).toBeGreaterThan(32);
    const primaryLsn = await scalar<string>(client, 'SELECT pg_current_wal_lsn()::text');
    await waitFor(
      () => on(replica, (c) => scalar<boolean>(c, 'SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn', [primaryLsn])),
      (caughtUp) => caughtUp,
      'the standby to replay the history',
    );

    // The standby: its own size, the cluster's, and what a promotion will do; it never acts.
    const before = await on(replica, (c) => scalar<{ current_max_wal_size_mb: number; replication: Replication; apply: { possible: boolean } }>(c, 'SELECT walrus_status()'));
    expect(before.current_max_wal_size_mb).toBe(32);
    expect(before.replication).toMatchObject({ in_recovery: true, local_max_wal_size_mb: 32, cluster_decided_mb: decided, differs: true });
    expect(before.replication.at_promotion).toContain(`the first cycle after a promotion restores ${decided} MB`);
    expect(typeof before.replication.restartpoints_requested).toBe('number');
    expect(before.apply.possible).toBe(false);
    const standbyCheck = await on(replica, (c) => scalar<{ status: string; detail: string }>(c, "SELECT to_jsonb(d) FROM walrus_doctor() d WHERE \"check\" = 'standby'"));
    expect(standbyCheck.status).toBe('warn');
    expect(standbyCheck.detail).toContain(`the first cycle after a promotion restores ${decided} MB`);
    expect(await on(replica, (c) => analyze(c))).toMatchObject({ analyzed: false, skipped: true });

    await runAsServerUser(join(replica.binDir, 'pg_ctl'), ['-D', replica.dataDir, '-w', 'promote']);
    await waitFor(() => on(replica, (c) => scalar<boolean>(c, 'SELECT pg_is_in_recovery()')), (r) => !r, 'the promotion');

    // Before any cycle, the new primary reports the size it really runs with, not the replicated row's.
    const promoted = await on(replica, (c) => scalar<{ current_max_wal_size_mb: number; replication: Replication }>(c, 'SELECT walrus_status()'));
    expect(promoted.current_max_wal_size_mb).toBe(32);
    expect(promoted.replication).toMatchObject({ in_recovery: false, cluster_decided_mb: decided, differs: true });
    expect(promoted.replication.timeline).toBeGreaterThan(before.replication.timeline);
    const recommendation = await on(replica, (c) => scalar<{ current_size_mb: number }>(c, 'SELECT walrus_recommendation()'));
    expect(recommendation.current_size_mb).toBe(32);

    // The first cycle restores the cluster's size, says why, and takes a fresh baseline.
    const first = await on(replica, (c) => analyze(c));
    expect(first).toMatchObject({ analyzed: true, baseline: true, applied: true });
    const rows = await on(replica, (c) =>
      c.query<{ action: string; old_size_mb: number; new_size_mb: number; reason: string }>(
        'SELECT action, old_size_mb, new_size_mb, reason FROM walrus.history ORDER BY id DESC LIMIT 2',
      ),
    );
    expect(rows.rows[1]).toMatchObject({ action: 'failover', old_size_mb: 32, new_size_mb: decided });
    expect(rows.rows[1]!.reason).toMatch(/promoted: timeline \d+ became \d+/);
    expect(rows.rows[0]).toMatchObject({ action: 'no_change' });
    expect(await on(replica, (c) => scalar<string>(c, "SELECT setting FROM pg_settings WHERE name = 'max_wal_size'"))).toBe(String(decided));
    // Nothing external happened: the next cycle records no external_change and no second failover.
    await on(replica, (c) => analyze(c));
    const actions = await on(replica, (c) => c.query<{ action: string }>("SELECT action FROM walrus.history WHERE action IN ('failover', 'external_change')"));
    expect(actions.rows.map((r) => r.action)).toEqual(['failover']);
  });
});
