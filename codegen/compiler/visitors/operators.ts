import { Node, SyntaxKind, type Expression } from 'ts-morph';
import { unify } from '../coercion';
import type { Expr, FunctionContext } from '../context';
import {
  fail,
  internalError,
  looseEquality,
  neverEqual,
  nonNumericOperand,
  nullableDoubleEquality,
  numericArithmetic,
  referenceEquality,
  truthiness,
  unorderedTypes,
  unsupportedOperator,
  valueOnlyEquality,
} from '../diagnostics';
import { BIGINT, BOOLEAN, DOUBLE, isDouble, isInteger, isNumber, isScalar, sqlTypeName, type SqlType } from '../types';
import { formatDouble } from './literals';

type Visitor = (node: Expression, ctx: FunctionContext, expected?: SqlType) => Expr;

const ASSIGNMENTS = new Set(['=', '+=', '-=', '*=', '/=', '%=', '**=', '&=', '|=', '^=', '<<=', '>>=', '>>>=', '&&=', '||=', '??=']);

const ORDERING: Record<string, { op: string; helper: 'js_lt' | 'js_le' | 'js_gt' | 'js_ge' }> = {
  '<': { op: '<', helper: 'js_lt' },
  '<=': { op: '<=', helper: 'js_le' },
  '>': { op: '>', helper: 'js_gt' },
  '>=': { op: '>=', helper: 'js_ge' },
};

export const binaryExpression: Visitor = (node, ctx) => {
  if (!Node.isBinaryExpression(node)) fail(internalError(node, 'expected a binary expression'));
  const operator = node.getOperatorToken().getText();
  const leftNode = node.getLeft();
  const rightNode = node.getRight();
  switch (operator) {
    case '+':
    case '-':
    case '*':
    case '/':
    case '**':
    case '<':
    case '<=':
    case '>':
    case '>=':
      return binaryOperation(node, operator, ctx.expr(leftNode), ctx.expr(rightNode), ctx);
    case '===':
    case '!==':
      return equality(node, operator === '!==', ctx);
    case '&&':
    case '||':
      return logical(node, operator === '&&' ? 'AND' : 'OR', ctx);
    case '??': {
      const left = ctx.expr(leftNode);
      const right = ctx.expr(rightNode, left.type);
      return { sql: `COALESCE(${left.sql}, ${right.sql})`, type: unify(left.type, right.type, node) };
    }
    default: {
      const operatorToken = node.getOperatorToken();
      const rejected = ctx.reject(
        operator === '==' || operator === '!=' ? looseEquality(operatorToken, operator) : unsupportedOperator(operatorToken, operator),
      );
      // The operands may hold problems of their own. (Not the target of an assignment: `y = n` assigns to y.)
      if (!ASSIGNMENTS.has(operator)) ctx.expr(leftNode);
      ctx.expr(rightNode);
      return rejected;
    }
  }
};

/** Operators whose operands are compiled independently; compound assignments (`x += y`) come here too. */
export function binaryOperation(node: Node, operator: string, left: Expr, right: Expr, ctx: FunctionContext): Expr {
  switch (operator) {
    case '/':
      return division(node, left, right, ctx);
    case '**':
      return power(node, left, right, ctx);
    case '<':
    case '<=':
    case '>':
    case '>=':
      return ordering(node, operator, left, right, ctx);
    default:
      return arithmetic(node, operator, left, right);
  }
}

function requireNumbers(node: Node, operator: string, left: Expr, right: Expr): void {
  for (const side of [left, right]) {
    if (isScalar(side.type, 'numeric')) fail(numericArithmetic(node, operator));
    if (!isNumber(side.type)) fail(nonNumericOperand(node, operator, sqlTypeName(side.type)));
  }
}

/**
 * Integer arithmetic runs in bigint, so an int4 product cannot overflow where JavaScript would not; a double on
 * either side makes it float8 arithmetic, which is IEEE 754 in both worlds.
 */
function arithmetic(node: Node, operator: string, left: Expr, right: Expr): Expr {
  requireNumbers(node, operator, left, right);
  if (isInteger(left.type) && isInteger(right.type)) {
    const widened = isScalar(left.type, 'bigint') || isScalar(right.type, 'bigint') ? left.sql : `${left.sql}::bigint`;
    return { sql: `(${widened} ${operator} ${right.sql})`, type: BIGINT };
  }
  const integral = (left.integral || isInteger(left.type)) && (right.integral || isInteger(right.type));
  return { sql: `(${left.sql} ${operator} ${right.sql})`, type: DOUBLE, integral };
}

