import { Node } from 'ts-morph';

/**
 * Diagnostics in the manner of TypeScriptToLua: every problem has a named factory with a stable code, the compiler
 * collects what the factories build on a list, and one run reports every problem, each at its TypeScript position.
 * TypeScript's own type check of the sources is reported the same way, with TypeScript's codes.
 *
 * Inside the compiler a visitor that meets something outside the subset throws a CompileError carrying one
 * diagnostic; the nearest boundary (the expression, statement, declaration or function being compiled) records it
 * and substitutes a failed value, so compilation goes on and reports the next problem. A failure caused by an
 * operand that had already failed is not reported again (see FunctionContext.expr).
 */

export interface Location {
  readonly file: string;
  /** 1-based. */
  readonly line: number;
  /** 1-based. */
  readonly column: number;
}

export interface Diagnostic extends Location {
  /** `walrus` for the compiler's own diagnostics (codes PGW1001...), `ts` for TypeScript's (TS2322...). */
  readonly source: 'walrus' | 'ts';
  readonly code: number;
  readonly message: string;
}

const PREFIX: Record<Diagnostic['source'], string> = { walrus: 'PGW', ts: 'TS' };

/** `PGW1001` or `TS2322`. */
export const codeName = (d: Pick<Diagnostic, 'source' | 'code'>): string => `${PREFIX[d.source]}${d.code}`;

/** `file:line:column: error CODE: message`, the form editors and terminals link to the position. */
export function formatDiagnostic(d: Diagnostic): string {
  return `${d.file}:${d.line}:${d.column}: error ${codeName(d)}: ${d.message}`;
}

/** Sorted by file, then position; TypeScript's diagnostics before the compiler's at the same place. */
export function sortDiagnostics(list: readonly Diagnostic[]): Diagnostic[] {
  return [...list].sort(
    (a, b) =>
      (a.file < b.file ? -1 : a.file > b.file ? 1 : 0) ||
      a.line - b.line ||
      a.column - b.column ||
      (a.source === b.source ? 0 : a.source === 'ts' ? -1 : 1),
  );
}

/**
 * Diagnostics as an exception, for callers that want one (compileProgram, the codegen CLI). Inside the compiler it
 * carries a single diagnostic from the visitor that found the problem to the boundary that records it.
 */
export class CompileError extends Error {
  readonly diagnostics: readonly Diagnostic[];

  constructor(diagnostics: Diagnostic | readonly Diagnostic[]) {
    const list: readonly Diagnostic[] = 'code' in diagnostics ? [diagnostics] : diagnostics;
    super(list.map(formatDiagnostic).join('\n'));
    this.name = 'CompileError';
    this.diagnostics = list;
  }
}

/**
 * The diagnostics for `node` from something thrown while compiling it: a CompileError carries its own; anything
 * else is a compiler bug, reported at the node instead of crashing the run.
 */
export function diagnosticsOf(error: unknown, at: Node | Location): readonly Diagnostic[] {
  if (error instanceof CompileError) return error.diagnostics;
  const detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return [internalError(at, at instanceof Node ? `${at.getKindName()}: ${detail}` : detail)];
}

/** Throws the diagnostic to the nearest boundary (see the comment at the top). */
export function fail(diagnostic: Diagnostic): never {
  throw new CompileError(diagnostic);
}

export function relativePath(path: string): string {
  const cwd = process.cwd().replace(/\\/g, '/');
  return path.startsWith(`${cwd}/`) ? path.slice(cwd.length + 1) : path;
}

export function locate(at: Node | Location): Location {
  if (!(at instanceof Node)) return at;
  const source = at.getSourceFile();
  const { line, column } = source.getLineAndColumnAtPos(at.getStart());
  return { file: relativePath(source.getFilePath()), line, column };
}

