import { readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import fc from 'fast-check';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileProgram, loadProgram } from '../codegen/compiler/index';
import {
  DEFAULT_RUNS,
  DifferentialRunner,
  INT4_MAX,
  float8,
  compiledDatabase,
  type CompiledDatabase,
  int4,
  int8,
  text,
  type DifferentialOptions,
  type JsFunction,
} from './helpers/differential';

/*
 * The decision logic is compiled from the sources here rather than taken from the installed extension, so this test
 * checks the PL/pgSQL of exactly the TypeScript it imports; test/codegen-fresh.test.ts checks that the committed
 * extension script holds the same output.
 */
const LOGIC_FILES = readdirSync('src/logic', { recursive: true, encoding: 'utf8' })
  .filter((f) => f.endsWith('.ts'))
  .sort()
  .map((f) => `src/logic/${f}`);
const program = loadProgram('tsconfig.json', LOGIC_FILES);
const compiled = compileProgram(program);
const EXPORTED = [...program.functions.values()].filter((f) => f.node.isExported()).map((f) => f.name);

/** Sizes in MB as servers have them, from the two-segment minimum to the int4 limit of max_wal_size. */
const sizeMb = fc.oneof(
  { arbitrary: fc.constantFrom(1, 2, 32, 64, 1024, 4096, 16384, 1048576, INT4_MAX - 1, INT4_MAX), weight: 2 },
  { arbitrary: fc.integer({ min: 2, max: 65536 }), weight: 2 },
  { arbitrary: int4({ min: 1 }), weight: 2 },
  // Nonsense sizes (zero, negative) must still give the same answer in both worlds.
  { arbitrary: int4(), weight: 1 },
);

const forcedCount = fc.oneof(
  { arbitrary: fc.integer({ min: 0, max: 20 }), weight: 2 },
  { arbitrary: int4({ min: 0 }), weight: 2 },
  { arbitrary: fc.constantFrom(INT4_MAX, INT4_MAX - 1, 2 ** 30), weight: 1 },
  { arbitrary: int4(), weight: 1 },
);

/** A factor strictly between 0 and 1, as walrus.shrink_factor is validated. */
const factor = fc.oneof(
  fc.constantFrom(0.5, 0.75, 0.9, 0.99, 1e-9, Number.MIN_VALUE, 0.9999999999999999),
  fc.double({ min: Number.MIN_VALUE, max: 1, maxExcluded: true, noNaN: true }),
);

/** checkpoint_completion_target's range. */
const completionTarget = fc.oneof(fc.constantFrom(0, 0.5, 0.9, 1), fc.double({ min: 0, max: 1, noNaN: true }));

/**
 * Amounts of WAL in MB, as measured: finite, not negative, and not below a byte, so products and quotients of them
 * stay clear of float8 underflow (which the server reports as an error).
 */
const walMb = fc.oneof(
  fc.constantFrom(0, 1e-6, 0.5, 16, 1024, 1e6, 1e12),
  float8({ noNaN: true, noInfinity: true, maxAbs: 1e12, minAbs: 1e-6 }).map(Math.abs),
);

/** An EMA weight in (0, 1]. */
const alpha = fc.oneof(fc.constantFrom(0.1, 0.2, 0.5, 1), fc.double({ min: 1e-6, max: 1, noNaN: true }));

/** walrus.target_percentile: a percentage. */
const percent = fc.oneof(
  fc.constantFrom(0, 1, 50, 90, 95, 99, 99.9, 100),
  fc.integer({ min: 0, max: 100 }),
  fc.double({ min: 0.01, max: 100, noNaN: true }),
);

/** walrus.headroom's range. */
const headroom = fc.oneof(fc.constantFrom(1, 1.25, 1.5, 2, 10), fc.double({ min: 1, max: 10, noNaN: true }));

const intervalWalMb = fc.oneof(
  fc.constantFrom(0, 1e-6, 0.5, 16, 1024, 1e6, 1e7),
  float8({ noNaN: true, noInfinity: true, maxAbs: 1e7, minAbs: 1e-6 }).map(Math.abs),
);

/** Seconds between two samples: usually about one timeout, sometimes milliseconds, days, or slightly negative. */
const elapsedSec = fc.oneof(
  fc.constantFrom(0, 0.07, 29.5, 30, 285, 299.9, 300, 600, 86400),
  fc.double({ min: -60, max: 1e7, noNaN: true }),
);

