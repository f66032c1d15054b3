import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import type pg from 'pg';
import { connectTo, installExtension, localProvider } from '../test/cluster/local';
import type { ClusterInfo, SettingValue } from '../test/cluster/provider';

/**
 * A private throwaway cluster for a live benchmark, never the test suite's: pg_walrus installed from the committed
 * SQL (`make install`) and created, with its pg_cron job paused so the benchmark alone decides when cycles run.
 * Removed when `fn` ends, fails, or the process gets Ctrl-C. `install` replaces CREATE EXTENSION, e.g. to load an
 * older version's script (see referenceInstaller).
 */
export async function withBenchCluster<T>(
  database: string,
  settings: Readonly<Record<string, SettingValue>>,
  fn: (info: ClusterInfo, client: pg.Client) => Promise<T>,
  install: (client: pg.Client) => Promise<void> = async (client) => {
    await client.query('CREATE EXTENSION pg_walrus');
  },
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
      await install(client);
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

/**
 * pg_walrus as another commit left it, for a before/after comparison on the same machine: that commit's
 * sql/pg_walrus--<version>.sql run as a plain script (no CREATE EXTENSION, so nothing is written to the server's
 * share directory, which the test suite uses). Only what needs an extension script is left out or replaced: the
 * psql guard line, pg_extension_config_dump(), and @extschema@ (public, as pg_walrus.control says). Function bodies
 * are checked at first use, not at creation, since older scripts refer to functions they define further down. The
 * functions, and so a cycle's cost, are exactly that version's.
 */
export function referenceInstaller(commit: string): (client: pg.Client) => Promise<void> {
  const git = (...args: string[]): string => execFileSync('git', args, { encoding: 'utf8', maxBuffer: 64 * 2 ** 20 });
  // The full install script of the newest version at that commit (sql/pg_walrus--0.1.sql, later --0.2.sql, ...).
  const scripts = git('ls-tree', '--name-only', commit, 'sql/')
    .split('\n')
    .filter((path) => /^sql\/pg_walrus--[^-]+\.sql$/.test(path))
    .sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  const path = scripts.at(-1);
  if (path === undefined) throw new Error(`no sql/pg_walrus--<version>.sql at ${commit}`);
  const script = git('show', `${commit}:${path}`)
    .split('\n')
    .filter((line) => !line.startsWith('\\') && !line.startsWith('SELECT pg_catalog.pg_extension_config_dump('))
    .join('\n')
    // What CREATE EXTENSION substitutes: pg_walrus.control puts the extension in public.
    .replaceAll('@extschema@', 'public');
  return async (client) => {
    await client.query('SET check_function_bodies = off');
    await client.query(script);
    await client.query('RESET check_function_bodies');
  };
}

/** The machine, for the record next to the figures. */
export async function machine(client: pg.Client): Promise<string> {
  const { cpus, totalmem } = await import('node:os');
  const { rows } = await client.query<{ v: string }>('SELECT version() AS v');
  const cpu = cpus();
  return `${cpu.length} x ${cpu[0]?.model ?? 'unknown CPU'}, ${(totalmem() / 2 ** 30).toFixed(0)} GB RAM; ${rows[0]!.v.split(' on ')[0]}`;
}
