/**
 * Differential testing of compiled functions against the TypeScript they were compiled from, in the manner of
 * TypeScriptToLua's expectToMatchJsResult: the same inputs go to the JavaScript function and to the PL/pgSQL function
 * on the real server, and the results must be identical down to the sign of zero.
 *
 * Inputs come from fast-check arbitraries derived from each parameter's SQL type, plus every combination of the
 * type's edge values. All cases run on the server in one batched query; only when one fails does fast-check replay
 * that case and shrink it, one round trip per step, so the report shows a minimal input.
 */
import fc from 'fast-check';
import type pg from 'pg';
import type { CompiledProgram } from '../../codegen/compiler/index';
import { qualified, quoteLiteral } from '../../codegen/compiler/identifiers';
import type { FunctionInfo, ProgramInfo } from '../../codegen/compiler/program';
import { sqlTypeName, type DeclaredType, type SqlType } from '../../codegen/compiler/types';
import { connect, createDatabase } from './db';

export const INT4_MIN = -2147483648;
export const INT4_MAX = 2147483647;

/** Cases per function unless a caller asks for more; WALRUS_FC_RUNS raises it for a longer hunt. */
export const DEFAULT_RUNS = Number(process.env.WALRUS_FC_RUNS ?? 1000);

/** The base seed; every function derives its own from it and its name, so a run is reproducible. */
export const BASE_SEED = Number(process.env.WALRUS_FC_SEED ?? 0x77616c);

/** Not more edge combinations than this per function; a larger product is thinned evenly. */
const MAX_EDGE_CASES = 1500;

// ---------------------------------------------------------------------------------------------------------------
// Arbitraries derived from SQL types

const INT4_EDGES = [0, 1, -1, 2, -2, INT4_MAX, INT4_MIN, INT4_MAX - 1, INT4_MIN + 1];

/** Full int4 range, with its edges and small values over-represented. */
export function int4(range: { min?: number; max?: number } = {}): fc.Arbitrary<number> {
  const min = range.min ?? INT4_MIN;
  const max = range.max ?? INT4_MAX;
  const inRange = (n: number): boolean => n >= min && n <= max;
  const edges = [...INT4_EDGES, min, max].filter(inRange);
  return fc.oneof(
    { arbitrary: fc.constantFrom(...edges), weight: 1 },
    { arbitrary: fc.integer({ min: Math.max(min, -1000), max: Math.min(max, 1000) }), weight: 1 },
    { arbitrary: fc.integer({ min, max }), weight: 2 },
  );
}

const INT8_EDGES = [
  0,
  1,
  -1,
  INT4_MAX,
  INT4_MIN,
  INT4_MAX + 1,
  INT4_MIN - 1,
  2 ** 32,
  Number.MAX_SAFE_INTEGER,
  Number.MIN_SAFE_INTEGER,
];

/** int8 is exact in both worlds only up to Number.MAX_SAFE_INTEGER, so that is the range generated. */
export function int8(range: { min?: number; max?: number } = {}): fc.Arbitrary<number> {
  const min = range.min ?? Number.MIN_SAFE_INTEGER;
  const max = range.max ?? Number.MAX_SAFE_INTEGER;
  const edges = [...INT8_EDGES, min, max].filter((n) => n >= min && n <= max);
  return fc.oneof(
    { arbitrary: fc.constantFrom(...edges), weight: 1 },
    { arbitrary: fc.integer({ min: Math.max(min, INT4_MIN), max: Math.min(max, INT4_MAX) }), weight: 1 },
    { arbitrary: fc.maxSafeInteger().filter((n) => n >= min && n <= max), weight: 2 },
  );
}

export interface Float8Options {
  /** Largest magnitude of a finite value. */
  readonly maxAbs?: number;
  /** Smallest magnitude of a non-zero finite value (to keep products and quotients from underflowing). */
  readonly minAbs?: number;
  readonly noNaN?: boolean;
  readonly noInfinity?: boolean;
}

