import type { float8, int } from '../sqltypes';

/** How much the forced-checkpoint count of a partial interval can be trusted. */
export type Confidence = 'low' | 'medium' | 'high';

/**
 * A recommendation made from less than one checkpoint_timeout of counters extrapolates nothing (the count is divided
 * by a full interval), so a young sample can only under-report pressure: the older the sample, the surer the answer.
 */
export function confidence(elapsed_sec: float8, timeout_sec: int): Confidence {
  if (elapsed_sec >= timeout_sec) {
    return 'high';
  }
  if (elapsed_sec >= timeout_sec / 2) {
    return 'medium';
  }
  return 'low';
}
