/**
 * The compiler never crashes and never lets a bad program through silently. Programs are generated from fragments
 * with fast-check: valid skeletons with out-of-subset or malformed pieces spliced in (wrong arity, unknown names,
 * syntax errors, unsupported operators and statements, bad types, missing returns, classes, nested arrays...),
 * and random mutations of valid programs. Every compile must answer with an output or diagnostics, never an
 * exception; a program known to be bad must get at least one diagnostic, each with its file, line and column; no
 * input may produce PGW1999 (a compiler bug). Valid generated programs must still compile.
 *
 * No database: this checks the compiler's front end only (test/compiler.differential.test.ts checks what it emits).
 * WALRUS_FC_SEED changes the seed.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compile, formatDiagnostic, TextPrograms, type Diagnostic } from '../codegen/compiler/index';
import { internalError } from '../codegen/compiler/diagnostics';

const SEED = Number(process.env.WALRUS_FC_SEED ?? 0x77616c);
const FILE = '.tmp/fuzz/program.ts';
const PRELUDE = "import type { float8, int, int8, interval, jsonb, numeric, timestamptz } from '../../src/sqltypes';\n";

const programs = new TextPrograms('src/sqltypes.ts');

let compiled = 0;

/** Compiles one program; an exception here fails the test with the program that caused it. */
function run(text: string): ReturnType<typeof compile> {
  compiled++;
  try {
    return compile(programs.program({ [FILE]: text }));
  } catch (error) {
    throw new Error(`the compiler threw on this program:\n${text}\n${String(error)}`);
  }
}

/** Diagnostics point into the program: its file, a line it has (or the one after its end), a column from 1. */
function checkPositions(text: string, diagnostics: readonly Diagnostic[]): void {
  const lines = text.split('\n');
  for (const d of diagnostics) {
    const where = `${formatDiagnostic(d)}\nin\n${text}`;
    expect(d.file, where).toBe(FILE);
    expect(d.line, where).toBeGreaterThanOrEqual(1);
    expect(d.line, where).toBeLessThanOrEqual(lines.length + 1);
    expect(d.column, where).toBeGreaterThanOrEqual(1);
    expect(d.message.length, where).toBeGreaterThan(0);
    expect(d.code === internalError.code && d.source === 'walrus', `compiler bug: ${where}`).toBe(false);
  }
}

function expectRejected(text: string): void {
  const { diagnostics, output } = run(text);
  expect(diagnostics.length, `no diagnostic for:\n${text}`).toBeGreaterThan(0);
  expect(output).toBeUndefined();
  checkPositions(text, diagnostics);
}

function expectCompiled(text: string): void {
  const { diagnostics, output } = run(text);
  expect(diagnostics.map(formatDiagnostic), text).toEqual([]);
  expect(output?.functions.length, text).toBeGreaterThan(0);
}

// ---------------------------------------------------------------------------------------------------------------
// Valid fragments. Every function has the same parameters; `i` makes the names of a fragment's locals unique.

const SUMMARY = 'export interface Summary {\n  count: int;\n  label: string;\n  ratio: float8 | null;\n}\n';
const HELPER = 'function twice(k: int): int {\n  return k * 2;\n}\n';
const PARAMS = 'x: float8, n: int, name: string, flag: boolean, xs: int[], s: Summary, m: int | null';

const INT_EXPR = [
  'n',
  '1',
  '2147483647',
  'Math.floor(x)',
  'xs.length',
  's.count',
  'm ?? 0',
  'Math.max(n, 1)',
  'Math.min(n, xs.length)',
  '(n > 0 ? n : 0)',
  'twice(n)',
  'Math.round(x / 3)',
  'Math.trunc(Number.MAX_SAFE_INTEGER / 1e9)',
  '(flag ? 1 : -1)',
  'Math.abs(n)',
  'name.length',
  '[...name].length',
  'xs.slice(1, n).length',
];
const FLOAT_EXPR = ['x', 'x * 2', 'n / 2', 'Math.sqrt(x)', 'x ** 2', '(s.ratio ?? 0.5)', 'NaN', 'Infinity', '-x', 'Math.pow(x, n)'];
const BOOL_EXPR = [
  'flag',
  'n > 0',
  'x <= 1.5',
  "name === 'walrus'",
  'xs.includes(n)',
  'm !== null',
  '!flag',
  'flag && n < 10',
  'Number.isNaN(x)',
  "name < 'm'",
  's.ratio === null',
  "name.slice(n) === 'us'",
  'name.charCodeAt(n) >= 48',
  'Number(name) > x',
  "xs.join('-') === name",
];

