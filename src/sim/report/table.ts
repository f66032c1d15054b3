import type { ScenarioResult } from '../benchmark';
import { convergenceCell, fixed, recoveryCell } from './format';

const HEADER = [
  'scenario',
  'policy',
  'forced',
  'forced >1h',
  'intervals w/ forced',
  'mean MB',
  'above min MB',
  'peak MB',
  'changes',
  'changes/day max',
  'recovery after fall',
  'cycles to converge',
  'size/oracle med',
  'size/oracle max',
  'peak WAL on disk MB',
] as const;

/** Left-aligned columns: names, convergence and recovery lists. */
const TEXT_COLUMNS = new Set([0, 1, HEADER.indexOf('recovery after fall'), HEADER.indexOf('cycles to converge')]);

function rows(results: readonly ScenarioResult[]): string[][] {
  return results.flatMap(({ scenario, runs }) =>
    runs.map(({ run, metrics: m }) => [
      scenario.name,
      run.policy,
      String(m.forcedTotal),
      String(m.forcedAfterFirstHour),
      `${m.forcedIntervals}/${run.intervals.length}`,
      fixed(m.meanSizeMb, 0),
      fixed(m.meanAboveMinMb, 0),
      String(m.peakSizeMb),
      String(m.changes),
      String(Math.max(...m.changesPerDay)),
      recoveryCell(m.recoveryHours),
      convergenceCell(m.convergence),
      fixed(m.overshootMedian, 2),
      fixed(m.overshootMax, 2),
      fixed(m.peakWalOnDiskMb, 0),
    ]),
  );
}

/** A plain-text table for the terminal, numbers right-aligned. */
export function textTable(results: readonly ScenarioResult[]): string {
  const body = rows(results);
  const all = [[...HEADER], ...body];
  const widths = HEADER.map((_, c) => Math.max(...all.map((r) => r[c]!.length)));
  const line = (r: readonly string[]): string =>
    r.map((cell, c) => (TEXT_COLUMNS.has(c) ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ');
  return [line(HEADER), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}

/** The same table in Markdown, for docs/benchmarks.md. */
export function markdownTable(results: readonly ScenarioResult[]): string {
  const align = HEADER.map((_, c) => (TEXT_COLUMNS.has(c) ? '---' : '---:'));
  const line = (r: readonly string[]): string => `| ${r.join(' | ')} |`;
  return [line(HEADER), line(align), ...rows(results).map(line)].join('\n');
}
