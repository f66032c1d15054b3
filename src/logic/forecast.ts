import type { float8, int, int8 } from '../sqltypes';
import type { CycleInput } from './cycle';
import { percentileOf } from './sizing';

/**
 * What walrus.algorithm = forecast learns, bounded and independent of how often cycles run. The glue persists it
 * between cycles (the profile in walrus.forecast_profile, the scalars in walrus.state) and passes it back in
 * CycleInput.forecast; decideCycle returns the next state in CycleDecision.forecast, whatever the algorithm, so switching
 * to forecast finds a profile already learned.
 *
 * Rates are MB of WAL per second, so a change of checkpoint_timeout keeps their meaning; "need" is the WAL written over
 * the last checkpoint_timeout divided by it, the load a size must hold without a forced checkpoint.
 */
export interface ForecastState {
  /**
   * The hour-of-week profile: for each hour of the week in walrus.timezone (Monday 00h = 0 ... Sunday 23h = 167), the
   * decayed peak need seen in it. Entering an hour again a week later multiplies its old peak by
   * 0.5 ^ (one week / walrus.half_life_sec) before new measurements are maxed in: recurring peaks stay, one-offs fade.
   */
  profile: float8[];
  /** The hour of the week being accumulated now; -1 before the first cycle. */
  slot: int;
  /** How much history the profile holds, in seconds, at most a week: hours not yet seen are not evidence. */
  learned_sec: float8;
  /** Stabilisation window, in two halves: the peak need of the current half and of the previous one (MB/s). */
  window_peak: float8;
  window_previous: float8;
  /** Seconds into the current half of the stabilisation window. */
  window_age_sec: float8;
  /** The rate of the previous sample (MB/s): two samples in a row above what the size holds are a step, not noise. */
  last_rate: float8;
}

/** What the seasonal part expects within the look-ahead, and from which evidence. */
export interface SeasonalForecast {
  /** MB/s expected within the look-ahead; 0 when no recurring peak is expected. */
  rate: float8;
  /** The upcoming hour it is expected in: 0 is the current hour. */
  hours_ahead: int;
  /** 1: seen at that hour yesterday; 7: at that hour a week ago; 0: nothing expected. */
  days_ago: int;
  /** The median need of the 24 hours around the evidence (MB/s): a peak must stand out from it by walrus.headroom. */
  reference: float8;
}

/** What the forecast algorithm sizes from in one cycle. */
export interface ForecastPlan {
  /** Need over the last checkpoint_timeout (MB/s). */
  now_rate: float8;
  /** Rate since the previous sample (MB/s): the fast path's evidence when cycles run more often than the timeout. */
  recent_rate: float8;
  /** The lower of this rate and the previous sample's (MB/s): what two samples in a row agree on. */
  steady_rate: float8;
  /** WAL (MB) the checkpoint_timeout ending one sample from now would hold if the recent rate goes on. */
  projected_mb: float8;
  /** WAL (MB) the checkpoint_timeout ending two samples from now would hold if the steady rate goes on. */
  steady_mb: float8;
  /** The largest need over the stabilisation window (MB/s). */
  window_rate: float8;
  seasonal: SeasonalForecast;
  /** What the seasonal forecast expects within walrus.lookahead_sec + walrus.stabilization_sec (MB/s): a shrink keeps it. */
  coming_rate: float8;
  /** The lowest need of the same hours yesterday (MB/s; -1: not learned; see yesterdayLow). */
  yesterday_low: float8;
  /** The need a shrink keeps (MB/s): see excursionHold. */
  hold_rate: float8;
  /** The size for hold_rate, with walrus.headroom. */
  recommended_mb: int;
  /** The size the hold settles at once the older half of the stabilisation window has passed. */
  settled_mb: int;
}

/** The state before any cycle: nothing learned. */
export function emptyForecast(): ForecastState {
  const profile: float8[] = [];
  for (let i: int = 0; i < 168; i++) {
    profile.push(0);
  }
  return { profile: [...profile], slot: -1, learned_sec: 0, window_peak: 0, window_previous: 0, window_age_sec: 0, last_rate: 0 };
}

/** The hour of the week for any integer hour (negative ones and ones past Sunday wrap around). */
export function wrapHour(hour: int): int {
  const weeks: int = Math.floor(hour / 168);
  const wrapped: int = hour - 168 * weeks;
  return wrapped;
}

/**
 * A rate as stored: NaN, negative and negligible values (below a byte a second) are 0, and no rate exceeds 10 TB/s,
 * so a forged or corrupt row can neither make the arithmetic fail nor overflow a size.
 */
