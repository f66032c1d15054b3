import { describe, expect, it } from 'vitest';
import * as D from '../codegen/compiler/diagnostics';
import { compile, compileProgram, CompileError, programFromText, TextPrograms, type Diagnostic } from '../codegen/compiler/index';
import { replaceSection } from '../codegen/extension/files';

/**
 * One case per diagnostic code: a small source outside the subset, and the factory whose diagnostic the compiler
 * must give. The marker comment stands right before the node the diagnostic must point at, so each case asserts
 * file, line, column and code. Many sources are not valid TypeScript either: TypeScript's diagnostics (TS codes)
 * are reported beside the compiler's, and the case asserts the compiler's own.
 */
interface Case {
  readonly title: string;
  readonly code: D.DiagnosticFactory<never[]>;
  readonly source: string;
}

const MARK = '/*@*/';
const PRELUDE = "import type { float8, int, int8, interval, jsonb, numeric, timestamptz } from '../../src/sqltypes';\n";

const fn = (body: string, params = 'x: float8, n: int, name: string, flag: boolean', returns = 'int'): string =>
  `export function f(${params}): ${returns} {\n${body}\n}\n`;

const SUMMARY = 'export interface Summary {\n  count: int;\n  label: string;\n}\n';

const CASES: readonly Case[] = [
  // Types and signatures
  { title: '`number` type annotation', code: D.unsupportedNumberType, source: `export function f(x: ${MARK}number): int {\n  return 1;\n}\n` },
  { title: 'union that is not T | null', code: D.unsupportedUnionType, source: `export function f(x: ${MARK}int | string): int {\n  return 1;\n}\n` },
  { title: 'type with no SQL mapping', code: D.unmappedType, source: `export function f(x: ${MARK}Map<string, int>): int {\n  return 1;\n}\n` },
  { title: 'array of nullable elements', code: D.unsupportedArrayElement, source: `export function f(xs: ${MARK}(int | null)[]): int {\n  return 1;\n}\n` },
  { title: 'array of arrays', code: D.unsupportedArrayElement, source: `export function f(xs: ${MARK}int[][]): int {\n  return 1;\n}\n` },
  { title: 'optional property in an interface', code: D.optionalProperty, source: `export interface A {\n  ${MARK}a?: int;\n}\n` },
  { title: 'method in an interface', code: D.unsupportedInterfaceMember, source: `export interface A {\n  ${MARK}size(): int;\n}\n` },
  { title: 'generic interface', code: D.unsupportedInterface, source: `${MARK}export interface Box<T> {\n  value: T;\n}\n` },
  { title: 'interface extending another', code: D.unsupportedInterface, source: `interface A {\n  a: int;\n}\n${MARK}export interface B extends A {\n  b: int;\n}\n` },
  { title: 'function without a return type', code: D.missingReturnType, source: `${MARK}export function f(x: int) {\n  return x;\n}\n` },
  { title: 'async function', code: D.unsupportedFunctionKind, source: `${MARK}export async function f(x: int): Promise<int> {\n  return x;\n}\n` },
  { title: 'generic function', code: D.unsupportedFunctionKind, source: `${MARK}export function f<T>(x: T): int {\n  return 1;\n}\n` },
  { title: 'optional parameter', code: D.unsupportedParameter, source: `export function f(${MARK}x?: int): int {\n  return 1;\n}\n` },
  { title: 'rest parameter', code: D.unsupportedParameter, source: `export function f(${MARK}...xs: int[]): int {\n  return 1;\n}\n` },
  { title: 'destructured parameter', code: D.unsupportedParameter, source: `${SUMMARY}export function f(${MARK}{ count }: Summary): int {\n  return count;\n}\n` },
  { title: 'parameter without a type', code: D.unsupportedParameter, source: `export function f(${MARK}x): int {\n  return 1;\n}\n` },
  { title: 'empty function', code: D.emptyFunction, source: `${MARK}export function f(): int {}\n` },

  // Operators
  { title: 'loose equality ==', code: D.looseEquality, source: fn(`  return n ${MARK}== 1 ? 1 : 0;`) },
  { title: 'loose inequality !=', code: D.looseEquality, source: fn(`  return n ${MARK}!= 1 ? 1 : 0;`) },
  { title: 'remainder %', code: D.unsupportedOperator, source: fn(`  return n ${MARK}% 2;`) },
  { title: 'bitwise &', code: D.unsupportedOperator, source: fn(`  return n ${MARK}& 1;`) },
  { title: 'shift <<', code: D.unsupportedOperator, source: fn(`  return n ${MARK}<< 1;`) },
  { title: 'string concatenation with +', code: D.nonNumericOperand, source: fn(`  const s: string = ${MARK}name + '!';\n  return s === '' ? 0 : 1;`) },
  { title: 'numeric arithmetic', code: D.numericArithmetic, source: fn(`  const y: numeric = ${MARK}m * 2;\n  return 1;`, 'm: numeric') },
  { title: 'ordering booleans', code: D.unorderedTypes, source: fn(`  return ${MARK}flag < flag ? 1 : 0;`) },
  { title: 'equality of arrays', code: D.referenceEquality, source: fn(`  return ${MARK}xs === ys ? 1 : 0;`, 'xs: int[], ys: int[]') },
  { title: 'equality of a nullable float8', code: D.nullableDoubleEquality, source: fn(`  return ${MARK}x === y ? 1 : 0;`, 'x: float8, y: float8 | null') },
  { title: 'equality of number and text', code: D.neverEqual, source: fn(`  return ${MARK}n === name ? 1 : 0;`) },
  { title: '=== on timestamptz', code: D.valueOnlyEquality, source: fn(`  return ${MARK}a === b ? 1 : 0;`, 'a: timestamptz, b: timestamptz') },
  { title: '=== on jsonb', code: D.valueOnlyEquality, source: fn(`  return ${MARK}a !== b ? 1 : 0;`, 'a: jsonb, b: jsonb') },
  { title: '=== on interval', code: D.valueOnlyEquality, source: fn(`  return ${MARK}a === b ? 1 : 0;`, 'a: interval, b: interval') },
  { title: '&& on non-booleans', code: D.truthiness, source: fn(`  return ${MARK}n && flag ? 1 : 0;`) },
  { title: '|| on a nullable boolean', code: D.truthiness, source: fn(`  return ${MARK}b || flag ? 1 : 0;`, 'b: boolean | null, flag: boolean') },
  { title: 'negation as truthiness', code: D.truthiness, source: fn(`  return ${MARK}!n ? 1 : 0;`) },
  { title: 'unary minus on text', code: D.nonNumericOperand, source: fn(`  return ${MARK}-name;`) },
  { title: 'unary plus on text', code: D.nonNumericOperand, source: fn(`  return ${MARK}+name;`) },
  { title: 'bitwise not', code: D.unsupportedOperator, source: fn(`  return ${MARK}~n;`) },
  { title: '++ inside an expression', code: D.unsupportedOperator, source: fn(`  return ${MARK}++n;`) },
  { title: 'ternary on a number', code: D.truthiness, source: fn(`  return ${MARK}n ? 1 : 2;`) },
  { title: 'assignment as an expression', code: D.unsupportedOperator, source: fn(`  let y: int = 0;\n  return y ${MARK}= n;`) },

  // Values and expressions
  { title: 'optional chaining', code: D.optionalChaining, source: `${SUMMARY}${fn(`  return ${MARK}s?.count ?? 0;`, 's: Summary | null')}` },
  { title: 'undefined', code: D.undefinedValue, source: fn(`  return n === ${MARK}undefined ? 1 : 0;`) },
  { title: 'unknown global', code: D.unknownIdentifier, source: fn(`  return ${MARK}Number.EPSILON > 0 ? 1 : 0;`) },
  { title: 'method of text as a value', code: D.unsupportedPropertyAccess, source: fn(`  return ${MARK}name.toUpperCase.length;`) },
  { title: 'indexing text', code: D.unsupportedElementAccess, source: fn(`  return ${MARK}name[0] === 'a' ? 1 : 0;`) },
  { title: 'float8 array index', code: D.nonIntegerIndex, source: fn(`  return xs[${MARK}x];`, 'xs: int[], x: float8') },
  { title: 'float8 interpolated in a template', code: D.doubleInTemplate, source: fn(`  const s = \`x = \${${MARK}x}\`;\n  return s === '' ? 0 : 1;`) },
  { title: 'nullable value in a template', code: D.nullableInTemplate, source: fn(`  const s = \`m = \${${MARK}m}\`;\n  return s === '' ? 0 : 1;`, 'm: int | null') },
  { title: 'array in a template', code: D.unsupportedInTemplate, source: fn(`  const s = \`xs = \${${MARK}xs}\`;\n  return s === '' ? 0 : 1;`, 'xs: int[]') },
  { title: 'arrow function', code: D.unsupportedExpression, source: fn(`  const g = ${MARK}(a: int) => a;\n  return g(n);`) },
  { title: 'typeof', code: D.unsupportedExpression, source: fn(`  return ${MARK}typeof n === 'number' ? 1 : 0;`) },
  { title: 'new', code: D.unsupportedExpression, source: fn(`  const d = ${MARK}new Date();\n  return d.getDay();`) },
  { title: 'type assertion', code: D.unsupportedExpression, source: fn(`  return ${MARK}x as int;`) },
  { title: 'object literal without an interface', code: D.untypedObjectLiteral, source: fn(`  const o = ${MARK}{ a: 1 };\n  return o.a;`) },
  {
    title: 'spread of another interface',
    code: D.unsupportedObjectSpread,
    source: `export interface Named {\n  label: string;\n}\n${SUMMARY}${fn(`  const s: Summary = { ${MARK}...named, count: 1 };\n  return s.count;`, 'named: Named')}`,
  },
  { title: 'getter in an object literal', code: D.unsupportedObjectProperty, source: `${SUMMARY}${fn(`  const s: Summary = { count: 1, ${MARK}get label() {\n    return 'x';\n  } };\n  return s.count;`)}` },
  { title: 'spreading an interval into an array', code: D.unsupportedArraySpread, source: fn(`  const cs = [${MARK}...i];\n  return cs.length;`, 'i: interval') },
  { title: 'empty array without a type', code: D.untypedEmptyArray, source: fn(`  const xs = ${MARK}[];\n  return xs.length;`) },

  // Calls
  { title: 'call of an unknown function', code: D.unknownFunction, source: fn(`  return ${MARK}parseInt(name);`) },
  { title: 'module-level arrow function, called', code: D.unsupportedTopLevel, source: `${MARK}const helper = (): int => 1;\n${fn(`  return helper();`)}` },
  { title: 'function defined twice', code: D.duplicateDeclaration, source: `${fn('  return 1;')}export function ${MARK}f(): int {\n  return 2;\n}\n` },
  { title: 'call of a computed callee', code: D.unknownFunction, source: `export function g(): int {\n  return 1;\n}\n${fn(`  return ${MARK}(g)();`)}` },
  { title: 'method call on text', code: D.unsupportedMethod, source: fn(`  return ${MARK}name.toUpperCase() === 'A' ? 1 : 0;`) },
  { title: 'array method outside the subset', code: D.unsupportedMethod, source: fn(`  return ${MARK}xs.map((v) => v + 1).length;`, 'xs: int[]') },
  { title: 'slice with a float8 bound', code: D.nonIntegerIndex, source: fn(`  return xs.slice(1, ${MARK}x).length;`, 'xs: int[], x: float8') },
  { title: 'charCodeAt with a float8 index', code: D.nonIntegerIndex, source: fn(`  return name.charCodeAt(${MARK}x) > 0 ? 1 : 0;`) },
  { title: 'join of doubles', code: D.unsupportedJoin, source: fn(`  return ${MARK}xs.join(',') === '' ? 1 : 0;`, 'xs: float8[]') },
  { title: 'Number() of a float8', code: D.unsupportedNumberConversion, source: fn(`  return ${MARK}Number(x) > 0 ? 1 : 0;`) },
  { title: 'Number() of a nullable string', code: D.unsupportedNumberConversion, source: fn(`  return ${MARK}Number(t) > 0 ? 1 : 0;`, 't: string | null') },
  { title: 'includes with fromIndex', code: D.wrongArgumentCount, source: fn(`  return ${MARK}xs.includes(1, 2) ? 1 : 0;`, 'xs: int[]') },
  { title: 'push used as a value', code: D.pushAsValue, source: fn(`  const xs: int[] = [];\n  return ${MARK}xs.push(1);`, '') },
  { title: 'sorting a non-copy', code: D.sortInPlace, source: fn(`  return ${MARK}xs.sort((a, b) => a - b)[0]!;`, 'xs: int[]') },
  { title: 'sort without a comparator', code: D.unsupportedSort, source: fn(`  return ${MARK}[...xs].sort()[0]!;`, 'xs: int[]') },
  { title: 'sort of text', code: D.unsupportedSort, source: fn(`  return ${MARK}[...xs].sort((a, b) => (a < b ? -1 : 1)).length;`, 'xs: string[]') },
  { title: 'sort comparator that is not a - b', code: D.unsupportedComparator, source: fn(`  return [...xs].sort(${MARK}(a, b) => (a < b ? -1 : 1))[0]!;`, 'xs: int[]') },
  { title: 'Math builtin with too many arguments', code: D.wrongArgumentCount, source: fn(`  return ${MARK}Math.round(x, 1);`) },
  { title: 'Math builtin without arguments', code: D.wrongArgumentCount, source: fn(`  const m: float8 = ${MARK}Math.max();\n  return m > 0 ? 1 : 0;`) },
  { title: 'Math builtin on text', code: D.nonNumericArgument, source: fn(`  return ${MARK}Math.abs(name);`) },
  { title: 'Math function outside the subset', code: D.unknownIdentifier, source: fn(`  return ${MARK}Math.log(x) > 0 ? 1 : 0;`) },

  // Storage and conversions
  { title: 'float8 stored in an int without Math.floor', code: D.lossyDoubleToInteger, source: fn(`  const half: int = ${MARK}x / 2;\n  return half;`) },
  { title: 'float8 returned as an int', code: D.lossyDoubleToInteger, source: fn(`  return ${MARK}x;`) },
  { title: 'null stored where not nullable', code: D.nullNotAllowed, source: fn(`  const m: int = ${MARK}null;\n  return m;`) },
  { title: 'float8 array stored as int array', code: D.typeMismatch, source: fn(`  const ys: int[] = ${MARK}xs;\n  return ys.length;`, 'xs: float8[]') },
  { title: 'branches with no common type', code: D.noCommonType, source: fn(`  const v = ${MARK}flag ? 1 : 'one';\n  return v === 1 ? 1 : 0;`) },

  // Statements
  { title: 'truthiness in if', code: D.truthiness, source: fn(`  if (${MARK}n) {\n    return 1;\n  }\n  return 0;`) },
  { title: 'truthiness in while', code: D.truthiness, source: fn(`  while (${MARK}name) {\n    return 1;\n  }\n  return 0;`) },
  { title: 'destructuring declaration', code: D.destructuring, source: `${SUMMARY}${fn(`  const ${MARK}{ count } = s;\n  return count;`, 's: Summary')}` },
  { title: 'variable without type or initializer', code: D.untypedVariable, source: fn(`  let ${MARK}y;\n  y = 1;\n  return y;`) },
  { title: 'variable initialised with bare null', code: D.untypedVariable, source: fn(`  let ${MARK}y = null;\n  y = null;\n  return y ?? 0;`) },
  { title: 'assignment to a property', code: D.unsupportedAssignment, source: `${SUMMARY}${fn(`  ${MARK}s.count = 1;\n  return s.count;`, 's: Summary')}` },
  { title: 'call as a statement', code: D.unsupportedExpressionStatement, source: fn(`  ${MARK}Math.floor(x);\n  return 1;`) },
  { title: 'push on a parameter', code: D.pushOnSharedArray, source: fn(`  ${MARK}xs.push(1);\n  return xs.length;`, 'xs: int[]') },
  { title: 'push on an array not built here', code: D.pushOnSharedArray, source: fn(`  const ys = xs.slice();\n  ${MARK}ys.push(1);\n  return ys.length;`, 'xs: int[]') },
  { title: 'aliasing an array that is pushed', code: D.aliasedPushedArray, source: fn(`  const xs: int[] = [];\n  xs.push(1);\n  const ys = ${MARK}xs;\n  return ys.length;`, '') },
  {
    title: 'aliasing a pushed array through a conditional',
    code: D.aliasedPushedArray,
    source: fn(`  const xs: int[] = [];\n  const ys: int[] = flag ? (${MARK}xs) : [];\n  xs.push(1);\n  return ys.length;`, 'flag: boolean'),
  },
  {
    title: 'passing a pushed array to a function that may return it',
    code: D.aliasedPushedArray,
    source: `function keep(ys: int[]): int[] {\n  return ys;\n}\n${fn(`  const xs: int[] = [];\n  const ys: int[] = keep(${MARK}xs);\n  xs.push(1);\n  return ys.length;`, '')}`,
  },
  {
    title: 'assigning a parameter to a pushed array',
    code: D.aliasedPushedArray,
    source: fn(`  let xs: int[] = [];\n  xs = flag ? ${MARK}ys : xs;\n  xs.push(1);\n  return ys.length;`, 'ys: int[], flag: boolean'),
  },
  {
    title: '.includes() of an object',
    code: D.referenceEquality,
    source: `${SUMMARY}${fn(`  return ${MARK}items.includes(s) ? 1 : 0;`, 's: Summary, items: Summary[]')}`,
  },
  {
    title: '.includes() of a timestamp',
    code: D.valueOnlyEquality,
    source: fn(`  return ${MARK}times.includes(t) ? 1 : 0;`, 't: timestamptz, times: timestamptz[]'),
  },
  {
    title: 'pushing onto the array a for...of iterates',
    code: D.aliasedPushedArray,
    source: fn(`  const xs: int[] = [1];\n  for (const x of ${MARK}xs) {\n    if (x < 3) {\n      xs.push(x + 1);\n    }\n  }\n  return xs.length;`, ''),
  },
  { title: 'for...of with destructuring', code: D.unsupportedForOf, source: `${SUMMARY}${fn(`  let t: int = 0;\n  ${MARK}for (const { count } of items) {\n    t = count;\n  }\n  return t;`, 'items: Summary[]')}` },
  { title: 'for...of over an interval', code: D.unsupportedForOf, source: fn(`  let t: int = 0;\n  for (const c of ${MARK}i) {\n    t = c === 'a' ? 1 : t;\n  }\n  return t;`, 'i: interval') },
  { title: 'for without a declaration', code: D.unsupportedForInitializer, source: fn(`  let i: int = 0;\n  for (${MARK}i = 0; i < 3; i++) {\n    n = i;\n  }\n  return n;`) },
  { title: 'break outside a loop', code: D.outsideLoop, source: fn(`  ${MARK}break;\n  return 1;`) },
  { title: 'labelled break', code: D.labelledJump, source: fn(`  while (flag) {\n    ${MARK}break outer;\n  }\n  return 1;`) },
  { title: 'labelled continue', code: D.labelledJump, source: fn(`  while (flag) {\n    ${MARK}continue outer;\n  }\n  return 1;`) },
  { title: 'labelled statement', code: D.unsupportedStatement, source: fn(`  ${MARK}outer: while (flag) {\n    break outer;\n  }\n  return 1;`) },
  { title: 'return without a value', code: D.returnWithoutValue, source: fn(`  ${MARK}return;`) },
  { title: 'switch', code: D.unsupportedStatement, source: fn(`  ${MARK}switch (n) {\n    case 1:\n      return 1;\n  }\n  return 0;`) },
  { title: 'throw', code: D.unsupportedStatement, source: fn(`  ${MARK}throw new Error('no');`) },
  { title: 'try', code: D.unsupportedStatement, source: fn(`  ${MARK}try {\n    return 1;\n  } finally {\n    n = 0;\n  }`) },
  { title: 'do...while', code: D.unsupportedStatement, source: fn(`  ${MARK}do {\n    n = n + 1;\n  } while (flag);\n  return n;`) },
  { title: 'for...in', code: D.unsupportedStatement, source: fn(`  ${MARK}for (const k in xs) {\n    return k === '' ? 1 : 0;\n  }\n  return 0;`, 'xs: int[]') },
  { title: 'class declaration', code: D.unsupportedStatement, source: fn(`  ${MARK}class C {}\n  return 1;`) },
  { title: 'nested function declaration', code: D.unsupportedStatement, source: fn(`  ${MARK}function g(): int {\n    return 1;\n  }\n  return g();`) },

  // Added with the diagnostic factories
  { title: 'circular type alias', code: D.circularType, source: `type Loop = ${MARK}Loop | null;\n${fn('  return 1;', 'l: Loop')}` },
  { title: 'interface containing itself', code: D.circularType, source: `export interface ${MARK}Chain {\n  next: Chain | null;\n}\n${fn('  return 1;', 'c: Chain')}` },
  { title: 'declared function without a body', code: D.functionWithoutBody, source: `${MARK}export declare function g(a: int): int;\n${fn('  return 1;')}` },
  { title: 'overload signature', code: D.functionWithoutBody, source: `${MARK}export function g(a: int): int;\nexport function g(a: int): int {\n  return a;\n}\n` },
  { title: 'anonymous default export', code: D.functionWithoutBody, source: `${MARK}export default function (a: int): int {\n  return a;\n}\n` },
  { title: 'module-level constant', code: D.unsupportedTopLevel, source: `${MARK}export const LIMIT: int = 5;\n${fn('  return LIMIT;')}` },
  { title: 'module-level class', code: D.unsupportedTopLevel, source: `${MARK}export class C {}\n${fn('  return 1;')}` },
  { title: 'parameters with one SQL name', code: D.duplicateDeclaration, source: `export function f(fooBar: int, ${MARK}foo_bar: int): int {\n  return fooBar;\n}\n` },
  { title: 'two interfaces of one name', code: D.duplicateDeclaration, source: `export interface A {\n  a: int;\n}\nexport interface ${MARK}A {\n  b: int;\n}\n` },
  { title: 'call with an extra argument', code: D.wrongArgumentCount, source: `export function g(a: int): int {\n  return a;\n}\n${fn(`  return ${MARK}g(n, 2);`)}` },
  { title: 'call with a missing argument', code: D.wrongArgumentCount, source: `export function g(a: int, b: int): int {\n  return a + b;\n}\n${fn(`  return ${MARK}g(n);`)}` },
  { title: 'optional call', code: D.optionalChaining, source: `export function g(a: int): int {\n  return a;\n}\n${fn(`  return ${MARK}g?.(n);`)}` },
  { title: 'array literal of arrays', code: D.unsupportedArrayElement, source: fn(`  const m = [${MARK}[1], [2]];\n  return m.length;`) },
  { title: 'array literal with a nullable element', code: D.unsupportedArrayElement, source: fn(`  const a = [${MARK}m, 1];\n  return a.length;`, 'm: int | null') },
  { title: 'unused type alias without a mapping', code: D.unmappedType, source: `type Pair = ${MARK}[int, int];\n${fn('  return 1;')}` },
  { title: 'interface member without a type', code: D.unsupportedInterfaceMember, source: `export interface A {\n  ${MARK}a;\n}\n` },
];

