/**
 * `npm run demo`: a throwaway PostgreSQL cluster with pg_cron, pg_walrus installed from the committed script, a burst
 * of real forced checkpoints, and the cycle growing max_wal_size. Everything is removed at the end.
 */
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { connectTo, installExtension, localProvider } from '../test/cluster/local';
import type { ClusterInfo } from '../test/cluster/provider';
import { forceCheckpoints, scalar } from '../test/helpers/sql';

const say = (text: string): void => console.log(`\n\x1b[1m== ${text}\x1b[0m`);

/** Runs sql through psql itself, so what is printed is exactly what a DBA sees at the prompt (notices included). */
function show(info: ClusterInfo, database: string, sql: string): void {
  console.log(`\n${database}=# ${sql}`);
  const result = spawnSync(
    join(info.clientBinDir, 'psql'),
    ['-X', '-P', 'pager=off', '-h', info.host, '-p', String(info.port), '-U', info.user, '-d', database, '-c', sql],
    { encoding: 'utf8' },
  );
  process.stdout.write(result.stderr + result.stdout);
  if (result.status !== 0) throw new Error(`psql failed (${String(result.status)}) on: ${sql}`);
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
    const { info } = cluster;
    const db = info.database;
    const client = await connectTo(info);
    try {
      say('Installing the extension');
      show(info, db, 'CREATE EXTENSION pg_walrus');
      show(info, db, "SELECT jobname, schedule, command FROM cron.job WHERE jobname = 'pg_walrus'");
      show(info, db, 'SELECT name, setting, unit, valid FROM walrus.settings');

      say('First cycle: a baseline of the checkpoint counters');
      show(info, db, "SELECT walrus_analyze() ->> 'reason' AS reason");

      say('Writing WAL until PostgreSQL forces checkpoints (the situation pg_walrus exists for)');
      const forced = await forceCheckpoints(client, 4);
      console.log(`${forced} requested checkpoints in pg_stat_bgwriter`);
      show(info, db, 'SELECT walrus_recommendation() #>> \'{}\' AS recommendation');

      say('Next cycle (the pg_cron job runs the same function every minute)');
      show(info, db, 'SELECT jsonb_pretty(walrus_analyze())');
      // A new session: this one may not have processed the reload yet.
      const fresh = await connectTo(info);
      const size = await scalar<string>(fresh, "SELECT setting FROM pg_settings WHERE name = 'max_wal_size'").finally(() => fresh.end());
      console.log(`max_wal_size is now ${size} MB (new sessions see it; it is in postgresql.auto.conf)`);
      show(info, db, 'SELECT "timestamp", action, old_size_mb, new_size_mb, forced_checkpoints, reason FROM walrus_history()');

      say('The state, one fact per row, and what needs attention (walrus_status() is the same as one JSON value)');
      show(info, db, 'SELECT * FROM walrus_status_report()');
      show(info, db, 'SELECT "check", status, detail FROM walrus_doctor()');
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
