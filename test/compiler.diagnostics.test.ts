import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Project } from 'ts-morph';
import { CompileError, compileProgram, ProgramInfo, programFromText } from '../codegen/compiler/index';

/**
 * One case per diagnostic: a small source outside the subset, and the construct the compiler must name. The marker
 * comment stands right before the node the error must point at, so each case asserts file, line and column too.
 * Some sources are not valid TypeScript (tsc would reject them as well); the compiler must still refuse them itself.
 */
interface Case {
  readonly title: string;
  readonly construct: string;
  readonly source: string;
}

const MARK = '/*@*/';
const PRELUDE = "import type { float8, int, int8, interval, jsonb, numeric, timestamptz } from '../../src/sqltypes';\n";

const fn = (body: string, params = 'x: float8, n: int, name: string, flag: boolean', returns = 'int'): string =>
  `export function f(${params}): ${returns} {\n${body}\n}\n`;

const SUMMARY = 'export interface Summary {\n  count: int;\n  label: string;\n}\n';

const CASES: readonly Case[] = [
  // Types and signatures
  { title: '`number` type annotation', construct: 'number type', source: `export function f(x: ${MARK}number): int {\n  return 1;\n}\n` },
  { title: 'union that is not T | null', construct: 'union type', source: `export function f(x: ${MARK}int | string): int {\n  return 1;\n}\n` },
  { title: 'type with no SQL mapping', construct: 'type', source: `export function f(x: ${MARK}Map<string, int>): int {\n  return 1;\n}\n` },
  { title: 'array of nullable elements', construct: 'array element type', source: `export function f(xs: ${MARK}(int | null)[]): int {\n  return 1;\n}\n` },
  { title: 'array of arrays', construct: 'array element type', source: `export function f(xs: ${MARK}int[][]): int {\n  return 1;\n}\n` },
  { title: 'optional property in an interface', construct: 'optional property', source: `export interface A {\n  ${MARK}a?: int;\n}\n` },
  { title: 'method in an interface', construct: 'interface member', source: `export interface A {\n  ${MARK}size(): int;\n}\n` },
  { title: 'generic interface', construct: 'interface', source: `${MARK}export interface Box<T> {\n  value: T;\n}\n` },
  { title: 'interface extending another', construct: 'interface', source: `interface A {\n  a: int;\n}\n${MARK}export interface B extends A {\n  b: int;\n}\n` },
  { title: 'function without a return type', construct: 'function', source: `${MARK}export function f(x: int) {\n  return x;\n}\n` },
  { title: 'async function', construct: 'function', source: `${MARK}export async function f(x: int): Promise<int> {\n  return x;\n}\n` },
  { title: 'generic function', construct: 'function', source: `${MARK}export function f<T>(x: T): int {\n  return 1;\n}\n` },
  { title: 'optional parameter', construct: 'parameter', source: `export function f(${MARK}x?: int): int {\n  return 1;\n}\n` },
  { title: 'rest parameter', construct: 'parameter', source: `export function f(${MARK}...xs: int[]): int {\n  return 1;\n}\n` },
  { title: 'destructured parameter', construct: 'parameter', source: `${SUMMARY}export function f(${MARK}{ count }: Summary): int {\n  return count;\n}\n` },
  { title: 'parameter without a type', construct: 'parameter', source: `export function f(${MARK}x): int {\n  return 1;\n}\n` },
  { title: 'empty function', construct: 'function', source: `${MARK}export function f(): int {}\n` },

  // Operators
  { title: 'loose equality ==', construct: 'operator ==', source: fn(`  return n ${MARK}== 1 ? 1 : 0;`) },
  { title: 'loose inequality !=', construct: 'operator !=', source: fn(`  return n ${MARK}!= 1 ? 1 : 0;`) },
  { title: 'remainder %', construct: 'operator %', source: fn(`  return n ${MARK}% 2;`) },
  { title: 'bitwise &', construct: 'operator &', source: fn(`  return n ${MARK}& 1;`) },
  { title: 'shift <<', construct: 'operator <<', source: fn(`  return n ${MARK}<< 1;`) },
  { title: 'string concatenation with +', construct: 'operator +', source: fn(`  const s: string = ${MARK}name + '!';\n  return s === '' ? 0 : 1;`) },
  { title: 'numeric arithmetic', construct: 'operator *', source: fn(`  const y: numeric = ${MARK}m * 2;\n  return y > 0 ? 1 : 0;`, 'm: numeric') },
  { title: 'ordering booleans', construct: 'operator <', source: fn(`  return ${MARK}flag < flag ? 1 : 0;`) },
  { title: 'equality of arrays', construct: 'equality', source: fn(`  return ${MARK}xs === ys ? 1 : 0;`, 'xs: int[], ys: int[]') },
  { title: 'equality of a nullable float8', construct: 'equality', source: fn(`  return ${MARK}x === y ? 1 : 0;`, 'x: float8, y: float8 | null') },
  { title: 'equality of number and text', construct: 'equality', source: fn(`  return ${MARK}n === name ? 1 : 0;`) },
  { title: '=== on timestamptz', construct: 'equality', source: fn(`  return ${MARK}a === b ? 1 : 0;`, 'a: timestamptz, b: timestamptz') },
  { title: '=== on jsonb', construct: 'equality', source: fn(`  return ${MARK}a !== b ? 1 : 0;`, 'a: jsonb, b: jsonb') },
  { title: '=== on interval', construct: 'equality', source: fn(`  return ${MARK}a === b ? 1 : 0;`, 'a: interval, b: interval') },
  { title: '&& on non-booleans', construct: 'operator &&', source: fn(`  return ${MARK}n && flag ? 1 : 0;`) },
  { title: '|| on a nullable boolean', construct: 'operator ||', source: fn(`  return ${MARK}b || flag ? 1 : 0;`, 'b: boolean | null, flag: boolean') },
  { title: 'negation as truthiness', construct: 'operator !', source: fn(`  return ${MARK}!n ? 1 : 0;`) },
  { title: 'unary minus on text', construct: 'operator -', source: fn(`  return ${MARK}-name;`) },
  { title: 'unary plus on text', construct: 'operator +', source: fn(`  return ${MARK}+name;`) },
  { title: 'bitwise not', construct: 'prefix operator', source: fn(`  return ${MARK}~n;`) },
  { title: '++ inside an expression', construct: 'prefix operator', source: fn(`  return ${MARK}++n;`) },
  { title: 'ternary on a number', construct: 'conditional', source: fn(`  return ${MARK}n ? 1 : 2;`) },
  { title: 'assignment as an expression', construct: 'operator =', source: fn(`  let y: int = 0;\n  return y ${MARK}= n;`) },

  // Values and expressions
  { title: 'optional chaining', construct: 'optional chaining', source: `${SUMMARY}${fn(`  return ${MARK}s?.count ?? 0;`, 's: Summary | null')}` },
  { title: 'undefined', construct: 'undefined', source: fn(`  return n === ${MARK}undefined ? 1 : 0;`) },
  { title: 'unknown global', construct: 'identifier', source: fn(`  return ${MARK}Number.EPSILON > 0 ? 1 : 0;`) },
  { title: 'property of text', construct: 'property access', source: fn(`  return ${MARK}name.length;`) },
  { title: 'indexing text', construct: 'element access', source: fn(`  return ${MARK}name[0] === 'a' ? 1 : 0;`) },
  { title: 'float8 array index', construct: 'array index', source: fn(`  return xs[${MARK}x];`, 'xs: int[], x: float8') },
  { title: 'float8 interpolated in a template', construct: 'template interpolation', source: fn(`  const s = \`x = \${${MARK}x}\`;\n  return s === '' ? 0 : 1;`) },
  { title: 'nullable value in a template', construct: 'template interpolation', source: fn(`  const s = \`m = \${${MARK}m}\`;\n  return s === '' ? 0 : 1;`, 'm: int | null') },
  { title: 'array in a template', construct: 'template interpolation', source: fn(`  const s = \`xs = \${${MARK}xs}\`;\n  return s === '' ? 0 : 1;`, 'xs: int[]') },
  { title: 'arrow function', construct: 'ArrowFunction', source: fn(`  const g = ${MARK}(a: int) => a;\n  return g(n);`) },
  { title: 'typeof', construct: 'TypeOfExpression', source: fn(`  return ${MARK}typeof n === 'number' ? 1 : 0;`) },
  { title: 'new', construct: 'NewExpression', source: fn(`  const d = ${MARK}new Date();\n  return d.getDay();`) },
  { title: 'type assertion', construct: 'AsExpression', source: fn(`  return ${MARK}x as int;`) },
  { title: 'object literal without an interface', construct: 'object literal', source: fn(`  const o = ${MARK}{ a: 1 };\n  return o.a;`) },
  {
    title: 'spread of another interface',
    construct: 'object spread',
    source: `export interface Named {\n  label: string;\n}\n${SUMMARY}${fn(`  const s: Summary = { ${MARK}...named, count: 1 };\n  return s.count;`, 'named: Named')}`,
  },
  { title: 'getter in an object literal', construct: 'object property', source: `${SUMMARY}${fn(`  const s: Summary = { count: 1, ${MARK}get label() {\n    return 'x';\n  } };\n  return s.count;`)}` },
  { title: 'spreading text into an array', construct: 'spread', source: fn(`  const cs = [${MARK}...name];\n  return cs.length;`) },
  { title: 'empty array without a type', construct: 'array literal', source: fn(`  const xs = ${MARK}[];\n  return xs.length;`) },

  // Calls
  { title: 'call of an unknown function', construct: 'call', source: fn(`  return ${MARK}parseInt(name);`) },
  { title: 'call of a local arrow function', construct: 'call', source: `const helper = (): int => 1;\n${fn(`  return ${MARK}helper();`)}` },
  { title: 'function defined twice', construct: 'function', source: `${fn('  return 1;')}${MARK}${fn('  return 2;')}` },
  { title: 'call of a computed callee', construct: 'call', source: `export function g(): int {\n  return 1;\n}\n${fn(`  return ${MARK}(g)();`)}` },
  { title: 'method call on text', construct: '.toUpperCase()', source: fn(`  return ${MARK}name.toUpperCase() === 'A' ? 1 : 0;`) },
  { title: 'array method outside the subset', construct: '.map()', source: fn(`  return ${MARK}xs.map((v) => v + 1).length;`, 'xs: int[]') },
  { title: 'slice with arguments', construct: '.slice()', source: fn(`  return ${MARK}xs.slice(1).length;`, 'xs: int[]') },
  { title: 'includes with fromIndex', construct: '.includes()', source: fn(`  return ${MARK}xs.includes(1, 2) ? 1 : 0;`, 'xs: int[]') },
  { title: 'push used as a value', construct: '.push()', source: fn(`  const xs: int[] = [];\n  return ${MARK}xs.push(1);`, '') },
  { title: 'sorting a non-copy', construct: '.sort()', source: fn(`  return ${MARK}xs.sort((a, b) => a - b)[0]!;`, 'xs: int[]') },
  { title: 'sort without a comparator', construct: '.sort()', source: fn(`  return ${MARK}[...xs].sort()[0]!;`, 'xs: int[]') },
  { title: 'sort of text', construct: '.sort()', source: fn(`  return ${MARK}[...xs].sort((a, b) => (a < b ? -1 : 1)).length;`, 'xs: string[]') },
  { title: 'sort comparator that is not a - b', construct: 'sort comparator', source: fn(`  return [...xs].sort(${MARK}(a, b) => (a < b ? -1 : 1))[0]!;`, 'xs: int[]') },
  { title: 'Math builtin with too many arguments', construct: 'Math.round', source: fn(`  return ${MARK}Math.round(x, 1);`) },
  { title: 'Math builtin without arguments', construct: 'Math.max', source: fn(`  const m: float8 = ${MARK}Math.max();\n  return m > 0 ? 1 : 0;`) },
  { title: 'Math builtin on text', construct: 'Math.abs', source: fn(`  return ${MARK}Math.abs(name);`) },
  { title: 'Math function outside the subset', construct: 'identifier', source: fn(`  return ${MARK}Math.log(x) > 0 ? 1 : 0;`) },

  // Storage and conversions
  { title: 'float8 stored in an int without Math.floor', construct: 'float8 to integer', source: fn(`  const half: int = ${MARK}x / 2;\n  return half;`) },
  { title: 'float8 returned as an int', construct: 'float8 to integer', source: fn(`  return ${MARK}x;`) },
  { title: 'null stored where not nullable', construct: 'null', source: fn(`  const m: int = ${MARK}null;\n  return m;`) },
  { title: 'float8 array stored as int array', construct: 'type mismatch', source: fn(`  const ys: int[] = ${MARK}xs;\n  return ys.length;`, 'xs: float8[]') },
  { title: 'branches with no common type', construct: 'type mismatch', source: fn(`  const v = ${MARK}flag ? 1 : 'one';\n  return v === 1 ? 1 : 0;`) },

  // Statements
  { title: 'truthiness in if', construct: 'condition', source: fn(`  if (${MARK}n) {\n    return 1;\n  }\n  return 0;`) },
  { title: 'truthiness in while', construct: 'condition', source: fn(`  while (${MARK}name) {\n    return 1;\n  }\n  return 0;`) },
  { title: 'destructuring declaration', construct: 'destructuring', source: `${SUMMARY}${fn(`  const ${MARK}{ count } = s;\n  return count;`, 's: Summary')}` },
  { title: 'variable without type or initializer', construct: 'variable', source: fn(`  let ${MARK}y;\n  y = 1;\n  return y;`) },
  { title: 'variable initialised with bare null', construct: 'variable', source: fn(`  let ${MARK}y = null;\n  y = null;\n  return y ?? 0;`) },
  { title: 'assignment to a property', construct: 'assignment', source: `${SUMMARY}${fn(`  ${MARK}s.count = 1;\n  return s.count;`, 's: Summary')}` },
  { title: 'call as a statement', construct: 'expression statement', source: fn(`  ${MARK}Math.floor(x);\n  return 1;`) },
  { title: 'push on a parameter', construct: '.push()', source: fn(`  ${MARK}xs.push(1);\n  return xs.length;`, 'xs: int[]') },
  { title: 'push on an array not built here', construct: '.push()', source: fn(`  const ys = xs.slice();\n  ${MARK}ys.push(1);\n  return ys.length;`, 'xs: int[]') },
  { title: 'aliasing an array that is pushed', construct: 'array alias', source: fn(`  const xs: int[] = [];\n  xs.push(1);\n  const ys = ${MARK}xs;\n  return ys.length;`, '') },
  { title: 'for...of with destructuring', construct: 'for...of', source: `${SUMMARY}${fn(`  let t: int = 0;\n  ${MARK}for (const { count } of items) {\n    t = count;\n  }\n  return t;`, 'items: Summary[]')}` },
  { title: 'for...of over text', construct: 'for...of', source: fn(`  let t: int = 0;\n  for (const c of ${MARK}name) {\n    t = c === 'a' ? 1 : t;\n  }\n  return t;`) },
  { title: 'for without a declaration', construct: 'for', source: fn(`  let i: int = 0;\n  for (${MARK}i = 0; i < 3; i++) {\n    n = i;\n  }\n  return n;`) },
  { title: 'break outside a loop', construct: 'BreakStatement', source: fn(`  ${MARK}break;\n  return 1;`) },
  { title: 'labelled break', construct: 'labelled break', source: fn(`  while (flag) {\n    ${MARK}break outer;\n  }\n  return 1;`) },
  { title: 'labelled continue', construct: 'labelled continue', source: fn(`  while (flag) {\n    ${MARK}continue outer;\n  }\n  return 1;`) },
  { title: 'labelled statement', construct: 'LabeledStatement', source: fn(`  ${MARK}outer: while (flag) {\n    break outer;\n  }\n  return 1;`) },
  { title: 'return without a value', construct: 'return', source: fn(`  ${MARK}return;`) },
  { title: 'switch', construct: 'SwitchStatement', source: fn(`  ${MARK}switch (n) {\n    case 1:\n      return 1;\n  }\n  return 0;`) },
  { title: 'throw', construct: 'ThrowStatement', source: fn(`  ${MARK}throw new Error('no');`) },
  { title: 'try', construct: 'TryStatement', source: fn(`  ${MARK}try {\n    return 1;\n  } finally {\n    n = 0;\n  }`) },
  { title: 'do...while', construct: 'DoStatement', source: fn(`  ${MARK}do {\n    n = n + 1;\n  } while (flag);\n  return n;`) },
  { title: 'for...in', construct: 'ForInStatement', source: fn(`  ${MARK}for (const k in xs) {\n    return k === '' ? 1 : 0;\n  }\n  return 0;`, 'xs: int[]') },
  { title: 'class declaration', construct: 'ClassDeclaration', source: fn(`  ${MARK}class C {}\n  return 1;`) },
  { title: 'nested function declaration', construct: 'FunctionDeclaration', source: fn(`  ${MARK}function g(): int {\n    return 1;\n  }\n  return g();`) },
];