/** checkpoint_timeout in seconds: 30 s to a day. */
const timeoutSec = fc.oneof(fc.constantFrom(30, 60, 300, 3600, 86400), fc.integer({ min: 30, max: 86400 }));

const isoDay = fc.integer({ min: 1, max: 7 });
const isoDays = fc.array(isoDay, { maxLength: 7 });
const hourOf = fc.oneof(fc.integer({ min: 0, max: 24 }), fc.integer({ min: -2, max: 26 }));

/** A walrus.history action: the real ones, and any text. */
const action = fc.oneof(
  fc.constantFrom('increase', 'decrease', 'capped', 'dry_run', 'skipped', 'error', 'no_change', 'external_change'),
  fc.string(),
);

const segmentMb = fc.oneof(fc.constantFrom(1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024), fc.integer({ min: 1, max: 1024 }));

/**
 * A WAL rate in MB/s as the forecast's profile and window hold it: mostly a few recurring levels (so medians, peaks
 * and excursions have something to find), any rate up to 10 TB/s, and forged values (negative, NaN, infinite).
 */
const walRate = fc.oneof(
  { arbitrary: fc.constantFrom(0, 0.4, 0.5, 3, 7.5), weight: 4 },
  { arbitrary: fc.double({ min: 0, max: 100, noNaN: true }), weight: 2 },
  { arbitrary: float8({ noNaN: true, noInfinity: true, maxAbs: 1e7, minAbs: 1e-7 }).map(Math.abs), weight: 1 },
  { arbitrary: fc.constantFrom(-1, Number.NaN, Number.POSITIVE_INFINITY, 1e9, 1e-7), weight: 1 },
);

/** An hour-of-week profile: a week of hours, or a forged array of another length. */
const profile = fc.oneof(
  { arbitrary: fc.array(walRate, { minLength: 168, maxLength: 168 }), weight: 4 },
  { arbitrary: fc.array(walRate, { maxLength: 200 }), weight: 1 },
);

/** An hour of the week, or any int (the glue computes 0..167; the logic wraps anything). */
const hourOfWeek = fc.oneof(fc.integer({ min: -1, max: 167 }), int4());

/** Seconds of history, or of a window: a fresh install to beyond a week, and forged values. */
const stateSec = fc.oneof(fc.constantFrom(0, 1800, 3600, 43200, 86400, 604800), fc.double({ min: -10, max: 1e7, noNaN: true }));

/**
 * The domain of every field of the interfaces that logic functions take: what the glue can put there (sizes from
 * the server, settings within their validated ranges, counters that grow by one per interval). Full-range values
 * that no server produces would only find the documented loud differences (an int that overflows, a float8 that
 * underflows). A field added to an interface needs an entry here; the test says which one is missing.
 */