const KIND_NAMES: Readonly<Record<string, string>> = {
  ArrowFunction: 'an arrow function',
  FunctionExpression: 'a function expression',
  ClassExpression: 'a class expression',
  TypeOfExpression: '`typeof`',
  NewExpression: '`new`',
  AsExpression: '`as`',
  SatisfiesExpression: '`satisfies`',
  TypeAssertionExpression: 'a type assertion',
  VoidExpression: '`void`',
  DeleteExpression: '`delete`',
  AwaitExpression: '`await`',
  YieldExpression: '`yield`',
  RegularExpressionLiteral: 'a regular expression',
  TaggedTemplateExpression: 'a tagged template',
  BigIntLiteral: 'a bigint literal',
  PostfixUnaryExpression: '`++`/`--` inside an expression',
  SwitchStatement: '`switch`',
  ThrowStatement: '`throw`',
  TryStatement: '`try`',
  DoStatement: '`do...while`',
  ForInStatement: '`for...in`',
  LabeledStatement: 'a labelled statement',
  DebuggerStatement: '`debugger`',
  EmptyStatement: 'an empty statement',
  ClassDeclaration: 'a class',
  FunctionDeclaration: 'a nested function',
  EnumDeclaration: 'an enum',
  ModuleDeclaration: 'a namespace',
  VariableStatement: 'a variable',
  ExpressionStatement: 'a statement',
  ExportAssignment: '`export =` or `export default` of a value',
  ImportEqualsDeclaration: '`import =`',
};

/** How a diagnostic names a kind of syntax: in words where it has some, else TypeScript's name for it. */
export function describeNode(node: Node): string {
  const kind = node.getKindName();
  const words = KIND_NAMES[kind];
  return words ? `${words} (${kind})` : kind;
}

export interface DiagnosticFactory<A extends unknown[] = []> {
  (at: Node | Location, ...args: A): Diagnostic;
  readonly code: number;
  /** What is rejected, for the table in codegen/README.md. */
  readonly construct: string;
  /** Why, for the same table; also the message when the factory has no message of its own. */
  readonly why: string;
}

export function isDiagnosticFactory(value: unknown): value is DiagnosticFactory<unknown[]> {
  return typeof value === 'function' && typeof (value as { code?: unknown }).code === 'number';
}

const taken = new Map<number, string>();

function createDiagnosticFactory<A extends unknown[] = []>(
  code: number,
  construct: string,
  why: string,
  message?: (...args: A) => string,
): DiagnosticFactory<A> {
  const clash = taken.get(code);
  if (clash !== undefined) throw new Error(`diagnostic code ${code} is given to both "${clash}" and "${construct}"`);
  taken.set(code, construct);
  const factory = (at: Node | Location, ...args: A): Diagnostic => ({
    ...locate(at),
    source: 'walrus',
    code,
    message: message ? message(...args) : `${construct}: ${why}`,
  });
  return Object.assign(factory, { code, construct, why });
}

// ---------------------------------------------------------------------------------------------------------------
// The factories. Codes are stable: a retired code is never given to another factory. Ranges: 10xx declarations and
// types, 11xx expressions, 12xx operators, 13xx calls, 14xx statements, 15xx storing values, 19xx generation.
// codegen/README.md's table of codes is generated from this list.

// Declarations and types

export const unsupportedNumberType = createDiagnosticFactory(
  1001,
  '`number`',
  'ambiguous in SQL (integer, bigint or double precision?); use int, int8 or float8 from src/sqltypes.ts',
);

export const unsupportedUnionType = createDiagnosticFactory(
  1002,
  'unions other than `T | null` and string literals',
  'SQL has no union types; `T | null` is a nullable T and `\'a\' | \'b\'` is text',
);

export const unmappedType = createDiagnosticFactory(
  1003,
  'types without a SQL mapping',
  'use the aliases of src/sqltypes.ts, string, boolean, `T[]`, an interface of the compiled files or `T | null`',
  (text: string) => `\`${text}\` has no SQL mapping; use the aliases of src/sqltypes.ts, string, boolean, T[], an interface or T | null`,
);

