import type { int } from '../sqltypes';

/**
 * Ready-to-run commands that set max_wal_size where pg_walrus does not apply it itself: with ALTER SYSTEM by hand, in
 * an HA manager's configuration, or in a managed service's parameter group. Every one of them takes max_wal_size in
 * MB, PostgreSQL's own unit for it, so the same number goes everywhere.
 */
export interface ProviderCommands {
  alter_system: string;
  /** Patroni keeps parameters in its DCS and overrides ALTER SYSTEM. */
  patroni: string;
  /** Amazon RDS and Aurora: a custom DB parameter group (the default group cannot be changed). */
  aws_rds: string;
  /** Cloud SQL: --database-flags replaces every flag set before, so list them all. */
  gcloud: string;
  azure: string;
}

export function providerCommands(size_mb: int): ProviderCommands {
  return {
    alter_system: `ALTER SYSTEM SET max_wal_size = '${size_mb}MB'; SELECT pg_reload_conf();`,
    patroni: `patronictl edit-config --pg max_wal_size=${size_mb}MB --force`,
    aws_rds: `aws rds modify-db-parameter-group --db-parameter-group-name <group> --parameters "ParameterName=max_wal_size,ParameterValue=${size_mb},ApplyMethod=immediate"`,
    gcloud: `gcloud sql instances patch <instance> --database-flags=max_wal_size=${size_mb}`,
    azure: `az postgres flexible-server parameter set --resource-group <group> --server-name <server> --name max_wal_size --value ${size_mb}`,
  };
}

/** What a standby's operator should know about its max_wal_size: it is not the cluster's, until a promotion fixes it. */
export function promotionOutlook(local_mb: int, cluster_mb: int | null): string {
  if (cluster_mb === null) {
    return "no decision recorded yet: a promotion keeps this server's max_wal_size";
  }
  if (cluster_mb === local_mb) {
    return `max_wal_size here is the cluster's ${cluster_mb} MB; a promotion changes nothing`;
  }
  return `max_wal_size here is ${local_mb} MB, the cluster decided ${cluster_mb} MB: ALTER SYSTEM is not replicated, so the first cycle after a promotion restores ${cluster_mb} MB (within this server's walrus.max)`;
}

/** walrus_recommendation()'s action, the proposal's words: increase, decrease or none. */
export function recommendationAction(recommended_mb: int, current_mb: int): string {
  if (recommended_mb > current_mb) {
    return 'increase';
  }
  return recommended_mb < current_mb ? 'decrease' : 'none';
}