const FLOAT8_SPECIALS = [
  0,
  -0,
  NaN,
  Infinity,
  -Infinity,
  1,
  -1,
  2,
  0.5,
  -0.5,
  1.5,
  -1.5,
  2.5,
  -2.5,
  0.49999999999999994,
  -0.49999999999999994,
  0.1,
  -0.3,
  2 ** 31,
  2 ** 53,
  -(2 ** 53),
  2 ** 52 - 0.5,
  1e21,
  1e-7,
  1e300,
  -1e300,
  1e-300,
  Number.MAX_VALUE,
  -Number.MAX_VALUE,
  Number.MIN_VALUE,
  -Number.MIN_VALUE,
];

/**
 * Doubles: the special values (signed zeros, NaN, infinities, halves, extremes), halves and exact fractions that
 * rounding cares about, whole numbers, and fast-check's doubles over the whole exponent range. PostgreSQL raises
 * "value out of range" where a finite float8 operation overflows to an infinity or underflows to zero, while
 * JavaScript carries on; callers of functions that multiply or divide narrow the range with maxAbs / minAbs.
 */
export function float8(options: Float8Options = {}): fc.Arbitrary<number> {
  const maxAbs = options.maxAbs ?? Number.MAX_VALUE;
  const minAbs = options.minAbs ?? 0;
  const allowed = (v: number): boolean => {
    if (Number.isNaN(v)) return !options.noNaN;
    if (!Number.isFinite(v)) return !options.noInfinity;
    return v === 0 || (Math.abs(v) <= maxAbs && Math.abs(v) >= minAbs);
  };
  const wholeLimit = Math.floor(Math.min(maxAbs, 1_000_000));
  return fc.oneof(
    { arbitrary: fc.constantFrom(...FLOAT8_SPECIALS.filter(allowed)), weight: 3 },
    { arbitrary: fc.integer({ min: -wholeLimit, max: wholeLimit }).map((n) => n + 0.5).filter(allowed), weight: 1 },
    { arbitrary: fc.integer({ min: -4096, max: 4096 }).map((n) => n / 16).filter(allowed), weight: 1 },
    { arbitrary: fc.integer({ min: -wholeLimit, max: wholeLimit }).filter(allowed), weight: 1 },
    { arbitrary: fc.double({ min: -maxAbs, max: maxAbs, noNaN: true, noDefaultInfinity: true }).filter(allowed), weight: 3 },
  );
}

/** Text as PostgreSQL can hold it: any code point but NUL (JavaScript strings may contain it, SQL text cannot). */
export function text(): fc.Arbitrary<string> {
  return fc.oneof(
    { arbitrary: fc.constantFrom('', 'walrus', 'Walrus', "it's", '\\', ' ', 'NULL', 'é', 'e\u0301', '😀', '\uFFFD'), weight: 1 },
    { arbitrary: fc.string({ unit: 'grapheme-ascii', maxLength: 12 }), weight: 2 },
    { arbitrary: fc.string({ unit: 'binary', maxLength: 8 }).filter((s) => !s.includes('\0')), weight: 2 },
  );
}

/** Instants both worlds can hold, to the millisecond (JavaScript's precision; PostgreSQL keeps microseconds). */
export function timestamptz(): fc.Arbitrary<Date> {
  return fc.oneof(
    fc.constantFrom(new Date(0), new Date(-1), new Date('2000-01-01T00:00:00Z')),
    fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2000-01-01T00:00:10Z'), noInvalidDate: true }),
    fc.date({ min: new Date('0001-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59.999Z'), noInvalidDate: true }),
  );
}

/** The arbitrary for a declared type; `null` is generated for nullable types. */
export function arbitraryFor(declared: DeclaredType, program: ProgramInfo): fc.Arbitrary<unknown> {
  const base = arbitraryForType(declared.type, program);
  return declared.nullable ? fc.option(base, { nil: null, freq: 5 }) : base;
}

