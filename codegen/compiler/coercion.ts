import type { Node } from 'ts-morph';
import type { Expr } from './context';
import { fail, lossyDoubleToInteger, noCommonType, nullNotAllowed, typeMismatch } from './diagnostics';
import { isDouble, isInteger, isScalar, sameType, sqlTypeName, type DeclaredType, type SqlType } from './types';

/**
 * Converts a value for storage in a slot of the declared type (variable, parameter, field, return value), or rejects
 * it where SQL would silently change the value: a fractional double stored in an int would be rounded by the cast.
 */
export function coerce(expr: Expr, target: DeclaredType, node: Node): string {
  // Either side was rejected already; its diagnostic says what to fix.
  if (expr.failed || target.failed) return expr.sql;
  const to = target.type;
  const from = expr.type;
  if (from.kind === 'null') {
    if (!target.nullable) {
      fail(nullNotAllowed(node, sqlTypeName(to)));
    }
    return `NULL::${sqlTypeName(to)}`;
  }
  if (sameType(from, to)) {
    return expr.sql;
  }
  if (isInteger(to) && isInteger(from)) {
    // Narrowing bigint to integer raises "integer out of range" instead of losing digits.
    return isScalar(to, 'integer') ? `(${expr.sql})::integer` : expr.sql;
  }
  if (isInteger(to) && isDouble(from)) {
    if (!expr.integral) {
      fail(lossyDoubleToInteger(node, sqlTypeName(to)));
    }
    return `(${expr.sql})::${sqlTypeName(to)}`;
  }
  if (isDouble(to) && isInteger(from)) {
    return `(${expr.sql})::double precision`;
  }
  if (to.kind === 'array' && from.kind === 'array' && isInteger(to.element) && isInteger(from.element)) {
    return `(${expr.sql})::${sqlTypeName(to)}`;
  }
  if (to.kind === 'array' && from.kind === 'array' && isDouble(to.element) && isInteger(from.element)) {
    return `(${expr.sql})::${sqlTypeName(to)}`;
  }
  fail(typeMismatch(node, sqlTypeName(from), sqlTypeName(to)));
}

/** The common type of two branches (ternary, ??, Math.min): the wider number type, else they must agree. */
export function unify(a: SqlType, b: SqlType, node: Node): SqlType {
  if (a.kind === 'null') return b;
  if (b.kind === 'null') return a;
  if (sameType(a, b)) return a;
  if ((isInteger(a) || isDouble(a)) && (isInteger(b) || isDouble(b))) {
    if (isDouble(a) || isDouble(b)) return a.kind === 'scalar' && isDouble(a) ? a : b;
    return isScalar(a, 'bigint') ? a : b;
  }
  fail(noCommonType(node, sqlTypeName(a), sqlTypeName(b)));
}
