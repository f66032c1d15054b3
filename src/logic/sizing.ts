import type { float8, int } from '../sqltypes';
import { checkpointSegments } from './pressure';

/** The sizing rules walrus.algorithm selects. */
export type Algorithm = 'multiplicative' | 'additive' | 'adaptive' | 'percentile' | 'forecast';

/** Statistics of the WAL written per checkpoint_timeout, in MB, over the sample window. */
export interface WalStats {
  /** This interval. */
  current_mb: float8;
  /** Exponential moving average including this interval. */
  ema_mb: float8;
  /** walrus.target_percentile of the window. */
  percentile_mb: float8;
  /** The largest of the last walrus.shrink_intervals intervals: what the quiet intervals needed. */
  recent_peak_mb: float8;
}

/** One step of an exponential moving average; the first value starts it. */
export function nextEma(previous: float8 | null, value: float8, alpha: float8): float8 {
  if (previous === null) {
    return value;
  }
  return alpha * value + (1 - alpha) * previous;
}

/** The nearest-rank percentile: the smallest value with at least p percent of the values at or below it. */
export function percentileOf(values: float8[], p: float8): float8 {
  const n = values.length;
  if (n === 0) {
    return 0;
  }
  const sorted = [...values].sort((a, b) => a - b);
  const rank: int = Math.min(Math.max(Math.ceil((p / 100) * n), 1), n);
  return sorted[rank - 1]!;
}

/** The statistics of a window of WAL per interval (oldest first; the last entry is this interval). */
export function walStats(window_mb: float8[], previous_ema: float8 | null, alpha: float8, p: float8, recent: int): WalStats {
  const n = window_mb.length;
  const current = n > 0 ? window_mb[n - 1]! : 0;
  let peak: float8 = 0;
  let i = Math.max(n - recent, 0);
  while (i < n) {
    peak = Math.max(peak, window_mb[i]!);
    i = i + 1;
  }
  return {
    current_mb: current,
    ema_mb: nextEma(previous_ema, current, alpha),
    percentile_mb: percentileOf(window_mb, p),
    recent_peak_mb: peak,
  };
}

/**
 * The max_wal_size whose forced-checkpoint distance holds wal_mb x headroom per checkpoint_timeout. PostgreSQL forces
 * a checkpoint every CheckPointSegments = floor(floor(size / segment) / (1 + cct)) segments, so the distance needed
 * in whole segments is multiplied back by (1 + cct) and rounded up. Kept within cap_mb.
 */
export function sizeForWal(wal_mb: float8, completion_target: float8, headroom: float8, segment_mb: int, cap_mb: int): int {
  const distance = Math.max(Math.ceil((wal_mb * headroom) / segment_mb), 1);
  const raw = Math.ceil(distance * (1 + completion_target)) * segment_mb;
  if (!(raw < cap_mb)) {
    return cap_mb;
  }
  const size: int = raw;
  return size;
}

/** The share of the forced-checkpoint distance of size_mb that wal_mb uses: 1 or more forces a checkpoint. */
export function triggerUsage(wal_mb: float8, completion_target: float8, size_mb: int, segment_mb: int): float8 {
  return wal_mb / (checkpointSegments(size_mb, segment_mb, completion_target) * segment_mb);
}
