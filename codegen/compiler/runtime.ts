import { quoteLiteral } from './identifiers';

/**
 * The runtime library: small SQL functions that give PL/pgSQL JavaScript's number semantics where the server's own
 * operators differ (division by zero, NaN ordering, Math.round's halves, sqrt and pow of awkward inputs). Only the
 * helpers a program uses are emitted. Each is LANGUAGE sql so the planner can inline it.
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
  | 'js_pow';

const D = 'double precision';

interface HelperDefinition {
  /** Argument names; every helper takes double precision arguments. */
  readonly args: readonly string[];
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

const extreme = (pick: 'least' | 'greatest', js: string): HelperDefinition => ({
  args: ['a', 'b'],
  returns: D,
  body: `SELECT CASE WHEN a = 'NaN' OR b = 'NaN' THEN 'NaN'::${D} ELSE ${pick}(a, b) END`,
  doc: `JavaScript's ${js}: NaN when either argument is NaN.`,
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
    body: 'SELECT CASE WHEN x - floor(x) >= 0.5 THEN floor(x) + 1 ELSE floor(x) END',
    doc: 'Math.round: halves go towards +Infinity (round() on float8 rounds halves to even).',
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
      `    WHEN a = 0 AND b < 0 THEN 'Infinity'::${D}`,
      `    WHEN a < 0 AND abs(b) <> 'Infinity' AND b <> trunc(b) THEN 'NaN'::${D}`,
      '    ELSE power(a, b)',
      '  END',
    ].join('\n'),
    doc: 'Math.pow / **: NaN and infinities where power() raises an error.',
  },
};

/** The CREATE FUNCTION statements for the helpers used, in a fixed order so output is deterministic. */
export function printRuntime(used: ReadonlySet<RuntimeHelper>, schema: string): { sql: string; signature: string }[] {
  return (Object.keys(HELPERS) as RuntimeHelper[])
    .filter((name) => used.has(name))
    .map((name) => {
      const h = HELPERS[name];
      const params = h.args.map((a) => `${a} ${D}`).join(', ');
      const signature = h.args.map(() => D).join(', ');
      const sql = [
        `CREATE FUNCTION ${schema}.${name}(${params}) RETURNS ${h.returns}`,
        'LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE',
        `AS $$\n  ${h.body}\n$$;`,
        `COMMENT ON FUNCTION ${schema}.${name}(${signature}) IS ${quoteLiteral(h.doc)};`,
      ].join('\n');
      return { sql, signature: `${schema}.${name}(${signature})` };
    });
}
