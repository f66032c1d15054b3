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
}

interface ScenarioDefinition {
  readonly name: string;
  readonly description: string;
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

const DEFINITIONS: readonly ScenarioDefinition[] = [
  {
    name: 'steady',
    description: 'constant 4 MB/s (about 2 forced checkpoints per interval at 1GB)',
    defaultDays: 3,
    noise: 0.05,
    shape: () => steady(4),
  },
  {
    name: 'step-up',
    description: '0.5 MB/s, then 5 MB/s from a third of the run on',
    defaultDays: 3,
    noise: 0.05,
    shape: () => ({ rate: (t, d) => (t < d / 3 ? 0.5 : 5), changes: (d) => [d / 3] }),
  },
  {
    name: 'slow-ramp',
    description: 'rising linearly from 0.3 to 7 MB/s over the run',
    defaultDays: 3,
    noise: 0.05,
    shape: () => ({ rate: (t, d) => 0.3 + (6.7 * t) / d, changes: () => [] }),
  },
  {
    name: 'daily-cycle',
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
    }),
  },
  {
    name: 'daily-batch',
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
    }),
  },
  {
    name: 'bursty',
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
    description: '5 MB/s, falling to 10% (0.5 MB/s) from a third of the run on',
    defaultDays: 3,
    noise: 0.05,
    shape: () => ({ rate: (t, d) => (t < d / 3 ? 5 : 0.5), changes: (d) => [d / 3] }),
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
  };
}

export function buildScenarios(options: ScenarioOptions = {}, names: readonly string[] = SCENARIO_NAMES): Scenario[] {
  return names.map((name) => buildScenario(name, options));
}
