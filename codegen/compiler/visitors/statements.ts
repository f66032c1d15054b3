import { Node, SyntaxKind, type Expression, type Statement, type VariableDeclaration } from 'ts-morph';
import { coerce } from '../coercion';
import type { FunctionContext } from '../context';
import {
  aliasedPushedArray,
  describeNode,
  destructuring,
  fail,
  labelledJump,
  pushOnSharedArray,
  returnWithoutValue,
  truthiness,
  unsupportedAssignment,
  unsupportedExpressionStatement,
  unsupportedForInitializer,
  unsupportedForOf,
  unsupportedStatement,
  untypedVariable,
} from '../diagnostics';
import { FAILED_TYPE, TEXT, mapTypeNode, isScalar, type DeclaredType } from '../types';
import { binaryOperation } from './operators';

type StatementVisitor = (node: Statement, ctx: FunctionContext) => string[];

const indent = (lines: string[]): string[] => lines.map((l) => `  ${l}`);

function condition(node: Expression, ctx: FunctionContext): string {
  const value = ctx.expr(node);
  if (value.failed) return value.sql;
  if (!isScalar(value.type, 'boolean') || ctx.mayBeNull(node)) {
    fail(truthiness(node, 'condition'));
  }
  return value.sql;
}

const variableStatement: StatementVisitor = (node, ctx) =>
  Node.isVariableStatement(node) ? declareVariables(node.getDeclarations(), ctx) : [];

/**
 * Declarations, each checked on its own: a rejected one is still declared (with a failed type when its type is
 * unknown), so its uses are not reported as unknown names.
 */
function declareVariables(declarations: readonly VariableDeclaration[], ctx: FunctionContext): string[] {
  const lines: string[] = [];
  for (const decl of declarations) {
    const nameNode = decl.getNameNode();
    if (!Node.isIdentifier(nameNode)) {
      ctx.guard(nameNode, () => fail(destructuring(nameNode)), undefined);
      continue;
    }
    const typeNode = decl.getTypeNode();
    const init = decl.getInitializer();
    const declaredType = typeNode ? ctx.guard(typeNode, () => mapTypeNode(typeNode, ctx.program), FAILED_TYPE) : undefined;
    if (!init) {
      if (!declaredType) ctx.guard(decl, () => fail(untypedVariable(decl)), undefined);
      ctx.declare(decl, nameNode.getText(), declaredType ?? FAILED_TYPE, false);
      continue;
    }
    const value = ctx.expr(init, declaredType?.type);
    let declared: DeclaredType = declaredType ?? (value.failed ? FAILED_TYPE : { type: value.type, nullable: ctx.mayBeNull(init) });
    if (declared.type.kind === 'null' && !declared.failed) {
      ctx.guard(decl, () => fail(untypedVariable(decl)), undefined);
      declared = FAILED_TYPE;
    }
    const owned = Node.isArrayLiteralExpression(init);
    const sql = ctx.guard(init, () => coerce(value, declared, init), 'NULL');
    // Only a const keeps what is known of its value; a let may be reassigned a fraction later.
    const integral = decl.getVariableStatement()?.getDeclarationKind() === 'const' && Boolean(value.integral);
    const variable = ctx.declare(decl, nameNode.getText(), declared, owned, integral);
    lines.push(`${variable.sqlName} := ${sql};`);
  }
  return lines;
}

const COMPOUND: Record<string, string> = { '+=': '+', '-=': '-', '*=': '*', '/=': '/' };

const expressionStatement: StatementVisitor = (node, ctx) =>
  Node.isExpressionStatement(node) ? effect(node.getExpression(), ctx) : [];

