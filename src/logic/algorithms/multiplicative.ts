import type { CycleInput } from '../cycle';
import type { ForecastState } from '../forecast';
import { decideGrowth } from '../growth';
import type { QuietCount } from '../quiet';
import { classicProposal, stepShrink, type Proposal } from './shared';

/**
 * multiplicative (pg_walsizer's rule): at walrus.threshold forced checkpoints per interval grow to
 * current x (forced + 1), capped; after walrus.shrink_intervals quiet intervals shrink by walrus.shrink_factor, never
 * below what the quiet intervals needed.
 */
export function multiplicativeProposal(input: CycleInput, quiet: QuietCount, learned: ForecastState): Proposal {
  const growth = decideGrowth(input.current_mb, input.forced, input.threshold, input.max_mb, input.floor_mb);
  return classicProposal(input, quiet, growth, stepShrink(input));
}
