import { Node, SyntaxKind, type CallExpression, type Expression } from 'ts-morph';
import type { Expr, FunctionContext } from '../context';
import {
  aliasedPushedArray,
  doubleInTemplate,
  fail,
  internalError,
  nullableInTemplate,
  undefinedValue,
  unknownIdentifier,
  unsupportedInTemplate,
} from '../diagnostics';
import { textLiteral } from '../identifiers';
import { BIGINT, BOOLEAN, DOUBLE, INTEGER, NULL_TYPE, TEXT, isDouble, isInteger, isScalar, type SqlType } from '../types';

const INT4_MAX = 2147483647;

export function numericLiteral(node: Expression): Expr {
  if (!Node.isNumericLiteral(node)) fail(internalError(node, 'expected a number'));
  const value = node.getLiteralValue();
  const text = node.getText();
  if (Number.isSafeInteger(value) && /^[0-9_]+$/.test(text)) {
    return { sql: String(value), type: value <= INT4_MAX ? INTEGER : BIGINT, constant: value };
  }
  // A bare 0.5 is numeric in SQL, and numeric arithmetic is decimal: pin every fractional literal to float8.
  return { sql: `${formatDouble(value)}::double precision`, type: DOUBLE, constant: value };
}

export function formatDouble(value: number): string {
  if (Number.isNaN(value)) return "'NaN'";
  if (Object.is(value, -0)) return "'-0'";
  if (value === Infinity) return "'Infinity'";
  if (value === -Infinity) return "'-Infinity'";
  return String(value);
}

export function stringLiteral(node: Expression): Expr {
  if (Node.isStringLiteral(node) || Node.isNoSubstitutionTemplateLiteral(node)) {
    const value = node.getLiteralValue();
    return { sql: textLiteral(value), type: TEXT, literal: value };
  }
  fail(internalError(node, 'expected a string'));
}

export const trueKeyword = (): Expr => ({ sql: 'true', type: BOOLEAN });
export const falseKeyword = (): Expr => ({ sql: 'false', type: BOOLEAN });
export const nullKeyword = (): Expr => ({ sql: 'NULL', type: NULL_TYPE });

/** Template strings become `||` chains of text; every piece's text form is the same in JavaScript and SQL. */
export function templateExpression(node: Expression, ctx: FunctionContext): Expr {
  if (!Node.isTemplateExpression(node)) fail(internalError(node, 'expected a template'));
  const parts: string[] = [];
  const head = node.getHead().getLiteralText();
  if (head) parts.push(textLiteral(head));
  for (const span of node.getTemplateSpans()) {
    const inner = span.getExpression();
    const value = ctx.expr(inner);
    if (value.failed) continue;
    if (ctx.mayBeNull(inner)) fail(nullableInTemplate(inner));
    if (isDouble(value.type)) fail(doubleInTemplate(inner));
    if (isScalar(value.type, 'text')) parts.push(value.sql);
    else if (isInteger(value.type) || isScalar(value.type, 'boolean')) parts.push(`(${value.sql})::text`);
    else fail(unsupportedInTemplate(inner));
    const literal = span.getLiteral().getLiteralText();
    if (literal) parts.push(textLiteral(literal));
  }
  return { sql: parts.length === 0 ? "''" : `(${parts.join(' || ')})`, type: TEXT };
}

/** Identifiers: variables and parameters, plus the global number constants. */
export function identifier(node: Expression, ctx: FunctionContext): Expr {
  const text = node.getText();
  const variable = ctx.variableFor(node);
  if (variable) {
    if (variable.declared.failed) return ctx.failed();
    if (variable.declared.type.kind === 'array' && variable.owned && (isCopiedByReference(node, ctx) || isIteratedWhilePushed(node, ctx))) {
      fail(aliasedPushedArray(node, text));
    }
    return { sql: variable.sqlName, type: variable.declared.type, integral: variable.integral };
  }
  if (ctx.rejectedDeclaration(node)) return ctx.failed();
  if (isGlobal(node, 'NaN') || isGlobal(node, 'Infinity')) {
    return { sql: `${formatDouble(text === 'NaN' ? NaN : Infinity)}::double precision`, type: DOUBLE };
  }
  if (isGlobal(node, 'undefined')) fail(undefinedValue(node));
  fail(unknownIdentifier(node, text));
}

