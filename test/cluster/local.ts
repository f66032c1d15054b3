import { appendFile, chown, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
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

/** Copies the control file and committed scripts into the server's share dir, as users would. */
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

/** A streaming hot standby of the given primary, living in its own directory inside the run dir. */
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
  await runAsServerUser(join(info.binDir, 'pg_basebackup'), [
    ...['-h', primary.host, '-p', String(primary.port), '-U', primary.user, '-D', info.dataDir],
    // Fast checkpoint: the default spread one would take most of checkpoint_timeout.
    ...['-R', '-X', 'stream', '--checkpoint=fast', '--no-sync'],
  ]);
  await appendSettings(info.dataDir, { port: info.port, unix_socket_directories: info.host });
  const stop = async (): Promise<void> => {
    await stopCluster(info, 'fast');
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

export const localProvider: ClusterProvider = {
  name: 'local',
  async start(options: ClusterOptions): Promise<Cluster> {
    const binDir = await pgBinDir();
    // Short prefix: the socket path must stay under ~107 bytes, standby sockets are nested deeper.
    const runDir = await mkdtemp(join(tmpdir(), 'walrus-'));
    trackRunDir({ runDir, binDir });
    try {
      await handToServerUser(runDir);
      const info: ClusterInfo = {
        provider: 'local',
        user: DB_USER,
        database: options.cronDatabase,
        binDir,
        runDir,
        port: options.port ?? (await freePort()),
        ...layout(runDir),
      };
      await mkdir(info.host);
      await handToServerUser(info.host);
      await initCluster(info, options);
      await startServer(info);
      await installCron(info);
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
    shared_preload_libraries: 'pg_cron',
    'cron.database_name': options.cronDatabase,
    // Jobs run in background workers, so no libpq connection (cron.host, pg_hba) is involved.
    'cron.use_background_workers': true,
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

async function installCron(info: ClusterInfo): Promise<void> {
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
    await client.query('CREATE EXTENSION pg_cron');
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

function freePort(): Promise<number> {
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
