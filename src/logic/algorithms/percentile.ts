import type { CycleInput } from '../cycle';
import type { ForecastState } from '../forecast';
import type { QuietCount } from '../quiet';
import { classicProposal, statisticalGrowth, statisticalShrink, type Proposal } from './shared';

/**
 * percentile: grow to the size for max(walrus.target_percentile over walrus.sample_window, this interval); shrink to the
 * percentile, but never below what the quiet intervals needed (a young window's percentile still reflects the load
 * before a step up), when that saves at least one walrus.shrink_factor step.
 */
export function percentileProposal(input: CycleInput, quiet: QuietCount, learned: ForecastState): Proposal {
  const growth = statisticalGrowth(input, Math.max(input.wal.percentile_mb, input.wal.current_mb), 'the WAL percentile');
  return classicProposal(input, quiet, growth, statisticalShrink(input, Math.max(input.wal.percentile_mb, input.wal.recent_peak_mb)));
}
