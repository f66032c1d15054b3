import { resolve } from 'node:path';
import type pg from 'pg';
import { connectTo, installExtension, localProvider } from '../test/cluster/local';
import type { ClusterInfo, SettingValue } from '../test/cluster/provider';

/**
 * A private throwaway cluster for a live benchmark, never the test suite's: pg_walrus installed from the committed
 * SQL (`make install`) and created, with its pg_cron job paused so the benchmark alone decides when cycles run.
 * Removed when `fn` ends, fails, or the process gets Ctrl-C.
 */
export async function withBenchCluster<T>(
  database: string,
  settings: Readonly<Record<string, SettingValue>>,
  fn: (info: ClusterInfo, client: pg.Client) => Promise<T>,
): Promise<T> {
  await installExtension(resolve('.'));
  const cluster = await localProvider.start({ cronDatabase: database, settings });
  const onSignal = (): void => {
    void cluster.destroy().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  try {
    const client = await connectTo(cluster.info);
    try {
      await client.query('CREATE EXTENSION pg_walrus');
      await client.query("SELECT cron.alter_job(jobid, active := false) FROM cron.job WHERE jobname = 'pg_walrus'");
      return await fn(cluster.info, client);
    } finally {
      await client.end();
    }
  } finally {
    process.off('SIGINT', onSignal);
    await cluster.destroy();
  }
}

/** The machine, for the record next to the figures. */
export async function machine(client: pg.Client): Promise<string> {
  const { cpus, totalmem } = await import('node:os');
  const { rows } = await client.query<{ v: string }>('SELECT version() AS v');
  const cpu = cpus();
  return `${cpu.length} x ${cpu[0]?.model ?? 'unknown CPU'}, ${(totalmem() / 2 ** 30).toFixed(0)} GB RAM; ${rows[0]!.v.split(' on ')[0]}`;
}
