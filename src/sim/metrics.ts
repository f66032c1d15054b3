import { exactOracleMb } from './oracle';
import type { Scenario } from './scenarios';
import type { IntervalRecord, SimRun } from './simulate';
import { mean, median } from './stats';
import { DAY, HOUR } from './units';
import { walrusDefaults } from './walrus-settings';

/** The figures the benchmark table reports for one run. */
export interface RunMetrics {
  readonly forcedTotal: number;
  readonly forcedAfterFirstHour: number;
  /** Intervals with at least one forced checkpoint. */
  readonly forcedIntervals: number;
  readonly meanSizeMb: number;
  readonly peakSizeMb: number;
  readonly changes: number;
  /** Per load change: cycles until settled (see convergence), null when it never settled before the next change. */
  readonly convergence: readonly (number | null)[];
  /** max_wal_size / oracle over all intervals. */
  readonly overshootMedian: number;
  readonly overshootMax: number;
  readonly peakWalOnDiskMb: number;
  /** meanSizeMb minus walrus.min_size's default: the disk kept above what pg_walrus would shrink to at most. */
  readonly meanAboveMinMb: number;
  /** Size changes per calendar day of the run (a change counts on the day its interval ends). */
  readonly changesPerDay: readonly number[];
  /**
   * Per designed fall: hours until max_wal_size was within 1.5x the new oracle (or walrus.min_size), null when never;
   * undefined entries are falls the load comes back from within two hours and the look-ahead (a designed peak).
   */
  readonly recoveryHours: readonly (number | null | undefined)[];
  /**
   * Per designed rise: seconds from it to the last forced checkpoint within the hour after it (0: none); null when
   * the new load needs more than walrus.max in that hour (no size within the cap avoids them).
   */
  readonly riseForcedSec: readonly (number | null)[];
  /**
   * Per designed rise the policy grew after: the largest max_wal_size until the load changes again (at most an hour),
   * over the largest oracle of that time.
   */
  readonly riseSizeRatio: readonly number[];
  /**
   * Per designed peak occurrence: its series, whether it is a repeat (not the first of its series) and how many
   * intervals overlapping it had forced checkpoints that a size within walrus.max could have avoided.
   */
  readonly peakForced: readonly { readonly series: string; readonly repeat: boolean; readonly intervals: number }[];
}

const settled = (i: IntervalRecord): boolean => i.forced === 0 && i.changes === 0;

/**
 * Cycles after a load change until the policy settles: the decisions made after the change and before the next
 * one (or the end) are numbered from 0, and the run has settled from decision j when every decision from j on saw no
 * forced checkpoint and changed nothing. So 0 means nothing needed doing, 1 one corrective step, and so on; null
 * means still forcing or still changing when the next change came. A policy that never moves after a load drop
 * counts as settled at once: its waste shows in the overshoot, not here.
 */
export function convergence(intervals: readonly IntervalRecord[], changes: readonly number[], end: number): (number | null)[] {
  return changes.map((at, n) => {
    const until = changes[n + 1] ?? end;
    const phase = intervals.filter((i) => i.end > at && i.end <= until);
    if (phase.length === 0) return null;
    let j = phase.length;
    while (j > 0 && settled(phase[j - 1]!)) j--;
    return j === phase.length ? null : j;
  });
}

/** An interval's WAL normalised to one checkpoint_timeout, and the size that surely avoids forced checkpoints for it. */
function exactOracle(run: SimRun, i: IntervalRecord): number {
  const timeout = run.server.checkpointTimeoutSec;
  const floor = Math.max(2 * run.server.segmentMb, run.server.minWalSizeMb);
  return exactOracleMb((i.walBytes * timeout) / Math.max(i.end - i.start, 1e-9), run.server.completionTarget, run.server.segmentMb, floor);
}

function changesPerDay(run: SimRun): number[] {
  const days = Math.max(1, Math.ceil(run.durationSec / DAY - 1e-9));
  const out = new Array<number>(days).fill(0);
  for (const i of run.intervals) out[Math.min(Math.floor(i.end / DAY), days - 1)]! += i.changes;
  return out;
}

function recoveryHours(run: SimRun, scenario: Scenario | undefined, lookaheadSec: number): (number | null | undefined)[] {
  if (scenario === undefined) return [];
  const minMb = walrusDefaults().min_size_mb;
  return scenario.falls.map((fall) => {
    if (scenario.peaks.some((p) => p.from > fall && p.from <= fall + 2 * HOUR + lookaheadSec)) return undefined;
    const after = run.intervals.filter((i) => i.start >= fall && i.end <= fall + 2 * HOUR);
    if (after.length === 0) return null;
    const target = Math.max(1.5 * Math.max(...after.map((i) => i.oracleMb)), minMb);
    const done = run.intervals.find((i) => i.end > fall && i.newSizeMb <= target);
    return done === undefined ? null : Math.max(0, done.end - fall) / HOUR;
  });
}

