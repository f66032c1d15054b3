import type { float8, int } from '../../sqltypes';
import type { CycleInput } from '../cycle';
import { cleanRate, cleanSeconds, needRate, profileView, recentRate, type ForecastPlan, type ForecastState, type SeasonalForecast } from '../forecast';
import { checkpointSegments } from '../pressure';
import type { QuietCount } from '../quiet';
import { sizeForWal } from '../sizing';
import { atFloorPhrase, triggerShare, type Proposal } from './shared';

/**
 * forecast: sizes from the measured need with the real trigger arithmetic, and learns when the need comes.
 *
 * - Reactive (Kubernetes VPA): grow at once on any forced checkpoint the WAL caused, whatever walrus.threshold says
 *   (an out-of-memory event is never tolerated), and before one, when the last checkpoint_timeout used 90% of the
 *   distance that forces one (walrus.proactive).
 * - Fast path: when cycles run more often than checkpoint_timeout (every minute), grow as soon as the checkpoint_timeout
 *   window ending at the next sample, at the rate since the previous sample, would force a checkpoint; it grows to that
 *   rate sustained, or, when the rate is still rising, to where the rise is going, so a step up is covered within about
 *   a minute and in one change instead of a whole interval. (At one cycle per timeout the projection is the last
 *   interval itself and adds nothing.)
 * - Predictive (AWS / Azure predictive scaling): pre-size walrus.lookahead_sec before an hour whose need, yesterday or a
 *   week ago, stood out from its day (see seasonalForecast); never below what the reactive part needs now.
 * - Stabilised shrink (Kubernetes HPA): shrink only to the largest need over walrus.stabilization_sec and the last
 *   hour, the forecast, and what keeps the learned peaks to at most two excursions a day (excursionHold), and only when
 *   that saves a walrus.shrink_factor step. Growth steps are at least the inverse of that step, so a growth is never undone by
 *   the next shrink and the size moves in few, large steps.
 */