function division(node: Node, left: Expr, right: Expr, ctx: FunctionContext): Expr {
  requireNumbers(node, '/', left, right);
  if (right.constant !== undefined && right.constant !== 0 && Number.isFinite(right.constant)) {
    return { sql: `(${left.sql}::double precision / ${right.sql})`, type: DOUBLE };
  }
  return { sql: `${ctx.helper('js_div')}(${left.sql}, ${right.sql})`, type: DOUBLE };
}

export function power(node: Node, left: Expr, right: Expr, ctx: FunctionContext): Expr {
  requireNumbers(node, '**', left, right);
  return { sql: `${ctx.helper('js_pow')}(${left.sql}, ${right.sql})`, type: DOUBLE };
}

function ordering(node: Node, operator: string, left: Expr, right: Expr, ctx: FunctionContext): Expr {
  const { op, helper } = ORDERING[operator]!;
  if (isNumber(left.type) && isNumber(right.type)) {
    if (isDouble(left.type) || isDouble(right.type)) {
      return { sql: `${ctx.helper(helper)}(${left.sql}, ${right.sql})`, type: BOOLEAN };
    }
    return { sql: `(${left.sql} ${op} ${right.sql})`, type: BOOLEAN };
  }
  if (isScalar(left.type, 'text') && isScalar(right.type, 'text')) {
    // JavaScript orders strings by UTF-16 code unit, whatever the database's collation says. Byte order (COLLATE "C")
    // is code point order, which differs from it only where a character above U+FFFF meets one of U+E000 to U+FFFF:
    // against a literal below U+D800 (`c >= '0'`) the two agree, otherwise both sides become code-unit keys.
    if (belowSurrogates(left.literal) || belowSurrogates(right.literal)) {
      return { sql: `(${left.sql} ${op} ${right.sql} COLLATE "C")`, type: BOOLEAN };
    }
    const key = ctx.helper('js_text_key');
    return { sql: `(${key}(${left.sql}) ${op} ${key}(${right.sql}))`, type: BOOLEAN };
  }
  if (isScalar(left.type, 'timestamptz') && isScalar(right.type, 'timestamptz')) {
    return { sql: `(${left.sql} ${op} ${right.sql})`, type: BOOLEAN };
  }
  fail(unorderedTypes(node, operator, sqlTypeName(left.type), sqlTypeName(right.type)));
}

/**
 * A literal whose every code unit is below U+D800. Wherever another string first differs from it, the literal's
 * character is below both a surrogate (UTF-16) and any character from U+D800 up (code points), so code-unit order
 * and byte order agree on the comparison, prefixes included.
 */
function belowSurrogates(literal: string | undefined): boolean {
  return literal !== undefined && [...literal].every((c) => c.charCodeAt(0) < 0xd800);
}

/** Types whose === (and so .includes()) means something else in JavaScript than = in SQL. */
export const BY_VALUE_ONLY_IN_SQL: readonly (readonly ['timestamptz' | 'jsonb' | 'interval', string])[] = [
  ['timestamptz', 'Date objects compare by reference in JavaScript; compare instants with <= and >='],
  ['jsonb', 'JSON values compare by reference in JavaScript and by value in SQL'],
  ['interval', "intervals are strings in JavaScript, compared by spelling; SQL finds '1 day' = '24 hours'"],
];

function equality(node: Expression, negate: boolean, ctx: FunctionContext): Expr {
  if (!Node.isBinaryExpression(node)) fail(internalError(node, 'expected a binary expression'));
  const leftNode = node.getLeft();
  const rightNode = node.getRight();
  const left = ctx.expr(leftNode);
  const right = ctx.expr(rightNode, left.type);
  if (left.failed || right.failed) return { sql: 'NULL', type: BOOLEAN, failed: true };
  if (left.type.kind === 'null' || right.type.kind === 'null') {
    const other = left.type.kind === 'null' ? right : left;
    if (other.type.kind === 'composite') {
      // A row IS NULL when all its fields are, and IS NOT NULL only when none is: `{ a: null }` would be null.
      // DISTINCT FROM NULL asks about the value itself.
      return { sql: `(${other.sql} IS ${negate ? '' : 'NOT '}DISTINCT FROM NULL)`, type: BOOLEAN };
    }
    return { sql: `(${other.sql} IS ${negate ? 'NOT ' : ''}NULL)`, type: BOOLEAN };
  }
  if (left.type.kind !== 'scalar' || right.type.kind !== 'scalar') {
    fail(referenceEquality(node));
  }
  const nullable = ctx.mayBeNull(leftNode) || ctx.mayBeNull(rightNode);
  if (isDouble(left.type) || isDouble(right.type)) {
    if (nullable) {
      fail(nullableDoubleEquality(node));
    }
    const sql = `${ctx.helper('js_eq')}(${left.sql}, ${right.sql})`;
    return { sql: negate ? `(NOT ${sql})` : sql, type: BOOLEAN };
  }
  if (isNumber(left.type) !== isNumber(right.type)) {
    fail(neverEqual(node, sqlTypeName(left.type), sqlTypeName(right.type)));
  }
  for (const [name, why] of BY_VALUE_ONLY_IN_SQL) {
    if (isScalar(left.type, name) || isScalar(right.type, name)) fail(valueOnlyEquality(node, why));
  }
  if (nullable) {
    return { sql: `(${left.sql} IS ${negate ? '' : 'NOT '}DISTINCT FROM ${right.sql})`, type: BOOLEAN };
  }
  return { sql: `(${left.sql} ${negate ? '<>' : '='} ${right.sql})`, type: BOOLEAN };
}

