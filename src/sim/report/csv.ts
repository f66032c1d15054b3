import type { ScenarioResult } from '../benchmark';

const quote = (cell: string): string => (/[",\n]/.test(cell) ? `"${cell.replaceAll('"', '""')}"` : cell);

/** One row per scenario and policy, full precision; convergence as a ';'-separated list with '' for never. */
export function csv(results: readonly ScenarioResult[]): string {
  const header = [
    'scenario', 'policy', 'days', 'forced_total', 'forced_after_first_hour', 'forced_intervals', 'intervals',
    'mean_size_mb', 'peak_size_mb', 'changes', 'convergence_cycles', 'overshoot_median', 'overshoot_max',
    'peak_wal_on_disk_mb', 'mean_above_min_mb', 'changes_per_day', 'recovery_hours', 'rise_forced_sec', 'rise_size_ratio',
  ];
  const lines = results.flatMap(({ scenario, runs }) =>
    runs.map(({ run, metrics: m }) =>
      [
        scenario.name, run.policy, String(scenario.durationSec / 86400), String(m.forcedTotal),
        String(m.forcedAfterFirstHour), String(m.forcedIntervals), String(run.intervals.length), String(m.meanSizeMb),
        String(m.peakSizeMb), String(m.changes), m.convergence.map((c) => (c === null ? '' : String(c))).join(';'),
        String(m.overshootMedian), String(m.overshootMax), String(m.peakWalOnDiskMb), String(m.meanAboveMinMb),
        m.changesPerDay.join(';'), m.recoveryHours.map((h) => (h === undefined ? 'expected' : h === null ? '' : String(h))).join(';'),
        m.riseForcedSec.map((x) => (x === null ? 'over-cap' : String(x))).join(';'), m.riseSizeRatio.join(';'),
      ]
        .map(quote)
        .join(','),
    ),
  );
  return [header.join(','), ...lines].join('\n') + '\n';
}
