import type { float8, int } from '../sqltypes';

/** Consecutive quiet time, counted in whole checkpoint_timeout intervals plus the seconds towards the next one. */
export interface QuietCount {
  intervals: int;
  carry_sec: float8;
}

/**
 * The quiet count after one more interval. A quiet interval is a checkpoint_timeout of elapsed time, not a call:
 * five manual calls a second apart are one short stretch, and a run that comes late counts every interval it spans.
 * An interval completes once the quiet time reaches 95% of checkpoint_timeout (pg_cron may start a cycle a moment
 * early), and completing one spends a whole timeout, so the slack never accumulates into an extra interval.
 * Pressure (quiet = false) restarts the count.
 */
export function countQuiet(previous: QuietCount, quiet: boolean, elapsed_sec: float8, timeout_sec: int): QuietCount {
  if (!quiet || timeout_sec <= 0) {
    return { intervals: 0, carry_sec: 0 };
  }
  // Clamped so no stored or measured value can overflow the count (a million intervals is years).
  const carried = Math.min(Math.max(previous.carry_sec, 0) + Math.max(elapsed_sec, 0), timeout_sec * 1000000);
  const completed: int = Math.floor((carried + timeout_sec * 0.05) / timeout_sec);
  return {
    intervals: Math.min(Math.max(previous.intervals, 0) + completed, 1000000),
    carry_sec: Math.max(carried - completed * timeout_sec, 0),
  };
}
