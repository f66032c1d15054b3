import type { TestContext } from 'vitest';
import { clusterInfo, withClient } from './db';
import { scalar } from './sql';

/*
 * Tests that need something only some majors have here skip themselves with the reason, which vitest prints next to
 * the skipped test ("↓ ... [needs pg_cron ...]"). WALRUS_PG picks the major (test/cluster/select.ts).
 */

/** Why this cluster cannot run a test that needs pg_cron, or undefined when it can. */
export function withoutCron(): string | undefined {
  const { hasCron, major } = clusterInfo();
  return hasCron ? undefined : `needs pg_cron, which exists here only for PostgreSQL 15 (this is PostgreSQL ${major})`;
}

/** Why this cluster has no pg_dump that can dump it, or undefined when it has one. */
export function withoutPgDump(): string | undefined {
  const { clientMajor, major } = clusterInfo();
  return clientMajor >= major
    ? undefined
    : `needs pg_dump ${major} or newer: the npm build has none, and pg_dump ${clientMajor} refuses a PostgreSQL ${major} server`;
}

/** Skips the running test (also from a beforeEach hook) when `reason` is set. */
export function skipIf(ctx: TestContext, reason: string | undefined): void {
  if (reason !== undefined) ctx.skip(reason);
}

/** The statistics reset target that holds the checkpoint counters: pg_stat_checkpointer from PostgreSQL 17. */
export function checkpointStatsTarget(): 'bgwriter' | 'checkpointer' {
  return clusterInfo().major >= 17 ? 'checkpointer' : 'bgwriter';
}

/** Why the cluster cannot install an extension (not in its share/extension), or undefined when it can. */
export async function withoutExtension(name: string): Promise<string | undefined> {
  const { major } = clusterInfo();
  const available = await withClient(
    (client) => scalar<boolean>(client, 'SELECT EXISTS (SELECT FROM pg_available_extensions WHERE name = $1)', [name]),
    'postgres',
  );
  return available ? undefined : `needs the ${name} extension, which exists here only for PostgreSQL 15 (this is PostgreSQL ${major})`;
}
