import { Node, type Expression, type Type } from 'ts-morph';
import { coerce, unify } from '../coercion';
import type { Expr, FunctionContext } from '../context';
import {
  fail,
  internalError,
  unsupportedArrayElement,
  unsupportedArraySpread,
  unsupportedObjectProperty,
  unsupportedObjectSpread,
  untypedEmptyArray,
  untypedObjectLiteral,
} from '../diagnostics';
import { quoteIdent } from '../identifiers';
import { TEXT, isScalar, sqlTypeName, type SqlType } from '../types';

/**
 * Object literals build composite values, so they need an interface as their contextual type; fields come out in the
 * interface's declaration order, which is the composite type's column order.
 */
export function objectLiteral(node: Expression, ctx: FunctionContext, expected?: SqlType): Expr {
  if (!Node.isObjectLiteralExpression(node)) fail(internalError(node, 'expected an object literal'));
  const name = expected?.kind === 'composite' ? expected.name : interfaceName(node.getContextualType());
  const iface = name ? ctx.program.interfaces.get(name) : undefined;
  if (!iface) {
    fail(untypedObjectLiteral(node));
  }
  const values = new Map<string, string>();
  for (const property of node.getProperties()) {
    if (Node.isSpreadAssignment(property)) {
      const source = ctx.expr(property.getExpression());
      if (source.failed) continue;
      if (source.type.kind !== 'composite' || source.type.name !== iface.name) {
        fail(unsupportedObjectSpread(property, iface.name));
      }
      for (const field of iface.fields) values.set(field.name, `(${source.sql}).${quoteIdent(field.name)}`);
      continue;
    }
    const fieldName = Node.isPropertyAssignment(property) || Node.isShorthandPropertyAssignment(property) ? property.getName() : undefined;
    const field = iface.fields.find((f) => f.name === fieldName);
    if (!field || !(Node.isPropertyAssignment(property) || Node.isShorthandPropertyAssignment(property))) {
      fail(unsupportedObjectProperty(property));
    }
    const valueNode = Node.isPropertyAssignment(property) ? property.getInitializer() : property.getNameNode();
    if (!valueNode) fail(unsupportedObjectProperty(property));
    values.set(field.name, coerce(ctx.expr(valueNode, field.declared.type), field.declared, valueNode));
  }
  const columns = iface.fields.map((f) => values.get(f.name) ?? `NULL::${sqlTypeName(f.declared.type)}`);
  const type: SqlType = { kind: 'composite', name: iface.name };
  return { sql: `ROW(${columns.join(', ')})::${sqlTypeName(type)}`, type };
}

function interfaceName(type: Type | undefined): string | undefined {
  return type?.getSymbol()?.getName() ?? type?.getAliasSymbol()?.getName();
}

/**
 * Array literals, with spreads of other arrays and of strings (into their characters: code points in both worlds);
 * an empty literal takes its type from the declaration.
 */
export function arrayLiteral(node: Expression, ctx: FunctionContext, expected?: SqlType): Expr {
  if (!Node.isArrayLiteralExpression(node)) fail(internalError(node, 'expected an array literal'));
  const pieces: string[] = [];
  let run: string[] = [];
  let element: SqlType | undefined = expected?.kind === 'array' ? expected.element : undefined;
  const flush = (): void => {
    if (run.length > 0) pieces.push(`ARRAY[${run.join(', ')}]`);
    run = [];
  };
  for (const item of node.getElements()) {
    if (Node.isSpreadElement(item)) {
      const source = ctx.expr(item.getExpression());
      if (isScalar(source.type, 'text')) {
        element = element ? unify(element, TEXT, item) : TEXT;
        flush();
        pieces.push(`string_to_array(${source.sql}, NULL)`);
        continue;
      }
      if (source.type.kind !== 'array') fail(unsupportedArraySpread(item));
      element = element ? unify(element, source.type.element, item) : source.type.element;
      flush();
      pieces.push(source.sql);
    } else {
      const value = ctx.expr(item as Expression, element);
      if (!value.failed && (value.type.kind === 'array' || ctx.mayBeNull(item))) {
        // `[[1], [2]]` would be a matrix in SQL and `[m]` an array with a NULL the element type does not admit.
        fail(unsupportedArrayElement(item));
      }
      element = element ? unify(element, value.type, item) : value.type;
      run.push(value.sql);
    }
  }
  flush();
  if (!element || element.kind === 'null') {
    fail(untypedEmptyArray(node));
  }
  const type: SqlType = { kind: 'array', element };
  const typeName = sqlTypeName(type);
  const sql = pieces.length === 0 ? `'{}'::${typeName}` : pieces.map((p) => `${p}::${typeName}`).join(' || ');
  return { sql: pieces.length > 1 ? `(${sql})` : sql, type, fresh: true };
}
