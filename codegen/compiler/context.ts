import { Node, type Expression, type Statement } from 'ts-morph';
import { unsupported } from './diagnostics';
import { quoteIdent, snakeCase } from './identifiers';
import type { FunctionInfo, ProgramInfo } from './program';
import type { RuntimeHelper } from './runtime';
import { sqlTypeName, type DeclaredType, type SqlType } from './types';

/** A compiled expression: SQL text plus what the compiler knows about its value. */
export interface Expr {
  readonly sql: string;
  readonly type: SqlType;
  /** A double precision value known to be a whole number (Math.floor and friends), so it may be stored in an int. */
  readonly integral?: boolean;
  /** A newly built array that no variable shares, so sorting it in place is unobservable. */
  readonly fresh?: boolean;
  /** The numeric value of a literal, for constant checks such as a non-zero divisor. */
  readonly constant?: number;
}

export interface Variable {
  readonly sqlName: string;
  readonly declared: DeclaredType;
  /** Built from an array literal here, so `push` on it cannot be seen through another name. */
  readonly owned: boolean;
  /** A const holding a whole float8 (Math.floor and friends): it may be stored in an int like the expression. */
  readonly integral?: boolean;
}

interface Loop {
  /** Set for C-style `for` loops: `continue` leaves this labelled block so the incrementor still runs. */
  readonly continueLabel?: string;
}

export type ExpressionCompiler = (node: Expression, ctx: FunctionContext, expected?: SqlType) => Expr;
export type StatementCompiler = (node: Statement, ctx: FunctionContext) => string[];

/** Per-function state: variables, hoisted declarations, loops, and the runtime helpers used. */
export class FunctionContext {
  readonly declarations: string[] = [];
  private readonly variables = new Map<Node, Variable>();
  private readonly taken = new Set<string>();
  private readonly loops: Loop[] = [];
  private labels = 0;

  constructor(
    readonly program: ProgramInfo,
    readonly fn: FunctionInfo,
    readonly runtime: Set<RuntimeHelper>,
    private readonly compileExpression: ExpressionCompiler,
    private readonly compileStatement: StatementCompiler,
  ) {
    fn.node.getParameters().forEach((p, i) => {
      const param = fn.params[i]!;
      this.taken.add(param.sqlName);
      this.variables.set(p, { sqlName: quoteIdent(param.sqlName), declared: param.declared, owned: false });
    });
  }

  expr(node: Expression, expected?: SqlType): Expr {
    return this.compileExpression(node, this, expected);
  }

  statements(nodes: readonly Statement[]): string[] {
    return nodes.flatMap((s) => this.compileStatement(s, this));
  }

  helper(name: RuntimeHelper): string {
    this.runtime.add(name);
    return `walrus.${name}`;
  }

  /** Declares a local, hoisted to the function's DECLARE section; block-scoped namesakes get a numeric suffix. */
  declare(declaration: Node, name: string, declared: DeclaredType, owned: boolean, integral = false): Variable {
    const base = snakeCase(name);
    let sqlName = base;
    for (let n = 2; this.taken.has(sqlName); n++) {
      sqlName = `${base}_${n}`;
    }
    this.taken.add(sqlName);
    const variable = { sqlName: quoteIdent(sqlName), declared, owned, integral };
    this.variables.set(declaration, variable);
    this.declarations.push(`${variable.sqlName} ${sqlTypeName(declared.type)};`);
    return variable;
  }

  /** The variable an identifier refers to, resolved through the type checker so shadowing is exact. */
  variableFor(identifier: Node): Variable | undefined {
    const parent = identifier.getParent();
    // In `{ count }` the identifier's own symbol is the property; the value read is the variable of that name.
    const symbol =
      Node.isShorthandPropertyAssignment(parent) && parent.getNameNode() === identifier
        ? parent.getValueSymbol()
        : identifier.getSymbol();
    const declaration = symbol?.getDeclarations()[0];
    return declaration ? this.variables.get(declaration) : undefined;
  }

  inLoop<T>(loop: Loop, body: () => T): T {
    this.loops.push(loop);
    try {
      return body();
    } finally {
      this.loops.pop();
    }
  }

  currentLoop(node: Node): Loop {
    const loop = this.loops[this.loops.length - 1];
    if (!loop) {
      throw unsupported(node, node.getKindName(), 'outside a loop');
    }
    return loop;
  }

  newLabel(prefix: string): string {
    this.labels += 1;
    return `${prefix}_${this.labels}`;
  }

  /** True when the TypeScript checker says the expression may be null or undefined at this point. */
  mayBeNull(node: Node): boolean {
    return Node.isNullLiteral(node) || node.getType().isNullable();
  }
}
