import { PINNED_SEARCH_PATH, quoteLiteral } from './identifiers';

/**
 * The runtime library: small SQL functions that give PL/pgSQL JavaScript's number semantics where the server's own
 * operators differ (division by zero, NaN ordering, signed zeros, Math.round's halves, sqrt and pow of awkward inputs)
 * and JavaScript's string order. Only the helpers a program uses are emitted. Each pins its search_path like every
 * pg_walrus function, which keeps the planner from inlining it: safety over a few microseconds per call.
 */
export type RuntimeHelper =
  | 'js_div'
  | 'js_lt'
  | 'js_le'
  | 'js_gt'
  | 'js_ge'
  | 'js_eq'
  | 'js_min'
  | 'js_max'
  | 'js_round'
  | 'js_sqrt'
  | 'js_pow'
  | 'js_text_key'
  | 'js_length'
  | 'js_char_code_at'
  | 'js_slice'
  | 'js_number'
  | 'js_array_slice';

const D = 'double precision';

interface HelperDefinition {
  /** Argument names. */
  readonly args: readonly string[];
  /** The type of every argument; double precision unless given. */
  readonly argType?: string;
  /** Per-argument types, where they differ. */
  readonly argTypes?: readonly string[];
  readonly returns: string;
  /** sql unless given; plpgsql for loops and for errors that JavaScript cannot produce. */
  readonly language?: 'sql' | 'plpgsql';
  readonly body: string;
  readonly doc: string;
}

/**
 * Characters above U+FFFF, which JavaScript stores as two UTF-16 code units (a surrogate pair) and PostgreSQL as one
 * character. Text cannot hold a lone surrogate, so every other character is one unit in both worlds.
 */
const ASTRAL = String.raw`'[\U00010000-\U0010FFFF]'`;
/** The UTF-16 length of s: its characters, plus one more for each above U+FFFF. */
const UTF16_LENGTH = String.raw`char_length(s) + char_length(regexp_replace(s, '[^\U00010000-\U0010FFFF]+', '', 'g'))`;

/**
 * What String.prototype.trim() and Number() skip: WhiteSpace and LineTerminator of ECMA-262 (tab, vertical tab, form
 * feed, space, no-break space, the other Zs spaces, BOM; line feed, carriage return, U+2028, U+2029).
 */
export const JS_WHITESPACE = [
  0x9, 0xa, 0xb, 0xc, 0xd, 0x20, 0xa0, 0x1680, 0x2000, 0x2001, 0x2002, 0x2003, 0x2004, 0x2005, 0x2006, 0x2007, 0x2008,
  0x2009, 0x200a, 0x2028, 0x2029, 0x202f, 0x205f, 0x3000, 0xfeff,
] as const;

const JS_WHITESPACE_SQL = `E'${JS_WHITESPACE.map((c) => `\\u${c.toString(16).padStart(4, '0')}`).join('')}'`;

/** JavaScript's slice bounds: a negative index counts from the end, then both are clamped to [0, n]. */
export const sliceBound = (index: string, n: string): string =>
  `least(greatest(CASE WHEN ${index} < 0 THEN ${n} + ${index} ELSE ${index} END, 0), ${n})`;

const compare = (op: string): HelperDefinition => ({
  args: ['a', 'b'],
  returns: 'boolean',
  body: `SELECT a ${op} b AND a <> 'NaN' AND b <> 'NaN'`,
  doc: `JavaScript's ${op}: false whenever either side is NaN (PostgreSQL sorts NaN above every number).`,
});

// least/greatest see 0 and -0 as equal and return either; JavaScript's Math.min prefers -0 and Math.max 0.
const extreme = (pick: 'least' | 'greatest', js: string): HelperDefinition => ({
  args: ['a', 'b'],
  returns: D,
  body: [
    'SELECT CASE',
    `    WHEN a = 'NaN' OR b = 'NaN' THEN 'NaN'::${D}`,
    `    WHEN a = 0 AND b = 0 THEN CASE WHEN a::text = '-0' THEN ${pick === 'least' ? 'a ELSE b' : 'b ELSE a'} END`,
    `    ELSE ${pick}(a, b)`,
    '  END',
  ].join('\n'),
  doc: `JavaScript's ${js}: NaN when either argument is NaN, and ${pick === 'least' ? '-0 below 0' : '0 above -0'}.`,
});

