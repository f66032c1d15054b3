import type { float8, int } from '../sqltypes';
import { decideGrowth, type GrowthDecision } from './growth';
import { countQuiet, type QuietCount } from './quiet';
import { shrinkTarget } from './shrink';
import { sizeForWal, triggerUsage, type WalStats } from './sizing';

/** Every outcome a cycle can record in walrus.history (error is added by the glue when applying fails). */
export type CycleAction = 'increase' | 'decrease' | 'capped' | 'dry_run' | 'skipped' | 'no_change';

/** What one cycle knows: this interval's forced checkpoints, the sizes, the settings, and the persisted state. */
export interface CycleInput {
  current_mb: int;
  forced: int;
  floor_mb: int;
  threshold: int;
  max_mb: int;
  shrink_enable: boolean;
  shrink_factor: float8;
  shrink_intervals: int;
  min_size_mb: int;
  dry_run: boolean;
  cooldown_sec: int;
  max_changes_per_hour: int;
  /** Consecutive quiet time before this interval (walrus.state). */
  quiet: QuietCount;
  /** Seconds since the previous sample: how long this interval was. */
  elapsed_sec: float8;
  timeout_sec: int;
  /** Changes (dry-run decisions included) in the rolling 60 minutes before now. */
  changes_last_hour: int;
  /** Seconds since the last change, or null when there has been none. */
  seconds_since_change: float8 | null;
  /** walrus.algorithm: multiplicative, additive, adaptive or percentile. */
  algorithm: string;
  additive_increment_mb: int;
  completion_target: float8;
  segment_mb: int;
  headroom: float8;
  proactive: boolean;
  /** WAL per checkpoint_timeout over the sample window. */
  wal: WalStats;
}

/** The decision of one cycle. `proposed` is what live mode would do; `apply` says whether to run ALTER SYSTEM. */
export interface CycleDecision {
  action: CycleAction;
  proposed: CycleAction;
  old_size_mb: int;
  new_size_mb: int;
  apply: boolean;
  /** The quiet count to keep when the decision takes effect. */
  quiet: QuietCount;
  /**
   * The quiet count to keep when the change does not take effect (applying failed): a shrink keeps its count so
   * the next cycle retries it at once instead of waiting walrus.shrink_intervals again.
   */
  quiet_if_unapplied: QuietCount;
  reason: string;
}

function noQuiet(): QuietCount {
  return { intervals: 0, carry_sec: 0 };
}

function outcome(input: CycleInput, action: CycleAction, proposed: CycleAction, new_size_mb: int, quiet: QuietCount, reason: string): CycleDecision {
  const changes = action === 'increase' || action === 'decrease' || action === 'capped';
  return {
    action: action,
    proposed: proposed,
    old_size_mb: input.current_mb,
    new_size_mb: new_size_mb,
    apply: changes,
    // A change restarts the count; one that could not be made leaves it as if nothing had been decided.
    quiet: changes || action === 'dry_run' ? noQuiet() : quiet,
    quiet_if_unapplied: proposed === 'decrease' ? quiet : noQuiet(),
    reason: reason,
  };
}

/**
 * Any size a cycle proposes ends within [floor, cap]: whatever the statistics or a stored row said, pg_walrus never
 * applies more than walrus.max (or the floor, if higher) nor less than what the server can start with.
 */
export function clampSize(size_mb: int, floor_mb: int, max_mb: int): int {
  return Math.min(Math.max(size_mb, floor_mb), Math.max(max_mb, floor_mb));
}

/**
 * Why a change may not happen now, or '' when it may: automatic changes switched off, the hourly budget spent
 * (a rolling 60-minute window), or the cooldown since the last change still running.
 */
export function rateLimitReason(input: CycleInput): string {
  if (input.max_changes_per_hour === 0) {
    return 'walrus.max_changes_per_hour is 0: automatic changes are off';
  }
  if (input.changes_last_hour >= input.max_changes_per_hour) {
    return `hourly limit reached: ${input.changes_last_hour} changes in the last 60 minutes (walrus.max_changes_per_hour = ${input.max_changes_per_hour})`;
  }
  const left = cooldownRemainingSec(input.cooldown_sec, input.seconds_since_change);
  if (left > 0) {
    return `cooldown: ${left} s of walrus.cooldown_sec = ${input.cooldown_sec} s left since the last change`;
  }
  return '';
}

/**
 * Seconds until the cooldown lets a change through, 0 when it does now. 5% slack: with the default cooldown equal to
 * the default checkpoint_timeout, a cycle that pg_cron starts a moment early must not be held back a whole interval.
 * A row written later in the same transaction, or a clock stepping back, can make `since` slightly negative: a
 * cooldown of 0 still never holds anything back.
 */
export function cooldownRemainingSec(cooldown_sec: int, since: float8 | null): int {
  if (since === null || cooldown_sec <= 0 || since >= cooldown_sec * 0.95) {
    return 0;
  }
  if (!(since > 0)) {
    // The last change was just now (or the clock went back): the whole cooldown is left.
    return cooldown_sec;
  }
  const left: int = Math.ceil(cooldown_sec - since);
  return Math.max(left, 1);
}

/** Whether growth has nowhere left to go: the cap is walrus.max, or the floor when that is higher. */
export function atCeiling(current_mb: int, max_mb: int, floor_mb: int): boolean {
  return current_mb >= Math.max(max_mb, floor_mb);
}

