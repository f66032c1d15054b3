import type { ScenarioResult } from './benchmark';
import type { RunMetrics } from './metrics';
import { algorithmPolicy, algorithms, walrusDefaults } from './walrus-settings';

/**
 * The issue's targets for the new sizing algorithm, checked per scenario against pg_walsizer's rule and today's
 * default. A target that does not apply to a scenario is n/a; every miss says by how much.
 */

export type Verdict = 'PASS' | 'MISS' | 'n/a';

export interface TargetCheck {
  readonly target: string;
  readonly verdict: Verdict;
  readonly detail: string;
}

export interface ScenarioTargets {
  readonly scenario: string;
  readonly checks: readonly TargetCheck[];
}

export const TARGETS = [
  'forced <= walsizer',
  'above min <= 0.6x walsizer',
  'recurring peaks pre-sized',
  'changes/day',
  'recovery <= 2h',
  'step: forced stop <= 90 s',
  'step: size <= 2x oracle',
] as const;

/** The policies the targets compare: the candidate, pg_walsizer's rule, and pg_walrus with the previous default (multiplicative). */
export interface TargetPolicies {
  readonly candidate: string;
  readonly walsizer: string;
  readonly previousDefault: string;
}

/** The policy names in the benchmark for the forecast algorithm, pg_walsizer and the multiplicative rule. */
export function targetPolicies(candidate: string = 'forecast'): TargetPolicies {
  return { candidate: algorithmPolicy(candidate), walsizer: 'walsizer', previousDefault: algorithmPolicy('multiplicative') };
}

const fmt = (n: number, digits = 0): string => (Number.isFinite(n) ? n.toFixed(digits) : '-');

function check(target: string, verdict: Verdict, detail: string): TargetCheck {
  return { target, verdict, detail };
}

function days(perDay: readonly number[]): string {
  return `max ${Math.max(...perDay)}/day (${perDay.join(' ')})`;
}

export function scenarioTargets(result: ScenarioResult, policies: TargetPolicies = targetPolicies()): ScenarioTargets | null {
  const find = (name: string): RunMetrics | undefined => result.runs.find((r) => r.run.policy === name)?.metrics;
  const m = find(policies.candidate);
  const w = find(policies.walsizer);
  const d = find(policies.previousDefault);
  if (m === undefined || w === undefined) return null;
  const s = result.scenario;
  const checks: TargetCheck[] = [];

  checks.push(
    check(TARGETS[0], m.forcedTotal <= w.forcedTotal ? 'PASS' : 'MISS', `${m.forcedTotal} vs ${w.forcedTotal}${d ? ` (multiplicative ${d.forcedTotal})` : ''}`),
  );

  const ratio = w.meanAboveMinMb > 0 ? m.meanAboveMinMb / w.meanAboveMinMb : Number.NaN;
  const ratioText = `${fmt(m.meanAboveMinMb)} vs ${fmt(w.meanAboveMinMb)} MB = ${fmt(ratio, 2)}x`;
  if (s.kind === 'predictable') {
    checks.push(check(TARGETS[1], ratio <= 0.6 || m.meanAboveMinMb <= 0 ? 'PASS' : 'MISS', ratioText));
  } else {
    checks.push(check(TARGETS[1], 'n/a', `${s.kind}: ${ratioText}`));
  }

  const repeats = m.peakForced.filter((p) => p.repeat && s.kind === 'predictable');
  if (repeats.length === 0) {
    checks.push(check(TARGETS[2], 'n/a', s.peaks.length > 0 ? 'no repeat in the run' : 'no designed peaks'));
  } else {
    const worst = Math.max(...repeats.map((p) => p.intervals));
    const over = repeats.filter((p) => p.intervals > 1).length;
    checks.push(
      check(TARGETS[2], worst <= 1 ? 'PASS' : 'MISS', `${repeats.length} repeats, worst ${worst} intervals with avoidable forced checkpoints${over > 0 ? `, ${over} over 1` : ''}`),
    );
  }

  const limit = s.kind === 'stationary' ? 1 : 4;
  const worstDay = Math.max(...m.changesPerDay);
  checks.push(check(TARGETS[3], worstDay <= limit ? 'PASS' : 'MISS', `<= ${limit}: ${days(m.changesPerDay)}`));

  const falls = m.recoveryHours.filter((h): h is number | null => h !== undefined);
  const excused = m.recoveryHours.length - falls.length;
  if (falls.length === 0) {
    checks.push(check(TARGETS[4], 'n/a', m.recoveryHours.length > 0 ? `${excused} falls, all followed by a forecast peak` : 'no designed fall'));
  } else {
    const never = falls.filter((h) => h === null).length;
    const worst = Math.max(...falls.map((h) => h ?? Number.POSITIVE_INFINITY));
    checks.push(
      check(
        TARGETS[4],
        worst <= 2 ? 'PASS' : 'MISS',
        `${falls.length} falls, worst ${never > 0 ? `never (${never})` : `${fmt(worst, 2)} h`}${excused > 0 ? `; ${excused} followed by a forecast peak` : ''}`,
      ),
    );
  }

  const rises = m.riseForcedSec.filter((x): x is number => x !== null);
  const capped = m.riseForcedSec.length - rises.length;
  if (rises.length === 0) {
    checks.push(check(TARGETS[5], 'n/a', m.riseForcedSec.length > 0 ? `${capped} rises need more than walrus.max` : 'no designed rise'));
  } else {
    const worst = Math.max(...rises);
    const late = rises.filter((x) => x > 90).length;
    checks.push(
      check(TARGETS[5], worst <= 90 ? 'PASS' : 'MISS', `${rises.length} rises, worst ${fmt(worst)} s${late > 0 ? `, ${late} over 90 s` : ''}${capped > 0 ? `; ${capped} need more than walrus.max` : ''}`),
    );
  }
  if (m.riseSizeRatio.length === 0) {
    checks.push(check(TARGETS[6], 'n/a', 'no designed rise'));
  } else {
    const worst = Math.max(...m.riseSizeRatio.filter(Number.isFinite));
    checks.push(check(TARGETS[6], worst <= 2 ? 'PASS' : 'MISS', `worst ${fmt(worst, 2)}x over ${m.riseSizeRatio.length} rises`));
  }
  return { scenario: s.name, checks };
}