export function cleanRate(value: float8): float8 {
  if (!(value > 0.000001)) {
    return 0;
  }
  return Math.min(value, 10000000);
}

/**
 * Seconds as the forecast counts them: NaN, negative and sub-millisecond values are 0 (a millisecond of history or of
 * elapsed time is nothing), and nothing exceeds a year.
 */
export function cleanSeconds(value: float8): float8 {
  if (!(value > 0.001)) {
    return 0;
  }
  return Math.min(value, 31536000);
}

/**
 * The profile as the rules read it: exactly a week of hours (0 for hours a shorter array lacks), each a clean rate (see
 * cleanRate). The loops below index this copy with inline arithmetic (the hour of the week wrapped as wrapHour does;
 * an hour `age` hours back is known when age < learnedSpan(...), computed once per rule) instead of calling a helper
 * per hour: in PL/pgSQL a call costs more than the work.
 */
export function cleanProfile(profile: float8[]): float8[] {
  const out: float8[] = [];
  const n = profile.length;
  for (let i: int = 0; i < 168; i++) {
    const value = i < n ? profile[i]! : 0;
    out.push(value > 0.000001 ? Math.min(value, 10000000) : 0);
  }
  return [...out];
}

/**
 * Need over the last checkpoint_timeout, in MB/s: the WAL of the sliding window ending now when the glue could measure
 * it, else (in the first checkpoint_timeout after the install or a reset) the rate since the previous sample. Spreading
 * a short sample over a whole timeout, as walPerIntervalMb does for forced checkpoints, would understate the need and
 * shrink a size the load still needs.
 */
export function needRate(interval_wal_mb: float8 | null, recent_wal_mb: float8, elapsed_sec: float8, timeout_sec: int): float8 {
  const timeout = Math.max(timeout_sec, 1);
  if (interval_wal_mb !== null) {
    return cleanRate(cleanRate(interval_wal_mb) / timeout);
  }
  return recentRate(recent_wal_mb, elapsed_sec);
}

/**
 * The rate since the previous sample (MB/s). Less than 30 seconds (a manual call just after the job) is spread over
 * 30 seconds, so a few bytes over a few milliseconds never look like a step up.
 */
export function recentRate(recent_wal_mb: float8, elapsed_sec: float8): float8 {
  if (!(cleanSeconds(elapsed_sec) > 0)) {
    return 0;
  }
  return cleanRate(cleanRate(recent_wal_mb) / Math.max(cleanSeconds(elapsed_sec), 30));
}

/** What an hour's old peak keeps when the hour comes round again a week later: 0.5 ^ (one week / half-life). */
export function weeklyRetention(half_life_sec: int): float8 {
  return Math.pow(0.5, 604800 / Math.max(half_life_sec, 3600));
}

/**
 * The next state: this cycle's need goes into the current hour of the profile (only when its checkpoint_timeout window
 * lies inside the hour, so an hour is not credited with the next one's load; with a timeout above 30 minutes, always),
 * the stabilisation window moves on by the elapsed time, and the learned history grows by at most an hour a cycle.
 * Nothing depends on how often cycles run.
 */
export function learnForecast(input: CycleInput): ForecastState {
  const state = input.forecast;
  const timeout = Math.max(input.timeout_sec, 1);
  const elapsed = cleanSeconds(input.elapsed_sec);
  const rate = needRate(input.interval_wal_mb, input.recent_wal_mb, elapsed, timeout);
  const slot = wrapHour(input.hour_of_week);
  const entering = slot !== state.slot;
  const retention = weeklyRetention(input.half_life_sec);
  const inside = input.hour_fraction * 3600 >= timeout || timeout > 1800;
  const profile: float8[] = [];
  const n = state.profile.length;
  for (let i: int = 0; i < 168; i++) {
    const raw = i < n ? state.profile[i]! : 0;
    let value = raw > 0.000001 ? Math.min(raw, 10000000) : 0;
    if (i === slot) {
      if (entering) {
        value = cleanRate(value * retention);
      }
      if (inside) {
        value = Math.max(value, rate);
      }
    }
    profile.push(value);
  }
  // Stabilisation window in two halves: the window covers between one half and the whole of it.
  const half = input.stabilization_sec / 2;
  let age = cleanSeconds(state.window_age_sec) + elapsed;
  let peak = cleanRate(state.window_peak);
  let previous = cleanRate(state.window_previous);
  if (!(half > 0)) {
    peak = 0;
    previous = 0;
    age = 0;
  } else if (age >= 2 * half) {
    peak = 0;
    previous = 0;
    age = age - half * Math.floor(age / half);
  } else if (age >= half) {
    previous = peak;
    peak = 0;
    age = age - half;
  }
  const learned = Math.min(cleanSeconds(state.learned_sec), 604800) + Math.min(elapsed, Math.max(timeout, 3600));
  return {
    profile: [...profile],
    slot: slot,
    learned_sec: Math.min(learned, 604800),
    window_peak: Math.max(peak, rate),
    window_previous: previous,
    window_age_sec: age,
    last_rate: recentRate(input.recent_wal_mb, elapsed),
  };
}