const FIELD_DOMAINS: Readonly<Record<string, Readonly<Record<string, fc.Arbitrary<unknown> | 'its interface'>>>> = {
  CycleInput: {
    current_mb: sizeMb,
    forced: forcedCount,
    floor_mb: sizeMb,
    threshold: fc.integer({ min: 1, max: 1000 }),
    max_mb: sizeMb,
    shrink_enable: fc.boolean(),
    shrink_factor: factor,
    shrink_intervals: fc.integer({ min: 1, max: 1000 }),
    min_size_mb: sizeMb,
    dry_run: fc.boolean(),
    advise_reason: fc.oneof(fc.constant(''), fc.constantFrom('walrus.apply = advise', 'dblink is not installed'), text()),
    cooldown_sec: fc.integer({ min: 0, max: 86400 }),
    max_changes_per_hour: fc.oneof(fc.integer({ min: 0, max: 20 }), fc.integer({ min: 0, max: 1000 })),
    quiet: 'its interface',
    elapsed_sec: elapsedSec,
    timeout_sec: timeoutSec,
    changes_last_hour: fc.oneof(fc.integer({ min: 0, max: 20 }), int4({ min: 0, max: 100_000 })),
    // A difference of timestamps: null before the first change, slightly negative when the clock steps back.
    seconds_since_change: fc.option(
      fc.oneof(float8({ noNaN: true, maxAbs: 1e12 }).map(Math.abs), fc.double({ min: -60, max: 0, noNaN: true })),
      { nil: null },
    ),
    algorithm: fc.oneof(fc.constantFrom('multiplicative', 'additive', 'adaptive', 'percentile', 'forecast'), text()),
    additive_increment_mb: sizeMb,
    completion_target: completionTarget,
    segment_mb: segmentMb,
    headroom: headroom,
    proactive: fc.boolean(),
    wal: 'its interface',
    hour_of_week: hourOfWeek,
    hour_fraction: fc.oneof(fc.constantFrom(0, 0.05, 0.5, 0.999), fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true })),
    // WAL since the previous sample, and over the last checkpoint_timeout (negative when the position went backwards).
    recent_wal_mb: fc.oneof(intervalWalMb, fc.double({ min: -1e7, max: 0, noNaN: true })),
    interval_wal_mb: fc.option(fc.oneof(intervalWalMb, fc.double({ min: -1e7, max: 0, noNaN: true })), { nil: null }),
    half_life_sec: fc.oneof(fc.constantFrom(86400, 604800, 31536000), fc.integer({ min: 86400, max: 31536000 })),
    stabilization_sec: fc.oneof(fc.constantFrom(0, 300, 3600), fc.integer({ min: 0, max: 604800 })),
    lookahead_sec: fc.oneof(fc.constantFrom(0, 1800, 3600), fc.integer({ min: 0, max: 86400 })),
    forecast: 'its interface',
  },
  // What the glue persists between cycles: a decision's forecast state, or a forged row.
  ForecastState: {
    profile,
    slot: hourOfWeek,
    learned_sec: stateSec,
    window_peak: walRate,
    window_previous: walRate,
    window_age_sec: stateSec,
    last_rate: walRate,
  },
  SeasonalForecast: {
    rate: walRate,
    hours_ahead: fc.integer({ min: 0, max: 24 }),
    days_ago: fc.constantFrom(0, 1, 7),
    reference: fc.oneof(walRate, fc.constant(-1)),
  },
  GrowthDecision: {
    action: fc.constantFrom('increase', 'capped', 'no_change'),
    old_size_mb: sizeMb,
    new_size_mb: sizeMb,
    reason: text(),
  },
  // What walrus.state holds: at most a million intervals, and less than a timeout of carry (or a forged value).
  QuietCount: {
    intervals: fc.oneof(fc.integer({ min: 0, max: 100 }), int4({ min: 0, max: 1_000_000 })),
    carry_sec: fc.oneof(fc.constantFrom(0, 29.999, 285, 300), fc.double({ min: 0, max: 1e7, noNaN: true })),
  },
  // WAL written per checkpoint_timeout: up to 10 TB, beyond any server.
  WalStats: { current_mb: intervalWalMb, ema_mb: intervalWalMb, percentile_mb: intervalWalMb, recent_peak_mb: intervalWalMb },
};

/** The record of an interface's field domains, composite fields included. */
function interfaceDomain(name: string): fc.Arbitrary<unknown> {
  const iface = program.interfaces.get(name);
  const domains = FIELD_DOMAINS[name];
  if (!iface || !domains) throw new Error(`no field domains for interface ${name} in test/logic.differential.test.ts`);
  const missing = iface.fields.filter((f) => !(f.name in domains)).map((f) => `${name}.${f.name}`);
  if (missing.length > 0) throw new Error(`no domain for ${missing.join(', ')}: add it to FIELD_DOMAINS`);
  return fc.record(
    Object.fromEntries(
      iface.fields.map((f) => {
        const type = f.declared.type;
        const domain = domains[f.name]!;
        if (domain !== 'its interface') return [f.name, domain];
        if (type.kind !== 'composite') throw new Error(`${name}.${f.name} is not of an interface type`);
        return [f.name, interfaceDomain(type.name)];
      }),
    ),
  );
}

