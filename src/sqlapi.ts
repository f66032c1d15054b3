/**
 * Declarations of SQL-facing objects. The extension's glue (functions that read catalogs, write tables and call
 * dblink) is PL/pgSQL written here next to its name, signature, privileges and documentation; every decision it
 * makes is a call into a function compiled from src/logic. codegen turns these declarations into the extension script.
 */

export type Volatility = 'immutable' | 'stable' | 'volatile';

/** Who may execute a function. EXECUTE is always revoked from PUBLIC first. */
export type Audience =
  /** superusers only (and roles a DBA grants explicitly) */
  | 'admin'
  /** also members of pg_monitor: read-only observability */
  | 'monitor';

export interface SqlArgument {
  readonly name: string;
  readonly type: string;
  /** SQL default expression, making the argument optional. */
  readonly default?: string;
}

export interface SqlFunction {
  /** `walrus_status` lives in the extension schema (public); `walrus.x` in the internal schema. */
  readonly name: string;
  readonly args?: readonly SqlArgument[];
  readonly returns: string;
  readonly language: 'plpgsql' | 'sql';
  readonly volatility: Volatility;
  readonly audience: Audience;
  /** Runs with the owner's rights; the generator pins search_path so callers cannot redirect names. */
  readonly securityDefiner?: boolean;
  readonly doc: string;
  readonly body: string;
}

export function sqlFunction(declaration: SqlFunction): SqlFunction {
  return declaration;
}

/** A block of DDL (tables, views, grants) emitted in declaration order. */
export interface SqlBlock {
  readonly title: string;
  readonly sql: string;
}

export function sqlBlock(title: string, sql: string): SqlBlock {
  return { title, sql: sql.trim() };
}