/**
 * The state after a decision: the stabilisation window and the current hour of the profile also remember what a
 * growth on a minute of evidence stands for (see Proposal.evidence_rate), whether or not the rate limits let the growth through, so what a
 * shrink keeps agrees with what the growth sized for. The profile only when the sample lies inside the current hour.
 */
export function rememberEvidence(state: ForecastState, evidence_rate: float8, inside_hour: boolean): ForecastState {
  const evidence = cleanRate(evidence_rate);
  if (!(evidence > 0)) {
    return state;
  }
  if (!inside_hour) {
    return { ...state, window_peak: Math.max(cleanRate(state.window_peak), evidence) };
  }
  const slot = wrapHour(state.slot);
  const profile: float8[] = [];
  const n = state.profile.length;
  for (let i: int = 0; i < 168; i++) {
    const raw = i < n ? state.profile[i]! : 0;
    const value = raw > 0.000001 ? Math.min(raw, 10000000) : 0;
    profile.push(i === slot ? Math.max(value, evidence) : value);
  }
  return { ...state, profile: [...profile], window_peak: Math.max(cleanRate(state.window_peak), evidence) };
}

/**
 * How many hours of the profile hold learned needs, the current one included: hours `age` < span back (0 is the
 * current hour) ended after the first sample. An hour that ended before it holds nothing; counted from whole hours
 * learned, the hour before an install at 00:00:07 looked learned with a need of 0 (a level that fell on the first day
 * looked like a load whose quiet hours were as low as now, and was held; a peak stood out from a day of zeros).
 */
export function learnedSpan(learned_sec: float8, hour_fraction: float8): int {
  const fraction = hour_fraction > 0 ? Math.min(hour_fraction, 1) : 0;
  return Math.min(Math.max(Math.ceil(Math.min(cleanSeconds(learned_sec), 604800) / 3600 + 1 - fraction), 1), 168);
}

/**
 * The median need of the 24 hours centred on `hour` that the history covers (their age counted from `slot`), or -1 when
 * fewer than 6 of them are known: too little to tell a peak from the level around it.
 */
export function dayMedian(profile: float8[], slot: int, hour_fraction: float8, hour: int, learned_sec: float8): float8 {
  return medianAround(cleanProfile(profile), wrapHour(slot), wrapHour(hour), learnedSpan(learned_sec, hour_fraction));
}

/** dayMedian on a clean profile (cleanProfile), with `now` and `centre` hours of the week and the learned span. */
function medianAround(p: float8[], now: int, centre: int, span: int): float8 {
  // A centre near the start of the history is compared with the 23 learned hours nearest it: with only the hours after
  // it, a peak in the first hours of a day (a nightly batch, the start of business hours) is measured against that
  // day's busy hours alone and does not stand out, so the second day is not pre-sized for it.
  const c = now - centre + 168;
  const centreAge: int = c - 168 * Math.floor(c / 168);
  const oldest: int = span - 1;
  const shift: int = centreAge + 12 > oldest ? Math.max(Math.min(centreAge + 12 - oldest, centreAge - 11), 0) : 0;
  const values: float8[] = [];
  for (let d: int = shift - 12; d < shift + 12; d++) {
    if (d !== 0) {
      const h = centre + d + 168;
      const k: int = h - 168 * Math.floor(h / 168);
      const back = now - k + 168;
      const age: int = back - 168 * Math.floor(back / 168);
      if (age < span) {
        values.push(p[k]!);
      }
    }
  }
  if (values.length < 6) {
    return -1;
  }
  return percentileOf(values, 50);
}