function arbitraryForType(type: SqlType, program: ProgramInfo): fc.Arbitrary<unknown> {
  switch (type.kind) {
    case 'array':
      return fc.array(arbitraryForType(type.element, program), { maxLength: 8 });
    case 'composite': {
      const fields = compositeFields(type, program);
      return fc.record(Object.fromEntries(fields.map((f) => [f.name, arbitraryFor(f.declared, program)])));
    }
    case 'null':
      return fc.constant(null);
    case 'scalar':
      switch (type.name) {
        case 'integer':
          return int4();
        case 'bigint':
          return int8();
        case 'double precision':
          return float8();
        case 'text':
          return text();
        case 'boolean':
          return fc.boolean();
        case 'timestamptz':
          return timestamptz();
        default:
          throw new Error(`no arbitrary for ${type.name}; pass one for this parameter in \`arbitraries\``);
      }
  }
}

/** Values worth trying in every combination with the other parameters' edges. */
function edgesFor(declared: DeclaredType, program: ProgramInfo): unknown[] {
  const base = edgesForType(declared.type, program);
  return declared.nullable ? [null, ...base] : base;
}

function edgesForType(type: SqlType, program: ProgramInfo): unknown[] {
  switch (type.kind) {
    case 'array': {
      const elements = edgesForType(type.element, program);
      return [[], elements.slice(0, 1), elements];
    }
    case 'composite': {
      const fields = compositeFields(type, program);
      return [Object.fromEntries(fields.map((f) => [f.name, edgesFor(f.declared, program)[0]]))];
    }
    case 'null':
      return [null];
    case 'scalar':
      switch (type.name) {
        case 'integer':
          return [0, 1, -1, 2, INT4_MAX, INT4_MIN];
        case 'bigint':
          return [0, 1, -1, INT4_MAX + 1, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER];
        case 'double precision':
          return [0, -0, NaN, Infinity, -Infinity, 1, -1, 0.5, -0.5, 2.5, -2.5, 1e300, Number.MIN_VALUE];
        case 'text':
          return ['', 'walrus', "it's"];
        case 'boolean':
          return [false, true];
        case 'timestamptz':
          return [new Date(0), new Date(1)];
        default:
          return [];
      }
  }
}

function compositeFields(type: Extract<SqlType, { kind: 'composite' }>, program: ProgramInfo) {
  const iface = program.interfaces.get(type.name);
  if (!iface) throw new Error(`interface ${type.name} is not part of the compiled program`);
  return iface.fields;
}

// ---------------------------------------------------------------------------------------------------------------
// SQL literals and result normalisation

function float8Text(v: number): string {
  return Object.is(v, -0) ? '-0' : String(v);
}

/** A SQL expression of exactly the declared type holding the value: numbers as typed string literals, so no digit is lost. */
export function sqlLiteral(value: unknown, type: SqlType, program: ProgramInfo): string {
  const typeName = sqlTypeName(type);
  if (value === null || value === undefined) return `NULL::${typeName}`;
  switch (type.kind) {
    case 'array': {
      if (!Array.isArray(value)) throw new Error(`expected an array for ${typeName}, got ${show(value)}`);
      if (value.length === 0) return `'{}'::${typeName}`;
      return `ARRAY[${value.map((v: unknown) => sqlLiteral(v, type.element, program)).join(', ')}]::${typeName}`;
    }
    case 'composite': {
      const record = value as Record<string, unknown>;
      const fields = compositeFields(type, program).map((f) => sqlLiteral(record[f.name], f.declared.type, program));
      return `ROW(${fields.join(', ')})::${typeName}`;
    }
    case 'null':
      return 'NULL';
    case 'scalar':
      if (typeof value === 'number') {
        // An input the SQL type cannot hold would fail the whole batch as it is parsed; say which one it was.
        const [min, max] = type.name === 'integer' ? [INT4_MIN, INT4_MAX] : [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER];
        if ((type.name === 'integer' || type.name === 'bigint') && !(Number.isInteger(value) && value >= min && value <= max)) {
          throw new Error(`${show(value)} is no ${typeName} (within JavaScript's exact range); narrow the arbitrary`);
        }
        return `${quoteLiteral(float8Text(value))}::${typeName}`;
      }
      if (typeof value === 'boolean') return value ? 'true' : 'false';
      if (typeof value === 'string') return `${quoteLiteral(value)}::${typeName}`;
      if (value instanceof Date) return `${quoteLiteral(value.toISOString())}::${typeName}`;
      throw new Error(`no SQL literal for ${show(value)} as ${typeName}`);
  }
}

