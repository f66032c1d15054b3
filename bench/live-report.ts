import { median } from '../src/sim/stats';

/*
 * The summary of `npm run bench:live`, apart from the runs so the smoke test can check it without a server: the
 * per-phase table of medians and the heavy-phase ratios, pg_walrus against the fixed 4GB run (issue 14's target)
 * and against the fixed 64MB control.
 */

export type Mode = 'walrus' | 'control' | 'generous';

export interface Phase {
  readonly name: string;
  readonly seconds: number;
  readonly rate?: number;
}

export interface PhaseResult {
  readonly phase: string;
  readonly forced: number;
  readonly tps: number;
  readonly walMbPerSec: number;
  readonly maxWalSizeMb: number;
}

/** Issue 14: pg_walrus's heavy-phase TPS at least this share of the fixed 4GB run's. */
export const TARGET_SHARE = 0.95;

/** Each mode's runs, in repeat order: runs[mode][repeat][phase]. */
export type Runs = Readonly<Record<Mode, readonly (readonly PhaseResult[])[]>>;

export function heavyPhase(phases: readonly Phase[]): number {
  return phases.findIndex((p) => p.rate === undefined);
}

function table(rows: readonly (readonly string[])[]): string {
  const [header, ...body] = rows;
  const line = (r: readonly string[]): string => `| ${r.join(' | ')} |`;
  return [line(header!), line(header!.map((_, i) => (i < 2 ? '---' : '---:'))), ...body.map(line)].join('\n');
}

export function liveReport(runs: Runs, phases: readonly Phase[], labels: Readonly<Record<Mode, string>>, generousLabel: string): string {
  const med = (mode: Mode, p: number, pick: (x: PhaseResult) => number): number => median(runs[mode].map((r) => pick(r[p]!)));
  const rows: string[][] = [['phase', 'run', 'forced checkpoints', 'TPS', 'WAL MB/s', 'max_wal_size at end (MB)']];
  phases.forEach((phase, p) => {
    for (const mode of ['control', 'walrus', 'generous'] as const) {
      rows.push([
        `${phase.name} (${phase.seconds}s${phase.rate === undefined ? ', unthrottled' : `, -R ${phase.rate}`})`,
        labels[mode],
        med(mode, p, (x) => x.forced).toFixed(0),
        med(mode, p, (x) => x.tps).toFixed(0),
        med(mode, p, (x) => x.walMbPerSec).toFixed(2),
        med(mode, p, (x) => x.maxWalSizeMb).toFixed(0),
      ]);
    }
  });
  const heavy = heavyPhase(phases);
  const ratio = (of: Mode, to: Mode, pick: (x: PhaseResult) => number): string => (med(of, heavy, pick) / med(to, heavy, pick)).toFixed(2);
  // The ratio of the medians is the headline; the ratio within each repeat (runs minutes apart) shows the noise.
  const share = med('walrus', heavy, (x) => x.tps) / med('generous', heavy, (x) => x.tps);
  const paired = runs.walrus.map((r, n) => (r[heavy]!.tps / runs.generous[n]![heavy]!.tps).toFixed(2));
  return [
    table(rows),
    '',
    `heavy phase, pg_walrus / ${generousLabel}: TPS ${share.toFixed(2)}x (per repeat: ${paired.join(', ')}); ` +
      `target >= ${TARGET_SHARE}: ${share >= TARGET_SHARE ? 'met' : 'missed'}; ` +
      `forced checkpoints ${med('walrus', heavy, (x) => x.forced).toFixed(0)} vs ${med('generous', heavy, (x) => x.forced).toFixed(0)}, ` +
      `WAL ${ratio('walrus', 'generous', (x) => x.walMbPerSec)}x`,
    `heavy phase, pg_walrus / control: TPS ${ratio('walrus', 'control', (x) => x.tps)}x, forced checkpoints ${ratio('walrus', 'control', (x) => x.forced)}x, ` +
      `WAL ${ratio('walrus', 'control', (x) => x.walMbPerSec)}x (full-page writes after each checkpoint make WAL volume depend on checkpoint frequency)`,
  ].join('\n');
}
