/** Naming rules shared by every part of the output: TypeScript camelCase becomes SQL snake_case. */

export function snakeCase(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/([A-Z])([A-Z][a-z])/g, '$1_$2')
    .toLowerCase();
}

// Words that cannot stand bare as a PL/pgSQL variable or SQL column name. Quoting them is always correct, so the list
// only has to err on the side of too many. Besides the reserved words it holds the column-name keywords (`values`,
// `position`, `row`...), which are not allowed as function parameter names, including those of later majors.
const RESERVED = new Set(
  `all analyse analyze and any array as asc asymmetric authorization begin between binary both by case cast check
  collate collation column concurrently constraint create cross current_catalog current_date current_role
  current_schema current_time current_timestamp current_user declare default deferrable desc distinct do else elsif
  end except exception execute exit false fetch for foreach foreign freeze from full grant group having if ilike in
  initially inner intersect into is isnull join lateral leading left like limit localtime localtimestamp loop
  natural not notnull null offset on only or order outer overlaps placing primary references return returning right
  select session_user similar some strict symmetric system_user table tablesample then to trailing true union
  unique user using variadic verbose when where while window with
  bigint bit boolean char character coalesce dec decimal exists extract float greatest grouping inout int integer
  interval json json_array json_arrayagg json_exists json_object json_objectagg json_query json_scalar
  json_serialize json_table json_value least merge_action national nchar none normalize nullif numeric out overlay
  position precision real row setof smallint substring time timestamp treat trim values varchar xmlattributes
  xmlconcat xmlelement xmlexists xmlforest xmlnamespaces xmlparse xmlpi xmlroot xmlserialize xmltable`.split(/\s+/),
);

/** Quotes an identifier only when it must be, the way quote_ident() does. */
export function quoteIdent(name: string): string {
  if (/^[a-z_][a-z0-9_$]*$/.test(name) && !RESERVED.has(name)) {
    return name;
  }
  return `"${name.replace(/"/g, '""')}"`;
}

/**
 * A name for SQL the compiler writes itself (the columns of a sort's subquery). Variables and parameters are named by
 * snakeCase(), which lowercases every letter, so a quoted name with a capital can never be one of them: PL/pgSQL would
 * otherwise substitute a local `e` into `ORDER BY e` or refuse the query as ambiguous.
 */
export function internalName(name: string): string {
  if (!/[A-Z]/.test(name) || !/^[A-Za-z_]+$/.test(name)) throw new Error(`internal name ${name} could be a variable's`);
  return `"${name}"`;
}

/** A SQL string literal; standard_conforming_strings is on in every supported server, so only quotes double. */
export function quoteLiteral(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/**
 * A SQL string literal for a compiled string: control characters become E'' escapes (`\x0b`), so the generated script
 * carries no raw tab, carriage return or vertical tab; anything else is quoteLiteral()'s.
 */
export function textLiteral(value: string): string {
  if (!/[\u0000-\u001f\u007f]/.test(value)) return quoteLiteral(value);
  const escaped = [...value].map((c) => {
    const code = c.charCodeAt(0);
    if (c === "'") return "''";
    if (c === '\\') return '\\\\';
    return code < 0x20 || code === 0x7f ? `\\x${code.toString(16).padStart(2, '0')}` : c;
  });
  return `E'${escaped.join('')}'`;
}

/**
 * Every function pg_walrus creates runs with this search_path, whoever calls it: the pg_cron job runs as a superuser,
 * and an unpinned function would resolve an unqualified name (an aggregate, a function, an operator) through the
 * caller's path, where a role that can CREATE in public could plant a better-matching one.
 */
export const PINNED_SEARCH_PATH = 'SET search_path = pg_catalog, pg_temp';

export const SCHEMA = 'walrus';

export function qualified(name: string): string {
  return `${SCHEMA}.${quoteIdent(name)}`;
}
