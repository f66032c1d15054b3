import { Node, type Expression } from 'ts-morph';
import type { Expr, FunctionContext } from '../context';
import {
  fail,
  internalError,
  nonIntegerIndex,
  optionalChaining,
  unsupportedElementAccess,
  unsupportedPropertyAccess,
} from '../diagnostics';
import { quoteIdent } from '../identifiers';
import { INTEGER, isInteger, isScalar, sqlTypeName } from '../types';
import { builtinConstant } from '../builtins';
import { isGlobal } from './literals';

/** `o.field` on composites, `.length` of arrays and strings, and constants such as Number.MAX_SAFE_INTEGER. */
export function propertyAccess(node: Expression, ctx: FunctionContext): Expr {
  if (!Node.isPropertyAccessExpression(node)) fail(internalError(node, 'expected a property access'));
  if (node.hasQuestionDotToken()) {
    fail(optionalChaining(node));
  }
  // Only the global Number: a parameter `Number` of an interface with a field `NaN` is a composite like any other.
  const constant = isGlobal(node.getExpression(), 'Number') ? builtinConstant(node.getText()) : undefined;
  if (constant) return constant;
  const name = node.getName();
  const target = ctx.expr(node.getExpression());
  if (target.type.kind === 'array' && name === 'length') {
    return { sql: `cardinality(${target.sql})`, type: INTEGER };
  }
  if (isScalar(target.type, 'text') && name === 'length') {
    // UTF-16 code units, as in JavaScript: a character above U+FFFF counts twice.
    return { sql: `${ctx.helper('js_length')}(${target.sql})`, type: INTEGER };
  }
  if (target.type.kind === 'composite') {
    const field = ctx.program.interfaces.get(target.type.name)?.fields.find((f) => f.name === name);
    if (field) {
      return { sql: `(${target.sql}).${quoteIdent(field.name)}`, type: field.declared.type, failed: field.declared.failed };
    }
  }
  fail(unsupportedPropertyAccess(node, name, sqlTypeName(target.type)));
}

/** `a[i]`: JavaScript arrays start at 0 and SQL arrays at 1; out of range is undefined in one and NULL in the other. */
export function elementAccess(node: Expression, ctx: FunctionContext): Expr {
  if (!Node.isElementAccessExpression(node)) fail(internalError(node, 'expected an element access'));
  const target = ctx.expr(node.getExpression());
  const indexNode = node.getArgumentExpression();
  if (!indexNode) fail(nonIntegerIndex(node));
  const index = ctx.expr(indexNode);
  if (target.type.kind !== 'array') {
    fail(unsupportedElementAccess(node));
  }
  if (!isInteger(index.type)) {
    fail(nonIntegerIndex(indexNode));
  }
  const sqlIndex = index.constant !== undefined ? String(index.constant + 1) : `${index.sql} + 1`;
  return { sql: `(${target.sql})[${sqlIndex}]`, type: target.type.element };
}
