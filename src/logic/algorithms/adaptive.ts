import type { CycleInput } from '../cycle';
import type { ForecastState } from '../forecast';
import type { QuietCount } from '../quiet';
import { classicProposal, statisticalGrowth, statisticalShrink, type Proposal } from './shared';

/**
 * adaptive: grow to the size for max(moving average, this interval) of WAL per interval; shrink to what the quiet
 * intervals needed (their peak), when that saves at least one walrus.shrink_factor step.
 */
export function adaptiveProposal(input: CycleInput, quiet: QuietCount, learned: ForecastState): Proposal {
  const growth = statisticalGrowth(input, Math.max(input.wal.ema_mb, input.wal.current_mb), 'the WAL moving average');
  return classicProposal(input, quiet, growth, statisticalShrink(input, input.wal.recent_peak_mb));
}