/** A value as to_json() would print it: NaN and infinities as strings, -0 only where a double can hold it. */
export function normalize(value: unknown, declared: DeclaredType, program: ProgramInfo): unknown {
  if (value === null) return null;
  if (value === undefined) return '<undefined>';
  const type = declared.type;
  if (type.kind === 'array') {
    return Array.isArray(value) ? value.map((v: unknown) => normalize(v, { type: type.element, nullable: false }, program)) : value;
  }
  if (type.kind === 'composite') {
    if (typeof value !== 'object' || Array.isArray(value)) return value;
    const record = value as Record<string, unknown>;
    const fields = compositeFields(type, program);
    const result: Record<string, unknown> = {};
    for (const f of fields) result[f.name] = normalize(record[f.name], f.declared, program);
    // Extra properties have no column to go to; keep them so the difference shows.
    for (const key of Object.keys(record)) if (!(key in result)) result[key] = record[key];
    return result;
  }
  if (value instanceof Date) {
    // to_json() prints timestamptz in the session's time zone and precision; compare instants through a boolean.
    throw new Error('timestamptz results are not compared; return what is decided from them');
  }
  if (typeof value === 'number') {
    if (Number.isNaN(value)) return 'NaN';
    if (value === Infinity) return 'Infinity';
    if (value === -Infinity) return '-Infinity';
    // int and int8 have no negative zero: a JavaScript -0 stored in one is the integer 0.
    const integer = type.kind === 'scalar' && (type.name === 'integer' || type.name === 'bigint');
    return integer && value === 0 ? 0 : value;
  }
  return value;
}

/**
 * Deep equality on JSON values, with Object.is for numbers so 0 and -0 differ. `ulps` lets non-zero finite numbers
 * differ in their last bits (for Math.pow, which is not correctly rounded in V8).
 */
export function sameJson(a: unknown, b: unknown, ulps = 0): boolean {
  if (typeof a === 'number' && typeof b === 'number') {
    return Object.is(a, b) || (ulps > 0 && a !== 0 && b !== 0 && ulpDistance(a, b) <= ulps);
  }
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((v, i) => sameJson(v, b[i], ulps));
  }
  if (a !== null && b !== null && typeof a === 'object' && typeof b === 'object') {
    const ra = a as Record<string, unknown>;
    const rb = b as Record<string, unknown>;
    const keys = Object.keys(ra);
    return keys.length === Object.keys(rb).length && keys.every((k) => k in rb && sameJson(ra[k], rb[k], ulps));
  }
  return a === b;
}

/** How many doubles lie between a and b, counting one of them: 1 for neighbours. */
function ulpDistance(a: number, b: number): number {
  const view = new DataView(new ArrayBuffer(8));
  // Maps the bit patterns onto a line where neighbouring doubles are neighbouring integers, negatives included.
  const ordered = (x: number): bigint => {
    view.setFloat64(0, x);
    const bits = view.getBigInt64(0);
    return bits < 0n ? -(bits & 0x7fffffffffffffffn) : bits;
  };
  const d = ordered(a) - ordered(b);
  return Number(d < 0n ? -d : d);
}

/** JavaScript-literal rendering that keeps -0, NaN and string quoting visible. */
export function show(value: unknown): string {
  if (typeof value === 'number') return Object.is(value, -0) ? '-0' : String(value);
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === undefined) return 'undefined';
  if (value === null) return 'null';
  if (value instanceof Date) return `new Date(${JSON.stringify(value.toISOString())})`;
  if (Array.isArray(value)) return `[${value.map(show).join(', ')}]`;
  if (typeof value === 'object') {
    return `{ ${Object.entries(value as Record<string, unknown>)
      .map(([k, v]) => `${k}: ${show(v)}`)
      .join(', ')} }`;
  }
  return String(value);
}

// ---------------------------------------------------------------------------------------------------------------
// Installing compiled code