const validStatement = (i: number): fc.Arbitrary<string> =>
  fc.oneof(
    fc.constantFrom(...INT_EXPR).map((e) => `const c${i}: int = ${e};`),
    fc.constantFrom(...FLOAT_EXPR).map((e) => `let d${i}: float8 = ${e};\n  d${i} += 1;`),
    fc.constantFrom(...BOOL_EXPR).map((e) => `if (${e}) {\n    n = ${i};\n  } else if (flag) {\n    n = n - 1;\n  }`),
    fc.constant(`const t${i} = \`${i}: \${n} \${name} \${flag}\`;`),
    fc.constant(`let k${i}: int = 0;\n  while (k${i} < 3) {\n    k${i}++;\n  }`),
    fc.constant(`for (const v${i} of xs) {\n    if (v${i} > n) {\n      break;\n    }\n  }`),
    fc.constant(`for (const ch${i} of name) {\n    if (ch${i} >= '0' && ch${i} <= '9') {\n      n++;\n    }\n  }`),
    fc.constant(`for (let j${i}: int = 0; j${i} < 2; j${i}++) {\n    if (flag) {\n      continue;\n    }\n  }`),
    fc.constant(`const a${i}: int[] = [];\n  a${i}.push(n);`),
    fc.constant(`const o${i} = [...xs].sort((a, b) => b - a);`),
    fc.constantFrom(...INT_EXPR).map((e) => `const u${i}: Summary = { ...s, count: ${e} };`),
    fc.constant(`const w${i}: int[] = [...xs, n, 3];`),
  );

const validBody: fc.Arbitrary<string[]> = fc
  .integer({ min: 0, max: 5 })
  .chain((count) => fc.tuple(...Array.from({ length: count }, (_, i) => validStatement(i))))
  .chain((statements) => fc.constantFrom(...INT_EXPR).map((ret) => [...statements, `return ${ret};`]));

const program = (body: readonly string[], extra = '', params = PARAMS, returns = 'int'): string =>
  `${PRELUDE}${SUMMARY}${HELPER}${extra}export function f(${params}): ${returns} {\n${body.map((s) => `  ${s}`).join('\n')}\n}\n`;

// ---------------------------------------------------------------------------------------------------------------
// Bad fragments: each makes any program it is put in invalid (for TypeScript, for the compiler, or both).