export const unsupportedArrayElement = createDiagnosticFactory(
  1004,
  'arrays of nullable values or of arrays',
  'arrays hold non-null scalars or composites: SQL arrays of arrays are matrices, and the runtime helpers assume no NULL elements',
);

export const circularType = createDiagnosticFactory(
  1005,
  'circular type aliases and interfaces',
  'a composite type cannot contain itself, and an alias must end in a type',
  (name: string) => `\`${name}\` refers to itself; a composite type cannot contain itself, and an alias must end in a type`,
);

export const optionalProperty = createDiagnosticFactory(
  1006,
  'optional properties `a?: T`',
  'SQL has no absent fields: use `a: T | null`',
);

export const unsupportedInterfaceMember = createDiagnosticFactory(
  1007,
  'methods, index signatures and untyped members in interfaces',
  'only properties with a type map to composite-type fields',
);

export const unsupportedInterface = createDiagnosticFactory(
  1008,
  'generic or extending interfaces',
  'a composite type has one fixed list of fields; write them out',
);

export const duplicateDeclaration = createDiagnosticFactory(
  1009,
  'two functions, interfaces or parameters with one SQL name',
  'compiled names are snake_case in one schema (and SQL has no declaration merging)',
  (what: string, sqlName: string) => `${what} \`${sqlName}\` is declared twice; compiled names are snake_case in one SQL namespace`,
);

export const missingReturnType = createDiagnosticFactory(
  1010,
  'functions without a declared return type',
  'the SQL signature is the TypeScript one',
  (name: string) => `\`${name}\` needs a declared return type; the SQL signature is the TypeScript one`,
);

export const unsupportedFunctionKind = createDiagnosticFactory(
  1011,
  'async, generator and generic functions',
  'a compiled function is a plain function of SQL values',
);

export const functionWithoutBody = createDiagnosticFactory(
  1012,
  'overload signatures, `declare function`, anonymous default exports',
  'a compiled function has one signature, a name and a body',
);

export const unsupportedParameter = createDiagnosticFactory(
  1013,
  'optional, defaulted, rest, destructured or untyped parameters',
  'each parameter is one SQL argument of a declared type; use `T | null` for a missing value',
);

export const emptyFunction = createDiagnosticFactory(1014, 'empty functions', 'a compiled function returns a value');

export const unsupportedTopLevel = createDiagnosticFactory(
  1015,
  'module-level variables, classes, enums, namespaces',
  'a logic file holds imports, interfaces, type aliases and functions; a constant can be a function returning it',
  (what: string) =>
    `${what} at module level is outside the subset: a logic file holds imports, interfaces, type aliases and functions (a constant can be a function returning it)`,
);

// Expressions

export const unsupportedExpression = createDiagnosticFactory(
  1101,
  'arrow functions, `typeof`, `new`, `as`, `void`, `await`, regular expressions and other expression kinds',
  'not needed by decision logic',
  (kind: string) => `${kind} is outside the supported subset`,
);

export const unknownIdentifier = createDiagnosticFactory(
  1102,
  'names that are not parameters, local variables or supported globals',
  'module-level values and imports from outside the compiled files have no SQL counterpart',
  (name: string) => `\`${name}\` is not a parameter, local variable or supported global`,
);

export const undefinedValue = createDiagnosticFactory(1103, '`undefined`', 'SQL has one missing value: use null');

export const optionalChaining = createDiagnosticFactory(
  1104,
  '`?.`',
  'narrow with `!== null` first; SQL has one missing value',
);

export const unsupportedPropertyAccess = createDiagnosticFactory(
  1105,
  'properties other than interface fields, `.length` of arrays and strings, and `Number` constants',
  'no SQL mapping',
  (name: string, type: string) => `\`.${name}\` of ${type} is outside the subset`,
);