/** The global of that name, not a local that shadows it. */
export function isGlobal(node: Node, name: string): boolean {
  if (node.getText() !== name) return false;
  const declaration = node.getSymbol()?.getDeclarations()[0];
  return !declaration || declaration.getSourceFile().isDeclarationFile();
}

/** What takes this node's value as its own: through parentheses, `!`, a branch of `?:` and either side of `??`. */
function valueHolder(node: Node): Node {
  let current = node;
  for (;;) {
    const parent = current.getParent();
    const passesOn =
      Node.isParenthesizedExpression(parent) ||
      Node.isNonNullExpression(parent) ||
      (Node.isConditionalExpression(parent) && parent.getCondition() !== current) ||
      (Node.isBinaryExpression(parent) && parent.getOperatorToken().getText() === '??');
    if (!passesOn) return current;
    current = parent;
  }
}

function isCopiedByReference(identifier: Node, ctx: FunctionContext): boolean {
  const node = valueHolder(identifier);
  const parent = node.getParent();
  return (
    (Node.isVariableDeclaration(parent) && parent.getInitializer() === node) ||
    (Node.isBinaryExpression(parent) && parent.getRight() === node && parent.getOperatorToken().getText() === '=') ||
    (Node.isCallExpression(parent) && parent.getArguments().includes(node) && isKeptByCall(parent, identifier, ctx)) ||
    Node.isPropertyAssignment(parent) ||
    Node.isShorthandPropertyAssignment(parent)
  );
}

/**
 * `for (const x of xs)` whose body pushes onto xs: JavaScript's iterator reads the array as it grows, FOREACH iterates
 * the value the array had when the loop began. Iterating `[...xs]` means the same in both worlds.
 */
function isIteratedWhilePushed(identifier: Node, ctx: FunctionContext): boolean {
  const node = valueHolder(identifier);
  const loop = node.getParent();
  if (!Node.isForOfStatement(loop) || loop.getExpression() !== node) return false;
  const iterated = ctx.variableFor(identifier);
  return loop.getStatement().getDescendantsOfKind(SyntaxKind.CallExpression).some((call) => {
    const callee = call.getExpression();
    return (
      Node.isPropertyAccessExpression(callee) &&
      callee.getName() === 'push' &&
      Node.isIdentifier(callee.getExpression()) &&
      ctx.variableFor(callee.getExpression()) === iterated
    );
  });
}

/**
 * An array passed to a compiled function is the callee's parameter by reference in JavaScript, and it may come back
 * inside the result (`return xs`, `{ ...s, tags: xs }`): then the result is a second name for it. Not when the result
 * can hold no array, nor when it replaces the array in its own variable (`digits = timesSmall(digits, 10)`).
 */
function isKeptByCall(call: CallExpression, identifier: Node, ctx: FunctionContext): boolean {
  const symbol = call.getExpression().getSymbol();
  const target = symbol?.isAlias() ? symbol.getAliasedSymbol() : symbol;
  const declaration = target?.getDeclarations()[0];
  const info = declaration ? ctx.program.functionFor(declaration) : undefined;
  if (!info || !holdsArray(info.returns.type, ctx, new Set())) return false;
  const holder = valueHolder(call);
  const assignment = holder.getParent();
  const replacesItself =
    Node.isBinaryExpression(assignment) &&
    assignment.getRight() === holder &&
    assignment.getOperatorToken().getText() === '=' &&
    ctx.variableFor(assignment.getLeft()) === ctx.variableFor(identifier);
  return !replacesItself;
}

function holdsArray(type: SqlType, ctx: FunctionContext, seen: Set<string>): boolean {
  if (type.kind === 'array') return true;
  if (type.kind !== 'composite' || seen.has(type.name)) return false;
  seen.add(type.name);
  return (ctx.program.interfaces.get(type.name)?.fields ?? []).some((f) => holdsArray(f.declared.type, ctx, seen));
}

export function parenthesized(node: Expression, ctx: FunctionContext, expected?: Parameters<FunctionContext['expr']>[1]): Expr {
  if (!Node.isParenthesizedExpression(node)) fail(internalError(node, 'expected parentheses'));
  return ctx.expr(node.getExpression(), expected);
}

/** `x!` asserts non-null to TypeScript only; SQL has nothing to do. */
export function nonNull(node: Expression, ctx: FunctionContext, expected?: Parameters<FunctionContext['expr']>[1]): Expr {
  if (!Node.isNonNullExpression(node)) fail(internalError(node, 'expected `!`'));
  return ctx.expr(node.getExpression(), expected);
}
