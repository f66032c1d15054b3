import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type pg from 'pg';
import { inject } from 'vitest';
import { connectTo } from '../cluster/local';
import type { ClusterInfo } from '../cluster/provider';

export function clusterInfo(): ClusterInfo {
  return inject('cluster');
}

/** The one database where pg_cron (and dblink) are installed. */
export function cronDatabase(): string {
  return clusterInfo().database;
}

export function connect(database: string = cronDatabase()): Promise<pg.Client> {
  return connectTo(clusterInfo(), database);
}

export async function withClient<T>(fn: (client: pg.Client) => Promise<T>, database?: string): Promise<T> {
  const client = await connect(database);
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** libpq keyword/value string reaching the cluster over its socket, e.g. for dblink loopback calls. */
export function conninfo(database: string = cronDatabase(), info: ClusterInfo = clusterInfo()): string {
  const quote = (value: string): string => `'${value.replace(/['\\]/g, '\\$&')}'`;
  const parts = { host: info.host, port: String(info.port), dbname: database, user: info.user };
  return Object.entries(parts)
    .map(([key, value]) => `${key}=${quote(value)}`)
    .join(' ');
}

export interface IsolatedDatabase {
  readonly name: string;
  drop(): Promise<void>;
}

/**
 * A fresh database from template0, so nothing another test installed leaks in. It has no pg_cron:
 * that extension can only live in the cron database.
 */
export async function createDatabase(prefix: string): Promise<IsolatedDatabase> {
  const safePrefix = prefix.toLowerCase().replace(/[^a-z0-9_]/g, '_').slice(0, 40);
  const name = `${safePrefix}_${randomBytes(6).toString('hex')}`;
  await withClient((client) => client.query(`CREATE DATABASE ${client.escapeIdentifier(name)} TEMPLATE template0`), 'postgres');
  return {
    name,
    drop: async () => {
      // FORCE: a test that failed midway may have left a connection open.
      await withClient((client) => client.query(`DROP DATABASE IF EXISTS ${client.escapeIdentifier(name)} WITH (FORCE)`), 'postgres');
    },
  };
}

/**
 * pg_dump -Fc of a fresh database with pg_walrus, restored into another: `prepare` runs on the source (the extension
 * created) and returns what `check` then compares on the restored copy. Both databases are dropped afterwards.
 */
export async function dumpAndRestore<T>(
  prefix: string,
  prepare: (source: pg.Client) => Promise<T>,
  check: (restored: pg.Client, before: T) => Promise<void>,
): Promise<void> {
  const info = clusterInfo();
  const source = await createDatabase(`${prefix}_src`);
  const target = await createDatabase(`${prefix}_dst`);
  const run = promisify(execFile);
  const conn = ['-h', info.host, '-p', String(info.port), '-U', info.user];
  try {
    let before: T;
    const src = await connect(source.name);
    try {
      await src.query('SET client_min_messages = error');
      await src.query('CREATE EXTENSION pg_walrus');
      before = await prepare(src);
    } finally {
      await src.end();
    }
    const file = join(info.runDir, `${prefix}.dump`);
    await run(join(info.clientBinDir, 'pg_dump'), [...conn, '-Fc', '-f', file, source.name]);
    await run(join(info.clientBinDir, 'pg_restore'), [...conn, '-d', target.name, file]);
    const dst = await connect(target.name);
    try {
      await check(dst, before);
    } finally {
      await dst.end();
    }
  } finally {
    await source.drop();
    await target.drop();
  }
}