/** Everything a compiled program needs in an empty database: the schema, composite types, helpers, functions. */
export function programSql(compiled: CompiledProgram): string {
  return [
    'CREATE SCHEMA walrus;',
    ...compiled.types,
    ...compiled.runtime.map((r) => r.sql),
    ...compiled.functions.map((f) => f.sql),
  ].join('\n\n');
}

export async function installProgram(client: pg.Client, compiled: CompiledProgram): Promise<void> {
  await client.query(programSql(compiled));
}

// ---------------------------------------------------------------------------------------------------------------
// The runner

/** Any TypeScript function; its arguments come from arbitraries checked against the compiled signature. */
export type JsFunction = (...args: never[]) => unknown;

export interface DifferentialOptions {
  /** Replaces the arbitrary derived from a parameter's SQL type, keyed by TypeScript parameter name. */
  readonly arbitraries?: Readonly<Record<string, fc.Arbitrary<unknown>>>;
  /**
   * Values of a parameter tried in every combination with the others' edges. Defaults to the type's edge values,
   * or for a parameter with an arbitrary override, a few samples of it (the type's edges may lie outside it).
   */
  readonly edges?: Readonly<Record<string, readonly unknown[]>>;
  readonly numRuns?: number;
  /**
   * Accepts an SQL error as a documented loud difference (the server refuses where JavaScript carries on), given
   * the error and the normalised JavaScript result; see float8RangeIsLoud.
   */
  readonly loud?: (sqlError: string, js: unknown) => boolean;
  /**
   * Doubles may differ by this many units in the last place. Only for Math.pow and **: V8 computes them with fdlibm,
   * which is not correctly rounded, and PostgreSQL with the C library's pow(); everything else must be exact.
   */
  readonly ulps?: number;
}

export interface DifferentialReport {
  readonly name: string;
  /** Cases evaluated in both worlds. */
  readonly cases: number;
  /** Cases where both sides failed (JavaScript threw, SQL raised). */
  readonly bothFailed: number;
  /** Cases accepted by the `loud` option. */
  readonly loud: number;
}

type Outcome = { readonly value: unknown } | { readonly error: string };

interface Case {
  readonly args: readonly unknown[];
  readonly origin: string;
}

export class DifferentialRunner {
  constructor(
    private readonly client: pg.Client,
    private readonly program: ProgramInfo,
  ) {}

  /** Fails with the first input (and a shrunk one) on which the compiled function and the TypeScript disagree. */
  async check(name: string, js: JsFunction, options: DifferentialOptions = {}): Promise<DifferentialReport> {
    const info = this.program.functions.get(name);
    if (!info) throw new Error(`${name} is not a function of the compiled program`);
    const numRuns = options.numRuns ?? DEFAULT_RUNS;
    const seed = seedFor(name);
    const unknownOverrides = Object.keys({ ...options.arbitraries, ...options.edges }).filter(
      (key) => !info.params.some((p) => p.name === key),
    );
    if (unknownOverrides.length > 0) throw new Error(`${name} has no parameter ${unknownOverrides.join(', ')}`);

    const arbitrary = fc.tuple(
      ...info.params.map((p) => options.arbitraries?.[p.name] ?? arbitraryFor(p.declared, this.program)),
    );
    const generated = fc.sample(arbitrary, { numRuns, seed }).map((args, i): Case => ({ args, origin: `generated #${i}` }));
    const cases = [...generated, ...this.edgeCases(info, options, seed)];

    const wrapper = await this.createWrapper(info);
    const outcomes = await this.evaluateSql(info, wrapper, cases.map((c) => c.args));
    let bothFailed = 0;
    let loud = 0;
    const failures: { index: number; js: Outcome; sql: Outcome }[] = [];
    cases.forEach((c, index) => {
      const jsOutcome = runJs(js, c.args, info, this.program);
      const verdict = compare(jsOutcome, outcomes[index]!, options);
      if (verdict === 'both failed') bothFailed++;
      else if (verdict === 'loud') loud++;
      else if (verdict === 'differ') failures.push({ index, js: jsOutcome, sql: outcomes[index]! });
    });
    if (failures.length > 0) {
      const first = failures[0]!;
      const firstCase = cases[first.index]!;
      const lines = [
        `${qualified(info.sqlName)} differs from TypeScript ${name}() on ${failures.length} of ${cases.length} inputs ` +
          `(seed ${seed}; base seed ${BASE_SEED}, set WALRUS_FC_SEED to change it).`,
        `First failing input (${firstCase.origin}):`,
        ...this.describeCase(info, firstCase.args, first.js, first.sql),
      ];
      if (firstCase.origin.startsWith('generated')) {
        const shrunk = await this.shrink(info, wrapper, js, arbitrary, seed, first.index, numRuns, options);
        if (shrunk && show(shrunk.args) !== show(firstCase.args)) {
          lines.push('Shrunk by fast-check to:', ...this.describeCase(info, shrunk.args, shrunk.js, shrunk.sql));
        }
      }
      throw new Error(lines.join('\n'));
    }
    return { name, cases: cases.length, bothFailed, loud };
  }