function logical(node: Expression, op: 'AND' | 'OR', ctx: FunctionContext): Expr {
  if (!Node.isBinaryExpression(node)) fail(internalError(node, 'expected a binary expression'));
  const left = ctx.expr(node.getLeft());
  const right = ctx.expr(node.getRight());
  for (const [side, expr] of [[node.getLeft(), left], [node.getRight(), right]] as const) {
    if (expr.failed) continue;
    if (!isScalar(expr.type, 'boolean') || ctx.mayBeNull(side)) {
      fail(truthiness(side, `operand of ${op === 'AND' ? '&&' : '||'}`));
    }
  }
  return { sql: `(${left.sql} ${op} ${right.sql})`, type: BOOLEAN };
}

export const prefixUnary: Visitor = (node, ctx) => {
  if (!Node.isPrefixUnaryExpression(node)) fail(internalError(node, 'expected a unary expression'));
  const operand = ctx.expr(node.getOperand());
  switch (node.getOperatorToken()) {
    case SyntaxKind.ExclamationToken:
      if (!isScalar(operand.type, 'boolean') || ctx.mayBeNull(node.getOperand())) {
        fail(truthiness(node, 'operand of !'));
      }
      return { sql: `(NOT ${operand.sql})`, type: BOOLEAN };
    case SyntaxKind.MinusToken:
      if (!isNumber(operand.type)) fail(nonNumericOperand(node, '-', sqlTypeName(operand.type)));
      if (operand.constant !== undefined) {
        const value = -operand.constant;
        if (Object.is(value, -0)) {
          // JavaScript's -0 is no SQL integer, and it decides the sign of x / -0, so it stays a double.
          return { sql: `${formatDouble(value)}::double precision`, type: DOUBLE, integral: true, constant: value };
        }
        const sql = isDouble(operand.type) ? `${formatDouble(value)}::double precision` : String(value);
        return { ...operand, sql: value < 0 && !isDouble(operand.type) ? `(${sql})` : sql, constant: value };
      }
      if (isScalar(operand.type, 'integer')) {
        // Like the other integer arithmetic, in bigint: -(-2147483648) does not fit an int4.
        return { sql: `(- ${operand.sql}::bigint)`, type: BIGINT };
      }
      return { ...operand, sql: `(- ${operand.sql})` };
    case SyntaxKind.PlusToken:
      if (!isNumber(operand.type)) fail(nonNumericOperand(node, '+', sqlTypeName(operand.type)));
      return operand;
    default:
      fail(unsupportedOperator(node, `${prefixOperator(node.getOperatorToken())} (++/-- only as statements)`));
  }
};

export const conditional: Visitor = (node, ctx, expected) => {
  if (!Node.isConditionalExpression(node)) fail(internalError(node, 'expected a conditional'));
  const condition = ctx.expr(node.getCondition());
  const whenTrue = ctx.expr(node.getWhenTrue(), expected);
  const whenFalse = ctx.expr(node.getWhenFalse(), expected ?? whenTrue.type);
  if (condition.failed || whenTrue.failed || whenFalse.failed) return ctx.failed();
  if (!isScalar(condition.type, 'boolean') || ctx.mayBeNull(node.getCondition())) {
    fail(truthiness(node.getCondition(), 'condition of ?:'));
  }
  const type = unify(whenTrue.type, whenFalse.type, node);
  return {
    sql: `CASE WHEN ${condition.sql} THEN ${whenTrue.sql} ELSE ${whenFalse.sql} END`,
    type,
    integral: isDouble(type) ? Boolean(whenTrue.integral || isInteger(whenTrue.type)) && Boolean(whenFalse.integral || isInteger(whenFalse.type)) : false,
  };
};

function prefixOperator(kind: SyntaxKind): string {
  switch (kind) {
    case SyntaxKind.PlusPlusToken:
      return '++';
    case SyntaxKind.MinusMinusToken:
      return '--';
    case SyntaxKind.TildeToken:
      return '~';
    default:
      return SyntaxKind[kind];
  }
}
