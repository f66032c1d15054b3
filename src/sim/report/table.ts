import type { ScenarioResult } from '../benchmark';
import { convergenceCell, fixed } from './format';

const HEADER = [
  'scenario',
  'policy',
  'forced',
  'forced >1h',
  'intervals w/ forced',
  'mean MB',
  'peak MB',
  'changes',
  'cycles to converge',
  'size/oracle med',
  'size/oracle max',
  'peak WAL on disk MB',
] as const;

function rows(results: readonly ScenarioResult[]): string[][] {
  return results.flatMap(({ scenario, runs }) =>
    runs.map(({ run, metrics: m }) => [
      scenario.name,
      run.policy,
      String(m.forcedTotal),
      String(m.forcedAfterFirstHour),
      `${m.forcedIntervals}/${run.intervals.length}`,
      fixed(m.meanSizeMb, 0),
      String(m.peakSizeMb),
      String(m.changes),
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
    r.map((cell, c) => (c < 2 || c === 8 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ');
  return [line(HEADER), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}

/** The same table in Markdown, for docs/benchmarks.md. */
export function markdownTable(results: readonly ScenarioResult[]): string {
  const align = HEADER.map((_, c) => (c < 2 || c === 8 ? '---' : '---:'));
  const line = (r: readonly string[]): string => `| ${r.join(' | ')} |`;
  return [line(HEADER), line(align), ...rows(results).map(line)].join('\n');
}