/**
 * The size that surely avoids forced checkpoints for the busiest checkpoint_timeout of WAL ending in [from, to], any
 * window of whole scenario steps, not only the cycle-aligned intervals: PostgreSQL's checkpoints start where its timer
 * and the forced ones put them, not at the cycles, so a window that straddles two intervals can need more than
 * walrus.max while each interval fits (flash-crowds on seed 7: 2049.6 MB in the interval, 2248 MB in the window).
 */
export function windowOracleMb(run: SimRun, scenario: Scenario, from: number, to: number): number {
  const steps = Math.max(1, Math.round(run.server.checkpointTimeoutSec / scenario.stepSec));
  const floor = Math.max(2 * run.server.segmentMb, run.server.minWalSizeMb);
  let busiest = 0;
  const last = Math.min(Math.ceil(to / scenario.stepSec), scenario.rates.length);
  for (let end = Math.max(1, Math.ceil(from / scenario.stepSec)); end <= last; end++) {
    let bytes = 0;
    for (let k = Math.max(0, end - steps); k < end; k++) bytes += scenario.rates[k]! * scenario.stepSec;
    busiest = Math.max(busiest, bytes);
  }
  return exactOracleMb(busiest, run.server.completionTarget, run.server.segmentMb, floor);
}

function riseMetrics(run: SimRun, scenario: Scenario | undefined): { forced: (number | null)[]; ratio: number[] } {
  if (scenario === undefined) return { forced: [], ratio: [] };
  const capMb = walrusDefaults().max_mb;
  const forced: (number | null)[] = [];
  const ratio: number[] = [];
  for (const rise of scenario.rises) {
    const hour = run.intervals.filter((i) => i.end > rise && i.start < rise + HOUR);
    if (hour.some((i) => exactOracle(run, i) > capMb) || windowOracleMb(run, scenario, rise, rise + HOUR) > capMb) {
      forced.push(null);
    } else {
      const times = run.forcedTimes.filter((t) => t >= rise && t < rise + HOUR);
      forced.push(times.length === 0 ? 0 : Math.max(...times) - rise);
    }
    // Only a growth after the rise is "the size it grows to"; the need is the largest of the new load until the load
    // changes again (or an hour).
    const next = scenario.loadChanges.find((t) => t > rise) ?? Number.POSITIVE_INFINITY;
    const during = run.intervals.filter((i) => i.end > rise && i.start < Math.min(next, rise + HOUR));
    const before = run.intervals.find((i) => i.end > rise)?.sizeMb ?? run.initialMb;
    const peak = Math.max(...during.map((i) => i.peakSizeMb), 0);
    if (peak > before && during.length > 0) ratio.push(peak / Math.max(...during.map((i) => i.oracleMb)));
  }
  return { forced, ratio };
}

function peakForced(run: SimRun, scenario: Scenario | undefined): RunMetrics['peakForced'] {
  if (scenario === undefined) return [];
  const capMb = walrusDefaults().max_mb;
  const seen = new Set<string>();
  return [...scenario.peaks]
    .sort((a, b) => a.from - b.from)
    .map((p) => {
      const repeat = seen.has(p.series);
      seen.add(p.series);
      const avoidable = (i: IntervalRecord): boolean => exactOracle(run, i) <= capMb && windowOracleMb(run, scenario, i.start, i.end) <= capMb;
      const intervals = run.intervals.filter((i) => i.end > p.from && i.start < p.to && i.forced > 0 && avoidable(i)).length;
      return { series: p.series, repeat, intervals };
    });
}

export function runMetrics(run: SimRun, scenario?: Scenario): RunMetrics {
  const sizes = run.intervals.map((i) => i.meanSizeMb);
  const overshoot = run.intervals.map((i) => i.meanSizeMb / i.oracleMb);
  const rises = riseMetrics(run, scenario);
  return {
    forcedTotal: run.forcedTotal,
    forcedAfterFirstHour: run.forcedAfterFirstHour,
    forcedIntervals: run.intervals.filter((i) => i.forced > 0).length,
    meanSizeMb: mean(sizes),
    peakSizeMb: Math.max(run.initialMb, ...run.intervals.map((i) => i.peakSizeMb)),
    changes: run.intervals.reduce((sum, i) => sum + i.changes, 0),
    convergence: convergence(run.intervals, run.loadChanges, run.durationSec),
    overshootMedian: median(overshoot),
    overshootMax: overshoot.length === 0 ? Number.NaN : Math.max(...overshoot),
    peakWalOnDiskMb: run.peakWalOnDiskMb,
    meanAboveMinMb: mean(sizes) - walrusDefaults().min_size_mb,
    changesPerDay: changesPerDay(run),
    recoveryHours: recoveryHours(run, scenario, walrusDefaults().lookahead_sec),
    riseForcedSec: rises.forced,
    riseSizeRatio: rises.ratio,
    peakForced: peakForced(run, scenario),
  };
}
