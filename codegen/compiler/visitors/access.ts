import { Node, type Expression } from 'ts-morph';
import type { Expr, FunctionContext } from '../context';
import { unsupported } from '../diagnostics';
import { quoteIdent } from '../identifiers';
import { INTEGER, isInteger } from '../types';
import { builtinConstant } from '../builtins';

/** `o.field` on composites, `a.length` on arrays, and constants such as Number.MAX_SAFE_INTEGER. */
export function propertyAccess(node: Expression, ctx: FunctionContext): Expr {
  if (!Node.isPropertyAccessExpression(node)) throw unsupported(node, node.getKindName(), 'expected a property access');
  if (node.hasQuestionDotToken()) {
    throw unsupported(node, 'optional chaining', 'check for null with `!== null` instead of `?.`');
  }
  const constant = builtinConstant(node.getText());
  if (constant) return constant;
  const name = node.getName();
  const target = ctx.expr(node.getExpression());
  if (target.type.kind === 'array' && name === 'length') {
    return { sql: `cardinality(${target.sql})`, type: INTEGER };
  }
  if (target.type.kind === 'composite') {
    const iface = ctx.program.interfaces.get(target.type.name)!;
    const field = iface.fields.find((f) => f.name === name);
    if (field) {
      return { sql: `(${target.sql}).${quoteIdent(field.name)}`, type: field.declared.type };
    }
  }
  throw unsupported(node, 'property access', `\`.${name}\` is outside the subset for this value`);
}

/** `a[i]`: JavaScript arrays start at 0 and SQL arrays at 1; out of range is undefined in one and NULL in the other. */
export function elementAccess(node: Expression, ctx: FunctionContext): Expr {
  if (!Node.isElementAccessExpression(node)) throw unsupported(node, node.getKindName(), 'expected an element access');
  const target = ctx.expr(node.getExpression());
  const indexNode = node.getArgumentExpressionOrThrow();
  const index = ctx.expr(indexNode);
  if (target.type.kind !== 'array') {
    throw unsupported(node, 'element access', 'only arrays can be indexed');
  }
  if (!isInteger(index.type)) {
    throw unsupported(indexNode, 'array index', 'the index must be an int or int8');
  }
  const sqlIndex = index.constant !== undefined ? String(index.constant + 1) : `${index.sql} + 1`;
  return { sql: `(${target.sql})[${sqlIndex}]`, type: target.type.element };
}
