import { beforeAll, describe, expect, it } from 'vitest';
import { heavyPhase, liveReport, type Phase, type PhaseResult } from '../bench/live-report';
import { runBenchmark, type ScenarioResult } from '../src/sim/benchmark';
import { DEFAULT_SERVER } from '../src/sim/checkpointer';
import { POLICIES, policyNamed } from '../src/sim/policies/index';
import { csv } from '../src/sim/report/csv';
import { json } from '../src/sim/report/json';
import { scenarioSvg } from '../src/sim/report/svg';
import { markdownTable, textTable } from '../src/sim/report/table';
import { DEFAULT_SEED, SCENARIO_NAMES } from '../src/sim/scenarios';
import { DEFAULT_SIM } from '../src/sim/simulate';
import { algorithmsTargetsMarkdown, TARGETS } from '../src/sim/targets';
import { algorithms, walrusDefaults } from '../src/sim/walrus-settings';

/** `npm run bench -- --days 0.25`, in-process, so the benchmark code cannot rot unnoticed. */

let results: ScenarioResult[];

beforeAll(() => {
  results = runBenchmark({ days: 0.25 });
});

function result(scenario: string, policy: string): ScenarioResult['runs'][number] {
  const found = results.find((r) => r.scenario.name === scenario)?.runs.find((r) => r.run.policy === policy);
  if (found === undefined) throw new Error(`no run of ${policy} in ${scenario}`);
  return found;
}

describe('the scenario benchmark, short', () => {
  it('runs every scenario under every policy', () => {
    expect(results.map((r) => r.scenario.name)).toEqual(SCENARIO_NAMES);
    for (const r of results) {
      expect(r.runs.map((run) => run.run.policy)).toEqual(POLICIES.map((p) => p.name));
      expect(r.scenario.durationSec).toBe(0.25 * 86400);
      for (const { run } of r.runs) expect(run.intervals.length).toBe(71);
    }
  });

  it('step-up: the static 1GB default keeps forcing checkpoints, pg_walrus and pg_walsizer stop after growing', () => {
    const step = results.find((r) => r.scenario.name === 'step-up')!.scenario.loadChanges[0]!;
    // Two cycles after the step: the first sees the forced checkpoints, the second runs at the new size.
    const after = (policy: string): number =>
      result('step-up', policy).run.intervals.filter((i) => i.start > step + 2 * 300).reduce((n, i) => n + i.forced, 0);
    expect(after('static')).toBeGreaterThan(20);
    expect(after('walrus')).toBeLessThan(after('static') / 4);
    expect(after('walsizer')).toBe(0);
    expect(result('step-up', 'walrus').metrics.peakSizeMb).toBeGreaterThan(1024);
  });

  it('falling: pg_walrus shrinks back towards walrus.min_size once the load has dropped, pg_walsizer never does', () => {
    // A day, so the fall comes 8 hours in: two hours of history cannot tell a fallen level from the end of a burst.
    const [falling] = runBenchmark({ days: 1, scenarios: ['falling'], policies: [policyNamed('walrus'), policyNamed('walsizer')] });
    const [walrus, walsizer] = falling!.runs.map((r) => r.run.intervals);
    expect(Math.min(...walrus!.slice(-6).map((i) => i.sizeMb))).toBeLessThan(Math.max(...walrus!.map((i) => i.sizeMb)));
    for (const i of walsizer!) expect(i.newSizeMb).toBeGreaterThanOrEqual(i.sizeMb);
  });

  it('the oracle is monotone in the load', () => {
    for (const { runs } of results) {
      const intervals = [...runs[0]!.run.intervals].sort((a, b) => a.walBytes / (a.end - a.start) - b.walBytes / (b.end - b.start));
      for (let n = 1; n < intervals.length; n++) expect(intervals[n]!.oracleMb).toBeGreaterThanOrEqual(intervals[n - 1]!.oracleMb);
    }
  });

  it("every policy's size stays within its floor and cap", () => {
    for (const { runs } of results) {
      runs.forEach(({ run }, n) => {
        const bounds = POLICIES[n]!.bounds(run.initialMb, run.server);
        for (const i of run.intervals) {
          for (const size of [i.sizeMb, i.newSizeMb]) {
            expect(size).toBeGreaterThanOrEqual(bounds.minMb);
            expect(size).toBeLessThanOrEqual(bounds.maxMb);
          }
        }
      });
    }
    expect(POLICIES.find((p) => p.name === 'walrus')!.bounds(1024, DEFAULT_SERVER)).toEqual({
      minMb: 1024,
      maxMb: walrusDefaults().max_mb,
    });
  });

  it('runs the walrus.profiles example by name (--policies), each profile in its hours, within its bounds', () => {
    const names = ['walrus-business-hours', 'walrus-batch-window', 'walrus-profiles'];
    const [daily] = runBenchmark({ days: 1, scenarios: ['daily-batch'], policies: names.map(policyNamed) });
    expect(daily!.runs.map((r) => r.run.policy)).toEqual(names);
    for (const { run } of daily!.runs) {
      expect(run.warnings).toEqual([]);
      const bounds = policyNamed(run.policy).bounds(run.initialMb, run.server);
      for (const i of run.intervals) expect(i.newSizeMb).toBeLessThanOrEqual(bounds.maxMb);
    }
    // Day 0 is a Monday: office hours 08-18, the batch window 01-05.
    for (const i of daily!.runs[2]!.run.intervals) {
      const hour = Math.floor(i.end / 3600) % 24;
      expect(i.profile, `hour ${hour}`).toBe(hour >= 1 && hour < 5 ? 'nightly-batch' : hour >= 8 && hour < 18 ? 'business-hours' : null);
    }
    expect(policyNamed('walrus-batch-window').bounds(1024, DEFAULT_SERVER).maxMb).toBe(16384);
  });

  it('counts the same forced checkpoints in the intervals as in the totals, give or take the edges of the run', () => {
    for (const { runs } of results) {
      for (const { run, metrics } of runs) {
        const inIntervals = run.intervals.reduce((n, i) => n + i.forced, 0);
        expect(metrics.forcedTotal).toBeGreaterThanOrEqual(inIntervals);
        expect(metrics.forcedAfterFirstHour).toBeLessThanOrEqual(metrics.forcedTotal);
        expect(metrics.changes).toBe(run.intervals.reduce((n, i) => n + i.changes, 0));
      }
    }
  });

  it('tables the targets for every walrus.algorithm, a row each, and names the scenarios a target misses on', () => {
    const table = algorithmsTargetsMarkdown(results).split('\n');
    expect(table[0]).toBe(`| walrus.algorithm | ${TARGETS.join(' | ')} |`);
    const rows = table.slice(2).map((line) => line.split(' | ')[0]!.replace(/^\| /, ''));
    expect(rows).toEqual(algorithms().map((a) => (a === walrusDefaults().algorithm ? `${a} (default)` : a)));
    // Each row's cells count the scenarios a target applies to, and each miss names one.
    for (const line of table.slice(2)) {
      for (const cell of line.split(' | ').slice(1)) {
        const missed = /\*\*(\d+) MISS\*\*: (.*)$/.exec(cell.replace(/ \|$/, ''));
        if (missed) expect(missed[2]!.split(', ')).toHaveLength(Number(missed[1]));
      }
    }
  });

  it('renders the table, CSV, JSON and one chart per scenario', () => {
    const text = textTable(results);
    expect(text.split('\n')).toHaveLength(2 + SCENARIO_NAMES.length * POLICIES.length);
    expect(markdownTable(results).split('\n')[1]).toMatch(/^\| --- \| --- \| ---: /);
    expect(csv(results).trim().split('\n')).toHaveLength(1 + SCENARIO_NAMES.length * POLICIES.length);
    const parsed = JSON.parse(
      json(results, { command: 'test', seed: DEFAULT_SEED, server: DEFAULT_SERVER, initialMb: DEFAULT_SIM.initialMb, walrus: walrusDefaults() }),
    ) as { scenarios: { runs: { policy: string; forcedTotal: number }[] }[] };
    expect(parsed.scenarios[1]!.runs.map((r) => r.policy)).toEqual(POLICIES.map((p) => p.name));
    for (const r of results) {
      const svg = scenarioSvg(r);
      expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
      expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
      expect(svg).not.toMatch(/NaN|undefined|Infinity/);
      for (const p of POLICIES) expect(svg).toContain(`>${p.name}</text>`);
    }
  });
});