/**
 * The seasonal forecast (daily and weekly seasonality): for each hour that starts within walrus.lookahead_sec (and the
 * current one), the need seen at that hour yesterday and, for hours still ahead, a week ago, when it stands out from
 * its day: above walrus.headroom x the median of the 24 hours around it. A flat day, like a load that has just fallen
 * from a steady high, predicts nothing; a nightly batch or a weekly one predicts its peak. An expected peak is expected
 * whole: the hours after it that also stood out, up to headroom x its first hour, count too, so one pre-size covers
 * the busiest hour of a plateau instead of growing again as each of its hours comes into the look-ahead. The largest
 * expectation wins. A peak must have recurred to be expected: yesterday's once the history shows the day before
 * (confirmedOn), last week's only on a load whose peaks recur (recurringOn); `confirm` false drops the former check,
 * for what a shrink keeps.
 */
export function seasonalForecast(profile: float8[], slot: int, hour_fraction: float8, lookahead_sec: int, learned_sec: float8, headroom: float8): SeasonalForecast {
  const p = cleanProfile(profile);
  const now = wrapHour(slot);
  const span = learnedSpan(learned_sec, hour_fraction);
  return seasonalOn(p, now, hour_fraction, lookahead_sec, span, headroom, recurringOn(p, now, span, headroom), true);
}

/** seasonalForecast on a clean profile (cleanProfile), the hour of the week `now` and the learned span. */
function seasonalOn(p: float8[], now: int, hour_fraction: float8, lookahead_sec: int, span: int, headroom: float8, recurring: boolean, confirm: boolean): SeasonalForecast {
  let best: SeasonalForecast = { rate: 0, hours_ahead: 0, days_ago: 0, reference: 0 };
  const fraction = hour_fraction > 0 ? Math.min(hour_fraction, 1) : 0;
  const ahead = lookahead_sec > 0 ? Math.min(lookahead_sec, 86400) : 0;
  let o: int = 0;
  while (o <= 24 && (o - fraction) * 3600 <= ahead) {
    // Yesterday's same hour; and last week's, for hours still ahead (the current hour's own peak is this week's).
    for (let days: int = 1; days <= 7; days += 6) {
      const back = now + o - 24 * days + 168;
      const evidence: int = back - 168 * Math.floor(back / 168);
      const ago = now - evidence + 168;
      const age: int = ago - 168 * Math.floor(ago / 168);
      if ((days === 1 || (o > 0 && recurring)) && age < span) {
        const value = p[evidence]!;
        const reference = medianAround(p, now, evidence, span);
        if (reference >= 0 && value > headroom * reference && (!confirm || confirmedOn(p, evidence, age, days, span, Math.max(headroom * reference, value / Math.max(headroom, 1))))) {
          // The rest of that peak: the hours after it (in the past) that stood out as well, on the same plateau (a much
          // larger peak right after it is another one, expected in its own time).
          let whole = value;
          let n: int = 1;
          while (n < 24 && n < age) {
            const k: int = evidence + n - 168 * Math.floor((evidence + n) / 168);
            const next = p[k]!;
            if (!(next > headroom * reference && next <= headroom * value)) {
              break;
            }
            whole = Math.max(whole, next);
            n++;
          }
          if (whole > best.rate) {
            best = { rate: whole, hours_ahead: o, days_ago: days, reference: reference };
          }
        }
      }
    }
    o++;
  }
  return best;
}

/**
 * Whether the load's peaks recur: of the excursions in the learned hours (runs of hours above walrus.headroom x the
 * lower quartile of the learned hours) whose day before is learned too, at most as many started at an hour that did
 * not stand out the day before as at one that did (or at most one). A week-ago peak has no earlier occurrence to check
 * (the profile keeps one decayed peak per hour of the week), so it is only expected on a load whose peaks have been
 * recurring: a daily or weekday pattern, a lone weekly batch; not flash crowds at random times, each of which would
 * otherwise be pre-sized for, in vain, a week later.
 */
function recurringOn(p: float8[], now: int, span: int, headroom: float8): boolean {
  const known: float8[] = [];
  for (let age: int = 0; age < 168; age++) {
    if (age < span) {
      const back = now - age + 168;
      const k: int = back - 168 * Math.floor(back / 168);
      known.push(p[k]!);
    }
  }
  const above = Math.max(headroom, 1) * percentileOf(known, 25);
  // The hours whose day before is learned too.
  const oldest: int = Math.min(143, span - 25);
  let repeated: int = 0;
  let single: int = 0;
  let inRun = false;
  for (let age: int = oldest; age >= 0; age--) {
    const back = now - age + 168;
    const k: int = back - 168 * Math.floor(back / 168);
    const value = p[k]!;
    if (!(value > above)) {
      inRun = false;
    } else {
      if (!inRun) {
        const before: int = k + 144 - 168 * Math.floor((k + 144) / 168);
        if (p[before]! > above) {
          repeated++;
        } else {
          single++;
        }
      }
      inRun = true;
    }
  }
  return single <= Math.max(repeated, 1);
}

