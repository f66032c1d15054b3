import { existsSync } from 'node:fs';
import { appendFile, chown, copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { destroyRunDirSync, trackRunDir } from './cleanup';
import { CommandError, isRoot, run, runAsServerUser, serverUserIds } from './exec';
import type { Cluster, ClusterInfo, ClusterOptions, ClusterProvider, SettingValue } from './provider';

export { destroyRunDirSync } from './cleanup';
export { runAsServerUser } from './exec';

const DB_USER = 'postgres';
const LOG_TAIL_LINES = 30;

function pgConfig(): string {
  return process.env.PG_CONFIG ?? 'pg_config';
}

export async function pgBinDir(): Promise<string> {
  return (await run(pgConfig(), ['--bindir'])).stdout.trim();
}

/** The major version pg_config reports ("PostgreSQL 15.20 (Debian ...)" gives 15). */
export async function pgConfigMajor(): Promise<number> {
  const version = (await run(pgConfig(), ['--version'])).stdout;
  const major = /PostgreSQL (\d+)/.exec(version)?.[1];
  if (major === undefined) throw new Error(`cannot read a major version from pg_config --version: ${version}`);
  return Number(major);
}

/** Copies the control file and committed scripts into the server's share dir with `make install`, as users would. */
export async function installExtension(repoRoot: string): Promise<void> {
  try {
    await run('make', ['install'], { cwd: repoRoot });
  } catch (error) {
    if (error instanceof CommandError && /permission denied/i.test(error.output)) {
      const shareDir = (await run(pgConfig(), ['--sharedir'])).stdout.trim();
      throw new Error(
        `make install could not write into ${shareDir}/extension (permission denied). ` +
          'Run the tests as root, or make that directory writable for this user.\n' +
          error.output,
      );
    }
    throw error;
  }
}

export async function connectTo(info: ClusterInfo, database: string = info.database): Promise<pg.Client> {
  const client = new pg.Client({ host: info.host, port: info.port, user: info.user, database });
  await client.connect();
  return client;
}

export async function readServerLog(info: ClusterInfo): Promise<string> {
  return readFile(info.logFile, 'utf8');
}

/**
 * Appends settings to postgresql.conf (later lines win) and reloads. For what ALTER SYSTEM cannot set, such as
 * allow_alter_system; the caller waits until sessions see the new value.
 */
export async function configureCluster(info: ClusterInfo, settings: Readonly<Record<string, SettingValue>>): Promise<void> {
  await appendSettings(info.dataDir, settings);
  const client = await connectTo(info, 'postgres');
  try {
    await client.query('SELECT pg_reload_conf()');
  } finally {
    await client.end();
  }
}

export async function restartCluster(info: ClusterInfo): Promise<void> {
  await pgCtl(info, ['-m', 'fast', 'restart']);
}

export async function stopCluster(info: ClusterInfo, mode: 'smart' | 'fast' | 'immediate' = 'fast'): Promise<void> {
  await runAsServerUser(join(info.binDir, 'pg_ctl'), ['-D', info.dataDir, '-m', mode, '-w', 'stop']);
}

export interface Standby {
  readonly info: ClusterInfo;
  stop(): Promise<void>;
}

/**
 * A streaming hot standby of the given primary, living in its own directory inside the run dir. pg_basebackup when
 * a client of the server's major exists; otherwise (the npm builds ship none, and an older pg_basebackup refuses a
 * newer server) the low-level backup API with a file copy, streaming from a replication slot that keeps the WAL.
 */
export async function createStandby(primary: ClusterInfo): Promise<Standby> {
  const root = await mkdtemp(join(primary.runDir, 'standby-'));
  await handToServerUser(root);
  const info: ClusterInfo = {
    ...primary,
    ...layout(root),
    port: await freePort(),
  };
  await mkdir(info.host);
  await handToServerUser(info.host);
  const slot = canBaseBackup(primary) ? undefined : `walrus_standby_${info.port}`;
  if (slot === undefined) {
    await runAsServerUser(join(primary.clientBinDir, 'pg_basebackup'), [
      ...['-h', primary.host, '-p', String(primary.port), '-U', primary.user, '-D', info.dataDir],
      // Fast checkpoint: the default spread one would take most of checkpoint_timeout.
      ...['-R', '-X', 'stream', '--checkpoint=fast', '--no-sync'],
    ]);
  } else {
    await copyBaseBackup(primary, info.dataDir, slot);
  }
  await appendSettings(info.dataDir, { port: info.port, unix_socket_directories: info.host });
  const stop = async (): Promise<void> => {
    await stopCluster(info, 'fast');
    if (slot !== undefined) await dropSlot(primary, slot);
    await rm(root, { recursive: true, force: true });
  };
  try {
    await startServer(info);
    await waitForRecovery(info);
  } catch (error) {
    await stop().catch(() => undefined);
    throw error;
  }
  return { info, stop };
}

function canBaseBackup(primary: ClusterInfo): boolean {
  return primary.clientMajor >= primary.major && existsSync(join(primary.clientBinDir, 'pg_basebackup'));
}

/**
 * What pg_basebackup leaves out: server-local state that a standby rebuilds (copied as empty directories), and the
 * primary's WAL (pg_wal keeps its subdirectories, archive_status and summaries).
 */
const NOT_COPIED_FILES = new Set(['postmaster.pid', 'postmaster.opts', 'backup_label', 'tablespace_map']);
const EMPTIED_DIRS = new Set(['pg_replslot', 'pg_dynshmem', 'pg_notify', 'pg_serial', 'pg_snapshots', 'pg_stat_tmp', 'pg_subtrans']);

/**
 * pg_backup_start, a copy of the data directory, pg_backup_stop and its backup_label: what pg_basebackup does, for
 * servers without one. The slot, reserved before the backup starts, keeps every WAL segment the standby needs.
 */
async function copyBaseBackup(primary: ClusterInfo, dataDir: string, slot: string): Promise<void> {
  const client = await connectTo(primary, 'postgres');
  try {
    await client.query('SELECT pg_create_physical_replication_slot($1, true)', [slot]);
    await client.query("SELECT pg_backup_start('pg_walrus standby', true)");
    await copyTree(primary.dataDir, dataDir, 'all');
    const { rows } = await client.query<{ labelfile: string }>('SELECT labelfile FROM pg_backup_stop(false)');
    await writeFile(join(dataDir, 'backup_label'), rows[0]!.labelfile, { mode: 0o600 });
    await handToServerUser(join(dataDir, 'backup_label'));
  } finally {
    await client.end();
  }
  await writeFile(join(dataDir, 'standby.signal'), '', { mode: 0o600 });
  await handToServerUser(join(dataDir, 'standby.signal'));
  const conninfo = `host=${primary.host} port=${primary.port} user=${primary.user}`;
  await appendFile(
    join(dataDir, 'postgresql.auto.conf'),
    `primary_conninfo = '${conninfo.replaceAll("'", "''")}'\nprimary_slot_name = '${slot}'\n`,
  );
}

/** Copies a live data directory; files that vanish while it runs (temporary ones, recycled WAL) are left out. */
async function copyTree(from: string, to: string, what: 'all' | 'dirs' | 'nothing'): Promise<void> {
  await mkdir(to, { mode: 0o700 });
  await handToServerUser(to);
  if (what === 'nothing') return;
  const entries = await readdir(from, { withFileTypes: true }).catch(ignoreVanished([]));
  for (const entry of entries) {
    const source = join(from, entry.name);
    const target = join(to, entry.name);
    if (entry.isDirectory()) {
      const inside = what === 'dirs' || entry.name === 'pg_wal' ? 'dirs' : EMPTIED_DIRS.has(entry.name) ? 'nothing' : 'all';
      await copyTree(source, target, inside);
    } else if (what === 'all' && entry.isFile() && !NOT_COPIED_FILES.has(entry.name)) {
      const copied = await copyFile(source, target).then(() => true, ignoreVanished(false));
      if (copied) await handToServerUser(target);
    }
  }
}

function ignoreVanished<T>(fallback: T): (error: unknown) => T {
  return (error: unknown) => {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return fallback;
    throw error;
  };
}

async function dropSlot(primary: ClusterInfo, slot: string): Promise<void> {
  const client = await connectTo(primary, 'postgres');
  try {
    await client.query('SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1', [slot]);
  } finally {
    await client.end();
  }
}

/** What a provider knows about its server programs; startCluster does the rest the same way for every major. */
export interface ServerSpec {
  readonly provider: string;
  readonly binDir: string;
  readonly major: number;
  readonly hasCron: boolean;
  readonly clientBinDir: string;
  readonly clientMajor: number;
}

/**
 * A throwaway cluster: initdb as the server's OS user, a private socket directory, the cron database with dblink
 * (and pg_cron when the spec has it). Removed by destroy(), on failure, and on process exit.
 */
export async function startCluster(spec: ServerSpec, options: ClusterOptions): Promise<Cluster> {
  const { binDir } = spec;
  // Short prefix: the socket path must stay under ~107 bytes, standby sockets are nested deeper.
  const runDir = await mkdtemp(join(tmpdir(), 'walrus-'));
  trackRunDir({ runDir, binDir });
  try {
    await handToServerUser(runDir);
    const info: ClusterInfo = {
      ...spec,
      user: DB_USER,
      database: options.cronDatabase,
      runDir,
      port: options.port ?? (await freePort()),
      ...layout(runDir),
    };
    await mkdir(info.host);
    await handToServerUser(info.host);
    await initCluster(info, options);
    await startServer(info);
    await prepareDatabase(info);
    return {
      info,
      restart: () => restartCluster(info),
      stop: () => stopCluster(info),
      destroy: async () => destroyRunDirSync(info),
    };
  } catch (error) {
    destroyRunDirSync({ runDir, binDir });
    throw error;
  }
}

/** Debian's PostgreSQL (pg_config on PATH, or PG_CONFIG): 15 here, with pg_cron and every client program. */
export const localProvider: ClusterProvider = {
  name: 'local',
  major: 15,
  installExtension,
  async start(options: ClusterOptions): Promise<Cluster> {
    const binDir = await pgBinDir();
    const major = await pgConfigMajor();
    const pkgLibDir = (await run(pgConfig(), ['--pkglibdir'])).stdout.trim();
    const hasCron = existsSync(join(pkgLibDir, 'pg_cron.so'));
    return startCluster({ provider: 'local', binDir, major, hasCron, clientBinDir: binDir, clientMajor: major }, options);
  },
};

async function initCluster(info: ClusterInfo, options: ClusterOptions): Promise<void> {
  await runAsServerUser(join(info.binDir, 'initdb'), [
    ...['-D', info.dataDir, '-U', info.user, '-A', 'trust', '-E', 'UTF8', '--locale=C', '--no-sync'],
  ]);
  await appendSettings(info.dataDir, {
    port: info.port,
    listen_addresses: '',
    unix_socket_directories: info.host,
    // pg_stat_statements everywhere: walrus_top_wal_queries() and the statements behind a growth are tested.
    shared_preload_libraries: info.hasCron ? 'pg_cron,pg_stat_statements' : 'pg_stat_statements',
    ...(info.hasCron
      ? {
          'cron.database_name': options.cronDatabase,
          // Jobs run in background workers, so no libpq connection (cron.host, pg_hba) is involved.
          'cron.use_background_workers': true,
        }
      : {}),
    max_worker_processes: 32,
    checkpoint_timeout: '30s',
    fsync: false,
    // Every checkpoint and its cause in the server log: what a DBA reads to see forced checkpoints.
    log_checkpoints: true,
    // log_min_messages stays at its default (warning): LOG ranks above ERROR for the server log,
    // so RAISE LOG already reaches it, while 'log' would hide warnings and errors.
    ...options.settings,
  });
}

/** The cron database with dblink, and pg_cron when the server has it. */
async function prepareDatabase(info: ClusterInfo): Promise<void> {
  if (info.database !== 'postgres') {
    const admin = await connectTo(info, 'postgres');
    try {
      await admin.query(`CREATE DATABASE ${admin.escapeIdentifier(info.database)}`);
    } finally {
      await admin.end();
    }
  }
  const client = await connectTo(info);
  try {
    if (info.hasCron) await client.query('CREATE EXTENSION pg_cron');
    await client.query('CREATE EXTENSION dblink');
  } finally {
    await client.end();
  }
}

function layout(root: string): Pick<ClusterInfo, 'dataDir' | 'host' | 'logFile'> {
  return { dataDir: join(root, 'data'), host: join(root, 'socket'), logFile: join(root, 'server.log') };
}

async function appendSettings(dataDir: string, settings: Readonly<Record<string, SettingValue>>): Promise<void> {
  const lines = Object.entries(settings).map(([name, value]) => `${name} = ${confValue(value)}`);
  await appendFile(join(dataDir, 'postgresql.conf'), `\n# pg_walrus test harness\n${lines.join('\n')}\n`);
}

function confValue(value: SettingValue): string {
  if (typeof value === 'string') return `'${value.replaceAll("'", "''")}'`;
  if (typeof value === 'boolean') return value ? 'on' : 'off';
  return String(value);
}

async function startServer(info: ClusterInfo): Promise<void> {
  await pgCtl(info, ['start']);
}

/** start/restart with the log file and a readable failure that carries the end of the server log. */
async function pgCtl(info: ClusterInfo, args: readonly string[]): Promise<void> {
  try {
    const pgCtlArgs = ['-D', info.dataDir, '-l', info.logFile, '-w', '-t', '60', ...args];
    await runAsServerUser(join(info.binDir, 'pg_ctl'), pgCtlArgs, { detached: true });
  } catch (error) {
    const log = await readFile(info.logFile, 'utf8').catch(() => '(no server log)');
    const tail = log.trimEnd().split('\n').slice(-LOG_TAIL_LINES).join('\n');
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`pg_ctl ${args.join(' ')} failed for ${info.dataDir}: ${reason}\n--- server log tail ---\n${tail}`);
  }
}

async function waitForRecovery(info: ClusterInfo, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const client = await connectTo(info, 'postgres');
    try {
      const { rows } = await client.query<{ r: boolean }>('SELECT pg_is_in_recovery() AS r');
      if (rows[0]?.r === true) return;
    } finally {
      await client.end();
    }
    if (Date.now() > deadline) throw new Error(`standby at ${info.dataDir} is not in recovery`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function handToServerUser(path: string): Promise<void> {
  if (!isRoot()) return;
  const { uid, gid } = serverUserIds();
  await chown(path, uid, gid);
}

/** A TCP port on 127.0.0.1 nothing listens on now (for servers and the exporter the tests start). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new Error('no free port'))));
    });
  });
}
