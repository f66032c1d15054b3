import { SyntaxKind, type Expression } from 'ts-morph';
import type { Expr, FunctionContext } from '../context';
import { describeNode, fail, unsupportedExpression } from '../diagnostics';
import type { SqlType } from '../types';
import { elementAccess, propertyAccess } from './access';
import { callExpression } from './calls';
import { arrayLiteral, objectLiteral } from './constructors';
import {
  falseKeyword,
  identifier,
  nonNull,
  nullKeyword,
  numericLiteral,
  parenthesized,
  stringLiteral,
  templateExpression,
  trueKeyword,
} from './literals';
import { binaryExpression, conditional, prefixUnary } from './operators';

type ExpressionVisitor = (node: Expression, ctx: FunctionContext, expected?: SqlType) => Expr;

/** One visitor per syntax kind; a kind missing here is outside the subset and reported where it stands. */
const VISITORS: Partial<Record<SyntaxKind, ExpressionVisitor>> = {
  [SyntaxKind.NumericLiteral]: numericLiteral,
  [SyntaxKind.StringLiteral]: stringLiteral,
  [SyntaxKind.NoSubstitutionTemplateLiteral]: stringLiteral,
  [SyntaxKind.TemplateExpression]: templateExpression,
  [SyntaxKind.TrueKeyword]: trueKeyword,
  [SyntaxKind.FalseKeyword]: falseKeyword,
  [SyntaxKind.NullKeyword]: nullKeyword,
  [SyntaxKind.Identifier]: identifier,
  [SyntaxKind.ParenthesizedExpression]: parenthesized,
  [SyntaxKind.NonNullExpression]: nonNull,
  [SyntaxKind.BinaryExpression]: binaryExpression,
  [SyntaxKind.PrefixUnaryExpression]: prefixUnary,
  [SyntaxKind.ConditionalExpression]: conditional,
  [SyntaxKind.PropertyAccessExpression]: propertyAccess,
  [SyntaxKind.ElementAccessExpression]: elementAccess,
  [SyntaxKind.CallExpression]: callExpression,
  [SyntaxKind.ObjectLiteralExpression]: objectLiteral,
  [SyntaxKind.ArrayLiteralExpression]: arrayLiteral,
};

export function compileExpression(node: Expression, ctx: FunctionContext, expected?: SqlType): Expr {
  const visitor = VISITORS[node.getKind()];
  if (!visitor) {
    fail(unsupportedExpression(node, describeNode(node)));
  }
  return visitor(node, ctx, expected);
}