/**
 * `unsupported(` call sites that no source can reach: visitors re-check the syntax kind they were dispatched on,
 * which the dispatch tables already guarantee.
 */
const UNREACHABLE = /'expected (a|an|the|parentheses|`!`)/;

function position(text: string, index: number): { line: number; column: number } {
  const before = text.slice(0, index).split('\n');
  return { line: before.length, column: before[before.length - 1]!.length + 1 };
}

/** Compiler call sites (file:line) that built a CompileError during this file's tests, from the error's stack. */
const reached = new Set<string>();

/**
 * What programFromText does, with one project for all cases: a fresh project per case would parse TypeScript's lib
 * files each time, which costs a fifth of a second per case.
 */
const project = new Project({ compilerOptions: { strict: true } });
project.addSourceFileAtPath('src/sqltypes.ts');

function diagnose(file: string, text: string): CompileError {
  const source = project.createSourceFile(file, text, { overwrite: true });
  try {
    compileProgram(new ProgramInfo([source], project.getTypeChecker()));
  } catch (error) {
    if (!(error instanceof CompileError)) throw error;
    const frame = error.stack?.split('\n').find((l) => l.includes('codegen/compiler/') && !l.includes('diagnostics.ts'));
    const site = frame?.match(/(codegen\/compiler\/[\w/]+\.ts):(\d+)/);
    if (site) reached.add(`${site[1]}:${site[2]}`);
    return error;
  } finally {
    project.removeSourceFile(source);
  }
  throw new Error('compiled without a diagnostic');
}