const OPTIONS: Readonly<Record<string, DifferentialOptions>> = {
  checkpointSegments: {
    arbitraries: { max_wal_size_mb: sizeMb, wal_segment_mb: segmentMb, completion_target: completionTarget },
  },
  measurePressure: {
    arbitraries: {
      // Counter deltas: below zero after a statistics reset, and below 2^31 as forcedPerInterval requires.
      requested: fc.oneof(int8({ max: 0 }), int4({ min: 0 })),
      segments_finished: fc.oneof(int8({ max: 0 }), int8({ min: 0, max: 2 ** 40 })),
      // From checkpointSegments: at least 1.
      checkpoint_segments: int4({ min: 1 }),
      elapsed_sec: float8({ noNaN: true }),
    },
  },
  nextEma: {
    arbitraries: { previous: fc.option(walMb, { nil: null }), value: walMb, alpha },
  },
  percentileOf: {
    arbitraries: { values: fc.array(walMb, { maxLength: 12 }), p: percent },
  },
  walStats: {
    arbitraries: {
      window_mb: fc.array(walMb, { maxLength: 12 }),
      previous_ema: fc.option(walMb, { nil: null }),
      alpha,
      p: percent,
      recent: fc.oneof(fc.integer({ min: 1, max: 20 }), int4({ min: 1 })),
    },
  },
  sizeForWal: {
    arbitraries: {
      wal_mb: walMb,
      completion_target: completionTarget,
      headroom,
      segment_mb: segmentMb,
      cap_mb: sizeMb,
    },
  },
  triggerUsage: {
    arbitraries: { wal_mb: walMb, completion_target: completionTarget, size_mb: sizeMb },
  },
  statisticalGrowth: { arbitraries: { basis_mb: intervalWalMb } },
  additiveGrowth: {
    arbitraries: { current_mb: sizeMb, forced: forcedCount, increment_mb: sizeMb, max_mb: sizeMb, floor_mb: sizeMb },
  },
  shrinkTarget: {
    arbitraries: { current_mb: sizeMb, factor, min_size_mb: sizeMb, floor_mb: sizeMb },
    edges: { current_mb: [1, 2, 1024, INT4_MAX], factor: [0.5, 1e-9, 0.9999999999999999], min_size_mb: [2, 1024], floor_mb: [2, 64] },
  },
  decideGrowth: {
    arbitraries: {
      current_mb: sizeMb,
      forced: forcedCount,
      threshold: fc.oneof(fc.integer({ min: 1, max: 1000 }), int4()),
      max_mb: sizeMb,
      floor_mb: sizeMb,
    },
    edges: {
      current_mb: [0, 1, 2, 1024, INT4_MAX - 1, INT4_MAX],
      forced: [0, 1, 2, 1000, INT4_MAX],
      threshold: [1, 2, INT4_MAX],
      max_mb: [2, 4096, INT4_MAX],
      floor_mb: [2, 64, INT4_MAX],
    },
  },
  forcedPerInterval: {
    arbitraries: {
      // A delta above 2^31 cannot be a count of checkpoints between two samples, and the result is an int4.
      counter_delta: fc.oneof(int8({ max: 0 }), int4({ min: 0 })),
      // elapsed_sec is a difference of timestamps: never NaN, which no int could hold after rounding.
      elapsed_sec: float8({ noNaN: true }),
    },
    edges: {
      counter_delta: [-1, 0, 1, 2, 7, INT4_MAX],
      timeout_sec: [-1, 0, 1, 30, 300, 86400, INT4_MAX],
      elapsed_sec: [0, -0, -1, 0.5, 29.999, 30, 300.001, 1e9, Infinity, -Infinity],
    },
  },
  countQuiet: { arbitraries: { elapsed_sec: elapsedSec, timeout_sec: timeoutSec } },
  jobIntervalSec: {
    arbitraries: {
      algorithm: fc.oneof(fc.constantFrom('multiplicative', 'forecast', 'Forecast', ''), text()),
      timeout_sec: timeoutSec,
    },
    edges: { timeout_sec: [-1, 0, 1, 30, 59, 60, 61, 300, 86400, INT4_MAX] },
  },
  // walrus.profiles after the glue's checks: ISO days, hours of a day (some out of range: windowError's business).
  windowActive: { arbitraries: { days: isoDays, start_hour: hourOf, end_hour: hourOf, day: isoDay, hour: hourOf } },
  windowsOverlap: {
    arbitraries: { days_a: isoDays, start_a: hourOf, end_a: hourOf, days_b: isoDays, start_b: hourOf, end_b: hourOf },
  },
  hoursUntilStart: { arbitraries: { days: isoDays, start_hour: hourOf, end_hour: hourOf, day: isoDay, hour: hourOf } },
  profileInForce: {
    arbitraries: {
      windows: fc.array(fc.record({ days: isoDays, start_hour: hourOf, end_hour: hourOf }), { maxLength: 5 }),
      hour_of_week: fc.oneof(fc.integer({ min: 0, max: 167 }), fc.integer({ min: -2, max: 170 })),
    },
  },
  windowError: { arbitraries: { start_hour: fc.integer({ min: -30, max: 30 }), end_hour: fc.integer({ min: -30, max: 30 }) } },
  dayNumber: { arbitraries: { name: fc.oneof(fc.constantFrom('mon', 'sun', 'sunday', 'Mon', 'funday', ''), text()) } },
  isProfileField: { arbitraries: { field: fc.oneof(fc.constantFrom('name', 'days', 'max_size', 'colour'), text()) } },
  walPerIntervalMb: {
    // WAL between two samples: up to 10 TB, or negative when the position went backwards (a restored backup).
    arbitraries: { wal_mb: fc.oneof(intervalWalMb, fc.double({ min: -1e7, max: 0, noNaN: true })), elapsed_sec: elapsedSec, timeout_sec: timeoutSec },
  },
  clampSize: { arbitraries: { size_mb: sizeMb, floor_mb: sizeMb, max_mb: sizeMb } },
  classicProposal: { arbitraries: { shrunk_mb: sizeMb } },
  statisticalShrink: { arbitraries: { basis_mb: intervalWalMb } },
  // Math.pow: V8 (fdlibm) and the C library may differ in the last bit, and the profile carries it.
  weeklyRetention: { arbitraries: { half_life_sec: fc.oneof(fc.constantFrom(3600, 86400, 604800), int4()) }, ulps: 2 },
  learnForecast: { ulps: 4 },
  decideCycle: { ulps: 4 },
  cleanRate: { arbitraries: { value: walRate } },
  cleanProfile: { arbitraries: { profile } },
  wrapHour: { arbitraries: { hour: hourOfWeek } },
  needRate: {
    arbitraries: {
      interval_wal_mb: fc.option(fc.oneof(intervalWalMb, fc.double({ min: -1e7, max: 0, noNaN: true })), { nil: null }),
      recent_wal_mb: fc.oneof(intervalWalMb, fc.double({ min: -1e7, max: 0, noNaN: true })),
      elapsed_sec: elapsedSec,
      timeout_sec: timeoutSec,
    },
  },
  recentRate: { arbitraries: { recent_wal_mb: fc.oneof(intervalWalMb, fc.double({ min: -1e7, max: 0, noNaN: true })), elapsed_sec: elapsedSec } },
  learnedSpan: { arbitraries: { learned_sec: stateSec, hour_fraction: fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }) } },
  dayMedian: {
    arbitraries: {
      profile,
      slot: hourOfWeek,
      hour_fraction: fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
      hour: hourOfWeek,
      learned_sec: stateSec,
    },
  },
  seasonalForecast: {
    arbitraries: {
      profile,
      slot: hourOfWeek,
      hour_fraction: fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
      lookahead_sec: fc.oneof(fc.constantFrom(0, 1800, 3600), fc.integer({ min: 0, max: 86400 })),
      learned_sec: stateSec,
      headroom,
    },
  },
  runsAbove: {
    // Hourly peaks in thousandths of MB/s, -1 for an hour not learned; at most a week and a bit.
    arbitraries: {
      hours: fc.array(fc.oneof(fc.constantFrom(-1, 0, 400, 3000, 7500), fc.integer({ min: -1, max: 20000 })), { maxLength: 180 }),
      threshold: fc.oneof(fc.constantFrom(-1, 0, 450, 3375), fc.integer({ min: -1, max: 20000 }), int8({ min: -1, max: 10_000_000_000 })),
      expected: fc.array(fc.boolean(), { maxLength: 180 }),
    },
    edges: { hours: [[], [-1, 500, 500, -1, 500]], threshold: [-1, 0, 499], expected: [[], [false, true]], unpredicted_only: [false, true] },
  },
  excursionHold: { arbitraries: { profile, slot: hourOfWeek, hour_fraction: fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), learned_sec: stateSec, base_rate: walRate, headroom, shrink_factor: factor } },
  forecastReason: { arbitraries: { timeout_sec: timeoutSec } },
  profileView: {
    arbitraries: {
      profile,
      slot: hourOfWeek,
      hour_fraction: fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
      lookahead_sec: fc.oneof(fc.constantFrom(0, 1800, 3600), fc.integer({ min: 0, max: 86400 })),
      stabilization_sec: fc.oneof(fc.constantFrom(0, 3600), fc.integer({ min: 0, max: 604800 })),
      learned_sec: stateSec,
      headroom,
      shrink_factor: factor,
      window_rate: walRate,
      newer_rate: walRate,
    },
  },
  yesterdayLow: {
    arbitraries: {
      profile,
      slot: hourOfWeek,
      hour_fraction: fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
      horizon_sec: fc.oneof(fc.constantFrom(0, 1800, 5400), int4()),
      learned_sec: stateSec,
    },
  },
  appliesSize: { arbitraries: { action } },
  countsAsChange: { arbitraries: { action } },
  adviseReason: { arbitraries: { apply_setting: fc.oneof(fc.constantFrom('auto', 'advise'), text()) } },
  decideFailover: {
    arbitraries: {
      last_row_timeline: fc.option(fc.integer({ min: 1, max: 5 }), { nil: null }),
      timeline: fc.integer({ min: 1, max: 5 }),
      cluster_size_mb: fc.option(sizeMb, { nil: null }),
      current_mb: sizeMb,
      floor_mb: sizeMb,
      max_mb: sizeMb,
    },
  },
  sizeInForceAfter: { arbitraries: { action, old_size_mb: sizeMb, new_size_mb: sizeMb } },
  sizeFloorMb: {
    // Twice the segment size must fit the int4 result; real segments are 1 MB to 1 GB.
    arbitraries: { wal_segment_mb: int4({ min: -(2 ** 30), max: 2 ** 30 - 1 }) },
    edges: { wal_segment_mb: [1, 16, 1024, 2 ** 30 - 1, -(2 ** 30)], min_wal_size_mb: [0, 2, 80, INT4_MAX, -1] },
  },
};