/** Statements outside the subset or malformed; spliced into a valid body at any position. */
const BAD_STATEMENTS = [
  // operators
  'const e = n % 2;',
  'const e = n == 1;',
  'const e = n != 1;',
  'const e = n & 1;',
  'const e = n << 1;',
  'const e = ~n;',
  "const e = 'count' in s;",
  'const e = (n, 1);',
  'const e: int = ++n;',
  'const e = name + 1;',
  'const e = flag < flag;',
  'const e = xs === xs;',
  'const e = flag ? 1 : name;',
  'const e = n && flag;',
  'const e = !n;',
  'const e = -name;',
  'const e: numeric = 1;\n  const e2 = e * 2;',
  'const e = x === m;',
  // names, values, expressions
  'const e = missing + 1;',
  'const e = undefined;',
  'const e = s?.count;',
  'const e = name.codePointAt(0);',
  'const e = name[0];',
  'const e = xs[x];',
  'const e = `${x}`;',
  'const e = `${m}`;',
  'const e = `${xs}`;',
  'const e = { a: 1 };',
  'const e = (a: int) => a;',
  'const e = typeof n;',
  'const e = new Date();',
  'const e = n as int;',
  'const e = [...name.toLowerCase()];',
  'const e = Number(x);',
  'const e = [];',
  'const e = [[1, 2], [3]];',
  'const e = /re/;',
  'const e = void 0;',
  'const e = Number.EPSILON;',
  'const e: Summary = { count: 1, label: "a", ratio: null, extra: 2 };',
  // calls
  'const e = twice(n, 2);',
  'const e = twice();',
  'const e = twice(name);',
  'const e = parseInt(name);',
  'const e = Math.log(x);',
  'const e = Math.round(x, 1);',
  'const e = Math.max();',
  'const e = Math.abs(name);',
  'const e = console.log(n);',
  'const e = JSON.stringify(s);',
  'const e = name.toUpperCase();',
  'const e = xs.map((v) => v + 1);',
  'const e = xs.slice(x);',
  'const e = name.charCodeAt(x);',
  "const e = [x].join(',');",
  'const e = xs.includes(1, 2);',
  'const e = xs.push(1);',
  'const e = xs.sort((a, b) => a - b);',
  'const e = [...xs].sort();',
  'const e = [...xs].sort((a, b) => (a < b ? -1 : 1));',
  'const e = (twice)(n);',
  'const e = f(x, n, name, flag, xs, s, m, 1);',
  // storing
  'const e: int = x / 2;',
  'const e: int = null;',
  'const e: int[] = [1.5];',
  'const e: string = n;',
  'n = x;',
  'n = null;',
  // statements
  'if (n) {\n    n = 1;\n  }',
  'while (name) {\n    break;\n  }',
  'const [e1, e2] = xs;',
  'const { count } = s;',
  'let e;',
  'let e = null;',
  's.count = 1;',
  'xs[0] = 1;',
  'Math.floor(x);',
  'twice(n);',
  'xs.push(1);',
  'const e = xs.slice();\n  e.push(1);',
  'const e: int[] = [];\n  e.push(1);\n  const e2 = e;',
  'for (const { count } of [s]) {\n    n = count;\n  }',
  'for (const c of name.trim()) {\n    n = 1;\n  }',
  'let i: int = 0;\n  for (i = 0; i < 3; i++) {\n    n = i;\n  }',
  'break;',
  'continue;',
  'outer: while (flag) {\n    break outer;\n  }',
  'while (flag) {\n    continue outer;\n  }',
  'return;',
  'return x;',
  'return null;',
  "return 'text';",
  'switch (n) {\n    default:\n      n = 1;\n  }',
  "throw new Error('no');",
  'try {\n    n = 1;\n  } finally {\n    n = 2;\n  }',
  'do {\n    n++;\n  } while (flag);',
  'for (const k in s) {\n    n = k.length;\n  }',
  'class K {}',
  'function inner(): int {\n    return 1;\n  }',
  'enum E {\n    A,\n  }',
  'debugger;',
  'n++ + 1;',
  // syntax errors
  'const = 1;',
  'if (n {\n    n = 1;\n  }',
  'return n +;',
  'const e: = 1;',
  'let 1e = 2;',
  '@@;',
  'const e = (;',
  'const e = "unterminated;',
  'const e = `unterminated;',
  '}',
  '{',
  'const e = n.;',
  'for (;;',
  'function (',
  'const e = 1 2;',
];

/** Signatures outside the subset: replace f's parameters (and maybe its return type). */
const BAD_SIGNATURES: readonly (readonly [string, string])[] = [
  ['y: number', 'int'],
  ['y?: int', 'int'],
  ['...ys: int[]', 'int'],
  ['y: int = 1', 'int'],
  ['{ count }: Summary', 'int'],
  ['ys: int[][]', 'int'],
  ['ys: (int | null)[]', 'int'],
  ['y: int | string', 'int'],
  ['y: Map<string, int>', 'int'],
  ['y', 'int'],
  ['y: int, y: int', 'int'],
  ['fooBar: int, foo_bar: int', 'int'],
  ['y: int', 'number'],
  ['y: int', 'void'],
  ['y: int', 'Promise<int>'],
  ['y: int', 'int | undefined'],
  ['y: unknown', 'int'],
  ['y: any', 'int'],
  ['y: Date', 'int'],
  ['y: object', 'int'],
  ['y: [int, int]', 'int'],
  ['y: { a: int }', 'int'],
  ['y: Unknown', 'int'],
];