/**
 * One cycle's decision: grow on forced checkpoints (pg_walsizer's rule, capped), shrink after enough consecutive
 * quiet intervals, then apply the rate limits and dry-run. A dry-run decision is exactly the live one, recorded
 * instead of applied; it counts against the rate limits like a change.
 */
export function decideCycle(input: CycleInput): CycleDecision {
  const quietCount = countQuiet(input.quiet, input.forced < input.threshold, input.elapsed_sec, input.timeout_sec);
  const quiet = quietCount.intervals;
  const growth = proposeGrowth(input);
  let proposed: CycleAction = 'no_change';
  let target = input.current_mb;
  let reason = growth.reason;
  if (growth.action !== 'no_change') {
    proposed = growth.action;
    target = clampSize(growth.new_size_mb, input.floor_mb, input.max_mb);
  } else if (input.shrink_enable && quiet >= input.shrink_intervals) {
    const shrunk = clampSize(proposeShrink(input), input.floor_mb, input.max_mb);
    if (shrunk < input.current_mb) {
      proposed = 'decrease';
      target = shrunk;
      reason = `${quiet} consecutive quiet intervals (walrus.shrink_intervals = ${input.shrink_intervals}); shrinking ${input.current_mb} MB to ${shrunk} MB (walrus.algorithm = ${input.algorithm})`;
    } else if (input.current_mb <= Math.max(input.min_size_mb, input.floor_mb)) {
      reason = `${quiet} quiet intervals, but max_wal_size is already at the shrink floor of ${Math.max(input.min_size_mb, input.floor_mb)} MB`;
    } else {
      reason = `${quiet} quiet intervals, but the WAL statistics still need about ${input.current_mb} MB`;
    }
  } else if (input.forced < input.threshold && input.shrink_enable) {
    reason = `${growth.reason}; quiet interval ${quiet} of ${input.shrink_intervals} before a shrink`;
  }
  if (proposed === 'no_change' || target === input.current_mb) {
    return outcome(input, 'no_change', 'no_change', input.current_mb, quietCount, reason);
  }
  const limited = rateLimitReason(input);
  if (limited !== '') {
    // A blocked shrink keeps its quiet count, so it happens as soon as the limit allows.
    return outcome(input, 'skipped', proposed, target, proposed === 'decrease' ? quietCount : noQuiet(), `${limited}; wanted: ${reason}`);
  }
  if (input.dry_run) {
    return outcome(input, 'dry_run', proposed, target, quietCount, `walrus.dry_run is on; would ${proposed === 'decrease' ? 'shrink' : 'grow'} to ${target} MB: ${reason}`);
  }
  return outcome(input, proposed, proposed, target, quietCount, reason);
}

/** The growth the selected algorithm proposes; all share the cap, the floor and the threshold on forced checkpoints. */
export function proposeGrowth(input: CycleInput): GrowthDecision {
  if (input.algorithm === 'additive') {
    return additiveGrowth(input.current_mb, input.forced, input.threshold, input.additive_increment_mb, input.max_mb, input.floor_mb);
  }
  if (input.algorithm === 'adaptive') {
    return statisticalGrowth(input, Math.max(input.wal.ema_mb, input.wal.current_mb), 'the WAL moving average');
  }
  if (input.algorithm === 'percentile') {
    return statisticalGrowth(input, Math.max(input.wal.percentile_mb, input.wal.current_mb), 'the WAL percentile');
  }
  return decideGrowth(input.current_mb, input.forced, input.threshold, input.max_mb, input.floor_mb);
}

function unchanged(current_mb: int, reason: string): GrowthDecision {
  return { action: 'no_change', old_size_mb: current_mb, new_size_mb: current_mb, reason: reason };
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
  if (!forcedEnough && !(input.proactive && usage >= 0.9)) {
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

/**
 * The size after enough quiet intervals. multiplicative and additive step down by walrus.shrink_factor, but not below
 * what the quiet intervals needed (with headroom); adaptive
 * and percentile go straight to what the WAL needs (the recent peak, or the percentile but at least that), but only when that saves
 * at least what one shrink_factor step would, so noise does not make them shrink and grow in turn.
 */
export function proposeShrink(input: CycleInput): int {
  const lower = Math.max(input.min_size_mb, input.floor_mb);
  if (input.algorithm !== 'adaptive' && input.algorithm !== 'percentile') {
    // Never below what the quiet intervals themselves needed: that would force checkpoints and grow straight back.
    const needed = sizeForWal(input.wal.recent_peak_mb, input.completion_target, input.headroom, input.segment_mb, input.current_mb);
    return Math.max(shrinkTarget(input.current_mb, input.shrink_factor, input.min_size_mb, input.floor_mb), needed);
  }
  // Like the others, never below what the quiet intervals needed: a young window's percentile still reflects the
  // load before a step up.
  const basis = input.algorithm === 'adaptive' ? input.wal.recent_peak_mb : Math.max(input.wal.percentile_mb, input.wal.recent_peak_mb);
  const wanted = Math.max(sizeForWal(basis, input.completion_target, input.headroom, input.segment_mb, input.current_mb), lower);
  if (wanted > input.current_mb * input.shrink_factor) {
    return input.current_mb;
  }
  return wanted;
}
