import type { float8, int } from '../../sqltypes';
import type { CycleInput } from '../cycle';
import { decideGrowth, type GrowthDecision } from '../growth';
import type { QuietCount } from '../quiet';
import { shrinkTarget } from '../shrink';
import { sizeForWal, triggerUsage } from '../sizing';

/**
 * What the algorithm selected by walrus.algorithm proposes for this cycle, before the clamp to [floor, walrus.max],
 * the rate limits and dry-run (decideCycle applies those to every algorithm alike). Every algorithm module exports one
 * function `<name>Proposal(input, quiet, learned): Proposal`, and decideCycle dispatches on walrus.algorithm once.
 */
export type ProposalAction = 'increase' | 'capped' | 'decrease' | 'no_change';

export interface Proposal {
  action: ProposalAction;
  new_size_mb: int;
  reason: string;
  /**
   * What a growth on a minute of evidence stands for (MB/s), which the forecast's stabilisation window and profile must
   * remember, so later cycles do not shrink what that minute grew (they see whole checkpoint_timeouts): the rate since
   * the last sample after a forced checkpoint, the need the new size holds after the fast path; 0 for the others.
   */
  evidence_rate: float8;
}

export function unchanged(current_mb: int, reason: string): GrowthDecision {
  return { action: 'no_change', old_size_mb: current_mb, new_size_mb: current_mb, reason: reason };
}

/**
 * The per-interval rules (multiplicative, additive, adaptive, percentile): grow on the algorithm's growth rule; when it
 * does not grow, shrink to the algorithm's shrink target once walrus.shrink_intervals consecutive quiet intervals have
 * passed. `shrunk_mb` is only used then, and is computed by the caller with the same inputs.
 */
/**
 * Where a size stands against the shrink floor, for a reason: a fresh install under walrus.min_size is below it, and
 * calling that "already at" a floor many times the size misled whoever read the reason.
 */
export function atFloorPhrase(current_mb: int, lower_mb: int): string {
  return current_mb < lower_mb ? `below the shrink floor of ${lower_mb} MB` : `already at the shrink floor of ${lower_mb} MB`;
}

export function classicProposal(input: CycleInput, quiet: QuietCount, growth: GrowthDecision, shrunk_mb: int): Proposal {
  if (growth.action !== 'no_change') {
    return { action: growth.action, new_size_mb: growth.new_size_mb, reason: growth.reason, evidence_rate: 0 };
  }
  const intervals = quiet.intervals;
  if (input.shrink_enable && intervals >= input.shrink_intervals) {
    const shrunk = Math.min(Math.max(shrunk_mb, input.floor_mb), Math.max(input.max_mb, input.floor_mb));
    if (shrunk < input.current_mb) {
      return {
        action: 'decrease',
        new_size_mb: shrunk,
        reason: `${intervals} consecutive quiet intervals (walrus.shrink_intervals = ${input.shrink_intervals}); shrinking ${input.current_mb} MB to ${shrunk} MB (walrus.algorithm = ${input.algorithm})`,
        evidence_rate: 0,
      };
    }
    const lower = Math.max(input.min_size_mb, input.floor_mb);
    if (input.current_mb <= lower) {
      return { action: 'no_change', new_size_mb: input.current_mb, reason: `${intervals} quiet intervals, but max_wal_size is ${atFloorPhrase(input.current_mb, lower)}`, evidence_rate: 0 };
    }
    return { action: 'no_change', new_size_mb: input.current_mb, reason: `${intervals} quiet intervals, but the WAL statistics still need about ${input.current_mb} MB`, evidence_rate: 0 };
  }
  if (input.forced < input.threshold && input.shrink_enable) {
    return { action: 'no_change', new_size_mb: input.current_mb, reason: `${growth.reason}; quiet interval ${intervals} of ${input.shrink_intervals} before a shrink`, evidence_rate: 0 };
  }
  return { action: 'no_change', new_size_mb: input.current_mb, reason: growth.reason, evidence_rate: 0 };
}

