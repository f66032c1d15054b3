import type { ScenarioResult } from '../benchmark';
import type { IntervalRecord } from '../simulate';
import { DAY, HOUR, MB } from '../units';

/**
 * One chart per scenario, hand-written SVG: the WAL load on top; below it the oracle (grey area) and each policy's
 * max_wal_size over time; under that one strip per policy with a tick for every interval that had forced checkpoints
 * (taller for more, full height at 10 or more). Dotted verticals mark the scenario's load changes.
 */

const WIDTH = 1000;
const LEFT = 64;
const RIGHT = 16;
const PLOT_W = WIDTH - LEFT - RIGHT;
const TITLE_H = 44;
const LOAD_H = 110;
const GAP = 26;
const SIZE_H = 260;
const STRIP_H = 16;
const COLORS = ['#6b6b6b', '#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b'];

const esc = (text: string): string => text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
const r1 = (n: number): string => (Math.round(n * 10) / 10).toString();

/** A round axis maximum at or above the value. */
function niceCeil(value: number): number {
  if (!(value > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  return ([1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10].find((m) => m * power >= value - 1e-9) ?? 10) * power;
}

function ticks(max: number, count: number): number[] {
  const step = niceCeil(max / count);
  const out: number[] = [];
  for (let v = 0; v <= max + 1e-9; v += step) out.push(v);
  return out;
}

/** Horizontal steps through each interval's value, merged where the value does not change. */
function stepPath(intervals: readonly IntervalRecord[], value: (i: IntervalRecord) => number, x: (t: number) => number, y: (v: number) => number): string {
  if (intervals.length === 0) return '';
  let path = `M${r1(x(intervals[0]!.start))},${r1(y(value(intervals[0]!)))}`;
  let current = value(intervals[0]!);
  for (const i of intervals) {
    const v = value(i);
    if (v !== current) {
      path += `H${r1(x(i.start))}V${r1(y(v))}`;
      current = v;
    }
  }
  return `${path}H${r1(x(intervals.at(-1)!.end))}`;
}

function timeTicks(duration: number): { at: number; label: string }[] {
  const out: { at: number; label: string }[] = [];
  if (duration >= 2 * DAY) {
    for (let d = 0; d <= duration + 1; d += DAY) out.push({ at: d, label: `day ${d / DAY}` });
    return out;
  }
  const step = [1, 2, 3, 6, 12].map((h) => h * HOUR).find((s) => duration / s <= 12) ?? DAY;
  for (let t = 0; t <= duration + 1; t += step) out.push({ at: t, label: `${t / HOUR}h` });
  return out;
}

export function scenarioSvg({ scenario, runs }: ScenarioResult): string {
  const duration = scenario.durationSec;
  const x = (t: number): number => LEFT + (t / duration) * PLOT_W;
  const reference = runs[0]?.run.intervals ?? [];
  const rate = (i: IntervalRecord): number => i.walBytes / MB / Math.max(i.end - i.start, 1e-9);

  const loadTop = TITLE_H;
  const loadMax = niceCeil(Math.max(...reference.map(rate), 0.1) * 1.05);
  const yLoad = (v: number): number => loadTop + LOAD_H - (Math.min(v, loadMax) / loadMax) * LOAD_H;

  const sizeTop = loadTop + LOAD_H + GAP;
  const policyPeak = Math.max(...runs.map((r) => r.metrics.peakSizeMb));
  const oraclePeak = Math.max(...reference.map((i) => i.oracleMb), 0);
  // The oracle may spike far above any policy (bursts); clip it rather than flatten the policies.
  const sizeMax = niceCeil(Math.max(policyPeak, Math.min(oraclePeak, 1.5 * policyPeak)) * 1.05);
  const ySize = (v: number): number => sizeTop + SIZE_H - (Math.min(v, sizeMax) / sizeMax) * SIZE_H;

  const stripTop = sizeTop + SIZE_H + GAP + 16;
  const height = stripTop + runs.length * (STRIP_H + 6) + 40;
  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="${WIDTH}" height="${height}" fill="#fff"/>`,
    `<text x="${LEFT}" y="18" font-size="14" font-weight="bold">${esc(scenario.name)}</text>`,
    `<text x="${LEFT}" y="34" fill="#444">${esc(scenario.description)}</text>`,
  );

  // Axes and grid.
  for (const v of ticks(loadMax, 3)) {
    parts.push(`<line x1="${LEFT}" x2="${LEFT + PLOT_W}" y1="${r1(yLoad(v))}" y2="${r1(yLoad(v))}" stroke="#eee"/>`);
    parts.push(`<text x="${LEFT - 6}" y="${r1(yLoad(v) + 4)}" text-anchor="end">${v}</text>`);
  }
  parts.push(`<text x="14" y="${loadTop + LOAD_H / 2}" transform="rotate(-90 14 ${loadTop + LOAD_H / 2})" text-anchor="middle">WAL MB/s</text>`);
  for (const v of ticks(sizeMax, 5)) {
    parts.push(`<line x1="${LEFT}" x2="${LEFT + PLOT_W}" y1="${r1(ySize(v))}" y2="${r1(ySize(v))}" stroke="#eee"/>`);
    parts.push(`<text x="${LEFT - 6}" y="${r1(ySize(v) + 4)}" text-anchor="end">${v}</text>`);
  }
  parts.push(`<text x="14" y="${sizeTop + SIZE_H / 2}" transform="rotate(-90 14 ${sizeTop + SIZE_H / 2})" text-anchor="middle">max_wal_size MB</text>`);
  for (const { at, label } of timeTicks(duration)) {
    parts.push(`<line x1="${r1(x(at))}" x2="${r1(x(at))}" y1="${loadTop}" y2="${sizeTop + SIZE_H}" stroke="#f2f2f2"/>`);
    parts.push(`<text x="${r1(x(at))}" y="${sizeTop + SIZE_H + 14}" text-anchor="middle">${label}</text>`);
  }
  for (const at of scenario.loadChanges) {
    parts.push(`<line x1="${r1(x(at))}" x2="${r1(x(at))}" y1="${loadTop}" y2="${sizeTop + SIZE_H}" stroke="#999" stroke-dasharray="2,3"/>`);
  }

  // Load, oracle, policies.
  parts.push(`<path d="${stepPath(reference, rate, x, yLoad)}" fill="none" stroke="#444" stroke-width="1"/>`);
  const oracleLine = stepPath(reference, (i) => i.oracleMb, x, ySize);
  if (oracleLine !== '') {
    const base = `V${r1(ySize(0))}H${r1(x(reference[0]!.start))}Z`;
    parts.push(`<path d="${oracleLine}${base}" fill="#ddd" stroke="none"/>`);
  }
  runs.forEach(({ run }, n) => {
    const color = COLORS[n % COLORS.length]!;
    const dash = n === 0 ? ' stroke-dasharray="6,3"' : '';
    parts.push(`<path d="${stepPath(run.intervals, (i) => i.sizeMb, x, ySize)}" fill="none" stroke="${color}" stroke-width="1.6"${dash}/>`);
  });
  parts.push(`<rect x="${LEFT}" y="${loadTop}" width="${PLOT_W}" height="${LOAD_H}" fill="none" stroke="#bbb"/>`);
  parts.push(`<rect x="${LEFT}" y="${sizeTop}" width="${PLOT_W}" height="${SIZE_H}" fill="none" stroke="#bbb"/>`);

  // Forced-checkpoint strips.
  runs.forEach(({ run, metrics }, n) => {
    const color = COLORS[n % COLORS.length]!;
    const top = stripTop + n * (STRIP_H + 6);
    parts.push(`<rect x="${LEFT}" y="${top}" width="${PLOT_W}" height="${STRIP_H}" fill="#fafafa" stroke="#e5e5e5"/>`);

    const marks = run.intervals
      .filter((i) => i.forced > 0)
      .map((i) => {
        const h = (Math.min(i.forced, 10) / 10) * STRIP_H;
        const w = Math.max(x(i.end) - x(i.start), 1);
        return `<rect x="${r1(x(i.start))}" y="${r1(top + STRIP_H - h)}" width="${r1(w)}" height="${r1(h)}"/>`;
      });
    parts.push(`<g fill="${color}">${marks.join('')}</g>`);
    parts.push(`<text x="${LEFT + PLOT_W - 4}" y="${top + 12}" text-anchor="end" fill="${color}">${esc(run.policy)}: ${metrics.forcedTotal} forced</text>`);
  });

  // Legend.
  const legendY = height - 14;
  let lx = LEFT;
  parts.push(`<rect x="${lx}" y="${legendY - 9}" width="14" height="10" fill="#ddd"/><text x="${lx + 18}" y="${legendY}">oracle</text>`);
  lx += 70;
  runs.forEach(({ run }, n) => {
    const color = COLORS[n % COLORS.length]!;
    const dash = n === 0 ? ' stroke-dasharray="6,3"' : '';
    parts.push(`<line x1="${lx}" x2="${lx + 18}" y1="${legendY - 4}" y2="${legendY - 4}" stroke="${color}" stroke-width="2"${dash}/>`);
    parts.push(`<text x="${lx + 22}" y="${legendY}">${esc(run.policy)}</text>`);
    lx += 34 + run.policy.length * 6.5;
  });
  parts.push(`<text x="${LEFT}" y="${stripTop - 5}" fill="#666">intervals with forced checkpoints (bar height = count, full at 10)</text>`);
  parts.push('</svg>');
  return parts.join('\n') + '\n';
}
