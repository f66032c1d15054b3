/**
 * `npm run demo`: a throwaway PostgreSQL cluster with pg_cron, pg_walrus installed from the committed script, a burst
 * of real forced checkpoints, and the cycle growing max_wal_size. Everything is removed at the end.
 */
import { resolve } from 'node:path';
import type pg from 'pg';
import { connectTo, installExtension, localProvider } from '../test/cluster/local';
import { forceCheckpoints, scalar } from '../test/helpers/sql';

const say = (text: string): void => console.log(`\n\x1b[1m== ${text}\x1b[0m`);

async function show(client: pg.Client, sql: string): Promise<void> {
  console.log(`\npostgres=# ${sql}`);
  const { rows, fields } = await client.query(sql);
  // One text column (jsonb_pretty) reads best as it is; anything else as a table.
  if (fields.length === 1 && rows.length === 1) console.log(String(Object.values(rows[0] as object)[0] ?? ''));
  else if (rows.length > 0) console.table(rows);
}

async function main(): Promise<void> {
  say('Starting a throwaway PostgreSQL cluster (pg_cron, max_wal_size = 32MB, checkpoint_timeout = 30s)');
  await installExtension(resolve('.'));
  const cluster = await localProvider.start({
    cronDatabase: 'walrus_demo',
    settings: { max_wal_size: '32MB', min_wal_size: '32MB' },
  });
  const cleanup = (): void => void cluster.destroy();
  process.once('SIGINT', cleanup);
  try {
    const client = await connectTo(cluster.info);
    client.on('notice', (n) => console.log(`${n.severity}: ${n.message}`));
    try {
      say('Installing the extension');
      await show(client, 'CREATE EXTENSION pg_walrus');
      await show(client, "SELECT jobname, schedule, command FROM cron.job WHERE jobname = 'pg_walrus'");
      await show(client, 'SELECT name, effective_value, unit, valid FROM walrus.setting_report()');

      say('First cycle: a baseline of the checkpoint counters');
      await show(client, "SELECT walrus_analyze() -> 'reason' AS reason");

      say('Writing WAL until PostgreSQL forces checkpoints (the situation pg_walrus exists for)');
      const forced = await forceCheckpoints(client, 4);
      console.log(`${forced} requested checkpoints in pg_stat_bgwriter`);

      say('Next cycle (the pg_cron job runs the same function every minute)');
      await show(client, 'SELECT jsonb_pretty(walrus_analyze())');
      const size = await scalar<string>(client, "SELECT setting FROM pg_settings WHERE name = 'max_wal_size'");
      console.log(`max_wal_size is now ${size} MB (new sessions see it; it is in postgresql.auto.conf)`);
      await show(client, 'SELECT "timestamp", action, old_size_mb, new_size_mb, forced_checkpoints, reason FROM walrus.history ORDER BY id');
    } finally {
      await client.end();
    }
  } finally {
    say('Removing the throwaway cluster');
    await cluster.destroy();
    process.off('SIGINT', cleanup);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