/**
 * multiplicative and additive shrink: one walrus.shrink_factor step, but never below what the quiet intervals
 * themselves needed with walrus.headroom (that would force checkpoints and grow straight back).
 */
export function stepShrink(input: CycleInput): int {
  const needed = sizeForWal(input.wal.recent_peak_mb, input.completion_target, input.headroom, input.segment_mb, input.current_mb);
  return Math.max(shrinkTarget(input.current_mb, input.shrink_factor, input.min_size_mb, input.floor_mb), needed);
}

/**
 * adaptive and percentile shrink: straight to what the WAL needs (`basis_mb` per interval, with headroom), never below
 * walrus.min_size, but only when that saves at least one walrus.shrink_factor step, so noise does not make them shrink
 * and grow in turn.
 */
export function statisticalShrink(input: CycleInput, basis_mb: float8): int {
  const lower = Math.max(input.min_size_mb, input.floor_mb);
  const wanted = Math.max(sizeForWal(basis_mb, input.completion_target, input.headroom, input.segment_mb, input.current_mb), lower);
  if (wanted > input.current_mb * input.shrink_factor) {
    return input.current_mb;
  }
  return wanted;
}

/**
 * The share of the forced-checkpoint distance that grows the size before any checkpoint is forced (walrus.proactive,
 * and forecast's pre-size): a window using this much of it is near enough to the trigger to act. forecast's shrink
 * keeps walrus.headroom below it.
 */
export function triggerShare(): float8 {
  return 0.9;
}

/**
 * adaptive and percentile: size for the WAL actually written, (1 + cct) x WAL per interval x headroom. They grow on
 * forced checkpoints and, when walrus.proactive is on, as soon as an interval used 90% of the distance that would
 * force one; growing to 1 / headroom of it leaves a band in which noise changes nothing.
 */
export function statisticalGrowth(input: CycleInput, basis_mb: float8, basis: string): GrowthDecision {
  const cap = Math.max(input.max_mb, input.floor_mb);
  const usage = triggerUsage(input.wal.current_mb, input.completion_target, input.current_mb, input.segment_mb);
  // Shown in the reason only; clamped so an absurd rate cannot overflow the int.
  const usagePercent: int = Math.round(Math.min(usage, 1000) * 100);
  const forcedEnough = input.forced >= input.threshold;
  if (!forcedEnough && !(input.proactive && usage >= triggerShare())) {
    return decideGrowth(input.current_mb, input.forced, input.threshold, input.max_mb, input.floor_mb);
  }
  if (input.current_mb >= cap) {
    return unchanged(input.current_mb, `max_wal_size is already at the walrus.max cap of ${cap} MB`);
  }
  const wanted = sizeForWal(basis_mb, input.completion_target, input.headroom, input.segment_mb, 2147483647);
  const why = forcedEnough
    ? `${input.forced} forced checkpoints reached the threshold of ${input.threshold}`
    : `walrus.proactive: this interval used ${usagePercent}% of the WAL that forces a checkpoint`;
  if (wanted > cap) {
    return { action: 'capped', old_size_mb: input.current_mb, new_size_mb: cap, reason: `${why}; ${basis} needs ${wanted} MB, capped at walrus.max = ${cap} MB` };
  }
  if (wanted <= input.current_mb) {
    // The statistics lag a sudden burst; forced checkpoints are evidence enough to grow the classic way.
    return forcedEnough
      ? decideGrowth(input.current_mb, input.forced, input.threshold, input.max_mb, input.floor_mb)
      : unchanged(input.current_mb, `${why}, but ${basis} needs no more than ${input.current_mb} MB`);
  }
  return {
    action: 'increase',
    old_size_mb: input.current_mb,
    new_size_mb: Math.max(wanted, input.floor_mb),
    reason: `${why}; ${basis} needs ${wanted} MB`,
  };
}