export const unsupportedElementAccess = createDiagnosticFactory(
  1106,
  'indexing anything but an array (`s[i]`, `o[key]`)',
  'objects index by key; for a string use `.charCodeAt(i)`, `.slice(i, i + 1)` or the characters of `[...s]`',
);

export const nonIntegerIndex = createDiagnosticFactory(
  1107,
  'indexes (`a[i]`, `.charCodeAt(i)`, `.slice(a, b)`) that are not `int` or `int8`',
  'a fractional index is undefined or truncated in JavaScript and rounded by SQL',
);

export const doubleInTemplate = createDiagnosticFactory(
  1108,
  '`float8` in a template',
  'JavaScript and PostgreSQL print doubles differently (`1e-7` vs `1e-07`, `100000000000000000000` vs `1e+20`); store it in an int first',
);

export const nullableInTemplate = createDiagnosticFactory(
  1109,
  'a nullable value in a template',
  'JavaScript prints `null`, SQL concatenation gives NULL',
);

export const unsupportedInTemplate = createDiagnosticFactory(
  1110,
  'arrays, objects, `numeric`, `jsonb`, `timestamptz`, `interval` in a template',
  'only int, int8, text and boolean print the same in both worlds',
);

export const untypedObjectLiteral = createDiagnosticFactory(
  1111,
  'object literals without an interface type',
  'an object is a composite type, which needs its interface: annotate the variable',
);

export const unsupportedObjectSpread = createDiagnosticFactory(
  1112,
  'spreading another type into an object',
  'only a value of the same interface can be spread into it',
  (name: string) => `only a ${name} can be spread into a ${name}`,
);

export const unsupportedObjectProperty = createDiagnosticFactory(
  1113,
  'methods, accessors, computed and unknown properties in object literals',
  'only `name: value`, shorthand and spread properties of the interface',
);

export const unsupportedArraySpread = createDiagnosticFactory(
  1114,
  'spreading anything but an array or a string into an array',
  'only arrays and strings (into their characters) are iterable in both worlds',
);

export const untypedEmptyArray = createDiagnosticFactory(
  1115,
  'an empty array without a declared element type',
  'SQL needs the element type of `{}`',
);

export const aliasedPushedArray = createDiagnosticFactory(
  1116,
  'a second name for an array that is pushed to, or a `for...of` over it whose body pushes to it',
  'SQL arrays are values, JavaScript arrays references: the alias would see the push in one world only',
  (name: string) => `\`${name}\` is changed with push; copy it with [...${name}] so no alias sees the change`,
);

// Operators

export const looseEquality = createDiagnosticFactory(
  1201,
  '`==`, `!=`',
  'loose equality coerces types; use `===` and `!==`',
  (op: string) => `operator ${op}: use ${op}= ; loose equality coerces types`,
);

export const unsupportedOperator = createDiagnosticFactory(
  1202,
  '`%`, bitwise operators, `in`, `instanceof`, the comma, assignment as a value, `++`/`--` inside an expression',
  'no mapping in the subset',
  (op: string) => `operator ${op} is outside the supported subset`,
);

export const numericArithmetic = createDiagnosticFactory(
  1203,
  'arithmetic on `numeric`',
  'decimal in SQL, binary in JavaScript; use float8',
  (op: string) => `operator ${op}: numeric arithmetic is decimal in SQL and binary in JavaScript; use float8`,
);

export const nonNumericOperand = createDiagnosticFactory(
  1204,
  'arithmetic on non-numbers, `+` on strings',
  'needs numbers; join text with a template string',
  (op: string, type: string) => `operator ${op} needs numbers, not ${type} (use a template string for text)`,
);

export const unorderedTypes = createDiagnosticFactory(
  1205,
  '`<` ... `>=` on anything but numbers, text and timestamptz',
  'no common order in both worlds',
  (op: string, left: string, right: string) => `operator ${op} cannot order ${left} and ${right}`,
);

export const referenceEquality = createDiagnosticFactory(
  1206,
  '`===` on arrays and objects, `.includes()` of an object',
  'reference equality in JavaScript, value equality in SQL; compare their fields',
);

