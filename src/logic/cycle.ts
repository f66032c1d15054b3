import type { float8, int } from '../sqltypes';
import { decideGrowth } from './growth';
import { shrinkTarget } from './shrink';

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
  /** Consecutive quiet intervals before this one. */
  quiet_intervals: int;
  /** Changes (dry-run decisions included) in the rolling 60 minutes before now. */
  changes_last_hour: int;
  /** Seconds since the last change, or null when there has been none. */
  seconds_since_change: float8 | null;
}

/** The decision of one cycle. `proposed` is what live mode would do; `apply` says whether to run ALTER SYSTEM. */
export interface CycleDecision {
  action: CycleAction;
  proposed: CycleAction;
  old_size_mb: int;
  new_size_mb: int;
  apply: boolean;
  quiet_intervals: int;
  reason: string;
}

function outcome(input: CycleInput, action: CycleAction, proposed: CycleAction, new_size_mb: int, quiet: int, reason: string): CycleDecision {
  return {
    action: action,
    proposed: proposed,
    old_size_mb: input.current_mb,
    new_size_mb: new_size_mb,
    apply: action === 'increase' || action === 'decrease' || action === 'capped',
    quiet_intervals: quiet,
    reason: reason,
  };
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
  const since = input.seconds_since_change;
  if (since !== null && since < input.cooldown_sec) {
    const left: int = Math.ceil(input.cooldown_sec - since);
    return `cooldown: ${left} s of walrus.cooldown_sec = ${input.cooldown_sec} s left since the last change`;
  }
  return '';
}

/**
 * One cycle's decision: grow on forced checkpoints (pg_walsizer's rule, capped), shrink after enough consecutive
 * quiet intervals, then apply the rate limits and dry-run. A dry-run decision is exactly the live one, recorded
 * instead of applied; it counts against the rate limits like a change.
 */
export function decideCycle(input: CycleInput): CycleDecision {
  const quiet = input.forced < input.threshold ? input.quiet_intervals + 1 : 0;
  const growth = decideGrowth(input.current_mb, input.forced, input.threshold, input.max_mb, input.floor_mb);
  let proposed: CycleAction = 'no_change';
  let target = input.current_mb;
  let reason = growth.reason;
  if (growth.action !== 'no_change') {
    proposed = growth.action;
    target = growth.new_size_mb;
  } else if (input.shrink_enable && quiet >= input.shrink_intervals) {
    const shrunk = shrinkTarget(input.current_mb, input.shrink_factor, input.min_size_mb, input.floor_mb);
    if (shrunk < input.current_mb) {
      proposed = 'decrease';
      target = shrunk;
      reason = `${quiet} consecutive quiet intervals (walrus.shrink_intervals = ${input.shrink_intervals}); shrinking ${input.current_mb} MB by walrus.shrink_factor to ${shrunk} MB`;
    } else {
      reason = `${quiet} quiet intervals, but max_wal_size is already at the shrink floor of ${Math.max(input.min_size_mb, input.floor_mb)} MB`;
    }
  } else if (input.forced < input.threshold && input.shrink_enable) {
    reason = `${growth.reason}; quiet interval ${quiet} of ${input.shrink_intervals} before a shrink`;
  }
  if (proposed === 'no_change') {
    return outcome(input, 'no_change', 'no_change', input.current_mb, quiet, reason);
  }
  const limited = rateLimitReason(input);
  if (limited !== '') {
    // A blocked shrink keeps its quiet count, so it happens as soon as the limit allows.
    return outcome(input, 'skipped', proposed, target, proposed === 'decrease' ? quiet : 0, `${limited}; wanted: ${reason}`);
  }
  if (input.dry_run) {
    return outcome(input, 'dry_run', proposed, target, 0, `walrus.dry_run is on; would ${proposed === 'decrease' ? 'shrink' : 'grow'} to ${target} MB: ${reason}`);
  }
  return outcome(input, proposed, proposed, target, 0, reason);
}
