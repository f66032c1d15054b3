import { Node } from 'ts-morph';
import type { Expr, FunctionContext } from './context';
import { fail, nonNumericArgument, unsupportedNumberConversion, wrongArgumentCount } from './diagnostics';
import { BIGINT, BOOLEAN, DOUBLE, INTEGER, isDouble, isInteger, isNumber, isScalar, sqlTypeName } from './types';
import { power } from './visitors/operators';

/** A builtin takes compiled arguments and returns the compiled call, or rejects the arguments. */
type Builtin = (args: readonly Expr[], node: Node, ctx: FunctionContext) => Expr;

function numbers(args: readonly Expr[], node: Node, name: string, arity?: number): void {
  if (arity !== undefined && args.length !== arity) {
    fail(wrongArgumentCount(node, name, `${arity} argument${arity === 1 ? '' : 's'}`, args.length));
  }
  if (args.length === 0) fail(wrongArgumentCount(node, name, 'at least one argument', 0));
  for (const a of args) {
    if (!isNumber(a.type)) fail(nonNumericArgument(node, name, sqlTypeName(a.type)));
  }
}

const isWhole = (e: Expr): boolean => isInteger(e.type) || Boolean(e.integral);

/** Math.min and Math.max: LEAST/GREATEST on integers; on doubles a NaN-propagating helper, folded left. */
const extreme =
  (sql: 'LEAST' | 'GREATEST', helper: 'js_min' | 'js_max', name: string): Builtin =>
  (args, node, ctx) => {
    numbers(args, node, name);
    if (args.every((a) => isInteger(a.type))) {
      const type = args.some((a) => isScalar(a.type, 'bigint')) ? BIGINT : INTEGER;
      return args.length === 1 ? args[0]! : { sql: `${sql}(${args.map((a) => a.sql).join(', ')})`, type };
    }
    const fn = ctx.helper(helper);
    const folded = args.slice(1).reduce((acc, a) => `${fn}(${acc}, ${a.sql})`, args[0]!.sql);
    return { sql: folded, type: DOUBLE, integral: args.every(isWhole) };
  };

/** floor, ceil and trunc are exact on IEEE doubles in both worlds and the identity on integers. */
const rounding =
  (sqlName: string, name: string): Builtin =>
  (args, node) => {
    numbers(args, node, name, 1);
    const [x] = args as [Expr];
    return isInteger(x.type) ? x : { sql: `${sqlName}(${x.sql})`, type: DOUBLE, integral: true };
  };

export const MATH: Record<string, Builtin> = {
  'Math.min': extreme('LEAST', 'js_min', 'Math.min'),
  'Math.max': extreme('GREATEST', 'js_max', 'Math.max'),
  'Math.floor': rounding('floor', 'Math.floor'),
  'Math.ceil': rounding('ceil', 'Math.ceil'),
  'Math.trunc': rounding('trunc', 'Math.trunc'),
  'Math.round': (args, node, ctx) => {
    numbers(args, node, 'Math.round', 1);
    const [x] = args as [Expr];
    return isInteger(x.type) ? x : { sql: `${ctx.helper('js_round')}(${x.sql})`, type: DOUBLE, integral: true };
  },
  'Math.abs': (args, node) => {
    numbers(args, node, 'Math.abs', 1);
    const [x] = args as [Expr];
    // abs() of the smallest int4 overflows; widening first keeps JavaScript's answer.
    const sql = isScalar(x.type, 'integer') ? `abs(${x.sql}::bigint)` : `abs(${x.sql})`;
    return { sql, type: isScalar(x.type, 'integer') ? BIGINT : x.type, integral: x.integral };
  },
  'Math.sqrt': (args, node, ctx) => {
    numbers(args, node, 'Math.sqrt', 1);
    return { sql: `${ctx.helper('js_sqrt')}(${args[0]!.sql})`, type: DOUBLE };
  },
  'Math.pow': (args, node, ctx) => {
    numbers(args, node, 'Math.pow', 2);
    return power(node, args[0]!, args[1]!, ctx);
  },
  'Number.isNaN': (args, node) => {
    numbers(args, node, 'Number.isNaN', 1);
    const [x] = args as [Expr];
    return { sql: isDouble(x.type) ? `(${x.sql} = 'NaN'::double precision)` : 'false', type: BOOLEAN };
  },
  'Number.isFinite': (args, node) => {
    numbers(args, node, 'Number.isFinite', 1);
    const [x] = args as [Expr];
    return {
      sql: isDouble(x.type) ? `(${x.sql} <> 'NaN'::double precision AND abs(${x.sql}) <> 'Infinity'::double precision)` : 'true',
      type: BOOLEAN,
    };
  },
};

/** Global functions (not shadowed by a local of the same name). */
export const GLOBAL_FUNCTIONS: Record<string, Builtin> = {
  // Number(s) of a string parses it as JavaScript does (js_number); of anything else it is not needed or not exact.
  Number: (args, node, ctx) => {
    if (args.length !== 1) fail(wrongArgumentCount(node, 'Number()', '1 argument', args.length));
    const [s] = args as [Expr];
    if (s.failed) return s;
    if (!isScalar(s.type, 'text')) fail(unsupportedNumberConversion(node, sqlTypeName(s.type)));
    // Number(null) is 0 in JavaScript and the helper's NULL in SQL.
    const argument = Node.isCallExpression(node) ? node.getArguments()[0] : undefined;
    if (argument && ctx.mayBeNull(argument)) fail(unsupportedNumberConversion(node, 'a nullable string'));
    return { sql: `${ctx.helper('js_number')}(${s.sql})`, type: DOUBLE };
  },
};

const CONSTANTS: Record<string, Expr> = {
  'Number.MAX_SAFE_INTEGER': { sql: '9007199254740991', type: BIGINT, constant: Number.MAX_SAFE_INTEGER },
  'Number.MIN_SAFE_INTEGER': { sql: '(-9007199254740991)', type: BIGINT, constant: Number.MIN_SAFE_INTEGER },
  'Number.POSITIVE_INFINITY': { sql: "'Infinity'::double precision", type: DOUBLE, constant: Infinity },
  'Number.NEGATIVE_INFINITY': { sql: "'-Infinity'::double precision", type: DOUBLE, constant: -Infinity },
  'Number.NaN': { sql: "'NaN'::double precision", type: DOUBLE, constant: NaN },
};

export function builtinConstant(text: string): Expr | undefined {
  return CONSTANTS[text];
}
