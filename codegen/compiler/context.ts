import { Node, type Expression, type Statement } from 'ts-morph';
import { CompileError, diagnosticsOf, fail, outsideLoop, type Diagnostic } from './diagnostics';
import { quoteIdent, snakeCase } from './identifiers';
import type { FunctionInfo, ProgramInfo } from './program';
import type { RuntimeHelper } from './runtime';
import { NULL_TYPE, sqlTypeName, type DeclaredType, type SqlType } from './types';

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
  /** The value of a string literal, for comparisons that need no UTF-16 key (see operators.ts). */
  readonly literal?: string;
  /** Stands for an expression that was rejected with a diagnostic, or that uses a rejected declaration. */
  readonly failed?: boolean;
}

export const FAILED: Expr = { sql: 'NULL', type: NULL_TYPE, failed: true };

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

/** Per-function state: variables, hoisted declarations, loops, the runtime helpers used, and diagnostics. */
export class FunctionContext {
  readonly declarations: string[] = [];
  /** Failed values produced so far: a diagnostic thrown while one was being used is a consequence, not reported. */
  private failures = 0;
  private readonly variables = new Map<Node, Variable>();
  private readonly taken = new Set<string>();
  private readonly loops: Loop[] = [];
  private labels = 0;

  constructor(
    readonly program: ProgramInfo,
    readonly fn: FunctionInfo,
    readonly runtime: Set<RuntimeHelper>,
    readonly diagnostics: Diagnostic[],
    private readonly compileExpression: ExpressionCompiler,
    private readonly compileStatement: StatementCompiler,
  ) {
    fn.node.getParameters().forEach((p, i) => {
      const param = fn.params[i]!;
      this.taken.add(param.sqlName);
      this.variables.set(p, { sqlName: quoteIdent(param.sqlName), declared: param.declared, owned: false });
      // PL/pgSQL declares its FOUND after the parameters, in the same scope, so a parameter named found would read
      // FOUND (which every loop sets); a block-level alias is found first.
      if (param.sqlName === 'found') this.declarations.push(`found ALIAS FOR $${i + 1};`);
    });
  }

  /** How many failed values the function has produced; compileProgram checks that each is explained. */
  get failureCount(): number {
    return this.failures;
  }

  /**
   * Compiles an expression. When it is rejected, the diagnostic is recorded and a failed value stands in for it, so
   * the rest of the function is still checked. The diagnostic is dropped when a failed operand was met on the way
   * (`unknown + 1` reports the unknown name, not also the `+` that could not type it).
   */
  expr(node: Expression, expected?: SqlType): Expr {
    const before = this.failures;
    try {
      const result = this.compileExpression(node, this, expected);
      if (result.failed) this.failures++;
      return result;
    } catch (error) {
      this.recover(error, node, before);
      return FAILED;
    }
  }

  /** Compiles statements; a rejected statement is recorded like a rejected expression and compiles to nothing. */
  statements(nodes: readonly Statement[]): string[] {
    return nodes.flatMap((s) => this.guard(s, () => this.compileStatement(s, this), []));
  }

  /** Runs `body`; if it throws, records the diagnostic (unless it is a consequence) and returns `fallback`. */
  guard<T>(node: Node, body: () => T, fallback: T): T {
    const before = this.failures;
    try {
      return body();
    } catch (error) {
      this.recover(error, node, before);
      return fallback;
    }
  }

  /**
   * Reports a problem of the node itself, whatever its operands did, and returns a failed value. For visitors that
   * go on to check the operands (`a % b` reports `%`, then what is wrong inside `a` and `b`).
   */
  reject(diagnostic: Diagnostic): Expr {
    this.diagnostics.push(diagnostic);
    return this.failed();
  }

  /** Counts a failure that was already reported elsewhere (a use of a rejected declaration). */
  failed(): Expr {
    this.failures++;
    return FAILED;
  }

  private recover(error: unknown, node: Node, before: number): void {
    const diagnostics = diagnosticsOf(error, node);
    const internal = !(error instanceof CompileError);
    if (internal || this.failures === before) this.diagnostics.push(...diagnostics);
    this.failures++;
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
    const declaration = this.declarationOf(identifier);
    return declaration ? this.variables.get(declaration) : undefined;
  }

  /** The declaration an identifier refers to, if the checker knows one. */
  declarationOf(identifier: Node): Node | undefined {
    const parent = identifier.getParent();
    // In `{ count }` the identifier's own symbol is the property; the value read is the variable of that name.
    const symbol =
      Node.isShorthandPropertyAssignment(parent) && parent.getNameNode() === identifier
        ? parent.getValueSymbol()
        : identifier.getSymbol();
    return symbol?.getDeclarations()[0];
  }

  /**
   * True when a name the compiler has no variable for was declared somewhere already rejected: inside this function
   * (a destructuring, a nested function, a catch clause: each reported where it stands) or in a top-level statement
   * of a compiled file that was reported. Its uses are consequences, not new problems.
   */
  rejectedDeclaration(identifier: Node): boolean {
    const declaration = this.declarationOf(identifier);
    if (!declaration) return false;
    if (this.program.rejected.has(declaration)) return true;
    return declaration.getAncestors().some((a) => a === this.fn.node) && !this.variables.has(declaration);
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
      fail(outsideLoop(node));
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