describe("bench:live's summary, on made-up runs", () => {
  const phases: Phase[] = [
    { name: 'quiet', seconds: 30, rate: 20 },
    { name: 'heavy', seconds: 90 },
    { name: 'quiet again', seconds: 30, rate: 20 },
  ];
  const run = (heavyTps: number, forced: number, sizeMb: number): PhaseResult[] =>
    phases.map((p) => ({ phase: p.name, forced: p.rate === undefined ? forced : 0, tps: p.rate ?? heavyTps, walMbPerSec: p.rate === undefined ? 10 : 0.3, maxWalSizeMb: sizeMb }));
  const labels = { control: 'control', walrus: 'pg_walrus', generous: 'pre-sized' };

  it('quotes the heavy-phase TPS of pg_walrus as a share of the 4GB run: of the medians, and per repeat', () => {
    const report = liveReport(
      {
        control: [run(1900, 50, 64), run(2000, 51, 64), run(1950, 52, 64)],
        walrus: [run(2300, 20, 1344), run(2200, 18, 1344), run(2500, 21, 1344)],
        generous: [run(2400, 0, 4096), run(2400, 0, 4096), run(2000, 0, 4096)],
      },
      phases,
      labels,
      'fixed 4GB',
    );
    const lines = report.split('\n');
    expect(lines.filter((l) => l.startsWith('| heavy (90s, unthrottled) |'))).toEqual([
      '| heavy (90s, unthrottled) | control | 51 | 1950 | 10.00 | 64 |',
      '| heavy (90s, unthrottled) | pg_walrus | 20 | 2300 | 10.00 | 1344 |',
      '| heavy (90s, unthrottled) | pre-sized | 0 | 2400 | 10.00 | 4096 |',
    ]);
    expect(lines.filter((l) => l.startsWith('| ')).length).toBe(2 + phases.length * 3);
    // 2300 / 2400 = 0.958: within 5%; the repeats, paired, are 0.96, 0.92 and 1.25.
    expect(report).toContain('heavy phase, pg_walrus / fixed 4GB: TPS 0.96x (per repeat: 0.96, 0.92, 1.25); target >= 0.95: met;');
    expect(heavyPhase(phases)).toBe(1);
  });

  it('says when the target is missed', () => {
    const report = liveReport({ control: [run(1900, 50, 64)], walrus: [run(2200, 20, 1344)], generous: [run(2400, 0, 4096)] }, phases, labels, 'fixed 4GB');
    expect(report).toContain('TPS 0.92x (per repeat: 0.92); target >= 0.95: missed;');
  });
});
