import fc from 'fast-check';
import type pg from 'pg';
import { ts } from 'ts-morph';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileProgram, loadProgram, TextPrograms } from '../codegen/compiler/index';
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
 * Strings heavy in what UTF-16 and PostgreSQL count differently: characters above U+FFFF (two code units, one
 * character), U+E000 to U+FFFF (ordered below them in UTF-16, above in code points), U+D7FF, ASCII, Unicode spaces.
 * Never a lone surrogate or NUL: PostgreSQL text cannot hold either.
 */
const unicode = fc.oneof(
  text(),
  fc.string({ unit: fc.constantFrom('a', 'Z', '0', '9', ' ', 'é', '\u00a0', '\u3000', '\ud7ff', '\ue000', '\uffff', '😀', '\u{10000}', '\u{10ffff}'), maxLength: 10 }),
  fc.string({ unit: 'binary', maxLength: 16 }).map((s) => s.replaceAll('\0', '')),
);

/** An index near the ends of a short string, or anywhere. */
const textIndex = fc.oneof(int4({ min: -12, max: 12 }), int4());

/** What Number(s) may meet: JavaScript's numeric grammar in pieces, with whitespace and near misses. */
const NUMBER_PIECES = [
  '0', '1', '5', '9', '00', '.', 'e', 'E', '+', '-', 'x', 'X', 'o', 'O', 'b', 'B', 'a', 'f', 'F', '_', 'n',
  'Infinity', 'infinity', 'inf', 'NaN', ' ', '\t', '\n', '\u00a0', '\u1680', '\u2000', '\u3000', '\u2028', '\ufeff',
  '\u180e', '\u200b', '\u0665', '\uff15', '1e308', '1e-324', 'e400', 'e-400', '7976931348623157', '2470328229206232',
];
const numberText = fc.oneof(
  fc.array(fc.constantFrom(...NUMBER_PIECES), { maxLength: 8 }).map((p) => p.join('')),
  fc
    .tuple(fc.double({ noNaN: true }), fc.integer({ min: 0, max: 20 }), fc.nat(3))
    .map(([x, digits, style]) => [String(x), x.toExponential(digits), x.toFixed(Math.min(digits, 20)), x.toPrecision(digits + 1)][style]!),
  fc.bigInt({ min: 0n, max: 2n ** 1100n }).chain((n) =>
    fc.constantFrom(`0x${n.toString(16)}`, `0X${n.toString(16).toUpperCase()}`, `0o${n.toString(8)}`, `0b${n.toString(2)}`, n.toString()),
  ),
  fc.constantFrom(
    '', ' ', '1.7976931348623157e308', '1.7976931348623158e308', '1.7976931348623159e308', '-1.8e308',
    '2.4703282292062327e-324', '2.4703282292062328e-324', '4.9406564584124654e-324', '-1e-400', '0e99999999999',
    `0.${'0'.repeat(400)}1`, `1${'0'.repeat(400)}`, '9'.repeat(1000), `1e${'9'.repeat(30)}`, '0x20000000000001',
    '0x20000000000003', `0x${'f'.repeat(256)}`, `0x1${'0'.repeat(255)}`, `0x${'0'.repeat(300)}1`, `0o${'7'.repeat(342)}`,
    `0b1${'0'.repeat(1023)}`, `0b${'1'.repeat(1024)}`, '-0', '+.5', '5.', '.e1', '1e', '- 1', '0x', '-0x10', '1__0',
  ),
);

/** JavaScript cut a surrogate pair in half (text cannot hold the half); accepted only where it did. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const halfCharacterIsLoud = (sqlError: string, js: unknown): boolean =>
  /cuts a character above U\+FFFF in half/.test(sqlError) &&
  (Array.isArray(js) ? js : [js]).some((v) => typeof v === 'string' && LONE_SURROGATE.test(v));

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
  textLength: { arbitraries: { s: unicode, t: unicode } },
  codeUnits: { arbitraries: { s: unicode, i: textIndex } },
  allCodeUnits: { arbitraries: { s: unicode } },
  textSlices: { arbitraries: { s: unicode, a: textIndex, b: textIndex }, loud: halfCharacterIsLoud },
  characters: { arbitraries: { s: unicode } },
  classifyCharacters: { arbitraries: { s: unicode } },
  literalOrder: { arbitraries: { s: fc.oneof(unicode, fc.constantFrom('walrus', 'walrut', 'walru', '', '\u00e9t\u00e9', '\ud7ff', '\ue000', '😀', '\uffff')) } },
  controlCharacters: { arbitraries: { s: fc.oneof(unicode, fc.constantFrom('\r\n', '\t', '\v', "'", '\\')) } },
  parseNumber: { arbitraries: { s: numberText } },
  parseNumbers: { arbitraries: { s: numberText, t: numberText } },
  arraySlices: { arbitraries: { xs: fc.array(int4(), { maxLength: 8 }), a: textIndex, b: textIndex } },
  joins: { arbitraries: { words: fc.array(unicode, { maxLength: 6 }), separator: unicode, ns: fc.array(int8(), { maxLength: 6 }) } },
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

/**
 * Regressions that need a program of their own, run natively by transpiling this very text (so no fixture file):
 * - names the compiler's own SQL could use (a sort's subquery aliases, PL/pgSQL's magic FOUND, the dollar quote
 *   around a body) or knows as builtins (Number), given to parameters, locals and strings around the construct that
 *   writes such SQL: a collision made PL/pgSQL substitute the variable into the query or refuse it as ambiguous;
 * - pushed arrays in the forms that stay allowed (a for...of over a copy, a result assigned back to its own variable);
 * - `=== null` on a composite whose fields may all be null (a row IS NULL when all its fields are).
 */
