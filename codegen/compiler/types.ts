import { Node, SyntaxKind, type TypeNode } from 'ts-morph';
import {
  circularType,
  fail,
  unmappedType,
  unsupportedArrayElement,
  unsupportedNumberType,
  unsupportedUnionType,
} from './diagnostics';
import { qualified, snakeCase } from './identifiers';

export type ScalarName =
  | 'integer'
  | 'bigint'
  | 'double precision'
  | 'numeric'
  | 'text'
  | 'boolean'
  | 'jsonb'
  | 'timestamptz'
  | 'interval';

export type SqlType =
  | { readonly kind: 'scalar'; readonly name: ScalarName }
  | { readonly kind: 'array'; readonly element: SqlType }
  | { readonly kind: 'composite'; readonly name: string }
  | { readonly kind: 'null' };

/** A declared type: the SQL type plus whether `| null` was part of it. */
export interface DeclaredType {
  readonly type: SqlType;
  readonly nullable: boolean;
  /** The declaration was rejected with a diagnostic: uses of it are not reported again. */
  readonly failed?: boolean;
}

export const scalar = (name: ScalarName): SqlType => ({ kind: 'scalar', name });
export const INTEGER = scalar('integer');
export const BIGINT = scalar('bigint');
export const DOUBLE = scalar('double precision');
export const TEXT = scalar('text');
export const BOOLEAN = scalar('boolean');
export const NULL_TYPE: SqlType = { kind: 'null' };
/** Stands for a type the compiler rejected (its diagnostic is already recorded), so compilation can go on. */
export const FAILED_TYPE: DeclaredType = { type: NULL_TYPE, nullable: true, failed: true };

/** The aliases of src/sqltypes.ts and the TypeScript keywords the subset maps directly. */
const ALIASES: Record<string, ScalarName> = {
  int: 'integer',
  int8: 'bigint',
  float8: 'double precision',
  numeric: 'numeric',
  jsonb: 'jsonb',
  timestamptz: 'timestamptz',
  interval: 'interval',
};

/** True for the names of src/sqltypes.ts, which map by name and are never expanded. */
export const isSqlTypeAlias = (name: string): boolean => Object.hasOwn(ALIASES, name);

/** What the type mapper needs to know about the program: its interfaces and its own type aliases. */
export interface TypeScope {
  hasInterface(name: string): boolean;
  aliasTarget(name: string): TypeNode | undefined;
}

/** The declared type a type annotation stands for; `aliases` are the aliases being expanded, to stop at a cycle. */
export function mapTypeNode(node: TypeNode, scope: TypeScope, aliases: readonly string[] = []): DeclaredType {
  if (Node.isParenthesizedTypeNode(node)) {
    return mapTypeNode(node.getTypeNode(), scope, aliases);
  }
  if (Node.isUnionTypeNode(node)) {
    const members = node.getTypeNodes();
    const nonNull = members.filter((m) => !isNullType(m));
    const nullable = nonNull.length !== members.length;
    if (nonNull.length > 0 && nonNull.every(isStringLiteralType)) {
      return { type: TEXT, nullable };
    }
    if (nonNull.length !== 1) {
      fail(unsupportedUnionType(node));
    }
    const inner = mapTypeNode(nonNull[0]!, scope, aliases);
    return { type: inner.type, nullable: true };
  }
  if (isStringLiteralType(node)) {
    return { type: TEXT, nullable: false };
  }
  if (Node.isArrayTypeNode(node)) {
    return { type: { kind: 'array', element: elementType(node.getElementTypeNode(), scope, aliases) }, nullable: false };
  }
  switch (node.getKind()) {
    case SyntaxKind.StringKeyword:
      return { type: TEXT, nullable: false };
    case SyntaxKind.BooleanKeyword:
      return { type: BOOLEAN, nullable: false };
    case SyntaxKind.NumberKeyword:
      fail(unsupportedNumberType(node));
    default:
      break;
  }
  if (Node.isTypeReference(node)) {
    const name = node.getTypeName().getText();
    const args = node.getTypeArguments();
    if (name === 'Array' && args.length === 1) {
      return { type: { kind: 'array', element: elementType(args[0]!, scope, aliases) }, nullable: false };
    }
    const alias = ALIASES[name];
    if (alias) {
      return { type: scalar(alias), nullable: false };
    }
    if (scope.hasInterface(name)) {
      return { type: { kind: 'composite', name }, nullable: false };
    }
    const target = scope.aliasTarget(name);
    if (target) {
      if (aliases.includes(name)) fail(circularType(node, name));
      return mapTypeNode(target, scope, [...aliases, name]);
    }
  }
  fail(unmappedType(node, node.getText()));
}

function elementType(node: TypeNode, scope: TypeScope, aliases: readonly string[]): SqlType {
  const mapped = mapTypeNode(node, scope, aliases);
  if (mapped.nullable || mapped.type.kind === 'array') {
    fail(unsupportedArrayElement(node));
  }
  return mapped.type;
}

function isNullType(node: TypeNode): boolean {
  return (
    node.getKind() === SyntaxKind.NullKeyword ||
    (Node.isLiteralTypeNode(node) && node.getLiteral().getKind() === SyntaxKind.NullKeyword)
  );
}

function isStringLiteralType(node: TypeNode): boolean {
  return Node.isLiteralTypeNode(node) && Node.isStringLiteral(node.getLiteral());
}

/** The SQL spelling of a type, composite types qualified with the extension's schema. */
export function sqlTypeName(type: SqlType): string {
  switch (type.kind) {
    case 'scalar':
      return type.name;
    case 'array':
      return `${sqlTypeName(type.element)}[]`;
    case 'composite':
      return qualified(snakeCase(type.name));
    case 'null':
      return 'unknown';
  }
}

export function sameType(a: SqlType, b: SqlType): boolean {
  return sqlTypeName(a) === sqlTypeName(b);
}

export const isInteger = (t: SqlType): boolean => t.kind === 'scalar' && (t.name === 'integer' || t.name === 'bigint');
export const isDouble = (t: SqlType): boolean => t.kind === 'scalar' && t.name === 'double precision';
export const isNumber = (t: SqlType): boolean => isInteger(t) || isDouble(t);
export const isScalar = (t: SqlType, name: ScalarName): boolean => t.kind === 'scalar' && t.name === name;
