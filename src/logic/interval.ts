import type { float8, int, int8, timestamptz } from '../sqltypes';

/**
 * What two consecutive samples say about the interval between them. The glue reads the facts (counters, LSNs,
 * timestamps, settings); these rules turn them into what the decisions use, here and in the simulator alike.
 */

/**
 * Whether the counters of two samples can be subtracted: a previous sample exists, taken on this timeline, the
 * statistics were not reset in between, and no counter went backwards. Otherwise the newer sample is only a baseline.
 */
export function comparable(
  has_previous: boolean,
  same_stats_reset: boolean,
  same_timeline: boolean,
  requested_delta: int8,
  timed_delta: int8,
): boolean {
  // Counters from before a promotion were the old primary's (or this server's restartpoints): not one interval.
  return has_previous && same_stats_reset && same_timeline && requested_delta >= 0 && timed_delta >= 0;
}

/**
 * WAL written in an interval, normalised to one checkpoint_timeout: a longer interval is scaled down, a shorter one up
 * from a minute on (pg_cron's finest cadence: the forecast's samples, which the per-interval algorithms read when a
 * profile or the DBA switches to them; counted as whole intervals they showed a fifth of the load, and adaptive shrank
 * into forced checkpoints), and anything shorter than a minute (a manual call just after the job) counts as a minute.
 * Null when the interval cannot be measured: no time passed, or the WAL position went backwards.
 */
export function walPerIntervalMb(wal_mb: float8, elapsed_sec: float8, timeout_sec: int): float8 | null {
  if (!(elapsed_sec > 0) || !(wal_mb >= 0) || timeout_sec <= 0) {
    return null;
  }
  return (wal_mb * timeout_sec) / Math.max(elapsed_sec, Math.min(timeout_sec, 60));
}

/** The max_wal_size that was in force during an interval: a change applied in between took effect part way. */
export function sizeInForceDuring(previous_mb: int, current_mb: int): int {
  return Math.min(previous_mb, current_mb);
}

/**
 * The max_wal_size in force now. A session sees a reloaded setting only between commands, so one that applied a size
 * itself (two walrus_analyze() calls in one psql session) still reads the old value: a size pg_walrus applied after
 * the configuration was last loaded is the one in force. Only a size this server applied, though: history rows are
 * replicated, and ALTER SYSTEM is not. A standby never applies anything, and a row from another timeline was written
 * before a promotion, by another server.
 */
export function sizeInForceNow(
  setting_mb: int,
  applied_mb: int | null,
  applied_at: timestamptz | null,
  applied_timeline: int | null,
  config_loaded_at: timestamptz,
  timeline: int,
  in_recovery: boolean,
): int {
  if (in_recovery || applied_mb === null || applied_at === null || applied_timeline === null) {
    return setting_mb;
  }
  if (applied_timeline === timeline && applied_at > config_loaded_at) {
    return applied_mb;
  }
  return setting_mb;
}

/**
 * How many intervals of WAL a cycle reads from walrus.sample. Only percentile sizes from the whole sample window;
 * every other algorithm needs the quiet intervals' peak (the moving average lives in walrus.state). Reading 288
 * intervals through compiled functions every cycle when 5 will do quadrupled a cycle's cost.
 */
export function windowIntervals(algorithm: string, sample_window: int, shrink_intervals: int): int {
  return algorithm === 'percentile' ? sample_window : Math.max(shrink_intervals, 1);
}