export function forecastProposal(input: CycleInput, quiet: QuietCount, learned: ForecastState): Proposal {
  const plan = forecastPlan(input, learned);
  const cap = Math.max(input.max_mb, input.floor_mb);
  const segment = Math.max(input.segment_mb, 1);
  const timeout = Math.max(input.timeout_sec, 1);
  const segments = checkpointSegments(input.current_mb, segment, input.completion_target);
  const distance = segments * segment;
  const usageNow = (plan.now_rate * timeout) / distance;
  // The fast path: the next sample would force a checkpoint at the rate since this one (a large step), or two samples
  // in a row ran at a rate that forces one within two more samples (a step a sample cannot show at once, not a spike).
  const usageFast = Math.max(plan.projected_mb, plan.steady_mb) / distance;
  const usageForecast = (plan.seasonal.rate * timeout) / distance;
  const forced = input.forced >= 1;
  // In the first checkpoint_timeout after the install the projections rest on a minute or two: while the WAL since the
  // install, at the highest rate seen, cannot reach the distance by the next sample, wait for that sample, which tells
  // how far the load's minutes stray from each other (see the first growth below).
  const firstWindow = input.interval_wal_mb === null;
  const seen = Math.max(cleanRate(learned.window_peak), plan.recent_rate);
  const early = firstWindow && seen * (cleanSeconds(learned.learned_sec) + cleanSeconds(input.elapsed_sec)) < distance;
  const reactive = input.proactive && usageNow >= triggerShare() && !early;
  const fast = input.proactive && usageFast >= 1 && !early;
  const presize = input.lookahead_sec > 0 && usageForecast >= triggerShare();
  // The first growth pg_walrus makes on the first day, when the level crept up to the distance (not a step, not a
  // forced checkpoint: those have rules of their own), rests on minutes of evidence too, as in the first window: a
  // steady load grown to walrus.headroom over its first five minutes grew again ten minutes later.
  const firstGrowth =
    firstWindow || (reactive && !fast && !forced && input.seconds_since_change === null && cleanSeconds(learned.learned_sec) < 86400);
  if (forced || reactive || fast || presize) {
    const why = growthReason(input, plan, forced, reactive, fast, usageNow, usageFast);
    // What the window and the profile remember of this growth (the need over the last checkpoint_timeout they have
    // already), so that a shrink keeps what it was for. After a forced checkpoint, the rate since the last sample. After
    // the fast path, the need the new size holds: its evidence is a minute or two, not a checkpoint_timeout's need, and
    // remembered as a need, a noisy level's one-minute spike (3-4x its level) stood far above the level's hours, was let
    // go as an excursion hours later and the next spike grew the size back. Remembered as the size it caused, the hour
    // keeps that size, and stands apart from the level only when that size does (see excursionHold). So too the first growth
    // (firstGrowth), whose evidence is the same few minutes and whose margin is a guess for the whole day.
    const evidence = forced ? plan.recent_rate : 0;
    const holds = fast || firstGrowth;
    if (input.current_mb >= cap) {
      return { action: 'no_change', new_size_mb: input.current_mb, reason: `${why}, but max_wal_size is already at the walrus.max cap of ${cap} MB`, evidence_rate: growthEvidence(input, evidence, holds, cap) };
    }
    // Growth sizes for the need: the stabilisation window, and what the forecast expects until the size is next
    // reconsidered (look-ahead and stabilisation window), so one growth is not followed by a pre-size. The learned
    // peaks only hold a size up; they never make a growth bigger than what is needed.
    let wanted: int = sizeForWal(Math.max(plan.window_rate, plan.coming_rate) * timeout, input.completion_target, input.headroom, segment, 2147483647);
    if (forced || fast || firstGrowth) {
      // The rate of the last samples, sustained: what a step up needs, not what the lagging window shows. A step that
      // forces a checkpoint before the next sample (or did) is sized from the rate since the previous sample; two
      // samples in a row above the distance from the lower of the two, so a one-minute spike in a noisy load does not
      // size for itself. In the first checkpoint_timeout after the install, with walrus.headroom three times (about 2x,
      // the limit for a growth): a minute or two cannot tell how far the load's checkpoint_timeouts stray over
      // a day, and the first size should last it. With headroom twice, a load whose minutes vary by 30% (its busiest
      // checkpoint_timeout of a day about 40% above its mean) grew again on the first day, one change too many for a
      // stationary load.
      let margin = firstGrowth ? input.headroom * input.headroom * input.headroom : input.headroom;
      let rate = forced || plan.projected_mb >= distance || firstGrowth ? plan.recent_rate : plan.steady_rate;
      // The first growth, a few minutes after the install, sizes from the busiest minute seen, and on a load whose
      // minutes already disagree by more than walrus.headroom, by that much more: a noisy level's later minutes stray
      // as far again, and a first size that held only the minutes seen grew again on the next spike (two or three
      // changes on the first day of a stationary load); a steady load's minutes agree and keep walrus.headroom three
      // times. By at most walrus.headroom^3 more (about 4x in all, and walrus.max above it): a server idle until a
      // minute ago is not a noisy one. At most headroom^2, a level whose first minutes ran from 0.9 to 2.5 MB/s grew
      // again at 7 h.
      if (firstGrowth) {
        const low = Math.min(plan.recent_rate, cleanRate(input.forecast.last_rate));
        const spread = low > 0 ? Math.min(seen / low, input.headroom * input.headroom * input.headroom) : 1;
        rate = Math.max(rate, seen);
        if (spread >= input.headroom) {
          margin = margin * spread;
        }
      }
      // A sample that ran faster than the load before it may hold only part of the rise (a step that came inside it, a
      // ramp still climbing), and sized from it the growth falls short: the size grows again once the cooldown lets
      // it, a rise paid with two or three changes and forced checkpoints in between. Size for where the load is
      // going: the rise this sample showed, once more. The rise is measured from the lower of the previous sample and
      // the checkpoint_timeout window: two minutes at a new level show no rise between them, and the growth sized from
      // one lower-than-level minute (a step from 0.3 to 3 MB/s grown to hold 3.4) grew two or three times more as the
      // level's minutes strayed above it. At most walrus.headroom twice this sample's rate, so a sample that already
      // held the whole step grows to at most headroom^3 (about 2x with the default) the need of the new load, the
      // issue's limit.
      const previous = Math.min(cleanRate(input.forecast.last_rate), plan.now_rate);
      if (!firstGrowth && plan.recent_rate > previous) {
        rate = Math.max(rate, Math.min(2 * plan.recent_rate - previous, input.headroom * input.headroom * plan.recent_rate));
      }
      wanted = Math.max(wanted, sizeForWal(Math.max(rate * timeout, plan.projected_mb), input.completion_target, margin, segment, 2147483647));
    }
    // At least the inverse of one shrink step (few, large steps, and the next shrink never undoes this growth), in whole
    // segments, and at least one segment more of forced-checkpoint distance: a growth that leaves CheckPointSegments
    // where it was forces the same checkpoints (32 MB -> 43 MB with 16 MB segments).
    // (Never past walrus.max, whose arithmetic stays within the int range.)
    const whole: float8 = Math.ceil(Math.min(Math.max(input.current_mb, 1) / Math.max(input.shrink_factor, 0.01), cap) / segment) * segment;
    let step: int = Math.min(whole, cap);
    const further: int = segments + 1;
    while (step <= cap - segment && checkpointSegments(step, segment, input.completion_target) < further) {
      step += segment;
    }
    wanted = Math.max(wanted, step);
    if (wanted > cap && checkpointSegments(cap, segment, input.completion_target) <= segments) {
      // walrus.max truncates to the same CheckPointSegments as the size: growing to it forces the same checkpoints
      // (PostgreSQL reads max_wal_size only there and as the ceiling of the segments a checkpoint recycles), and is a
      // change a day spent for nothing, or a useless second step after a growth that stopped just below the cap.
      return { action: 'no_change', new_size_mb: input.current_mb, reason: `${why}; needs ${wanted} MB, and walrus.max = ${cap} MB would not move the forced-checkpoint distance`, evidence_rate: growthEvidence(input, evidence, holds, input.current_mb) };
    }
    if (wanted > cap) {
      return { action: 'capped', new_size_mb: cap, reason: `${why}; needs ${wanted} MB, capped at walrus.max = ${cap} MB`, evidence_rate: growthEvidence(input, evidence, holds, cap) };
    }
    return {
      action: 'increase',
      new_size_mb: Math.max(wanted, input.floor_mb),
      reason: `${why}; growing ${input.current_mb} MB to ${Math.max(wanted, input.floor_mb)} MB`,
      evidence_rate: growthEvidence(input, evidence, holds, Math.max(wanted, input.floor_mb)),
    };
  }
  const lower = Math.max(input.min_size_mb, input.floor_mb);
  const keep = Math.max(plan.recommended_mb, lower);
  // walrus.shrink_factor, kept off the float8 underflow a factor of 1e-300 would cause (below 0.01 it means nothing).
  const f = Math.max(input.shrink_factor, 0.01);
  const keepReason = holdReason(input, plan);
  if (!input.shrink_enable) {
    return { action: 'no_change', new_size_mb: input.current_mb, reason: `no pressure (${percent(usageNow)}% of the forced-checkpoint distance used); walrus.shrink_enable is off`, evidence_rate: 0 };
  }
  if (input.current_mb > lower && keep <= input.current_mb * f) {
    const settled = Math.max(plan.settled_mb, lower);
    if (settled <= keep * f) {
      // The older half of the window alone holds the size up, and it is about to pass: shrink once, then, not twice.
      return { action: 'no_change', new_size_mb: input.current_mb, reason: `no pressure; the load is settling: waiting for the stabilisation window to pass, then ${settled} MB`, evidence_rate: 0 };
    }
    const expected = Math.max(sizeForWal(plan.yesterday_low * timeout, input.completion_target, input.headroom / triggerShare(), segment, 2147483647), lower);
    if (cleanSeconds(learned.learned_sec) >= 86400 && plan.yesterday_low >= 0 && expected <= keep * f) {
      // Within the look-ahead and the stabilisation window the same hours needed a step less yesterday: the load is
      // still falling; shrink once it has, not on the way. (A pre-size from yesterday's peak hour was shrunk in the
      // hour after it, to that hour's need, and again when the load fell: two shrinks for one fall.)
      return { action: 'no_change', new_size_mb: input.current_mb, reason: `no pressure; the load is falling as it did yesterday (${expected} MB then): shrinking once it has`, evidence_rate: 0 };
    }
    return { action: 'decrease', new_size_mb: keep, reason: `${keepReason}: shrinking ${input.current_mb} MB to ${keep} MB`, evidence_rate: 0 };
  }
  if (input.current_mb <= lower) {
    return { action: 'no_change', new_size_mb: input.current_mb, reason: `no pressure (${percent(usageNow)}% of the forced-checkpoint distance used); ${atFloorPhrase(input.current_mb, lower)}`, evidence_rate: 0 };
  }
  return { action: 'no_change', new_size_mb: input.current_mb, reason: `no pressure (${percent(usageNow)}% of the forced-checkpoint distance used); ${keepReason}, not a walrus.shrink_factor step below ${input.current_mb} MB`, evidence_rate: 0 };
}