describe('compiler diagnostics', () => {
  CASES.forEach((c, i) => {
    it(`${c.title} → ${c.construct}`, () => {
      const file = `.tmp/diagnostics/case${i}.ts`;
      const text = PRELUDE + c.source;
      const marker = text.indexOf(MARK);
      expect(marker, 'the case marks where the error must point').toBeGreaterThanOrEqual(0);
      const error = diagnose(file, text);
      expect({ file: error.file, line: error.line, column: error.column, construct: error.construct }).toEqual({
        file,
        ...position(text, marker + MARK.length),
        construct: c.construct,
      });
      expect(error.message).toBe(`${file}:${error.line}:${error.column}: ${c.construct}: ${error.detail}`);
    });
  });

  it('reports positions 1-based, counting the import line (through programFromText)', () => {
    const file = '.tmp/diagnostics/explicit.ts';
    const text = `${PRELUDE}export function f(a: int): int {\n  return a % 2;\n}\n`;
    const compile = (): unknown => compileProgram(programFromText({ [file]: text }, 'src/sqltypes.ts'));
    expect(compile).toThrow(CompileError);
    expect(compile).toThrow(`${file}:3:12: operator %: outside the supported subset`);
  });

  // Last in the file, so every case above has run: each reachable `unsupported(` call site must have been hit.
  it('has a case for every diagnostic the compiler can raise', () => {
    const sites: string[] = [];
    for (const dir of ['codegen/compiler', 'codegen/compiler/visitors']) {
      for (const name of readdirSync(dir).filter((f) => f.endsWith('.ts'))) {
        const path = `${dir}/${name}`;
        readFileSync(path, 'utf8')
          .split('\n')
          .forEach((line, i) => {
            if (/\bunsupported\(/.test(line) && !/function unsupported/.test(line) && !UNREACHABLE.test(line)) {
              sites.push(`${path}:${i + 1}`);
            }
          });
      }
    }
    const missing = sites.filter((s) => !reached.has(s));
    expect(missing, 'diagnostics without a test case').toEqual([]);
  });
});
