import type { float8, int, int8 } from '../sqltypes';

/** What one analysis cycle decided to do with max_wal_size. */
export type GrowthAction = 'increase' | 'capped' | 'no_change';

/** A sizing decision: the action, the sizes in MB, and a sentence for the DBA. */
export interface GrowthDecision {
  action: GrowthAction;
  old_size_mb: int;
  new_size_mb: int;
  reason: string;
}

/**
 * Forced checkpoints per checkpoint_timeout interval, from a counter delta observed over elapsed_sec seconds.
 * Dividing by at least one full interval means a manual run shortly after a scheduled one does not inflate the
 * count, and a late run is normalised to one interval.
 */
export function forcedPerInterval(counter_delta: int8, timeout_sec: int, elapsed_sec: float8): int {
  if (counter_delta <= 0 || timeout_sec <= 0) {
    return 0;
  }
  const span = Math.max(elapsed_sec, timeout_sec);
  return Math.round((counter_delta * timeout_sec) / span);
}

/**
 * The smallest max_wal_size (MB) the server accepts and starts with: twice wal_segment_size, and never below
 * min_wal_size, which PostgreSQL also requires max_wal_size to respect.
 */
export function sizeFloorMb(wal_segment_mb: int, min_wal_size_mb: int): int {
  return Math.max(2 * wal_segment_mb, min_wal_size_mb);
}

/**
 * pg_walsizer's growth rule: when forced checkpoints reach the threshold, grow to current x (forced + 1), capped
 * at max_mb and never below floor_mb. Overflow-safe: the product is only formed once it is known to fit the cap.
 */
export function decideGrowth(current_mb: int, forced: int, threshold: int, max_mb: int, floor_mb: int): GrowthDecision {
  const cap = Math.max(max_mb, floor_mb);
  if (forced < threshold) {
    return {
      action: 'no_change',
      old_size_mb: current_mb,
      new_size_mb: current_mb,
      reason: `${forced} forced checkpoints, below the threshold of ${threshold}`,
    };
  }
  if (current_mb >= cap) {
    return {
      action: 'no_change',
      old_size_mb: current_mb,
      new_size_mb: current_mb,
      reason: `${forced} forced checkpoints, but max_wal_size is already at the walrus.max cap of ${cap} MB`,
    };
  }
  const base = Math.max(current_mb, 1);
  if (forced + 1 > cap / base) {
    return {
      action: 'capped',
      old_size_mb: current_mb,
      new_size_mb: cap,
      reason: `${forced} forced checkpoints; ${current_mb} MB x ${forced + 1} exceeds walrus.max, capped at ${cap} MB`,
    };
  }
  const grown: int = Math.max(Math.min(base * (forced + 1), cap), floor_mb);
  return {
    action: 'increase',
    old_size_mb: current_mb,
    new_size_mb: grown,
    reason: `${forced} forced checkpoints reached the threshold of ${threshold}; ${current_mb} MB x ${forced + 1}`,
  };
}
