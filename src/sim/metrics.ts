import type { IntervalRecord, SimRun } from './simulate';
import { mean, median } from './stats';

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
}

const settled = (i: IntervalRecord): boolean => i.forced === 0 && i.newSizeMb === i.sizeMb;

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

export function runMetrics(run: SimRun): RunMetrics {
  const sizes = run.intervals.map((i) => i.sizeMb);
  const overshoot = run.intervals.map((i) => i.sizeMb / i.oracleMb);
  return {
    forcedTotal: run.forcedTotal,
    forcedAfterFirstHour: run.forcedAfterFirstHour,
    forcedIntervals: run.intervals.filter((i) => i.forced > 0).length,
    meanSizeMb: mean(sizes),
    peakSizeMb: Math.max(run.initialMb, ...run.intervals.map((i) => i.newSizeMb)),
    changes: run.intervals.filter((i) => i.newSizeMb !== i.sizeMb).length,
    convergence: convergence(run.intervals, run.loadChanges, run.durationSec),
    overshootMedian: median(overshoot),
    overshootMax: overshoot.length === 0 ? Number.NaN : Math.max(...overshoot),
    peakWalOnDiskMb: run.peakWalOnDiskMb,
  };
}
