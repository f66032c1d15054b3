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
  /** An OUT parameter: part of the result, not of the signature that GRANT and COMMENT name. */
  readonly out?: boolean;
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
  /** PARALLEL SAFE: reads and writes nothing a parallel worker could not (pure functions, settings). */
  readonly parallelSafe?: boolean;
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

/** A composite value that glue builds in SQL: the interface it stands for and the SQL expression of each field. */
export interface CompositeRow {
  readonly iface: string;
  readonly fields: Readonly<Record<string, string>>;
}

const rows: CompositeRow[] = [];

/** The rows that bodies refer to, for codegen to expand. */
export function compositeRows(): readonly CompositeRow[] {
  return rows;
}

/** The placeholder a body holds for rows()[index] until codegen expands it. */
export const rowMarker = (index: number): string => `/*walrus:row:${index}*/`;

/**
 * `ROW(...)::walrus.x` for a TypeScript interface, by field name instead of by position. The type parameter makes a
 * missing or extra field a TypeScript error; codegen puts the fields in the interface's declared order and fails on
 * any mismatch with the compiled type, so a field added to the interface cannot shift the others.
 */
export function row<T>(iface: string, fields: { readonly [K in keyof T]-?: string }): string {
  rows.push({ iface, fields: fields as Readonly<Record<string, string>> });
  return rowMarker(rows.length - 1);
}
