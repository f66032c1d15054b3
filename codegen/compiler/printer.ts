import { quoteLiteral } from './identifiers';
import { sqlTypeName, type SqlType } from './types';

export interface FunctionText {
  readonly qualifiedName: string;
  readonly params: readonly { readonly name: string; readonly type: SqlType }[];
  readonly returns: SqlType;
  readonly attributes: string;
  readonly declarations: readonly string[];
  readonly body: readonly string[];
  readonly origin: string;
  readonly doc: string;
}

export const signature = (f: Pick<FunctionText, 'qualifiedName' | 'params'>): string =>
  `${f.qualifiedName}(${f.params.map((p) => sqlTypeName(p.type)).join(', ')})`;

const indent = (lines: readonly string[]): string[] => lines.map((l) => `  ${l}`);

/**
 * The dollar quote around a body: `$function$` unless the body holds it (a string '$function$', a variable
 * `a$function$`: `$` is legal in both languages' names), which would end the body there.
 */
function dollarQuote(body: string): string {
  let tag = '$function$';
  for (let n = 1; body.includes(tag); n++) tag = `$function_${n}$`;
  return tag;
}

/** One function per block, with the TypeScript origin on top and the doc comment as COMMENT ON. */
export function printFunction(f: FunctionText): string {
  const params = f.params.map((p) => `${p.name} ${sqlTypeName(p.type)}`).join(', ');
  const body = [
    ...(f.declarations.length > 0 ? ['DECLARE', ...indent(f.declarations)] : []),
    'BEGIN',
    ...indent(f.body),
    'END;',
  ].join('\n');
  const quote = dollarQuote(body);
  const lines = [
    `-- ${f.qualifiedName}: compiled from ${f.origin}`,
    `CREATE FUNCTION ${f.qualifiedName}(${params})`,
    `RETURNS ${sqlTypeName(f.returns)}`,
    `LANGUAGE plpgsql ${f.attributes}`,
    `AS ${quote}`,
    body,
    `${quote};`,
  ];
  if (f.doc) lines.push(`COMMENT ON FUNCTION ${signature(f)} IS ${quoteLiteral(f.doc)};`);
  return lines.join('\n');
}

export function printCompositeType(
  qualifiedName: string,
  fields: readonly { readonly name: string; readonly type: SqlType }[],
  origin: string,
  doc: string,
): string {
  const lines = [
    `-- ${qualifiedName}: from ${origin}`,
    `CREATE TYPE ${qualifiedName} AS (`,
    fields.map((f) => `  ${f.name} ${sqlTypeName(f.type)}`).join(',\n'),
    ');',
  ];
  if (doc) lines.push(`COMMENT ON TYPE ${qualifiedName} IS ${quoteLiteral(doc)};`);
  return lines.join('\n');
}