  private edgeCases(info: FunctionInfo, options: DifferentialOptions, seed: number): Case[] {
    const perParam = info.params.map((p): readonly unknown[] => {
      const explicit = options.edges?.[p.name];
      if (explicit) return explicit;
      const override = options.arbitraries?.[p.name];
      if (override) return fc.sample(override, { numRuns: 4, seed });
      return edgesFor(p.declared, this.program);
    });
    if (perParam.some((values) => values.length === 0)) return [];
    let product: unknown[][] = [[]];
    for (const values of perParam) product = product.flatMap((prefix) => values.map((v) => [...prefix, v]));
    const stride = Math.ceil(product.length / MAX_EDGE_CASES);
    return product.filter((_, i) => i % stride === 0).map((args) => ({ args, origin: 'edge values' }));
  }

  /** A per-function wrapper that turns an error into a value, so one bad case does not abort the whole batch. */
  private async createWrapper(info: FunctionInfo): Promise<string> {
    const wrapper = `pg_temp.differential_${info.sqlName}`;
    const params = info.params.map((p, i) => `p${i + 1} ${sqlTypeName(p.declared.type)}`).join(', ');
    const args = info.params.map((_, i) => `p${i + 1}`).join(', ');
    await this.client.query(`
      CREATE OR REPLACE FUNCTION ${wrapper}(${params}) RETURNS json LANGUAGE plpgsql AS $wrapper$
      BEGIN
        RETURN json_build_object('value', to_json(${qualified(info.sqlName)}(${args})));
      EXCEPTION WHEN OTHERS THEN
        RETURN json_build_object('error', SQLSTATE || ': ' || SQLERRM);
      END
      $wrapper$`);
    return wrapper;
  }

  /** One round trip for all cases: a VALUES list of typed literals, one wrapper call per row. */
  private async evaluateSql(info: FunctionInfo, wrapper: string, cases: readonly (readonly unknown[])[]): Promise<Outcome[]> {
    if (cases.length === 0) return [];
    const rows = cases.map((args, i) => `(${[String(i), ...this.literals(info, args)].join(', ')})`);
    const columns = ['i', ...info.params.map((_, i) => `p${i + 1}`)];
    const call = `${wrapper}(${columns.slice(1).map((c) => `t.${c}`).join(', ')})`;
    const sql = `SELECT ${call} AS r FROM (VALUES ${rows.join(',\n')}) AS t(${columns.join(', ')}) ORDER BY t.i`;
    const { rows: results } = await this.client.query<{ r: Outcome }>(sql);
    if (results.length !== cases.length) throw new Error(`expected ${cases.length} rows, got ${results.length}`);
    return results.map((row) => row.r);
  }

  private literals(info: FunctionInfo, args: readonly unknown[]): string[] {
    return info.params.map((p, i) => sqlLiteral(args[i], p.declared.type, this.program));
  }

