import { seededRng, seedFor, type Rng } from './prng';
import { DAY, HOUR, MB } from './units';

/**
 * WAL load over time: a WAL rate per step (constant within the step), with seeded noise, so every run of a
 * scenario is identical. Rates are chosen against PostgreSQL's defaults (1GB max_wal_size, 5 min
 * checkpoint_timeout: forced checkpoints start at about 1.8 MB/s) and walrus.max (4GB: enough up to about
 * 7 MB/s).
 */
export interface Scenario {
  readonly name: string;
  readonly description: string;
  readonly durationSec: number;
  readonly stepSec: number;
  /** Bytes per second in each step. */
  readonly rates: Float64Array;
  /** Where the load changes by design; convergence is measured after each. */
  readonly loadChanges: readonly number[];
  /** What the targets treat it as (see ScenarioKind). */
  readonly kind: ScenarioKind;
  /** Designed peaks: occurrences of a series recur (same time of day or week); a series of one is a one-off. */
  readonly peaks: readonly Peak[];
  /** Where the load falls to about a tenth or less, by design: a size should follow within two hours. */
  readonly falls: readonly number[];
  /** Where the load steps up by design, unannounced: forced checkpoints should stop within about a minute. */
  readonly rises: readonly number[];
}

/**
 * stationary: one level with noise (at most one change a day); predictable: peaks recurring at the same time of day or
 * week, or a one-off (mean size above walrus.min_size at most 0.6x pg_walsizer's); random: bursts nobody can know in
 * advance (forced checkpoints come first); other: trends and level shifts.
 */
export type ScenarioKind = 'stationary' | 'predictable' | 'random' | 'other';

export interface Peak {
  readonly from: number;
  readonly to: number;
  /** Occurrences of one series recur; from the second on the forecast can pre-size. */
  readonly series: string;
}

export interface ScenarioOptions {
  /** Simulated days; each scenario has its own default. */
  readonly days?: number;
  readonly seed?: number;
  readonly stepSec?: number;
}

interface Shape {
  /** MB/s at time t (seconds) of a run lasting `duration` seconds, before noise. */
  rate(t: number, duration: number): number;
  changes(duration: number): number[];
  peaks?(duration: number): Peak[];
  falls?(duration: number): number[];
  rises?(duration: number): number[];
}

interface ScenarioDefinition {
  readonly name: string;
  readonly description: string;
  readonly kind: ScenarioKind;
  readonly defaultDays: number;
  /** Multiplicative noise per step (sigma of a mean-preserving lognormal). */
  readonly noise: number;
  /** Shape built per run, so shapes with random events (bursts) draw them from the scenario's seed. */
  shape(rng: Rng, duration: number, stepSec: number): Shape;
}

export const DEFAULT_SEED = 20240605;
export const DEFAULT_STEP_SEC = 60;

const steady = (mbPerSec: number): Shape => ({ rate: () => mbPerSec, changes: () => [] });

/** Weekday hours of the daily-cycle scenario: [from hour, to hour, MB/s]. */
const WEEKDAY: readonly (readonly [number, number, number])[] = [
  [0, 1, 0.5],
  [1, 3, 8], // the nightly batch
  [3, 8, 0.3],
  [8, 18, 3], // business hours; a midday bump is added below
  [18, 24, 1],
];
const WEEKEND_RATE = 0.2;

function weekdayRate(hour: number): number {
  const slot = WEEKDAY.find(([from, to]) => hour >= from && hour < to);
  const base = slot?.[2] ?? 0;
  return hour >= 8 && hour < 18 ? base * (1 + 0.3 * Math.sin(((hour - 8) / 10) * Math.PI)) : base;
}

/** A week starts on Monday: days 5 and 6 of each week are the weekend. */
const isWeekend = (day: number): boolean => day % 7 >= 5;

/**
 * Occurrences of a daily window [fromHour, toHour) on the days `on` accepts, within the run, as peaks of one series,
 * and their ends as falls.
 */
function daily(duration: number, fromHour: number, toHour: number, series: string, on: (day: number) => boolean = () => true): Peak[] {
  const out: Peak[] = [];
  for (let day = 0; day * DAY < duration; day++) {
    const from = day * DAY + fromHour * HOUR;
    if (on(day) && from < duration) out.push({ from, to: Math.min(day * DAY + toHour * HOUR, duration), series });
  }
  return out;
}

/** An office load: business hours on weekdays, quiet nights and weekends; all below what 1GB holds. */
function officeRate(t: number, business: number, night: number, weekend: number): number {
  const day = Math.floor(t / DAY);
  if (isWeekend(day)) return weekend;
  const hour = (t % DAY) / HOUR;
  if (hour >= 9 && hour < 18) return business;
  return hour >= 7 && hour < 21 ? (business + night) / 2 : night;
}

/** Random flash crowds: start time, length and height, drawn once per run from the scenario's seed. */
interface Crowd {
  readonly from: number;
  readonly to: number;
  readonly factor: number;
}