const PROGRAM = `import type { float8, int, int8 } from '../../src/sqltypes';

export interface Pair {
  e: float8;
  i: int;
}

export function sortBesideParameters(xs: int[], e: int, i: int): int[] {
  return [...xs, e, i].sort((a, b) => a - b);
}

export function sortBesideLocals(xs: float8[], limit: float8): float8[] {
  const e: float8 = limit;
  const i: int = xs.length;
  const t: float8[] = [...xs, e].sort((a, b) => b - a);
  const x: float8 = t.length > 1 ? t[1]! : e;
  const value: float8[] = [...t, x, i].sort((a, b) => a - b);
  const ordinality: int = value.length;
  return [...value, ordinality];
}

export function sortInLoop(xs: int[]): int8[] {
  let value: int8[] = [];
  for (const e of xs) {
    const i: int8 = e;
    value = [...value, i].sort((a, b) => b - a);
  }
  return [...[...value].sort((a, b) => a - b)].sort((a, b) => b - a);
}

export function sortFields(t: Pair, xs: float8[]): float8[] {
  return [...xs, t.e, t.i].sort((a, b) => a - b);
}

export function foundParameter(found: boolean, xs: int[]): boolean[] {
  let seen: boolean = false;
  for (const x of xs) {
    seen = seen || x > 0;
  }
  return [found, seen, found && seen];
}

export interface Limits {
  NaN: float8;
  MAX_SAFE_INTEGER: int8;
}

export function shadowedNumber(Number: Limits): float8[] {
  return [Number.NaN, Number.MAX_SAFE_INTEGER];
}

export function pushWhileIteratingACopy(n: int): int[] {
  const xs: int[] = [1, 2];
  let count: int = 0;
  for (const x of [...xs]) {
    count++;
    if (x < n) {
      xs.push(x + 10);
    }
  }
  return [count, ...xs];
}

function half(ys: int[]): int[] {
  const h: int = Math.floor(ys.length / 2);
  return ys.slice(0, h);
}

function total(ys: int[]): int8 {
  let sum: int8 = 0;
  for (const y of ys) {
    sum += y;
  }
  return sum;
}

export function pushedArrayPassedOn(n: int): int8[] {
  let xs: int[] = [];
  for (let k: int = 0; k < n; k++) {
    xs.push(k);
    xs = half(xs);
    xs.push(k * 2);
  }
  const kept: int[] = half([...xs]);
  const sum: int8 = total(xs);
  xs.push(n);
  return [sum, kept.length, xs.length];
}

export interface Maybe {
  a: int | null;
  b: int | null;
}

export function compositeNulls(p: Maybe | null, a: int | null): boolean[] {
  const q: Maybe = { a: a, b: null };
  return [p === null, p !== null, q === null, q !== null, null === p];
}

export function dollarQuotes(s: string): string {
  const a$function$: string = s;
  return a$function$ === '$function$' ? '$$' : \`\${a$function$}$function$ $function_1$\`;
}
`;

describe('programs written in this file match their TypeScript', () => {
  const written = new TextPrograms('src/sqltypes.ts').program({ '.tmp/written/program.ts': PROGRAM });
  const native: Record<string, unknown> = {};
  const transpiled = ts.transpileModule(PROGRAM, {
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 },
  }).outputText;
  (new Function('exports', transpiled) as (exports: Record<string, unknown>) => void)(native);

  // JavaScript's sort with a - b is inconsistent for NaN (the order is implementation-defined).
  const noNaN = fc.array(float8({ noNaN: true }), { maxLength: 8 });
  const options: Readonly<Record<string, DifferentialOptions>> = {
    sortBesideLocals: { arbitraries: { xs: noNaN, limit: float8({ noNaN: true }) } },
    sortFields: { arbitraries: { t: fc.record({ e: float8({ noNaN: true }), i: int4() }), xs: noNaN } },
    pushWhileIteratingACopy: { arbitraries: { n: int4({ min: -5, max: 40 }) } },
    pushedArrayPassedOn: { arbitraries: { n: int4({ min: -5, max: 40 }) } },
    compositeNulls: {
      edges: {
        p: [null, { a: null, b: null }, { a: 1, b: null }, { a: null, b: 2 }, { a: 1, b: 2 }],
        a: [null, 0],
      },
    },
    dollarQuotes: { edges: { s: ['$function$', '$function_1$', '$$', ''] } },
  };

  let db: CompiledDatabase;
  beforeAll(async () => {
    db = await compiledDatabase('differential_written', compileProgram(written), written);
  });
  afterAll(() => db?.close());

  for (const name of ['sortBesideParameters', 'sortBesideLocals', 'sortInLoop', 'sortFields', 'foundParameter', 'dollarQuotes', 'shadowedNumber', 'pushWhileIteratingACopy', 'pushedArrayPassedOn', 'compositeNulls']) {
    it(name, async () => {
      const report = await db.runner.check(name, native[name] as JsFunction, options[name]);
      expect(report.cases).toBeGreaterThanOrEqual(DEFAULT_RUNS);
    });
  }
});