export const nullableDoubleEquality = createDiagnosticFactory(
  1207,
  '`===` on a nullable `float8`',
  'NaN and null need different SQL; narrow with `!== null` before comparing',
);

export const neverEqual = createDiagnosticFactory(
  1208,
  '`===` between a number and a non-number',
  'always false in JavaScript, an error in SQL',
  (left: string, right: string) => `${left} and ${right} are never equal`,
);

export const valueOnlyEquality = createDiagnosticFactory(
  1209,
  '`===` and `.includes()` on `timestamptz`, `jsonb`, `interval`',
  'Dates and JSON compare by reference, interval strings by spelling; SQL compares values',
  (why: string) => `equality: ${why}`,
);

export const truthiness = createDiagnosticFactory(
  1210,
  'truthiness (`if (n)`, `n && b`, `!s`, `n ? a : b`)',
  'conditions and logical operands must be non-null booleans',
  (where: string) => `${where}: must be a non-null boolean; truthiness is outside the subset`,
);

export const noCommonType = createDiagnosticFactory(
  1211,
  'branches of `?:`, `??` or an array literal with no common type',
  'a SQL expression has one type',
  (left: string, right: string) => `${left} and ${right} have no common SQL type`,
);

// Calls

export const unknownFunction = createDiagnosticFactory(
  1301,
  'calls of anything but a builtin or a compiled function',
  'only `Math.*`/`Number.*` builtins, `Number(s)` and the functions of the compiled files exist in SQL',
  (callee: string) => `\`${callee}\` is not a builtin or a compiled function`,
);

export const wrongArgumentCount = createDiagnosticFactory(
  1302,
  'calls with too many or too few arguments',
  'a SQL function takes exactly its parameters',
  (callee: string, expected: string, got: number) => `${callee} takes ${expected}, not ${got}`,
);

export const nonNumericArgument = createDiagnosticFactory(
  1303,
  '`Math.*` and `Number.*` on non-numbers',
  'they convert their argument to a number in JavaScript',
  (callee: string, type: string) => `${callee} needs numbers, not ${type}`,
);

export const unsupportedMethod = createDiagnosticFactory(
  1304,
  'methods outside the subset (`.toLowerCase()`, `.trim()`, `.indexOf()`, `.map`...)',
  'strings support `.charCodeAt(i)` and `.slice(a, b)` (UTF-16 indexes); arrays `.includes(v)`, `.slice(a, b)`, ' +
    '`.join(sep)`, `.push(v)` as a statement and numeric sorts of a copy. Case mapping and whitespace are Unicode-wide ' +
    "in JavaScript and the locale's in SQL",
  (method: string, on: string) => `.${method}() on ${on} is outside the subset`,
);

export const pushAsValue = createDiagnosticFactory(
  1305,
  '`.push()` as a value',
  'push is a statement (`xs.push(v);`); its result is a length in JavaScript',
);

export const sortInPlace = createDiagnosticFactory(
  1306,
  'sorting an array in place',
  'sort mutates its array in JavaScript; sort a copy: `[...xs].sort(...)`',
);

export const unsupportedSort = createDiagnosticFactory(
  1307,
  'sorting without a comparator, or anything but numbers',
  "JavaScript's default sort compares strings; needs a numeric array and `(a, b) => a - b` or `(a, b) => b - a`",
);

export const unsupportedComparator = createDiagnosticFactory(
  1308,
  'comparators other than `(a, b) => a - b` and `(a, b) => b - a`',
  'the comparator becomes ORDER BY',
);

export const unsupportedNumberConversion = createDiagnosticFactory(
  1309,
  '`Number(x)` of anything but a non-null string',
  'Number(s) parses text as JavaScript does; numbers need no conversion, and null and booleans convert by rules SQL does not share',
  (what: string) => `Number() of ${what} is outside the subset`,
);

