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
  | 'js_text_key';

const D = 'double precision';

interface HelperDefinition {
  /** Argument names. */
  readonly args: readonly string[];
  /** The type of every argument; double precision unless given. */
  readonly argType?: string;
  readonly returns: string;
  readonly body: string;
  readonly doc: string;
}

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
};

/** The CREATE FUNCTION statements for the helpers used, in a fixed order so output is deterministic. */
export function printRuntime(used: ReadonlySet<RuntimeHelper>, schema: string): { sql: string; signature: string }[] {
  return (Object.keys(HELPERS) as RuntimeHelper[])
    .filter((name) => used.has(name))
    .map((name) => {
      const h = HELPERS[name];
      const argType = h.argType ?? D;
      const params = h.args.map((a) => `${a} ${argType}`).join(', ');
      const signature = h.args.map(() => argType).join(', ');
      const sql = [
        `CREATE FUNCTION ${schema}.${name}(${params}) RETURNS ${h.returns}`,
        `LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE ${PINNED_SEARCH_PATH}`,
        `AS $$\n  ${h.body}\n$$;`,
        `COMMENT ON FUNCTION ${schema}.${name}(${signature}) IS ${quoteLiteral(h.doc)};`,
      ].join('\n');
      return { sql, signature: `${schema}.${name}(${signature})` };
    });
}