/** An expression evaluated for its effect: an assignment, ++/--, or push. */
function effect(expr: Expression, ctx: FunctionContext): string[] {
  if (Node.isBinaryExpression(expr)) {
    const operator = expr.getOperatorToken().getText();
    const target = expr.getLeft();
    if (operator === '=' || COMPOUND[operator]) {
      const variable = Node.isIdentifier(target) ? ctx.variableFor(target) : undefined;
      if (!variable) {
        if (Node.isIdentifier(target) && ctx.rejectedDeclaration(target)) {
          ctx.expr(expr.getRight());
          ctx.failed();
          return [];
        }
        fail(unsupportedAssignment(target));
      }
      if (operator === '=' && variable.owned && variable.declared.type.kind === 'array') {
        const shared = sharedArray(expr.getRight(), target, ctx);
        if (shared) fail(aliasedPushedArray(shared, shared.getText()));
      }
      const value =
        operator === '='
          ? ctx.expr(expr.getRight(), variable.declared.type)
          : binaryOperation(expr, COMPOUND[operator]!, ctx.expr(target), ctx.expr(expr.getRight()), ctx);
      return [`${variable.sqlName} := ${coerce(value, variable.declared, expr)};`];
    }
  }
  if (Node.isPostfixUnaryExpression(expr) || Node.isPrefixUnaryExpression(expr)) {
    const operand = expr.getOperand();
    const op = expr.getOperatorToken();
    const variable = Node.isIdentifier(operand) ? ctx.variableFor(operand) : undefined;
    if (variable && (op === SyntaxKind.PlusPlusToken || op === SyntaxKind.MinusMinusToken)) {
      const value = ctx.expr(operand);
      const sign = op === SyntaxKind.PlusPlusToken ? '+' : '-';
      const sum = { ...value, sql: `${value.sql} ${sign} 1` };
      return [`${variable.sqlName} := ${coerce(sum, variable.declared, expr)};`];
    }
  }
  if (Node.isCallExpression(expr)) {
    const callee = expr.getExpression();
    if (Node.isPropertyAccessExpression(callee) && callee.getName() === 'push') {
      return push(expr.getArguments() as Expression[], callee.getExpression(), ctx);
    }
  }
  fail(unsupportedExpressionStatement(expr));
}

/**
 * An array another name holds too, which a value assigned to a pushable array would share in JavaScript: a variable or
 * a composite's field, possibly through ?:, ??, ( ), ! or a compiled function that may return its argument. A fresh
 * array (literal, spread, slice, sort) and the variable's own array (`xs = half(xs)`) share nothing.
 */
function sharedArray(node: Expression, target: Expression, ctx: FunctionContext): Expression | undefined {
  if (Node.isIdentifier(node)) return ctx.variableFor(node) === ctx.variableFor(target) ? undefined : node;
  if (Node.isPropertyAccessExpression(node) || Node.isElementAccessExpression(node)) return node;
  if (Node.isParenthesizedExpression(node) || Node.isNonNullExpression(node)) return sharedArray(node.getExpression(), target, ctx);
  if (Node.isConditionalExpression(node)) {
    return sharedArray(node.getWhenTrue(), target, ctx) ?? sharedArray(node.getWhenFalse(), target, ctx);
  }
  if (Node.isBinaryExpression(node) && node.getOperatorToken().getText() === '??') {
    return sharedArray(node.getLeft(), target, ctx) ?? sharedArray(node.getRight(), target, ctx);
  }
  if (Node.isCallExpression(node) && Node.isIdentifier(node.getExpression())) {
    for (const argument of node.getArguments() as Expression[]) {
      const shared = argument.getType().isArray() ? sharedArray(argument, target, ctx) : undefined;
      if (shared) return shared;
    }
  }
  return undefined;
}

function push(args: Expression[], receiverNode: Expression, ctx: FunctionContext): string[] {
  const variable = Node.isIdentifier(receiverNode) ? ctx.variableFor(receiverNode) : undefined;
  if (variable?.declared.failed) return [];
  if (!variable || variable.declared.type.kind !== 'array' || !variable.owned) {
    fail(pushOnSharedArray(receiverNode));
  }
  const element = variable.declared.type.element;
  return args.map((arg) => {
    const value = coerce(ctx.expr(arg, element), { type: element, nullable: false }, arg);
    return `${variable.sqlName} := array_append(${variable.sqlName}, ${value});`;
  });
}

const ifStatement: StatementVisitor = (node, ctx) => {
  if (!Node.isIfStatement(node)) return [];
  const lines = [`IF ${condition(node.getExpression(), ctx)} THEN`, ...indent(body(node.getThenStatement(), ctx))];
  let elseBranch = node.getElseStatement();
  while (elseBranch && Node.isIfStatement(elseBranch)) {
    lines.push(`ELSIF ${condition(elseBranch.getExpression(), ctx)} THEN`, ...indent(body(elseBranch.getThenStatement(), ctx)));
    elseBranch = elseBranch.getElseStatement();
  }
  if (elseBranch) lines.push('ELSE', ...indent(body(elseBranch, ctx)));
  lines.push('END IF;');
  return lines;
};

function body(node: Statement, ctx: FunctionContext): string[] {
  const lines = Node.isBlock(node) ? ctx.statements(node.getStatements()) : ctx.statements([node]);
  return lines.length > 0 ? lines : ['NULL;'];
}

const whileStatement: StatementVisitor = (node, ctx) => {
  if (!Node.isWhileStatement(node)) return [];
  const test = condition(node.getExpression(), ctx);
  const inner = ctx.inLoop({}, () => body(node.getStatement(), ctx));
  return [`WHILE ${test} LOOP`, ...indent(inner), 'END LOOP;'];
};