const HELPERS: Record<RuntimeHelper, HelperDefinition> = {
  js_div: {
    args: ['a', 'b'],
    returns: D,
    body: [
      'SELECT CASE',
      '    WHEN b <> 0 THEN a / b',
      `    WHEN a = 0 OR a = 'NaN' THEN 'NaN'::${D}`,
      // The sign of a zero divisor decides the sign of the infinity, as in JavaScript.
      `    WHEN (a > 0) = (b::text <> '-0') THEN 'Infinity'::${D}`,
      `    ELSE '-Infinity'::${D}`,
      '  END',
    ].join('\n'),
    doc: 'JavaScript division: x / 0 is an infinity or NaN instead of an error.',
  },
  js_lt: compare('<'),
  js_le: compare('<='),
  js_gt: compare('>'),
  js_ge: compare('>='),
  js_eq: {
    args: ['a', 'b'],
    returns: 'boolean',
    body: `SELECT a = b AND a <> 'NaN'`,
    doc: "JavaScript's ===: NaN equals nothing, itself included.",
  },
  js_min: extreme('least', 'Math.min'),
  js_max: extreme('greatest', 'Math.max'),
  js_round: {
    args: ['x'],
    returns: D,
    body: [
      'SELECT CASE',
      // floor(x) + 1 would be +0 here, where JavaScript keeps the sign.
      `    WHEN x < 0 AND x >= -0.5 THEN '-0'::${D}`,
      '    WHEN x - floor(x) >= 0.5 THEN floor(x) + 1',
      '    ELSE floor(x)',
      '  END',
    ].join('\n'),
    doc: 'Math.round: halves go towards +Infinity (round() on float8 rounds halves to even), -0.5 to -0.',
  },
  js_sqrt: {
    args: ['x'],
    returns: D,
    body: `SELECT CASE WHEN x < 0 THEN 'NaN'::${D} ELSE sqrt(x) END`,
    doc: 'Math.sqrt: NaN for negative input instead of an error.',
  },
  js_pow: {
    args: ['a', 'b'],
    returns: D,
    body: [
      'SELECT CASE',
      `    WHEN b = 'NaN' THEN 'NaN'::${D}`,
      '    WHEN b = 0 THEN 1',
      `    WHEN a = 'NaN' THEN 'NaN'::${D}`,
      `    WHEN abs(a) = 1 AND abs(b) = 'Infinity' THEN 'NaN'::${D}`,
      // power() raises for 0 ^ -y and for -Infinity ^ y with y fractional; an odd integer exponent keeps the sign
      // of -0 and -Infinity.
      `    WHEN (a = 0 AND b < 0) OR a = '-Infinity' THEN`,
      `      CASE WHEN (a = 0) = (b < 0) THEN 'Infinity'::${D} ELSE 0 END`,
      `      * CASE WHEN (a < 0 OR a::text = '-0') AND b = trunc(b) AND trunc(b / 2) <> b / 2 THEN -1 ELSE 1 END`,
      `    WHEN a < 0 AND abs(b) <> 'Infinity' AND b <> trunc(b) THEN 'NaN'::${D}`,
      '    ELSE power(a, b)',
      '  END',
    ].join('\n'),
    doc: 'Math.pow / **: NaN and infinities where power() raises an error.',
  },
  js_text_key: {
    args: ['s'],
    argType: 'text',
    returns: 'integer[]',
    body: [
      // Code points in UTF-16 order: below U+D800 as they are, those above U+FFFF (surrogate pairs, D800 to DBFF
      // in their first unit) next, then U+E000 to U+FFFF. Arrays compare element by element, shorter first.
      'SELECT coalesce(array_agg(CASE WHEN cp < 55296 THEN cp WHEN cp > 65535 THEN cp - 10240 ELSE cp + 1048576 END',
      "    ORDER BY i), '{}')",
      '  FROM unnest(string_to_array(s, NULL)) WITH ORDINALITY AS t(ch, i), ascii(ch) AS cp',
    ].join('\n'),
    doc: 'A key that orders text as JavaScript does, by UTF-16 code unit.',
  },
  js_length: {
    args: ['s'],
    argType: 'text',
    returns: 'integer',
    body: [
      // Only characters above U+FFFF count twice; octet_length = char_length means plain ASCII, nothing to count.
      'SELECT CASE WHEN octet_length(s) = char_length(s) THEN char_length(s)',
      `    ELSE ${UTF16_LENGTH} END`,
    ].join('\n'),
    doc: "String.prototype.length: UTF-16 code units, so a character above U+FFFF counts twice.",
  },
  js_char_code_at: {
    args: ['s', 'i'],
    argTypes: ['text', 'bigint'],
    returns: D,
    language: 'plpgsql',
    body: [
      'DECLARE',
      '  ch text;',
      '  cp integer;',
      '  unit bigint := 0;',
      'BEGIN',
      "  IF i < 0 THEN RETURN 'NaN'::double precision; END IF;",
      `  IF s !~ ${ASTRAL} THEN`,
      // Every character is one code unit.
      "    RETURN CASE WHEN i < char_length(s) THEN ascii(substr(s, (i + 1)::integer, 1)) ELSE 'NaN'::double precision END;",
      '  END IF;',
      '  FOREACH ch IN ARRAY string_to_array(s, NULL) LOOP',
      '    cp := ascii(ch);',
      '    IF cp > 65535 THEN',
      // The surrogate pair of the character: high surrogate first.
      '      IF i = unit THEN RETURN 55296 + (cp - 65536) / 1024; END IF;',
      '      IF i = unit + 1 THEN RETURN 56320 + (cp - 65536) % 1024; END IF;',
      '      unit := unit + 2;',
      '    ELSE',
      '      IF i = unit THEN RETURN cp; END IF;',
      '      unit := unit + 1;',
      '    END IF;',
      '  END LOOP;',
      "  RETURN 'NaN'::double precision;",
      'END;',
    ].join('\n'),
    doc: 'String.prototype.charCodeAt: the UTF-16 code unit at index i (half of a surrogate pair above U+FFFF), NaN outside the string.',
  },
  js_slice: {
    args: ['s', 'a', 'b'],
    argTypes: ['text', 'bigint', 'bigint'],
    returns: 'text',
    language: 'plpgsql',
    body: [
      'DECLARE',
      '  n bigint;',
      '  from_unit bigint;',
      '  to_unit bigint;',
      '  ch text;',
      '  width integer;',
      '  unit bigint := 0;',
      '  chars integer := 0;',
      '  start_char integer;',
      '  stop_char integer;',
      'BEGIN',
      `  IF s !~ ${ASTRAL} THEN`,
      '    n := char_length(s);',
      `    from_unit := ${sliceBound('a', 'n')};`,
      `    to_unit := ${sliceBound('b', 'n')};`,
      '    RETURN CASE WHEN from_unit < to_unit',
      "      THEN substr(s, (from_unit + 1)::integer, (to_unit - from_unit)::integer) ELSE '' END;",
      '  END IF;',
      `  n := ${UTF16_LENGTH};`,
      `  from_unit := ${sliceBound('a', 'n')};`,
      `  to_unit := ${sliceBound('b', 'n')};`,
      "  IF from_unit >= to_unit THEN RETURN ''; END IF;",
      // Code units to characters; a bound inside a surrogate pair would leave half a character, which text cannot hold.
      '  FOREACH ch IN ARRAY string_to_array(s, NULL) LOOP',
      '    width := CASE WHEN ascii(ch) > 65535 THEN 2 ELSE 1 END;',
      '    IF from_unit = unit THEN start_char := chars; END IF;',
      '    IF to_unit = unit THEN stop_char := chars; END IF;',
      '    IF (from_unit > unit AND from_unit < unit + width) OR (to_unit > unit AND to_unit < unit + width) THEN',
      "      RAISE EXCEPTION 'slice(%, %) cuts a character above U+FFFF in half, which text cannot hold', a, b",
      "        USING ERRCODE = 'character_not_in_repertoire';",
      '    END IF;',
      '    unit := unit + width;',
      '    chars := chars + 1;',
      '  END LOOP;',
      '  IF to_unit = unit THEN stop_char := chars; END IF;',
      '  RETURN substr(s, start_char + 1, stop_char - start_char);',
      'END;',
    ].join('\n'),
    doc:
      'String.prototype.slice(a, b) by UTF-16 code unit, negative indexes counting from the end. An error where ' +
      'JavaScript would cut a character above U+FFFF in half: text cannot hold half a surrogate pair.',
  },
  js_number: {
    args: ['s'],
    argType: 'text',
    returns: D,
    language: 'plpgsql',
    body: [
      'DECLARE',
      `  t text := btrim(s, ${JS_WHITESPACE_SQL});`,
      '  parts text[];',
      '  digits text;',
      '  exponent text;',
      '  magnitude numeric;',
      '  n numeric := 0;',
      '  ch text;',
      '  base integer;',
      '  limit_digits integer;',
      'BEGIN',
      "  IF t = '' THEN RETURN 0; END IF;",
      "  IF t IN ('Infinity', '+Infinity') THEN RETURN 'Infinity'::double precision; END IF;",
      "  IF t = '-Infinity' THEN RETURN '-Infinity'::double precision; END IF;",
      "  parts := regexp_match(t, '^([+-]?)([0-9]*)(?:\\.([0-9]*))?(?:[eE]([+-]?[0-9]+))?$');",
      "  IF parts IS NOT NULL AND parts[2] || coalesce(parts[3], '') <> '' THEN",
      '    BEGIN',
      // float8in is strtod: correctly rounded, as JavaScript is; it refuses only what overflows or underflows to 0.
      '      RETURN t::double precision;',
      '    EXCEPTION WHEN numeric_value_out_of_range THEN',
      "      digits := parts[2] || coalesce(parts[3], '');",
      // The decimal exponent of the first significant digit decides: far above 308 or far below -323.
      "      magnitude := length(parts[2]) - (length(digits) - length(ltrim(digits, '0'))) - 1;",
      "      exponent := ltrim(ltrim(coalesce(parts[4], '0'), '+-'), '0');",
      "      magnitude := magnitude + CASE WHEN length(exponent) > 9 THEN 1e10 ELSE coalesce(nullif(exponent, ''), '0')::numeric END",
      "        * CASE WHEN starts_with(coalesce(parts[4], ''), '-') THEN -1 ELSE 1 END;",
      "      RETURN CASE WHEN magnitude > 0 THEN 'Infinity'::double precision ELSE 0 END",
      "        * CASE WHEN parts[1] = '-' THEN -1 ELSE 1 END::double precision;",
      '    END;',
      '  END IF;',
      // 0x, 0o and 0b integers: exact in numeric, then rounded once; more digits than these are 2^1024 or more.
      '  base := CASE',
      "    WHEN t ~ '^0[xX][0-9a-fA-F]+$' THEN 16 WHEN t ~ '^0[oO][0-7]+$' THEN 8 WHEN t ~ '^0[bB][01]+$' THEN 2 END;",
      "  IF base IS NULL THEN RETURN 'NaN'::double precision; END IF;",
      "  digits := ltrim(lower(substr(t, 3)), '0');",
      '  limit_digits := CASE base WHEN 16 THEN 256 WHEN 8 THEN 342 ELSE 1024 END;',
      "  IF length(digits) > limit_digits THEN RETURN 'Infinity'::double precision; END IF;",
      '  FOREACH ch IN ARRAY string_to_array(digits, NULL) LOOP',
      "    n := n * base + strpos('0123456789abcdef', ch) - 1;",
      '  END LOOP;',
      '  BEGIN',
      '    RETURN n::double precision;',
      '  EXCEPTION WHEN numeric_value_out_of_range THEN',
      "    RETURN 'Infinity'::double precision;",
      '  END;',
      'END;',
    ].join('\n'),
    doc:
      'Number(s) of a string: JavaScript whitespace trimmed, empty is 0, decimal (correctly rounded, out of range to ' +
      'an infinity or a zero), Infinity, 0x/0o/0b integers, NaN for anything else.',
  },
  js_array_slice: {
    args: ['xs', 'a', 'b'],
    argTypes: ['anyarray', 'bigint', 'bigint'],
    returns: 'anyarray',
    body: `SELECT xs[(${sliceBound('a', 'n')} + 1)::integer : (${sliceBound('b', 'n')})::integer] FROM cardinality(xs) AS n`,
    doc: 'Array.prototype.slice(a, b): negative indexes count from the end, bounds clamped to the array.',
  },
};

/** The CREATE FUNCTION statements for the helpers used, in a fixed order so output is deterministic. */
export function printRuntime(used: ReadonlySet<RuntimeHelper>, schema: string): { sql: string; signature: string }[] {
  return (Object.keys(HELPERS) as RuntimeHelper[])
    .filter((name) => used.has(name))
    .map((name) => {
      const h = HELPERS[name];
      const types = h.args.map((_, i) => h.argTypes?.[i] ?? h.argType ?? D);
      const params = h.args.map((a, i) => `${a} ${types[i]}`).join(', ');
      const signature = types.join(', ');
      const body = h.language === 'plpgsql' ? `$function$\n${h.body}\n$function$;` : `$$\n  ${h.body}\n$$;`;
      const sql = [
        `CREATE FUNCTION ${schema}.${name}(${params}) RETURNS ${h.returns}`,
        `LANGUAGE ${h.language ?? 'sql'} IMMUTABLE STRICT PARALLEL SAFE ${PINNED_SEARCH_PATH}`,
        `AS ${body}`,
        `COMMENT ON FUNCTION ${schema}.${name}(${signature}) IS ${quoteLiteral(h.doc)};`,
      ].join('\n');
      return { sql, signature: `${schema}.${name}(${signature})` };
    });
}