const DEFINITIONS: readonly ScenarioDefinition[] = [
  {
    name: 'steady',
    kind: 'stationary',
    description: 'constant 4 MB/s (about 2 forced checkpoints per interval at 1GB)',
    defaultDays: 3,
    noise: 0.05,
    shape: () => steady(4),
  },
  {
    name: 'step-up',
    kind: 'other',
    description: '0.5 MB/s, then 5 MB/s from a third of the run on',
    defaultDays: 3,
    noise: 0.05,
    shape: () => ({ rate: (t, d) => (t < d / 3 ? 0.5 : 5), changes: (d) => [d / 3], rises: (d) => [d / 3] }),
  },
  {
    name: 'slow-ramp',
    kind: 'other',
    description: 'rising linearly from 0.3 to 7 MB/s over the run',
    defaultDays: 3,
    noise: 0.05,
    shape: () => ({ rate: (t, d) => 0.3 + (6.7 * t) / d, changes: () => [] }),
  },
  {
    name: 'daily-cycle',
    kind: 'predictable',
    description: 'a week from Monday: business hours ~3 MB/s, nightly batch 01-03h at 8 MB/s, quiet weekend 0.2 MB/s',
    defaultDays: 7,
    noise: 0.1,
    shape: () => ({
      rate: (t) => {
        const day = Math.floor(t / DAY);
        return day % 7 >= 5 ? WEEKEND_RATE : weekdayRate((t % DAY) / HOUR);
      },
      changes: (d) => {
        const out: number[] = [];
        for (let day = 0; day * DAY < d; day++) {
          if (day % 7 >= 5) {
            if (day % 7 === 5) out.push(day * DAY);
            continue;
          }
          for (const hour of [1, 3, 8, 18]) out.push(day * DAY + hour * HOUR);
        }
        return out.filter((t) => t > 0 && t < d);
      },
      peaks: (d) => [
        ...daily(d, 1, 3, 'nightly batch', (day) => !isWeekend(day)),
        ...daily(d, 8, 18, 'business hours', (day) => !isWeekend(day)),
      ],
      falls: (d) => daily(d, 3, 3, 'x', (day) => !isWeekend(day)).map((p) => p.from),
    }),
  },
  {
    name: 'daily-batch',
    kind: 'predictable',
    description: '0.4 MB/s with one large batch a day, 02-03h at 7 MB/s',
    defaultDays: 3,
    noise: 0.05,
    shape: () => ({
      rate: (t) => {
        const hour = (t % DAY) / HOUR;
        return hour >= 2 && hour < 3 ? 7 : 0.4;
      },
      changes: (d) => {
        const out: number[] = [];
        for (let day = 0; day * DAY < d; day++) out.push(day * DAY + 2 * HOUR, day * DAY + 3 * HOUR);
        return out.filter((t) => t < d);
      },
      peaks: (d) => daily(d, 2, 3, 'nightly batch'),
      falls: (d) => daily(d, 3, 3, 'x').map((p) => p.from),
    }),
  },
  {
    name: 'bursty',
    kind: 'random',
    description: 'mean 2 MB/s with heavy per-minute noise and random 3-15 min bursts at 3-6x',
    defaultDays: 3,
    noise: 0.35,
    shape: (rng, duration, stepSec) => {
      // Bursts are drawn once per run: about one every two hours.
      const bursts: { from: number; to: number; factor: number }[] = [];
      for (let t = 0; t < duration; t += stepSec) {
        if (rng.next() < stepSec / (2 * HOUR)) {
          bursts.push({ from: t, to: t + rng.between(3, 15) * 60, factor: rng.between(3, 6) });
        }
      }
      return {
        rate: (t) => 2 * (bursts.find((b) => t >= b.from && t < b.to)?.factor ?? 1),
        changes: () => [],
      };
    },
  },
  {
    name: 'falling',
    kind: 'other',
    description: '5 MB/s, falling to 10% (0.5 MB/s) from a third of the run on',
    defaultDays: 3,
    noise: 0.05,
    shape: () => ({ rate: (t, d) => (t < d / 3 ? 5 : 0.5), changes: (d) => [d / 3], falls: (d) => [d / 3] }),
  },
  {
    name: 'weekly-batch',
    kind: 'predictable',
    description: 'office load (1.2 MB/s 09-18h on weekdays, 0.3 at night, 0.2 at weekends) and a batch every Sunday 01-05h at 6 MB/s',
    defaultDays: 14,
    noise: 0.1,
    shape: () => {
      const batch = (d: number): Peak[] => daily(d, 1, 5, 'Sunday batch', (day) => day % 7 === 6);
      return {
        rate: (t, d) => (batch(d).some((p) => t >= p.from && t < p.to) ? 6 : officeRate(t, 1.2, 0.3, 0.2)),
        changes: (d) => batch(d).flatMap((p) => [p.from, p.to]).filter((t) => t < d),
        peaks: batch,
        falls: (d) => batch(d).map((p) => p.to).filter((t) => t < d),
      };
    },
  },
  {
    name: 'two-peaks',
    kind: 'predictable',
    description: '0.5 MB/s with two peaks every day: 09:00-11:30 at 4 MB/s and 19:00-21:00 at 5 MB/s',
    defaultDays: 7,
    noise: 0.1,
    shape: () => {
      const peaks = (d: number): Peak[] => [...daily(d, 9, 11.5, 'morning peak'), ...daily(d, 19, 21, 'evening peak')];
      return {
        rate: (t) => {
          const hour = (t % DAY) / HOUR;
          if (hour >= 9 && hour < 11.5) return 4;
          return hour >= 19 && hour < 21 ? 5 : 0.5;
        },
        changes: (d) => peaks(d).flatMap((p) => [p.from, p.to]).filter((t) => t < d).sort((a, b) => a - b),
        peaks,
        falls: (d) => peaks(d).map((p) => p.to).filter((t) => t < d),
      };
    },
  },
  {
    name: 'flash-crowds',
    kind: 'random',
    description: '1 MB/s, and about three flash crowds a day at random times: 20-90 min at 4-7x, reached within 2 minutes',
    defaultDays: 7,
    noise: 0.15,
    shape: (rng, duration, stepSec) => {
      const crowds: Crowd[] = [];
      for (let t = 0; t < duration; t += stepSec) {
        if (crowds.every((c) => t >= c.to) && rng.next() < (3 * stepSec) / DAY) {
          crowds.push({ from: t, to: t + rng.between(20, 90) * 60, factor: rng.between(4, 7) });
        }
      }
      return {
        rate: (t) => {
          const crowd = crowds.find((c) => t >= c.from && t < c.to);
          return crowd === undefined ? 1 : 1 + (crowd.factor - 1) * Math.min(1, (t - crowd.from + 60) / 120);
        },
        changes: (d) => crowds.flatMap((c) => [c.from, c.to]).filter((t) => t < d),
        // A crowd reaches its level a minute in (its second minute runs at full rate): the step is complete then.
        rises: (d) => crowds.map((c) => c.from + 60).filter((t) => t < d),
      };
    },
  },
  {
    name: 'noisy',
    kind: 'stationary',
    description: 'a steady 2.5 MB/s with heavy per-minute noise (lognormal, sigma 0.5)',
    defaultDays: 3,
    noise: 0.5,
    shape: () => steady(2.5),
  },
  {
    name: 'month-end',
    kind: 'predictable',
    description: 'office load (1 MB/s 09-18h on weekdays, 0.3 at night, 0.2 at weekends) for a month, and a month-end close on day 30, 18-23h at 5 MB/s',
    defaultDays: 35,
    noise: 0.1,
    shape: () => {
      const close = (d: number): Peak[] => (30 * DAY + 23 * HOUR <= d ? [{ from: 30 * DAY + 18 * HOUR, to: 30 * DAY + 23 * HOUR, series: 'month-end close' }] : []);
      return {
        rate: (t, d) => (close(d).some((p) => t >= p.from && t < p.to) ? 5 : officeRate(t, 1, 0.3, 0.2)),
        changes: (d) => close(d).flatMap((p) => [p.from, p.to]),
        peaks: close,
        falls: (d) => close(d).map((p) => p.to),
      };
    },
  },
  {
    name: 'idle',
    kind: 'stationary',
    description: 'an idle server: 0.02 MB/s with noise (sigma 0.5)',
    defaultDays: 3,
    noise: 0.5,
    shape: () => steady(0.02),
  },
];