const forOfStatement: StatementVisitor = (node, ctx) => {
  if (!Node.isForOfStatement(node)) return [];
  const initializer = node.getInitializer();
  const decl = Node.isVariableDeclarationList(initializer) ? initializer.getDeclarations() : [];
  if (decl.length !== 1 || !Node.isIdentifier(decl[0]!.getNameNode()) || node.isAwaited()) {
    fail(unsupportedForOf(node));
  }
  const iterated = ctx.expr(node.getExpression());
  // A string iterates by character (code point) in JavaScript, as string_to_array(s, NULL) splits it.
  const text = isScalar(iterated.type, 'text');
  if (iterated.type.kind !== 'array' && !text && !iterated.failed) fail(unsupportedForOf(node.getExpression()));
  const element: DeclaredType =
    iterated.type.kind === 'array' ? { type: iterated.type.element, nullable: false } : text ? { type: TEXT, nullable: false } : FAILED_TYPE;
  const array = text ? `string_to_array(${iterated.sql}, NULL)` : iterated.sql;
  const variable = ctx.declare(decl[0]!, decl[0]!.getName(), element, false);
  const inner = ctx.inLoop({}, () => body(node.getStatement(), ctx));
  return [`FOREACH ${variable.sqlName} IN ARRAY ${array} LOOP`, ...indent(inner), 'END LOOP;'];
};

/** C-style for: the body sits in a labelled block so `continue` can leave it and still run the incrementor. */
const forStatement: StatementVisitor = (node, ctx) => {
  if (!Node.isForStatement(node)) return [];
  const init = node.getInitializer();
  const lines: string[] = [];
  if (init) {
    if (!Node.isVariableDeclarationList(init)) fail(unsupportedForInitializer(init));
    lines.push(...declareVariables(init.getDeclarations(), ctx));
  }
  const test = node.getCondition();
  const testSql = test ? ctx.guard(test, () => condition(test, ctx), 'true') : 'true';
  const label = ctx.newLabel('body');
  const inner = ctx.inLoop({ continueLabel: label }, () => body(node.getStatement(), ctx));
  const step = node.getIncrementor();
  const stepLines = step ? ctx.guard(step, () => effect(step, ctx), []) : [];
  lines.push(
    `WHILE ${testSql} LOOP`,
    `  <<${label}>>`,
    '  BEGIN',
    ...indent(indent(inner)),
    '  END;',
    ...indent(stepLines),
    'END LOOP;',
  );
  return lines;
};

const breakStatement: StatementVisitor = (node, ctx) => {
  if (Node.isBreakStatement(node) && node.getLabel()) fail(labelledJump(node));
  ctx.currentLoop(node);
  return ['EXIT;'];
};

const continueStatement: StatementVisitor = (node, ctx) => {
  if (Node.isContinueStatement(node) && node.getLabel()) fail(labelledJump(node));
  const loop = ctx.currentLoop(node);
  return [loop.continueLabel ? `EXIT ${loop.continueLabel};` : 'CONTINUE;'];
};

const returnStatement: StatementVisitor = (node, ctx) => {
  if (!Node.isReturnStatement(node)) return [];
  const value = node.getExpression();
  if (!value) fail(returnWithoutValue(node));
  const returns = ctx.fn.returns;
  return [`RETURN ${coerce(ctx.expr(value, returns.type), returns, value)};`];
};

const block: StatementVisitor = (node, ctx) => (Node.isBlock(node) ? ctx.statements(node.getStatements()) : []);

const VISITORS: Partial<Record<SyntaxKind, StatementVisitor>> = {
  [SyntaxKind.VariableStatement]: variableStatement,
  [SyntaxKind.ExpressionStatement]: expressionStatement,
  [SyntaxKind.IfStatement]: ifStatement,
  [SyntaxKind.WhileStatement]: whileStatement,
  [SyntaxKind.ForOfStatement]: forOfStatement,
  [SyntaxKind.ForStatement]: forStatement,
  [SyntaxKind.BreakStatement]: breakStatement,
  [SyntaxKind.ContinueStatement]: continueStatement,
  [SyntaxKind.ReturnStatement]: returnStatement,
  [SyntaxKind.Block]: block,
};

export function compileStatement(node: Statement, ctx: FunctionContext): string[] {
  const visitor = VISITORS[node.getKind()];
  if (!visitor) {
    fail(unsupportedStatement(node, describeNode(node)));
  }
  return visitor(node, ctx);
}
