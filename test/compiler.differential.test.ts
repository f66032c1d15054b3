import fc from 'fast-check';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileProgram, loadProgram } from '../codegen/compiler/index';
import * as fixtures from './fixtures/semantics';
import {
  DEFAULT_RUNS,
  DifferentialRunner,
  float8,
  float8RangeIsLoud,
  compiledDatabase,
  type CompiledDatabase,
  int4,
  int8,
  text,
  type DifferentialOptions,
  type JsFunction,
} from './helpers/differential';

const program = loadProgram('tsconfig.json', ['test/fixtures/semantics.ts']);
const compiled = compileProgram(program);
const EXPORTED = [...program.functions.values()].filter((f) => f.node.isExported()).map((f) => f.name);

const summary = (count: fc.Arbitrary<number>, value: fc.Arbitrary<number>): fc.Arbitrary<unknown> =>
  fc.record({ count, total: value, smallest: fc.option(value, { nil: null }), label: text() });

/** No magnitude here lets a product, sum or quotient of two values leave the float8 range. */
const moderate = float8({ maxAbs: 1e150, minAbs: 1e-150 });

const POW_BASES = fc.oneof(
  fc.constantFrom(NaN, Infinity, -Infinity, 0, -0, 1, -1, 2, -2, 0.5, -0.5, 1.5, -8, 10, 3),
  fc.integer({ min: -10, max: 10 }),
);
const POW_EXPONENTS = fc.oneof(
  fc.constantFrom(NaN, Infinity, -Infinity, 0, -0, 1, -1, 2, -2, 3, -3, 0.5, -0.5, 1.5, -1.5),
  fc.integer({ min: -20, max: 20 }),
);

/**
 * Per-function narrowing. Every entry says why: the compiled function is right on the narrowed domain, and outside
 * it PostgreSQL raises an error where JavaScript would produce a number the declared SQL type cannot hold.
 */
const OPTIONS: Readonly<Record<string, DifferentialOptions>> = {
  // Quotients of extreme values overflow or underflow, which the server reports as an error.
  divide: { loud: float8RangeIsLoud },
  divideByZeros: { arbitraries: { a: float8({ maxAbs: 1e300 }) } },
  // x / 0 is an infinity, and an infinity is no int8.
  truncatedQuotient: { arbitraries: { b: int4().filter((n) => n !== 0) } },
  // Math.round of NaN, an infinity or a value beyond 2^53 is no int8.
  roundToInt: { arbitraries: { x: float8({ maxAbs: 2 ** 53, noNaN: true, noInfinity: true }) } },
  floorToInt: { arbitraries: { x: float8({ maxAbs: 2147483647, noNaN: true, noInfinity: true }) } },
  // Bases and exponents whose powers stay inside the float8 range, with every special case of Math.pow. V8's pow
  // is not correctly rounded (2 ** -0.5 is one unit in the last place below the true value), the C library's is.
  power: { arbitraries: { a: POW_BASES, b: POW_EXPONENTS }, ulps: 1 },
  intPower: { arbitraries: { e: int4({ min: -8, max: 8 }) }, ulps: 1 },
  nullableFloat: { arbitraries: { x: fc.option(float8({ maxAbs: 1e300 }), { nil: null }) } },
  compound: { arbitraries: { a: moderate, b: moderate } },
  collatzSteps: { arbitraries: { start: int4({ min: -10, max: 100_000 }) } },
  sumSkipping: { arbitraries: { limit: int4({ min: -5, max: 400 }), skip: int4({ min: -1, max: 400 }) } },
  pairsBelow: { arbitraries: { n: int4({ min: -5, max: 40 }) } },
  // JavaScript's sort with a - b is inconsistent for NaN (the order is implementation-defined).
  floatSort: { arbitraries: { xs: fc.array(float8({ noNaN: true }), { maxLength: 10 }) } },
  floatSortDescending: {
    arbitraries: { xs: fc.array(float8({ noNaN: true }), { maxLength: 6 }), more: fc.array(float8({ noNaN: true }), { maxLength: 6 }) },
  },
  indexAt: { arbitraries: { i: int4({ min: -2, max: 10 }) } },
  summarize: { arbitraries: { values: fc.array(float8({ maxAbs: 1e300 }), { maxLength: 10 }) } },
  // Two int4 halves, so the sum still fits the int field.
  bump: { arbitraries: { s: summary(int4({ min: -(2 ** 30), max: 2 ** 30 - 1 }), float8()), by: int4({ min: -(2 ** 30), max: 2 ** 30 - 1 }) } },
  totalOf: { arbitraries: { items: fc.array(summary(int4(), float8({ maxAbs: 1e300 })), { maxLength: 6 }) } },
  int8Arithmetic: { arbitraries: { a: int8({ min: -(2 ** 51), max: 2 ** 51 }), b: int8({ min: -(2 ** 51), max: 2 ** 51 }) } },
  mixedArithmetic: { arbitraries: { x: float8({ maxAbs: 1e290, minAbs: 1e-290 }) } },
  // A subnormal divided by 3 underflows to zero, which the server reports as an error.
  pickWhole: { arbitraries: { x: float8({ minAbs: 1e-300 }) } },
};

const functions = fixtures as unknown as Readonly<Record<string, unknown>>;

describe('compiled fixtures match their TypeScript (test/fixtures/semantics.ts)', () => {
  let db: CompiledDatabase;
  let client: pg.Client;
  let runner: DifferentialRunner;

  beforeAll(async () => {
    db = await compiledDatabase('differential_fixtures', compiled, program);
    ({ client, runner } = db);
  });

  afterAll(() => db?.close());

  it('compiles every exported function of the fixture', () => {
    const exported = Object.entries(functions).filter(([, v]) => typeof v === 'function').map(([k]) => k);
    expect([...EXPORTED].sort()).toEqual(exported.sort());
    expect(Object.keys(OPTIONS).filter((name) => !program.functions.has(name))).toEqual([]);
  });

  // Module-private helpers are compiled as well; they are checked through the exported functions that call them.
  for (const name of EXPORTED) {
    it(`${name}`, async () => {
      const js = functions[name] as JsFunction;
      const report = await runner.check(name, js, OPTIONS[name]);
      expect(report.cases).toBeGreaterThanOrEqual(DEFAULT_RUNS);
    });
  }

  it('catches a wrong implementation and names the input (the runner is not vacuous)', async () => {
    const zeroForZero = (a: number, b: number): number => (b === 0 ? 0 : a / b);
    await expect(runner.check('divide', zeroForZero, { numRuns: 50 })).rejects.toThrow(
      /walrus\.divide differs from TypeScript divide\(\)[\s\S]*divide\(.*, 0\)\n\s+TypeScript: 0\n\s+PostgreSQL: "(-?Infinity|NaN)"/,
    );
    // Only the sign of a zero differs here.
    const unsignedZero = (a: number, b: number): number => (a / b === 0 ? 0 : a / b);
    await expect(runner.check('divide', unsignedZero, { numRuns: 50, loud: float8RangeIsLoud })).rejects.toThrow(
      /TypeScript: 0\n\s+PostgreSQL: -0/,
    );
  });

  it('float8 overflow is loud in SQL where JavaScript gives Infinity (documented difference)', async () => {
    expect(fixtures.divide(1e300, 1e-300)).toBe(Infinity);
    await expect(client.query(`SELECT walrus.divide('1e300', '1e-300')`)).rejects.toThrow('value out of range: overflow');
  });
});
