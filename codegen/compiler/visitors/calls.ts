import { Node, type ArrowFunction, type CallExpression, type Expression } from 'ts-morph';
import { MATH } from '../builtins';
import { coerce } from '../coercion';
import type { Expr, FunctionContext } from '../context';
import { unsupported } from '../diagnostics';
import { qualified } from '../identifiers';
import { BOOLEAN, isNumber, sqlTypeName } from '../types';

export function callExpression(node: Expression, ctx: FunctionContext): Expr {
  if (!Node.isCallExpression(node)) throw unsupported(node, node.getKindName(), 'expected a call');
  const callee = node.getExpression();
  const builtin = MATH[callee.getText()];
  if (builtin) {
    return builtin(node.getArguments().map((a) => ctx.expr(a as Expression)), node, ctx);
  }
  if (Node.isPropertyAccessExpression(callee)) {
    return arrayMethod(node, callee.getName(), callee.getExpression(), ctx);
  }
  if (Node.isIdentifier(callee)) {
    return compiledCall(node, ctx);
  }
  throw unsupported(node, 'call', `\`${callee.getText()}\` is outside the supported subset`);
}

/** A call to another compiled function: arguments are converted exactly as for assignment. */
function compiledCall(node: CallExpression, ctx: FunctionContext): Expr {
  const symbol = node.getExpression().getSymbol();
  const target = symbol?.isAlias() ? symbol.getAliasedSymbol() : symbol;
  const declaration = target?.getDeclarations()[0];
  const info = declaration ? ctx.program.functionFor(declaration) : undefined;
  if (!info) {
    throw unsupported(node, 'call', `\`${node.getExpression().getText()}\` is not a builtin or an exported compiled function`);
  }
  const args = node.getArguments().map((a, i) => {
    const param = info.params[i]!;
    return coerce(ctx.expr(a as Expression, param.declared.type), param.declared, a);
  });
  return { sql: `${qualified(info.sqlName)}(${args.join(', ')})`, type: info.returns.type };
}

function arrayMethod(node: CallExpression, method: string, receiverNode: Expression, ctx: FunctionContext): Expr {
  const receiver = ctx.expr(receiverNode);
  if (receiver.type.kind !== 'array') {
    throw unsupported(node, `.${method}()`, `method calls on ${sqlTypeName(receiver.type)} are outside the subset`);
  }
  const args = node.getArguments() as Expression[];
  switch (method) {
    case 'slice':
      if (args.length > 0) throw unsupported(node, '.slice()', 'only the copying form `.slice()` is supported');
      return { ...receiver, fresh: true };
    case 'includes': {
      if (args.length !== 1) throw unsupported(node, '.includes()', 'takes one argument');
      const value = ctx.expr(args[0]!, receiver.type.element);
      // Both sides agree that NaN is included in an array holding NaN (SameValueZero and float8 equality).
      return { sql: `(${value.sql} = ANY(${receiver.sql}))`, type: BOOLEAN };
    }
    case 'sort':
      return sort(node, receiver, args);
    case 'push':
      throw unsupported(node, '.push()', 'push is a statement (`xs.push(v);`), not a value');
    default:
      throw unsupported(node, `.${method}()`, 'array method outside the subset');
  }
}

/**
 * Only numeric sorts with an `(a, b) => a - b` or `(a, b) => b - a` comparator: JavaScript's default sort compares
 * strings. Sorting mutates in JavaScript, so the receiver must be a fresh copy ([...xs] or xs.slice()).
 */
function sort(node: CallExpression, receiver: Expr, args: Expression[]): Expr {
  if (!receiver.fresh) {
    throw unsupported(node, '.sort()', 'sort mutates its array in JavaScript; sort a copy: [...xs].sort(...)');
  }
  const element = receiver.type.kind === 'array' ? receiver.type.element : receiver.type;
  const comparator = args[0];
  if (args.length !== 1 || !comparator || !Node.isArrowFunction(comparator) || !isNumber(element)) {
    throw unsupported(node, '.sort()', 'needs a numeric array and a comparator (a, b) => a - b or (a, b) => b - a');
  }
  const direction = comparatorDirection(comparator);
  // JavaScript's sort is stable: elements the comparator calls equal (0 and -0) keep their order.
  return {
    sql: `ARRAY(SELECT e FROM unnest(${receiver.sql}) WITH ORDINALITY AS t(e, i) ORDER BY e${direction === 'desc' ? ' DESC' : ''}, i)`,
    type: receiver.type,
    fresh: true,
  };
}

function comparatorDirection(fn: ArrowFunction): 'asc' | 'desc' {
  const [a, b] = fn.getParameters().map((p) => p.getName());
  const body = fn.getBody().getText().replace(/\s+/g, '');
  if (body === `${a}-${b}`) return 'asc';
  if (body === `${b}-${a}`) return 'desc';
  throw unsupported(fn, 'sort comparator', 'only (a, b) => a - b and (a, b) => b - a are supported');
}

