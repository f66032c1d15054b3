import { Node, type ArrowFunction, type CallExpression, type Expression } from 'ts-morph';
import { GLOBAL_FUNCTIONS, MATH } from '../builtins';
import { coerce } from '../coercion';
import type { Expr, FunctionContext } from '../context';
import {
  fail,
  internalError,
  nonIntegerIndex,
  optionalChaining,
  pushAsValue,
  referenceEquality,
  sortInPlace,
  unknownFunction,
  unsupportedComparator,
  unsupportedExpression,
  unsupportedJoin,
  unsupportedMethod,
  unsupportedSort,
  valueOnlyEquality,
  wrongArgumentCount,
} from '../diagnostics';
import { internalName, qualified } from '../identifiers';
import { BOOLEAN, DOUBLE, TEXT, isInteger, isNumber, isScalar, sqlTypeName } from '../types';
import { sliceBound } from '../runtime';
import { isGlobal } from './literals';
import { BY_VALUE_ONLY_IN_SQL } from './operators';

export function callExpression(node: Expression, ctx: FunctionContext): Expr {
  if (!Node.isCallExpression(node)) fail(internalError(node, 'expected a call'));
  const callee = node.getExpression();
  if (node.hasQuestionDotToken()) fail(optionalChaining(node));
  if (node.getTypeArguments().length > 0) fail(unsupportedExpression(node, 'a call with type arguments'));
  const builtin = MATH[callee.getText()] ?? (isGlobal(callee, callee.getText()) ? GLOBAL_FUNCTIONS[callee.getText()] : undefined);
  if (builtin) {
    return builtin(node.getArguments().map((a) => ctx.expr(a as Expression)), node, ctx);
  }
  if (Node.isPropertyAccessExpression(callee)) {
    return method(node, callee.getName(), callee.getExpression(), ctx);
  }
  if (Node.isIdentifier(callee)) {
    return compiledCall(node, ctx);
  }
  fail(unknownFunction(node, callee.getText()));
}

/** A call to another compiled function (exported or module-private): arguments are converted as for assignment. */
function compiledCall(node: CallExpression, ctx: FunctionContext): Expr {
  const callee = node.getExpression();
  // A local that was rejected where it was declared (`const g = (a: int) => a;`) is not reported again.
  if (ctx.variableFor(callee)?.declared.failed) return ctx.failed();
  const symbol = callee.getSymbol();
  const target = symbol?.isAlias() ? symbol.getAliasedSymbol() : symbol;
  const declaration = target?.getDeclarations()[0];
  const info = declaration ? ctx.program.functionFor(declaration) : undefined;
  if (!info) {
    // A function the compiler rejected where it is declared (an overload, a nested function) is not reported again.
    if (declaration && (ctx.program.rejected.has(declaration) || ctx.rejectedDeclaration(callee))) return ctx.failed();
    fail(unknownFunction(node, callee.getText()));
  }
  const args = node.getArguments();
  if (args.length !== info.params.length) {
    const n = info.params.length;
    fail(wrongArgumentCount(node, `${info.name}()`, `${n} argument${n === 1 ? '' : 's'}`, args.length));
  }
  const values = args.map((a, i) => {
    const param = info.params[i]!;
    return coerce(ctx.expr(a as Expression, param.declared.type), param.declared, a);
  });
  return { sql: `${qualified(info.sqlName)}(${values.join(', ')})`, type: info.returns.type, failed: info.returns.failed };
}

/** A variable, a parameter or an integer constant: SQL that may be repeated at no cost. */
const isVariableOrConstant = (sql: string): boolean => /^(?:[a-z_][a-z0-9_$]*|"(?:[^"]|"")+"|\(?-?[0-9]+\)?)$/.test(sql);

/** The largest index both worlds hold exactly: `.slice(a)` is `.slice(a, this)`, clamped to the length. */
const TO_THE_END = '9007199254740991';

/** Method calls: on strings and on arrays. */
function method(node: CallExpression, name: string, receiverNode: Expression, ctx: FunctionContext): Expr {
  const receiver = ctx.expr(receiverNode);
  if (isScalar(receiver.type, 'text')) return stringMethod(node, name, receiver, ctx);
  if (receiver.type.kind !== 'array') {
    fail(unsupportedMethod(node, name, receiver.failed ? 'a rejected value' : sqlTypeName(receiver.type)));
  }
  return arrayMethod(node, name, receiver, ctx);
}

/** The index arguments of charCodeAt and slice: integers, as fractional indexes are truncated in JavaScript only. */
function indexes(node: CallExpression, name: string, ctx: FunctionContext, min: number, max: number): string[] {
  const args = node.getArguments() as Expression[];
  if (args.length < min || args.length > max) {
    const expected = min === max ? `${min} argument${min === 1 ? '' : 's'}` : `${min} to ${max} arguments`;
    fail(wrongArgumentCount(node, `.${name}()`, expected, args.length));
  }
  return args.map((a) => {
    const value = ctx.expr(a);
    if (!value.failed && !isInteger(value.type)) fail(nonIntegerIndex(a));
    return value.sql;
  });
}

/**
 * Strings are sequences of UTF-16 code units in JavaScript and of characters (code points) in PostgreSQL: the runtime
 * helpers count a character above U+FFFF as two units, as JavaScript does.
 */