/**
 * What the window and the profile remember of a growth (see Proposal.evidence_rate): the rate a forced checkpoint came
 * at, and, when `holds` (the fast path, or the first growth), at least the need the new size holds.
 */
function growthEvidence(input: CycleInput, forced_rate: float8, holds: boolean, size_mb: int): float8 {
  return holds ? Math.max(forced_rate, heldRate(input, size_mb)) : forced_rate;
}

/**
 * WAL (MB) of the checkpoint_timeout window `ahead_sec` from now if the load runs at `rate`: the window's oldest
 * `ahead_sec` (at its average, `now_rate`) replaced by that rate.
 */
function windowAhead(now_rate: float8, rate: float8, ahead_sec: float8, timeout: int): float8 {
  return Math.max(now_rate * timeout + (rate - now_rate) * Math.min(ahead_sec, timeout), 0);
}

/** The need (MB/s) a size holds with walrus.headroom: the inverse of sizeForWal. */
function heldRate(input: CycleInput, size_mb: int): float8 {
  const segment = Math.max(input.segment_mb, 1);
  const distance = checkpointSegments(size_mb, segment, input.completion_target) * segment;
  return distance / (Math.max(input.timeout_sec, 1) * Math.max(input.headroom, 1));
}

/** A share as a whole percentage for a reason, clamped so no absurd value overflows the int. */
function percent(share: float8): int {
  return Math.round(Math.min(Math.max(share, 0), 1000) * 100);
}