function position(text: string, index: number): { line: number; column: number } {
  const before = text.slice(0, index).split('\n');
  return { line: before.length, column: before[before.length - 1]!.length + 1 };
}

/** One project for all cases: a fresh one per case would parse TypeScript's lib files each time. */
const programs = new TextPrograms('src/sqltypes.ts');

/** Codes some case has produced, for the last test. */
const produced = new Set<number>();

const own = (list: readonly Diagnostic[]): Diagnostic[] => list.filter((d) => d.source === 'walrus');

describe('compiler diagnostics', () => {
  CASES.forEach((c, i) => {
    it(`${c.title} → PGW${c.code.code}`, () => {
      const file = `.tmp/diagnostics/case${i}.ts`;
      const text = PRELUDE + c.source;
      const marker = text.indexOf(MARK);
      expect(marker, 'the case marks where the diagnostic must point').toBeGreaterThanOrEqual(0);
      const { diagnostics, output } = compile(programs.program({ [file]: text }));
      expect(output).toBeUndefined();
      own(diagnostics).forEach((d) => produced.add(d.code));
      const expected = { file, ...position(text, marker + MARK.length), source: 'walrus', code: c.code.code };
      const found = diagnostics.find((d) => d.source === 'walrus' && d.code === c.code.code);
      expect(found && { file: found.file, line: found.line, column: found.column, source: found.source, code: found.code }).toEqual(expected);
      // One problem, one diagnostic: nothing the first causes is reported again.
      expect(own(diagnostics).map(D.formatDiagnostic)).toEqual([D.formatDiagnostic(found!)]);
      expect(D.formatDiagnostic(found!)).toBe(`${file}:${found!.line}:${found!.column}: error PGW${c.code.code}: ${found!.message}`);
    });
  });

  it('reports positions 1-based, counting the import line (through programFromText)', () => {
    const file = '.tmp/diagnostics/explicit.ts';
    const text = `${PRELUDE}export function f(a: int): int {\n  return a % 2;\n}\n`;
    const run = (): unknown => compileProgram(programFromText({ [file]: text }, 'src/sqltypes.ts'));
    expect(run).toThrow(CompileError);
    expect(run).toThrow(`${file}:3:12: error PGW1202: operator % is outside the supported subset`);
  });

  it('reports every problem of a run, TypeScript\'s first, in source order', () => {
    const file = '.tmp/diagnostics/many.ts';
    const text = [
      PRELUDE.trimEnd(),
      'export function f(x: number, n: int): int {',
      '  const a: int = n % 2;',
      '  const b: string = missing + 1;',
      '  if (n) {',
      '    return a;',
      '  }',
      '  return g(n, 2);',
      '}',
      'export function g(k: int): int {',
      '  return k == 1 ? 1 : b;',
      '}',
      '',
    ].join('\n');
    const { diagnostics, output } = compile(programs.program({ [file]: text }));
    expect(output).toBeUndefined();
    expect(diagnostics.map((d) => `${d.line}:${d.column} ${D.codeName(d)}`)).toEqual([
      '2:22 PGW1001', // number
      '3:20 PGW1202', // %
      '4:21 TS2304', // Cannot find name 'missing'
      '4:21 PGW1102', // ... nor is it a variable; the + is not reported again
      '5:7 PGW1210', // truthiness
      '8:15 TS2554', // Expected 1 arguments, but got 2
      '8:10 PGW1302', // the same, by the compiler (TypeScript points at the extra argument)
      '11:12 PGW1201', // ==
      '11:23 TS2304', // Cannot find name 'b' (a local of f)
      '11:23 PGW1102',
    ].sort(byPosition));
  });

  it('turns a crash inside the compiler into a diagnostic at the node', () => {
    const file = '.tmp/diagnostics/crash.ts';
    const program = programs.program({ [file]: `${PRELUDE}export function f(n: int): int {\n  return n;\n}\n` });
    const info = program.functions.get('f')!;
    // A corrupted program: a parameter the compiler never read.
    (info as unknown as { params: unknown[] }).params = [];
    const { diagnostics } = compile(program);
    expect(diagnostics.map((d) => `${d.line}:${d.column} ${D.codeName(d)}`)).toEqual(['2:1 PGW1999']);
    expect(diagnostics[0]!.message).toMatch(/^internal compiler error: /);
  });

  it('fails on a generated section without its markers (PGW1901)', () => {
    const begin = '<!-- x:begin -->';
    const end = '<!-- x:end -->';
    expect(replaceSection('README.md', `# T\n${begin}\nold\n${end}\ntail\n`, begin, end, 'new')).toBe(`# T\n${begin}\nnew\n${end}\ntail\n`);
    const failure = (text: string): Diagnostic[] => {
      try {
        replaceSection('README.md', text, begin, end, 'new');
      } catch (error) {
        expect(error).toBeInstanceOf(CompileError);
        return [...(error as CompileError).diagnostics];
      }
      throw new Error('no diagnostic');
    };
    const missingBegin = failure(`# T\nold\n${end}\n`);
    const missingEnd = failure(`# T\n\n  ${begin}\nold\n`);
    const reversed = failure(`# T\n${end}\n${begin}\n`);
    for (const [list, line, column] of [[missingBegin, 1, 1], [missingEnd, 3, 3], [reversed, 3, 1]] as const) {
      expect(list.map((d) => ({ file: d.file, line: d.line, column: d.column, code: d.code }))).toEqual([
        { file: 'README.md', line, column, code: D.missingGeneratedMarkers.code },
      ]);
      list.forEach((d) => produced.add(d.code));
    }
    expect(missingEnd[0]!.message).toContain(end);
  });

  // Last in the file, so every case above has run: each diagnostic factory must have been produced by one.
  it('has a case for every diagnostic factory', () => {
    const factories = Object.entries(D).filter(([, value]) => D.isDiagnosticFactory(value)) as [string, D.DiagnosticFactory<unknown[]>][];
    expect(factories.length).toBeGreaterThan(50);
    const codes = factories.map(([, f]) => f.code);
    expect(new Set(codes).size, 'codes are unique').toBe(codes.length);
    // PGW1999 is a compiler bug: the crash test above produces it on a corrupted program, the fuzz test proves
    // no source does.
    produced.add(D.internalError.code);
    const missing = factories.filter(([, f]) => !produced.has(f.code)).map(([name, f]) => `${name} (PGW${f.code})`);
    expect(missing, 'diagnostic factories without a test case').toEqual([]);
  });
});

function byPosition(a: string, b: string): number {
  const [la, ca] = a.split(' ')[0]!.split(':').map(Number) as [number, number];
  const [lb, cb] = b.split(' ')[0]!.split(':').map(Number) as [number, number];
  return la - lb || ca - cb || (a.includes(' TS') ? -1 : 1) - (b.includes(' TS') ? -1 : 1);
}