/**
 * Whether a peak seen at `evidence` (`age` hours ago, `days` days before the hour it predicts) recurs: a flash crowd or
 * a burst at a random time stands out from its day as much as a nightly batch does, and pre-sizing for it the next day
 * costs a growth and a shrink for nothing. Once the history covers the day before the evidence, a daily peak counts
 * only if the same hour came close to it then too (above `least`: what it stood out from, and within walrus.headroom
 * of it): from the third day on a peak is pre-sized once it has come twice; on the second day one occurrence is all
 * the history can show.
 */
function confirmedOn(p: float8[], evidence: int, age: int, days: int, span: int, least: float8): boolean {
  if (days !== 1 || age + 24 >= span) {
    return true;
  }
  const back = evidence - 24 + 168;
  const k: int = back - 168 * Math.floor(back / 168);
  return p[k]! > least;
}

/**
 * The lowest need (MB/s, an hour's peak) of the hours from now to `horizon_sec` ahead the day before; -1 when the
 * history covers none of them. A shrink waits for it when it is a step lower than what a shrink now would keep.
 */
export function yesterdayLow(profile: float8[], slot: int, hour_fraction: float8, horizon_sec: int, learned_sec: float8): float8 {
  return yesterdayLowOn(cleanProfile(profile), wrapHour(slot), hour_fraction, horizon_sec, learnedSpan(learned_sec, hour_fraction));
}

/** yesterdayLow on a clean profile, the hour of the week `now` and the learned span. */
function yesterdayLowOn(p: float8[], now: int, hour_fraction: float8, horizon_sec: int, span: int): float8 {
  const fraction = hour_fraction > 0 ? Math.min(hour_fraction, 1) : 0;
  const horizon = horizon_sec > 0 ? Math.min(horizon_sec, 86400) : 0;
  let low: float8 = -1;
  let o: int = 0;
  while (o < 24 && (o - fraction) * 3600 <= horizon) {
    if (24 - o < span) {
      const back = now + o - 24 + 168;
      const k: int = back - 168 * Math.floor(back / 168);
      if (low < 0 || p[k]! < low) {
        low = p[k]!;
      }
    }
    o++;
  }
  return low;
}

/**
 * Separate excursions above `threshold` in a series of hourly peaks (oldest first, in thousandths of MB/s; negative
 * for an hour the history does not cover): maximal runs of consecutive hours above it. Each one is a growth and a
 * shrink for a size below it. With `unpredicted_only`, only the runs with an hour the seasonal forecast did not expect
 * (`expected[i]` false; see excursionHold): a size below those meets them with forced checkpoints, while an expected
 * one is pre-sized and costs two changes, never a forced checkpoint. Integers, so the loop runs on PostgreSQL's own
 * comparisons (it runs once per candidate size).
 */
export function runsAbove(hours: int8[], threshold: int8, expected: boolean[], unpredicted_only: boolean): int {
  let runs: int = 0;
  let inRun = false;
  let counted = false;
  const n = hours.length;
  const m = expected.length;
  for (let i: int = 0; i < n; i++) {
    const above = hours[i]! > threshold;
    if (!above) {
      inRun = false;
    } else {
      if (!inRun) {
        counted = false;
      }
      inRun = true;
      if (!counted && (!unpredicted_only || !(i < m && expected[i]!))) {
        runs++;
        counted = true;
      }
    }
  }
  return runs;
}