/** MB for a reason, clamped into the int range (NaN is 0). */
function mb(value: float8): int {
  if (!(value > 0)) {
    return 0;
  }
  return Math.round(Math.min(value, 2000000000));
}

function growthReason(input: CycleInput, plan: ForecastPlan, forced: boolean, reactive: boolean, fast: boolean, usage_now: float8, usage_fast: float8): string {
  if (forced) {
    return `${input.forced} forced checkpoints caused by WAL (walrus.algorithm = forecast grows on any)`;
  }
  if (fast) {
    return `fast path: at the rate of the last samples a checkpoint_timeout would use ${percent(usage_fast)}% of the forced-checkpoint distance`;
  }
  if (reactive) {
    return `the last checkpoint_timeout used ${percent(usage_now)}% of the forced-checkpoint distance`;
  }
  return `pre-sizing: ${forecastReason(plan.seasonal, input.timeout_sec)}`;
}

function holdReason(input: CycleInput, plan: ForecastPlan): string {
  const timeout = Math.max(input.timeout_sec, 1);
  return `the stabilisation window needs ${mb(plan.window_rate * timeout)} MB per checkpoint_timeout, the forecast ${mb(plan.coming_rate * timeout)} MB, the learned peaks ${mb(plan.hold_rate * timeout)} MB; that takes ${plan.recommended_mb} MB`;
}

