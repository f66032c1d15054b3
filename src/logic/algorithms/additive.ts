import type { int } from '../../sqltypes';
import type { CycleInput } from '../cycle';
import type { ForecastState } from '../forecast';
import { decideGrowth, type GrowthDecision } from '../growth';
import type { QuietCount } from '../quiet';
import { classicProposal, stepShrink, type Proposal } from './shared';

/** additive: current + forced x walrus.additive_increment, capped; shrinks like multiplicative. */
export function additiveProposal(input: CycleInput, quiet: QuietCount, learned: ForecastState): Proposal {
  const growth = additiveGrowth(input.current_mb, input.forced, input.threshold, input.additive_increment_mb, input.max_mb, input.floor_mb);
  return classicProposal(input, quiet, growth, stepShrink(input));
}

/** additive: current + forced x walrus.additive_increment, capped; overflow-safe like the multiplicative rule. */
export function additiveGrowth(current_mb: int, forced: int, threshold: int, increment_mb: int, max_mb: int, floor_mb: int): GrowthDecision {
  const cap = Math.max(max_mb, floor_mb);
  if (forced < threshold || current_mb >= cap) {
    return decideGrowth(current_mb, forced, threshold, max_mb, floor_mb);
  }
  if (forced * increment_mb > cap - current_mb) {
    return {
      action: 'capped',
      old_size_mb: current_mb,
      new_size_mb: cap,
      reason: `${forced} forced checkpoints; ${current_mb} MB + ${forced} x ${increment_mb} MB exceeds walrus.max, capped at ${cap} MB`,
    };
  }
  const grown: int = Math.max(current_mb + forced * increment_mb, floor_mb);
  return {
    action: 'increase',
    old_size_mb: current_mb,
    new_size_mb: grown,
    reason: `${forced} forced checkpoints reached the threshold of ${threshold}; ${current_mb} MB + ${forced} x ${increment_mb} MB`,
  };
}