/**
 * The need a shrink keeps (MB/s):
 * - at least `base_rate` (the stabilisation window and the forecast) and the peaks of the current and the previous hour
 *   of the profile;
 * - when those are a walrus.shrink_factor step below every other hour of the last day, and further below the lowest
 *   of them than the highest stands above it (a bursty load's quiet hour stands below its busy ones by as much, and
 *   the bursts come back), and at least 6 hours show it (as for dayMedian, fewer cannot tell a level from its noise:
 *   the first hour after the install, sized from one spike, is not a level the load fell from), the level has fallen
 *   and the hours before say nothing about it: that is all;
 * - otherwise also the lower quartile of the last day's hourly peaks (a noisy load's level is not an excursion: three
 *   hours in four needed at least that), and enough that
 *   the learned hours (up to a week) whose peak would have made the size grow again (90% of its distance, the proactive
 *   trigger) form at most two separate excursions per day learned, and at most one a day that the seasonal forecast
 *   did not expect. A change costs, and every excursion is two (a growth, a shrink): two a day keeps a load within four
 *   changes a day; an unexpected one also costs forced checkpoints, so bursts, flash crowds and noise that come back
 *   more than once a day keep the size that holds them instead of shrinking in between, while a recurring peak, which
 *   the forecast pre-sizes, lets the size shrink after it. The day being learned counts as a whole one, but in the
 *   first 12 hours, while a single excursion cannot tell a daily batch from bursts, one goes only when the quiet
 *   after it is at least a quarter of the hours learned up to its end, it took at most a third of them (an estimate of
 *   how often the load makes one: see quietSince), and it stands out from the hours kept by far more than they vary
 *   (see standsApart), or, however few hours came before it, when an hour has been quiet since and it stood ten times
 *   above every hour kept; and from 18 hours on the first day allows a second one (the budget grows with the hours
 *   learned instead of jumping at 24 hours). On the first day the install hour, which holds the first growth's size,
 *   is part of the floor unless the level has fallen. An unexpected excursion is only let go when the hours let go
 *   stand walrus.headroom^2 above every hour kept: a burst or a batch stands apart from the level it returns to, while a
 *   noisy level's maxima spread continuously above its quartiles and come back, so letting the highest go is a shrink
 *   and a regrowth every day (a stationary load should change at most once a day).
 */
export function excursionHold(profile: float8[], slot: int, hour_fraction: float8, learned_sec: float8, base_rate: float8, headroom: float8, shrink_factor: float8): float8 {
  return holdOn(cleanProfile(profile), wrapHour(slot), hour_fraction, Math.min(cleanSeconds(learned_sec), 604800), base_rate, headroom, shrink_factor);
}

/**
 * excursionHold on a clean profile, the hour of the week `now`, the share of it gone by, and clean seconds learned (at
 * most a week).
 */