describe('compiled src/logic matches its TypeScript', () => {
  let db: CompiledDatabase;
  let client: pg.Client;
  let runner: DifferentialRunner;
  const modules = new Map<string, JsFunction>();

  beforeAll(async () => {
    for (const file of LOGIC_FILES) {
      const exports = (await import(resolve(file))) as Record<string, unknown>;
      for (const [name, value] of Object.entries(exports)) {
        if (typeof value === 'function') modules.set(name, value as JsFunction);
      }
    }
    db = await compiledDatabase('differential_logic', compiled, program);
    ({ client, runner } = db);
  });

  afterAll(() => db?.close());

  it('compiles every exported function of src/logic', () => {
    expect([...EXPORTED].sort()).toEqual([...modules.keys()].sort());
    expect(Object.keys(OPTIONS).filter((name) => !EXPORTED.includes(name))).toEqual([]);
  });

  // Module-private helpers are compiled as well; they are checked through the exported functions that call them.
  for (const name of EXPORTED) {
    it(`${name}`, async () => {
      const info = program.functions.get(name)!;
      const options = OPTIONS[name] ?? {};
      // Parameters of an interface type get its field domains unless the function's options say otherwise.
      const composites = info.params.flatMap((p) => {
        const type = p.declared.type;
        return type.kind === 'composite' && !options.arbitraries?.[p.name] ? [[p.name, interfaceDomain(type.name)] as const] : [];
      });
      const arbitraries = { ...Object.fromEntries(composites), ...options.arbitraries };
      const report = await runner.check(name, modules.get(name)!, { ...options, arbitraries });
      expect(report.cases).toBeGreaterThanOrEqual(DEFAULT_RUNS);
    });
  }

  it('decideGrowth never overflows at the int4 limits', async () => {
    const { rows } = await client.query<{ d: Record<string, unknown> }>(
      `SELECT to_json(walrus.decide_growth(${INT4_MAX - 1}, ${INT4_MAX}, 1, ${INT4_MAX}, 2)) AS d`,
    );
    expect(rows[0]?.d).toMatchObject({ action: 'capped', new_size_mb: INT4_MAX });
  });
});