export const SCENARIO_NAMES: readonly string[] = DEFINITIONS.map((d) => d.name);

export function buildScenario(name: string, options: ScenarioOptions = {}): Scenario {
  const definition = DEFINITIONS.find((d) => d.name === name);
  if (definition === undefined) throw new Error(`unknown scenario ${name}; known: ${SCENARIO_NAMES.join(', ')}`);
  const stepSec = options.stepSec ?? DEFAULT_STEP_SEC;
  const durationSec = Math.round((options.days ?? definition.defaultDays) * DAY);
  if (!(durationSec >= stepSec)) throw new Error(`scenario ${name} must last at least one step`);
  const rng = seededRng(seedFor(options.seed ?? DEFAULT_SEED, name));
  const shape = definition.shape(rng, durationSec, stepSec);
  const steps = Math.ceil(durationSec / stepSec);
  const rates = new Float64Array(steps);
  const sigma = definition.noise;
  for (let i = 0; i < steps; i++) {
    // Mean-preserving lognormal: E[exp(sigma Z - sigma^2 / 2)] = 1.
    const noise = Math.exp(sigma * rng.normal() - (sigma * sigma) / 2);
    rates[i] = Math.max(0, shape.rate(i * stepSec, durationSec) * noise * MB);
  }
  return {
    name,
    description: definition.description,
    durationSec,
    stepSec,
    rates,
    loadChanges: shape.changes(durationSec),
    kind: definition.kind,
    peaks: shape.peaks?.(durationSec) ?? [],
    falls: shape.falls?.(durationSec) ?? [],
    rises: shape.rises?.(durationSec) ?? [],
  };
}

export function buildScenarios(options: ScenarioOptions = {}, names: readonly string[] = SCENARIO_NAMES): Scenario[] {
  return names.map((name) => buildScenario(name, options));
}
