import type { int } from '../sqltypes';
import { clampSize } from './cycle';

/**
 * ALTER SYSTEM is not replicated, but walrus.history is: after a promotion the new primary still runs with the
 * max_wal_size it had as a standby, while the history says what the cluster had decided. The first cycle on a new
 * timeline restores that size (within this server's caps), at the moment the new primary is most likely to need it.
 */
export interface FailoverDecision {
  /** Whether this cycle is the first on a new timeline. */
  failover: boolean;
  new_size_mb: int;
  /** Whether ALTER SYSTEM must run: the restored size differs from the one in force. */
  apply: boolean;
  reason: string;
}

export function decideFailover(
  last_row_timeline: int | null,
  timeline: int,
  cluster_size_mb: int | null,
  current_mb: int,
  floor_mb: int,
  max_mb: int,
): FailoverDecision {
  if (last_row_timeline === null || cluster_size_mb === null || last_row_timeline === timeline) {
    return { failover: false, new_size_mb: current_mb, apply: false, reason: '' };
  }
  const restored = clampSize(cluster_size_mb, floor_mb, max_mb);
  const why = `promoted: timeline ${last_row_timeline} became ${timeline}; the cluster had decided ${cluster_size_mb} MB`;
  if (restored === current_mb) {
    return { failover: true, new_size_mb: current_mb, apply: false, reason: `${why}, already in force here; counters re-baselined` };
  }
  return {
    failover: true,
    new_size_mb: restored,
    apply: true,
    reason: `${why}; restoring ${restored} MB (this server had ${current_mb} MB); counters re-baselined`,
  };
}