function holdOn(p: float8[], now: int, hour_fraction: float8, learned: float8, base_rate: float8, headroom: float8, shrink_factor: float8): float8 {
  // Days learned, the current one counted (the history already holds its excursions); in the first 12 hours, when one
  // cannot tell a daily batch from bursts that come back soon, an unexpected excursion goes only on the evidence below.
  const days: int = Math.ceil(learned / 86400);
  const allowed: int = 2 * days;
  const unexpected: int = learned < 43200 ? 0 : days;
  // On the first day the budget grows with the hours learned, one per 12 hours (rounded: two from 18 hours on), so it
  // does not jump from one to two at 24 hours while the same excursions are still in the history: two peaks on the
  // first day were held until midnight. Each one only goes when it stands apart (see below). The hour being learned
  // counts, as the profile counts it: the step comes with the hour that takes the last excursion out of the current
  // and previous hours, not a cycle later, which shrank twice within five minutes.
  const begun: int = Math.floor(learned / 3600) + 1;
  const learning: int = begun >= 18 && learned < 86400 ? 2 : unexpected;
  // How far above every hour kept the hours let go must stand for that: two separate levels, not a noisy spread.
  const apart = Math.max(headroom, 1) * Math.max(headroom, 1);
  const trigger = 0.9 * Math.max(headroom, 1);
  const span = learnedSpan(learned, hour_fraction);
  // The learned hours, oldest first (index 167 is the current hour); -1 for hours the history does not cover.
  const hours: float8[] = [];
  const known: float8[] = [];
  for (let age: int = 167; age >= 0; age--) {
    const back = now - age + 168;
    const k: int = back - 168 * Math.floor(back / 168);
    const peak = age < span ? p[k]! : -1;
    hours.push(peak);
    if (age < span) {
      known.push(peak);
    }
  }
  const recent = Math.max(cleanRate(base_rate), hours[167]!, hours[166]!);
  const day: float8[] = [];
  let lowest: float8 = -1;
  let highest: float8 = 0;
  let older: int = 0;
  for (let age: int = 0; age < 24; age++) {
    if (age < span) {
      const peak = hours[167 - age]!;
      day.push(peak);
      if (age >= 2) {
        older++;
        if (lowest < 0 || peak < lowest) {
          lowest = peak;
        }
        highest = Math.max(highest, peak);
      }
    }
  }
  if (older >= 6 && lowest > 0 && recent * (highest / lowest) <= Math.max(shrink_factor, 0.01) * lowest) {
    return recent;
  }
  // What a peak stands out from: the lower quartile of the learned hours (a quiet hour; busy hours may be most of a day).
  const level = known.length > 0 ? percentileOf(known, 25) : 0;
  let floor = Math.max(recent, day.length > 0 ? percentileOf(day, 25) : 0);
  if (learned < 86400) {
    // On the first day the install hour (the oldest one learned) is a floor unless the level has fallen (above): it
    // holds the first growth's size, a guess from a minute or two sized to last the day (see forecastProposal). Let go
    // at 12 hours as an excursion, a stationary load shrank to its level and grew back on its next busy
    // checkpoint_timeout, and the next night the forecast pre-sized for the guess as if it had been a peak.
    floor = Math.max(floor, hours[168 - span]!);
  }
  // The hours in thousandths of MB/s, and which ones the seasonal forecast expected: the same hour the day before stood
  // out from the level by walrus.headroom and, with headroom, held this one.
  const milli: int8[] = [];
  const expected: boolean[] = [];
  const candidates: float8[] = [floor];
  // (Not `i`: the compiled sort below names its ordinality column so.)
  for (let h: int = 0; h < 168; h++) {
    const peak = hours[h]!;
    const q: int8 = peak >= 0 ? Math.floor(peak * 1000) : -1;
    milli.push(q);
    const before = h >= 24 ? hours[h - 24]! : -1;
    expected.push(before >= 0 && before > headroom * level && before * headroom >= peak);
    if (peak / trigger > floor) {
      candidates.push(peak / trigger);
    }
  }
  const sorted = [...candidates].sort((a, b) => a - b);
  let previous: float8 = -1;
  for (const c of sorted) {
    if (c > previous) {
      const threshold: int8 = Math.floor(trigger * c * 1000);
      const unpredicted = runsAbove(milli, threshold, expected, true);
      const runs = runsAbove(milli, threshold, expected, false);
      if (runs <= allowed && unpredicted <= learning) {
        if (unpredicted === 0) {
          return c;
        }
        // An unexpected one: the lowest hour let go at least walrus.headroom^2 above the highest hour kept. A noisy
        // level's maxima spread continuously above its quartiles and come back, so letting one go is a shrink and a
        // regrowth; a peak or a batch stands apart from the level it returns to.
        if (standsApart(milli, threshold, apart, 0)) {
          return c;
        }
      } else if (runs <= allowed && unpredicted === 1 && learned < 43200) {
        // The first 12 hours: the one excursion let go early, when the quiet after it says it was a job of its own
        // (see quietSince) and it stands out from the level by far more than the level varies (the spread of the hours
        // kept to the 8th power: a flat level, a factor of ten; bursts of the load itself, a few times). A wrong one
        // costs a shrink and a regrowth once: with two excursions the budget holds the size until 12 hours.
        if (quietSince(milli, threshold, span) && standsApart(milli, threshold, apart, 8)) {
          return c;
        }
        // Or, however few hours came before it, when a whole hour has been quiet since and it stood ten times above
        // every hour kept (the load fell to a tenth, the fall): the nightly batch an hour after the install
        // was held 16 hours, for lack of hours before it to say how often the load makes one. Bursts of a load itself
        // stand a few times above it, not ten.
        if (quietHours(milli, threshold) >= 1 && standsApart(milli, threshold, 10, 0)) {
          return c;
        }
      }
    }
    previous = c;
  }
  return sorted[sorted.length - 1]!;
}

/**
 * Whether the hours above `threshold` (thousandths of MB/s, as in holdOn) stand apart from the hours kept: the lowest
 * one let go at least `apart` times the highest one kept, and at least the spread of the hours kept (highest over
 * lowest learned) to the power `power` (0: `apart` alone). A level's own variation (noise, bursts of the load itself)
 * spreads its hours, and its excursions stand out from it by little more than that spread; a job of its own stands
 * out from a level by far more than the level varies.
 */
function standsApart(milli: int8[], threshold: int8, apart: float8, power: float8): boolean {
  let kept: int8 = -1;
  let lowest: int8 = -1;
  let gone: int8 = -1;
  for (const q of milli) {
    if (q > threshold) {
      if (gone < 0 || q < gone) {
        gone = q;
      }
    } else {
      if (q > kept) {
        kept = q;
      }
      if (q > 0 && (lowest < 0 || q < lowest)) {
        lowest = q;
      }
    }
  }
  if (kept <= 0) {
    return true;
  }
  const spread: float8 = lowest > 0 && power > 0 ? Math.pow(kept / lowest, power) : 1;
  return gone >= Math.max(apart, spread) * kept;
}