export const unsupportedJoin = createDiagnosticFactory(
  1310,
  '`.join()` of arrays of doubles, booleans or composites, or with a non-text separator',
  'only text and integers print the same in both worlds (`1e-7` vs `1e-07`, `true` vs `t`)',
  (what: string) => `.join() of ${what} is outside the subset`,
);

// Statements

export const unsupportedStatement = createDiagnosticFactory(
  1401,
  '`switch`, `throw`, `try`, labels, `do`, `for...in`, nested functions and classes, and other statement kinds',
  'not needed by decision logic',
  (kind: string) => `${kind} is outside the supported subset`,
);

export const destructuring = createDiagnosticFactory(1402, 'destructuring', 'declare one variable per name');

export const untypedVariable = createDiagnosticFactory(
  1403,
  'variables without a type annotation or initializer, or initialised with bare `null`',
  'a PL/pgSQL variable needs a type',
);

export const unsupportedAssignment = createDiagnosticFactory(
  1404,
  'assigning to anything but a local variable or parameter',
  'composite fields and array elements are values in SQL; build a new one',
);

export const unsupportedExpressionStatement = createDiagnosticFactory(
  1405,
  'expressions evaluated for nothing (`f(x);`)',
  'only assignments, `++`/`--` and `xs.push(v)` are statements: compiled functions have no effects',
);

export const pushOnSharedArray = createDiagnosticFactory(
  1406,
  '`.push()` on a parameter or an array not built here',
  'SQL arrays are values, JavaScript arrays references: push only onto a local array declared with an array literal',
);

export const unsupportedForOf = createDiagnosticFactory(
  1407,
  '`for...of` over anything but an array or a string, with destructuring or `await`',
  'FOREACH iterates arrays (and the characters of a string) into one variable: `for (const x of xs)`',
);

export const unsupportedForInitializer = createDiagnosticFactory(
  1408,
  '`for` loops whose initializer is not a declaration',
  'declare the loop variables: `for (let i: int = 0; ...)`',
);

export const outsideLoop = createDiagnosticFactory(
  1409,
  '`break`/`continue` outside a loop',
  'there is no loop to leave',
);

export const labelledJump = createDiagnosticFactory(
  1410,
  'labelled `break` and `continue`',
  'labels are outside the subset',
);

export const returnWithoutValue = createDiagnosticFactory(
  1411,
  '`return;` without a value',
  'every compiled function returns a value',
);

// Storing values

export const nullNotAllowed = createDiagnosticFactory(
  1501,
  'null where the declared type is not nullable',
  'declare the slot `T | null`',
  (type: string) => `null cannot be stored where ${type} is not nullable`,
);

export const lossyDoubleToInteger = createDiagnosticFactory(
  1502,
  'a `float8` stored in an `int`/`int8` without Math.floor, ceil, round or trunc',
  "SQL's cast would round silently where JavaScript keeps the fraction",
  (type: string) => `a double precision value stored as ${type} would be rounded by SQL; use Math.floor, Math.ceil, Math.round or Math.trunc`,
);

export const typeMismatch = createDiagnosticFactory(
  1503,
  'storing a value of another type',
  'SQL would convert it or refuse it',
  (from: string, to: string) => `${from} cannot be stored as ${to}`,
);

// Generation

export const missingGeneratedMarkers = createDiagnosticFactory(
  1901,
  'a generated section without its markers',
  'codegen replaces what stands between the begin and end markers; put them back',
  (marker: string) => `generated section: marker \`${marker}\` not found; codegen replaces what stands between its begin and end markers`,
);

/**
 * Not a rule of the subset: a bug of the compiler, reported at the node it was compiling instead of a crash.
 * test/compiler.fuzz.test.ts fails if any input produces it.
 */
export const internalError = createDiagnosticFactory(
  1999,
  'internal compiler error',
  'a bug in codegen/compiler; please report it with the source that caused it',
  (detail: string) => `internal compiler error: ${detail}`,
);