/** Whole declarations added beside f. */
const BAD_DECLARATIONS = [
  'export class C {}\n',
  'export const LIMIT: int = 5;\n',
  'let counter = 0;\n',
  'enum Color {\n  Red,\n}\n',
  'namespace N {\n  export const a = 1;\n}\n',
  'export default 1;\n',
  'export declare function d(a: int): int;\n',
  'export function o(a: int): int;\nexport function o(a: int): int {\n  return a;\n}\n',
  'export default function (a: int): int {\n  return a;\n}\n',
  'export function twice(k: int): int {\n  return k;\n}\n',
  'export function Twice(k: int): int {\n  return k;\n}\nexport function twice_(k: int): int {\n  return k;\n}\nfunction Twice_(k: int): int {\n  return k;\n}\n',
  'type Loop = Loop[];\n',
  'type A = B;\ntype B = A | null;\nexport function useA(a: A): int {\n  return 1;\n}\n',
  'export interface M {\n  size(): int;\n}\n',
  'export interface O {\n  a?: int;\n}\n',
  'export interface G<T> {\n  value: T;\n}\n',
  'export interface X extends Summary {\n  b: int;\n}\n',
  'export interface Chain {\n  next: Chain | null;\n}\n',
  'export interface P {\n  a: number;\n}\n',
  'export interface Summary {\n  extra: int;\n}\n',
  'export interface I {\n  [key: string]: int;\n}\n',
  'export function noReturnType(a: int) {\n  return a;\n}\n',
  'export async function later(a: int): Promise<int> {\n  return a;\n}\n',
  'export function* gen(a: int): Generator<int> {\n  yield a;\n}\n',
  'export function id<T>(a: T): T {\n  return a;\n}\n',
  'export function empty(): int {}\n',
  'export function noReturn(a: int): int {\n  if (a > 0) {\n    return 1;\n  }\n}\n',
  'export function recursive(a: int): int {\n  return a > 0 ? recursive(a - 1, 1) : 0;\n}\n',
  'import { readFileSync } from "node:fs";\nexport function io(): int {\n  return readFileSync("x").length;\n}\n',
  'export const arrow = (a: int): int => a;\n',
  'export { nothing } from "./nowhere";\n',
  'export =  1;\n',
  '@decorator\nexport class D {}\n',
];

// ---------------------------------------------------------------------------------------------------------------

/**
 * Each case compiles a program synchronously. Hundreds in one go blocked the worker's event loop for tens of seconds
 * on a busy machine, long enough for vitest's 60 s RPC timeout to fire on a reply already waiting ("Timeout calling
 * onTaskUpdate"); yielding before each case keeps the loop turning.
 */
function yielding<T extends unknown[]>(check: (...args: T) => void): (...args: T) => Promise<void> {
  return async (...args: T) => {
    await new Promise((resolve) => setImmediate(resolve));
    check(...args);
  };
}