  /** Replays the failing generated case through fast-check (same seed, its path) so it can shrink it. */
  private async shrink(
    info: FunctionInfo,
    wrapper: string,
    js: JsFunction,
    arbitrary: fc.Arbitrary<unknown[]>,
    seed: number,
    index: number,
    numRuns: number,
    options: DifferentialOptions,
  ): Promise<{ args: readonly unknown[]; js: Outcome; sql: Outcome } | undefined> {
    let last: { args: readonly unknown[]; js: Outcome; sql: Outcome } | undefined;
    const property = fc.asyncProperty(arbitrary, async (args) => {
      const [sqlOutcome] = await this.evaluateSql(info, wrapper, [args]);
      const jsOutcome = runJs(js, args, info, this.program);
      if (compare(jsOutcome, sqlOutcome!, options) !== 'differ') return true;
      last = { args, js: jsOutcome, sql: sqlOutcome! };
      return false;
    });
    await fc.check(property, { seed, path: String(index), numRuns, interruptAfterTimeLimit: 20_000 });
    return last;
  }

  private describeCase(info: FunctionInfo, args: readonly unknown[], js: Outcome, sql: Outcome): string[] {
    const call = `${info.name}(${args.map(show).join(', ')})`;
    return [
      `  ${call}`,
      `    TypeScript: ${describeOutcome(js)}`,
      `    PostgreSQL: ${describeOutcome(sql)}`,
      `    reproduce:  SELECT to_json(${qualified(info.sqlName)}(${this.literals(info, args).join(', ')}));`,
    ];
  }
}

function runJs(js: JsFunction, args: readonly unknown[], info: FunctionInfo, program: ProgramInfo): Outcome {
  try {
    // A copy, so a function that mutated its arguments could not change what SQL was given.
    const result: unknown = Reflect.apply(js, undefined, structuredClone(args));
    return { value: normalize(result, info.returns, program) };
  } catch (error) {
    return { error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) };
  }
}

function compare(js: Outcome, sql: Outcome, options: DifferentialOptions): 'same' | 'both failed' | 'loud' | 'differ' {
  if ('error' in js && 'error' in sql) return 'both failed';
  if ('error' in sql) return 'value' in js && options.loud?.(sql.error, js.value) ? 'loud' : 'differ';
  if ('error' in js) return 'differ';
  return sameJson(js.value, sql.value, options.ulps) ? 'same' : 'differ';
}

function describeOutcome(outcome: Outcome): string {
  return 'error' in outcome ? `ERROR ${outcome.error}` : show(outcome.value);
}

/**
 * PostgreSQL's documented loud difference: a finite float8 operation whose result overflows to an infinity or
 * underflows to zero raises "value out of range" instead. Accepted only where the JavaScript result does show an
 * infinity (overflow) or a zero (underflow), so an error on any other input still fails.
 */
export function float8RangeIsLoud(sqlError: string, js: unknown): boolean {
  if (/value out of range: overflow/.test(sqlError)) return contains(js, (v) => v === 'Infinity' || v === '-Infinity');
  if (/value out of range: underflow/.test(sqlError)) return contains(js, (v) => v === 0);
  return false;
}

function contains(value: unknown, test: (v: unknown) => boolean): boolean {
  if (Array.isArray(value)) return value.some((v) => contains(v, test));
  if (value !== null && typeof value === 'object') return Object.values(value).some((v) => contains(v, test));
  return test(value);
}

function seedFor(name: string): number {
  let hash = BASE_SEED | 0;
  for (const ch of name) hash = (Math.imul(hash, 31) + ch.charCodeAt(0)) | 0;
  return hash;
}

/** An isolated database holding a compiled program and a runner for it; close() drops the database. */
export interface CompiledDatabase {
  readonly client: pg.Client;
  readonly runner: DifferentialRunner;
  close(): Promise<void>;
}

export async function compiledDatabase(prefix: string, compiled: CompiledProgram, program: ProgramInfo): Promise<CompiledDatabase> {
  const db = await createDatabase(prefix);
  const client = await connect(db.name);
  await installProgram(client, compiled);
  return {
    client,
    runner: new DifferentialRunner(client, program),
    close: async () => {
      await client.end();
      await db.drop();
    },
  };
}