function stringMethod(node: CallExpression, name: string, receiver: Expr, ctx: FunctionContext): Expr {
  switch (name) {
    case 'charCodeAt': {
      const [i] = indexes(node, name, ctx, 1, 1);
      return { sql: `${ctx.helper('js_char_code_at')}(${receiver.sql}, ${i})`, type: DOUBLE };
    }
    case 'slice': {
      const [a, b] = indexes(node, name, ctx, 0, 2);
      if (a === undefined) return receiver;
      return { sql: `${ctx.helper('js_slice')}(${receiver.sql}, ${a}, ${b ?? TO_THE_END})`, type: TEXT };
    }
    default:
      fail(unsupportedMethod(node, name, 'text'));
  }
}

function arrayMethod(node: CallExpression, method: string, receiver: Expr, ctx: FunctionContext): Expr {
  if (receiver.type.kind !== 'array') fail(internalError(node, 'expected an array'));
  const args = node.getArguments() as Expression[];
  switch (method) {
    case 'slice': {
      const [a, b] = indexes(node, method, ctx, 0, 2);
      if (a === undefined) return { ...receiver, fresh: true };
      if ([receiver.sql, a, b ?? '0'].every(isVariableOrConstant)) {
        // The bounds repeat the operands, which is cheap for a variable or a constant and saves a call per slice.
        const n = `cardinality(${receiver.sql})`;
        const from = `(${sliceBound(a, n)} + 1)::integer`;
        const to = b === undefined ? n : `(${sliceBound(b, n)})::integer`;
        return { sql: `(${receiver.sql})[${from} : ${to}]`, type: receiver.type, fresh: true };
      }
      return { sql: `${ctx.helper('js_array_slice')}(${receiver.sql}, ${a}, ${b ?? TO_THE_END})`, type: receiver.type, fresh: true };
    }
    case 'join': {
      if (args.length > 1) fail(wrongArgumentCount(node, '.join()', '0 or 1 arguments', args.length));
      const element = receiver.type.element;
      // Text and integers print the same in both worlds; doubles and booleans do not (1e-7 vs 1e-07, true vs t).
      if (!isScalar(element, 'text') && !isInteger(element)) fail(unsupportedJoin(node, sqlTypeName(element)));
      const separator = args[0] ? ctx.expr(args[0], TEXT) : { sql: "','", type: TEXT };
      if (!separator.failed && !isScalar(separator.type, 'text')) fail(unsupportedJoin(args[0]!, `a ${sqlTypeName(separator.type)} separator`));
      return { sql: `array_to_string(${receiver.sql}, ${separator.sql})`, type: TEXT };
    }
    case 'includes': {
      if (args.length !== 1) fail(wrongArgumentCount(node, '.includes()', 'one argument', args.length));
      const element = receiver.type.element;
      // includes() compares as === does (SameValueZero): objects and Dates by reference, intervals by spelling.
      if (element.kind === 'composite') fail(referenceEquality(node));
      for (const [name, why] of BY_VALUE_ONLY_IN_SQL) {
        if (isScalar(element, name)) fail(valueOnlyEquality(node, why));
      }
      const value = ctx.expr(args[0]!, element);
      // Both sides agree that NaN is included in an array holding NaN (SameValueZero and float8 equality).
      return { sql: `(${value.sql} = ANY(${receiver.sql}))`, type: BOOLEAN };
    }
    case 'sort':
      return sort(node, receiver, args);
    case 'push':
      fail(pushAsValue(node));
    default:
      fail(unsupportedMethod(node, method, 'arrays'));
  }
}

/**
 * Only numeric sorts with an `(a, b) => a - b` or `(a, b) => b - a` comparator: JavaScript's default sort compares
 * strings. Sorting mutates in JavaScript, so the receiver must be a fresh copy ([...xs] or xs.slice()).
 */
function sort(node: CallExpression, receiver: Expr, args: Expression[]): Expr {
  if (!receiver.fresh) {
    fail(sortInPlace(node));
  }
  const element = receiver.type.kind === 'array' ? receiver.type.element : receiver.type;
  const comparator = args[0];
  if (args.length !== 1 || !comparator || !Node.isArrowFunction(comparator) || !isNumber(element)) {
    fail(unsupportedSort(node));
  }
  const direction = comparatorDirection(comparator);
  const [rows, value, position] = [internalName('Sorted'), internalName('Value'), internalName('Position')];
  // JavaScript's sort is stable: elements the comparator calls equal (0 and -0) keep their order.
  return {
    sql:
      `ARRAY(SELECT ${value} FROM unnest(${receiver.sql}) WITH ORDINALITY AS ${rows}(${value}, ${position}) ` +
      `ORDER BY ${value}${direction === 'desc' ? ' DESC' : ''}, ${position})`,
    type: receiver.type,
    fresh: true,
  };
}

function comparatorDirection(fn: ArrowFunction): 'asc' | 'desc' {
  const params = fn.getParameters();
  const [a, b] = params.map((p) => p.getNameNode().getText());
  const body = fn.getBody().getText().replace(/\s+/g, '');
  const simple = params.length === 2 && params.every((p) => Node.isIdentifier(p.getNameNode()) && !p.hasInitializer());
  if (simple && a !== b && body === `${a}-${b}`) return 'asc';
  if (simple && a !== b && body === `${b}-${a}`) return 'desc';
  fail(unsupportedComparator(fn));
}