describe('compiler fuzzing', () => {
  it('compiles generated valid programs', async () => {
    await fc.assert(
      fc.asyncProperty(validBody, fc.boolean(), yielding((body, recursive) => {
        // Recursion is in the subset: PL/pgSQL functions may call themselves.
        const extra = recursive ? 'function down(k: int): int {\n  return k > 0 ? down(k - 1) : 0;\n}\n' : '';
        expectCompiled(program(body, extra));
      })),
      { seed: SEED, numRuns: 120 },
    );
  });

  it('rejects each bad fragment on its own', () => {
    for (const statement of BAD_STATEMENTS) expectRejected(program([statement, 'return n;']));
    for (const [params, returns] of BAD_SIGNATURES) expectRejected(program(['return 1;'], '', params, returns));
    for (const declaration of BAD_DECLARATIONS) expectRejected(program(['return n;'], declaration));
  });

  it('rejects valid programs with bad fragments spliced in', async () => {
    const spliced = fc
      .record({
        body: validBody,
        bad: fc.array(fc.constantFrom(...BAD_STATEMENTS), { minLength: 1, maxLength: 3 }),
        at: fc.array(fc.nat(), { minLength: 3, maxLength: 3 }),
        signature: fc.option(fc.constantFrom(...BAD_SIGNATURES), { freq: 4 }),
        declarations: fc.array(fc.constantFrom(...BAD_DECLARATIONS), { maxLength: 2 }),
      })
      .map(({ body, bad, at, signature, declarations }) => {
        const statements = [...body];
        // Before the final return, or after it (unreachable code is still checked).
        bad.forEach((s, i) => statements.splice(at[i]! % (statements.length + 1), 0, s));
        const [params, returns] = signature ?? [PARAMS, 'int'];
        return program(statements, declarations.join(''), params, returns);
      });
    await fc.assert(fc.asyncProperty(spliced, yielding(expectRejected)), { seed: SEED, numRuns: 300 });
  });

  it('answers mutated valid programs with an output or diagnostics, never an exception', async () => {
    const tokens = ['(', ')', '{', '}', ';', ',', '.', '=', '===', '+', '%', '?', ':', '!', '`', "'", '"', '[', ']', '<', '>', 'n', 'x', 'return', 'const', 'function', 'null', 'undefined', '0', '1.5', '\n'];
    const mutated = fc
      .record({
        body: validBody,
        op: fc.constantFrom('delete', 'insert', 'truncate', 'swap'),
        at: fc.nat(),
        length: fc.integer({ min: 1, max: 12 }),
        token: fc.constantFrom(...tokens),
      })
      .map(({ body, op, at, length, token }) => {
        const text = program(body);
        // Mutate only after the prelude, so every mutation lands in the program proper.
        const start = PRELUDE.length;
        const p = start + (at % (text.length - start));
        switch (op) {
          case 'delete':
            return text.slice(0, p) + text.slice(p + length);
          case 'insert':
            return `${text.slice(0, p)}${token}${text.slice(p)}`;
          case 'truncate':
            return text.slice(0, p);
          case 'swap':
            return `${text.slice(0, p)}${text.slice(p + length, p + 2 * length)}${text.slice(p, p + length)}${text.slice(p + 2 * length)}`;
        }
      });
    let rejected = 0;
    await fc.assert(
      fc.asyncProperty(mutated, yielding((text) => {
        const { diagnostics, output } = run(text);
        checkPositions(text, diagnostics);
        if (diagnostics.length === 0) {
          // A harmless mutation (inside a string, whitespace...) must still give a program.
          expect(output, text).toBeDefined();
        } else {
          rejected++;
          expect(output, text).toBeUndefined();
        }
      })),
      { seed: SEED, numRuns: 250 },
    );
    // Most mutations break the program; if none did, the generator would be testing nothing.
    expect(rejected).toBeGreaterThan(150);
  });

  it('never names a column of its own SQL like a parameter or a local', async () => {
    // What a sort's subquery or PL/pgSQL itself might call a column or variable, in both cases.
    const NAMES = ['e', 'i', 't', 'x', 'value', 'Value', 'ordinality', 'position', 'Position', 'sorted', 'Sorted', 'found', 'n'];
    const namesakes = fc
      .uniqueArray(fc.constantFrom(...NAMES), { minLength: 5, maxLength: 5, selector: (name) => name.toLowerCase() })
      .chain((names) => fc.tuple(fc.constant(names), fc.constantFrom('a - b', 'b - a'), fc.nat(2)))
      .map(([[p1, p2, l1, l2, l3], comparator, shadowed]) => {
        // A block-scoped namesake of a parameter or a local, which the compiler renames.
        const inner = [p1, p2, l1][shadowed]!;
        return [
          PRELUDE,
          `export function g(${p1}: int, ${p2}: float8[], xs: int[]): int8 {`,
          `  const ${l1}: int[] = [...xs, ${p1}].sort((a, b) => ${comparator});`,
          `  let ${l2}: int8 = 0;`,
          `  for (const ${l3} of [...${p2}, ${p1}].sort((a, b) => ${comparator})) {`,
          `    const ${inner}: int8 = [...xs].sort((a, b) => ${comparator}).length;`,
          `    ${l2} += ${l3} > 0 ? ${inner} : 1;`,
          '  }',
          `  return ${l2} + ${l1}.length;`,
          '}\n',
        ].join('\n');
      });
    const unquote = (name: string): string => (name.startsWith('"') ? name.slice(1, -1).replaceAll('""', '"') : name);
    const identifier = String.raw`"(?:[^"]|"")+"|[a-z_][a-z0-9_$]*`;
    await fc.assert(
      fc.asyncProperty(namesakes, yielding((text) => {
        const { diagnostics, output } = run(text);
        expect(diagnostics.map(formatDiagnostic), text).toEqual([]);
        for (const f of output!.functions) {
          const variables = new Set([
            ...f.info.params.map((p) => p.sqlName),
            ...[...f.sql.matchAll(new RegExp(`^  (${identifier}) `, 'gm'))].map((m) => unquote(m[1]!)),
          ]);
          const columns = [...f.sql.matchAll(new RegExp(`AS (${identifier})\\(([^)]*)\\)`, 'g'))].flatMap((m) => [
            m[1]!,
            ...m[2]!.split(',').map((c) => c.trim()),
          ]);
          expect(columns.length, f.sql).toBeGreaterThan(0);
          expect(columns.map(unquote).filter((c) => variables.has(c)), f.sql).toEqual([]);
        }
      })),
      { seed: SEED, numRuns: 60 },
    );
  });

  it('compiled hundreds of programs', () => {
    expect(compiled).toBeGreaterThan(800);
  });
});
