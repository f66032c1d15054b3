import type { float8, int } from '../sqltypes';
import { additiveProposal } from './algorithms/additive';
import { adaptiveProposal } from './algorithms/adaptive';
import { forecastProposal, forecastReason } from './algorithms/forecast';
import { multiplicativeProposal } from './algorithms/multiplicative';
import { percentileProposal } from './algorithms/percentile';
import type { Proposal } from './algorithms/shared';
import { cleanRate, learnForecast, rememberEvidence, seasonalForecast, type ForecastState, type SeasonalForecast } from './forecast';
import { countQuiet, type QuietCount } from './quiet';
import { sizeForWal, type WalStats } from './sizing';

/** Every outcome a cycle can record in walrus.history (error is added by the glue when applying fails). */
export type CycleAction = 'increase' | 'decrease' | 'capped' | 'dry_run' | 'advise' | 'skipped' | 'no_change';

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
  /** Why this server cannot or must not apply (walrus.apply = advise, Patroni, no dblink...), or '' when it can. */
  advise_reason: string;
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
  /** walrus.algorithm: multiplicative, additive, adaptive, percentile or forecast. */
  algorithm: string;
  additive_increment_mb: int;
  completion_target: float8;
  segment_mb: int;
  headroom: float8;
  proactive: boolean;
  /** WAL per checkpoint_timeout over the sample window. */
  wal: WalStats;
  /** The hour of the week now, in walrus.timezone (the profiles' zone): Monday 00h = 0 ... Sunday 23h = 167. */
  hour_of_week: int;
  /** How far into that hour now is, 0 to 1. */
  hour_fraction: float8;
  /** WAL written since the previous sample, MB (not normalised: over elapsed_sec). */
  recent_wal_mb: float8;
  /**
   * WAL written over the last checkpoint_timeout, MB: from the newest sample at least 95% of a timeout old to now,
   * scaled to exactly one timeout. Null when no sample is that old. At one cycle per timeout, the previous sample's.
   */
  interval_wal_mb: float8 | null;
  /** walrus.half_life_sec: forecast, how fast the hour-of-week profile forgets a peak that does not come back. */
  half_life_sec: int;
  /** walrus.stabilization_sec: forecast, the window whose largest need a shrink keeps. */
  stabilization_sec: int;
  /** walrus.lookahead_sec: forecast, how long before a forecast peak to pre-size. */
  lookahead_sec: int;
  /** What the forecast has learned (walrus.forecast_profile and walrus.state), as the previous cycle returned it. */
  forecast: ForecastState;
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
  /** What the forecast has learned, this cycle included: to persist, whatever the algorithm and the outcome. */
  forecast: ForecastState;
  /** The size the seasonal forecast expects within walrus.lookahead_sec, 0 when it expects no recurring peak. */
  forecast_mb: int;
  /** The forecast in a sentence. */
  forecast_reason: string;
}

function noQuiet(): QuietCount {
  return { intervals: 0, carry_sec: 0 };
}

function outcome(input: CycleInput, action: CycleAction, proposed: CycleAction, new_size_mb: int, quiet: QuietCount, reason: string, learned: ForecastState): CycleDecision {
  const changes = action === 'increase' || action === 'decrease' || action === 'capped';
  const seasonal = seasonalForecast(learned.profile, learned.slot, input.hour_fraction, input.lookahead_sec, learned.learned_sec, input.headroom);
  return {
    action: action,
    proposed: proposed,
    old_size_mb: input.current_mb,
    new_size_mb: new_size_mb,
    apply: changes,
    // A change restarts the count; one that could not be made leaves it as if nothing had been decided.
    quiet: changes || action === 'dry_run' || action === 'advise' ? noQuiet() : quiet,
    quiet_if_unapplied: proposed === 'decrease' ? quiet : noQuiet(),
    reason: reason,
    forecast: learned,
    forecast_mb: forecastSize(input, seasonal),
    forecast_reason: forecastReason(seasonal, input.timeout_sec),
  };
}

/** The size the seasonal forecast asks for, 0 when it expects nothing. */
export function forecastSize(input: CycleInput, seasonal: SeasonalForecast): int {
  const rate = cleanRate(seasonal.rate);
  if (!(rate > 0)) {
    return 0;
  }
  return sizeForWal(rate * Math.max(input.timeout_sec, 1), input.completion_target, input.headroom, Math.max(input.segment_mb, 1), 2147483647);
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
 * One cycle's decision: what walrus.algorithm proposes (proposeChange), clamped to [floor, walrus.max], then the rate
 * limits and dry-run. A dry-run decision is exactly the live one, recorded instead of applied; it counts against the
 * rate limits like a change. The forecast's learned state moves on with every cycle, whatever the algorithm.
 */
export function decideCycle(input: CycleInput): CycleDecision {
  const quietCount = countQuiet(input.quiet, input.forced < input.threshold, input.elapsed_sec, input.timeout_sec);
  const observed = learnForecast(input);
  const proposal = proposeChange(input, quietCount, observed);
  const learned = rememberEvidence(observed, proposal.evidence_rate, input.hour_fraction * 3600 >= input.elapsed_sec);
  let proposed: CycleAction = 'no_change';
  let target = input.current_mb;
  const reason = proposal.reason;
  if (proposal.action !== 'no_change') {
    proposed = proposal.action;
    target = clampSize(proposal.new_size_mb, input.floor_mb, input.max_mb);
  }
  if (proposed === 'no_change' || target === input.current_mb) {
    return outcome(input, 'no_change', 'no_change', input.current_mb, quietCount, reason, learned);
  }
  const limited = rateLimitReason(input);
  if (limited !== '') {
    // A blocked shrink keeps its quiet count, so it happens as soon as the limit allows.
    return outcome(input, 'skipped', proposed, target, proposed === 'decrease' ? quietCount : noQuiet(), `${limited}; wanted: ${reason}`, learned);
  }
  if (input.dry_run) {
    return outcome(input, 'dry_run', proposed, target, quietCount, `walrus.dry_run is on; would ${proposed === 'decrease' ? 'shrink' : 'grow'} to ${target} MB: ${reason}`, learned);
  }
  if (input.advise_reason !== '') {
    // Decided exactly as live mode would; whoever owns the configuration applies it (walrus_recommendation()).
    return outcome(input, 'advise', proposed, target, quietCount, `advice, not applied (${input.advise_reason}): ${proposed === 'decrease' ? 'shrink' : 'grow'} to ${target} MB: ${reason}`, learned);
  }
  return outcome(input, proposed, proposed, target, quietCount, reason, learned);
}

/**
 * The one place walrus.algorithm is read: each algorithm lives in its own module under src/logic/algorithms/ with the
 * same signature, and proposes a change that decideCycle then clamps, rate-limits and records. An unknown value (the
 * settings reader never passes one) is the default rule's.
 */
export function proposeChange(input: CycleInput, quiet: QuietCount, learned: ForecastState): Proposal {
  if (input.algorithm === 'forecast') {
    return forecastProposal(input, quiet, learned);
  }
  if (input.algorithm === 'additive') {
    return additiveProposal(input, quiet, learned);
  }
  if (input.algorithm === 'adaptive') {
    return adaptiveProposal(input, quiet, learned);
  }
  if (input.algorithm === 'percentile') {
    return percentileProposal(input, quiet, learned);
  }
  return multiplicativeProposal(input, quiet, learned);
}
