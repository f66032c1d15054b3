import { randomBytes } from 'node:crypto';
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