/** Every scenario's checks, as a plain-text matrix (cells: verdict) followed by the details. */
export function targetsText(results: readonly ScenarioResult[], policies: TargetPolicies = targetPolicies()): string {
  const all = results.map((r) => scenarioTargets(r, policies)).filter((t): t is ScenarioTargets => t !== null);
  if (all.length === 0) return `targets: the run has no ${policies.candidate} or ${policies.walsizer} policy`;
  const header = ['scenario', ...TARGETS];
  const rows = all.map((t) => [t.scenario, ...t.checks.map((c) => c.verdict)]);
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)));
  const line = (r: readonly string[]): string => r.map((cell, c) => cell.padEnd(widths[c]!)).join('  ');
  const details = all.flatMap((t) => t.checks.map((c) => `  ${t.scenario.padEnd(13)} ${c.target.padEnd(28)} ${c.verdict.padEnd(4)} ${c.detail}`));
  const passed = all.flatMap((t) => t.checks).filter((c) => c.verdict === 'PASS').length;
  const missed = all.flatMap((t) => t.checks).filter((c) => c.verdict === 'MISS').length;
  return [
    `targets for ${policies.candidate} against ${policies.walsizer} (pg_walsizer's rule) and ${policies.previousDefault} (the default before 0.2): ${passed} PASS, ${missed} MISS`,
    '',
    line(header),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...rows.map(line),
    '',
    ...details,
  ].join('\n');
}

/** The same matrix in Markdown, each cell with its detail. */
export function targetsMarkdown(results: readonly ScenarioResult[], policies: TargetPolicies = targetPolicies()): string {
  const all = results.map((r) => scenarioTargets(r, policies)).filter((t): t is ScenarioTargets => t !== null);
  const head = `| scenario | ${TARGETS.join(' | ')} |`;
  const align = `| --- | ${TARGETS.map(() => '---').join(' | ')} |`;
  const rows = all.map((t) => `| ${t.scenario} | ${t.checks.map((c) => `**${c.verdict}** ${c.detail.replaceAll('|', '\\|')}`).join(' | ')} |`);
  return [head, align, ...rows].join('\n');
}

/**
 * The same targets for every algorithm, one row each: per target how many scenarios pass, and which ones miss. The
 * issue asks for all algorithms side by side, with every miss named.
 */
export function algorithmsTargetsMarkdown(results: readonly ScenarioResult[]): string {
  const head = `| walrus.algorithm | ${TARGETS.join(' | ')} |`;
  const align = `| --- | ${TARGETS.map(() => '---').join(' | ')} |`;
  const rows: string[] = [];
  for (const algorithm of algorithms()) {
    const all = results.map((r) => scenarioTargets(r, targetPolicies(algorithm))).filter((t): t is ScenarioTargets => t !== null);
    if (all.length === 0) continue;
    const cells = TARGETS.map((_, i) => {
      const passed = all.filter((t) => t.checks[i]!.verdict === 'PASS').length;
      const missed = all.filter((t) => t.checks[i]!.verdict === 'MISS').map((t) => t.scenario);
      return missed.length === 0 ? `${passed} PASS` : `${passed} PASS, **${missed.length} MISS**: ${missed.join(', ')}`;
    });
    const label = algorithm === walrusDefaults().algorithm ? `${algorithm} (default)` : algorithm;
    rows.push(`| ${label} | ${cells.join(' | ')} |`);
  }
  return [head, align, ...rows].join('\n');
}