/**
 * Whether the one excursion above `threshold` (see holdOn) has been followed by a quiet of at least a quarter of the
 * `span` hours learned up to its end, and took at most a third of them. One excursion in that many hours is the only
 * estimate of how often the load makes one: bursts that came once in a few hours, or that kept the load busy for most
 * of them, are expected back within about as long; a batch after a quiet stretch leaves a quiet after it.
 */
function quietSince(milli: int8[], threshold: int8, span: int): boolean {
  const n = milli.length;
  let first: int = 0;
  while (first < n && milli[first]! <= threshold) {
    first++;
  }
  if (first >= n) {
    return true;
  }
  const since = quietHours(milli, threshold);
  const until: int = span - since;
  const during: int = n - since - first;
  return 4 * since >= until && until >= 3 * during;
}

/** The hours (oldest first, as in holdOn) after the last one above `threshold`: all of them when none is. */
function quietHours(milli: int8[], threshold: int8): int {
  const n = milli.length;
  let since: int = 0;
  while (since < n && milli[n - 1 - since]! <= threshold) {
    since++;
  }
  return since;
}

/** What the forecast algorithm reads off the profile in one cycle (see profileView). */
export interface ProfileView {
  /** The seasonal forecast within walrus.lookahead_sec: what a pre-size is for. */
  seasonal: SeasonalForecast;
  /** What the seasonal forecast expects within the look-ahead and the stabilisation window (MB/s): a growth sizes for it. */
  coming_rate: float8;
  /** The lowest need of the same hours yesterday (MB/s; -1: not learned; yesterdayLow). */
  yesterday_low: float8;
  /**
   * The need a shrink keeps (MB/s, excursionHold) over max(window_rate, the expected peaks): coming_rate, and the peaks
   * seen once that it leaves out (see confirmedOn).
   */
  hold_rate: float8;
  /** The same once the older half of the stabilisation window has passed: over newer_rate instead of window_rate. */
  settled_rate: float8;
}

/**
 * Everything the forecast algorithm reads off the hour-of-week profile in one cycle, the profile cleaned once: the
 * seasonal forecast over the look-ahead and over the look-ahead plus the stabilisation window (a shrink that a pre-size
 * would undo before the size is next reconsidered saves nothing), yesterday's need over the latter, and the hold with
 * the whole stabilisation window (`window_rate`) and with only its newer half (`newer_rate`).
 */
export function profileView(
  profile: float8[],
  slot: int,
  hour_fraction: float8,
  lookahead_sec: int,
  stabilization_sec: int,
  learned_sec: float8,
  headroom: float8,
  shrink_factor: float8,
  window_rate: float8,
  newer_rate: float8,
): ProfileView {
  const p = cleanProfile(profile);
  const now = wrapHour(slot);
  const learned = Math.min(cleanSeconds(learned_sec), 604800);
  const ahead: int = lookahead_sec > 0 ? Math.min(lookahead_sec, 86400) + Math.min(Math.max(stabilization_sec, 0), 86400) : 0;
  const span = learnedSpan(learned, hour_fraction);
  const recurring = recurringOn(p, now, span, headroom);
  const seasonal = seasonalOn(p, now, hour_fraction, lookahead_sec, span, headroom, recurring, true);
  const coming = seasonalOn(p, now, hour_fraction, ahead, span, headroom, recurring, true).rate;
  // A shrink keeps a peak seen only once too: growing for it may be in vain, but shrinking before it is two changes
  // and forced checkpoints if it comes, and a pre-size made from last week's peak stays for the hour it expected.
  const kept = Math.max(coming, seasonalOn(p, now, hour_fraction, ahead, span, headroom, recurring, false).rate);
  const windowRate = cleanRate(window_rate);
  const newer = cleanRate(newer_rate);
  const hold = holdOn(p, now, hour_fraction, learned, Math.max(windowRate, kept), headroom, shrink_factor);
  return {
    seasonal: seasonal,
    coming_rate: coming,
    yesterday_low: yesterdayLowOn(p, now, hour_fraction, ahead, span),
    hold_rate: hold,
    settled_rate: newer < windowRate ? holdOn(p, now, hour_fraction, learned, Math.max(newer, kept), headroom, shrink_factor) : hold,
  };
}