/** The forecast in a sentence, for the history, walrus_status() and walrus_recommendation(). */
export function forecastReason(seasonal: SeasonalForecast, timeout_sec: int): string {
  const timeout = Math.max(timeout_sec, 1);
  if (seasonal.days_ago === 0) {
    return 'no recurring peak expected within walrus.lookahead_sec';
  }
  const when = seasonal.hours_ahead === 0 ? 'this hour' : seasonal.hours_ahead === 1 ? 'the next hour' : `in ${seasonal.hours_ahead} hours`;
  const seen = seasonal.days_ago === 1 ? 'yesterday' : 'a week ago';
  return `${when} needed ${mb(seasonal.rate * timeout)} MB of WAL per checkpoint_timeout ${seen}, above the ${mb(seasonal.reference * timeout)} MB around it`;
}

/**
 * What the forecast algorithm sizes from: the need now and the fast path's projection, the stabilisation window, the
 * seasonal forecast, and the hold level that a shrink keeps, sized with the real trigger arithmetic.
 */
export function forecastPlan(input: CycleInput, learned: ForecastState): ForecastPlan {
  const timeout = Math.max(input.timeout_sec, 1);
  const elapsed = cleanSeconds(input.elapsed_sec);
  const nowRate = needRate(input.interval_wal_mb, input.recent_wal_mb, elapsed, timeout);
  const recent = recentRate(input.recent_wal_mb, elapsed);
  // The window one sample ahead at the recent rate.
  const projected = windowAhead(nowRate, recent, elapsed, timeout);
  // Two samples ahead at the rate the last two agree on, not a whole checkpoint_timeout of it: a step that forces
  // checkpoints shows itself within two more samples, while two minutes taken as the whole timeout grew the size on
  // the first minutes of a rise, before the window showed its level (a second growth followed: 5 changes on a day of
  // daily-cycle, seed 2), or on two high minutes of noise (a step to 2.5 MB/s grown to 2.1x its oracle, seed 5).
  // (At one cycle per timeout this is the steady rate's whole timeout, as before.)
  const steadyRate = Math.min(recent, cleanRate(input.forecast.last_rate));
  const steady = windowAhead(nowRate, steadyRate, 2 * elapsed, timeout);
  const windowRate = Math.max(cleanRate(learned.window_peak), cleanRate(learned.window_previous), nowRate);
  const view = profileView(
    learned.profile,
    learned.slot,
    input.hour_fraction,
    input.lookahead_sec,
    input.stabilization_sec,
    learned.learned_sec,
    input.headroom,
    input.shrink_factor,
    windowRate,
    Math.max(cleanRate(learned.window_peak), nowRate),
  );
  const segment = Math.max(input.segment_mb, 1);
  return {
    now_rate: nowRate,
    recent_rate: recent,
    steady_rate: steadyRate,
    projected_mb: projected,
    steady_mb: steady,
    window_rate: windowRate,
    seasonal: view.seasonal,
    coming_rate: view.coming_rate,
    yesterday_low: view.yesterday_low,
    hold_rate: view.hold_rate,
    // What a shrink keeps holds the need with walrus.headroom below the share that grows it again: kept with headroom
    // alone, the busiest hour it kept sat 12.5% below that share, and a day's noise on a stationary load crossed it
    // (1.6 MB/s with sigma 0.2 per minute, shrunk on day 1 from the first day's size and grown again that evening).
    recommended_mb: sizeForWal(view.hold_rate * timeout, input.completion_target, input.headroom / triggerShare(), segment, 2147483647),
    settled_mb: sizeForWal(view.settled_rate * timeout, input.completion_target, input.headroom / triggerShare(), segment, 2147483647),
  };
}
