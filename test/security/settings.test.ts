import fc from 'fast-check';
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CASTS, PARSE_LIMITS, parseKind } from '../../codegen/extension/settings';
import { SETTINGS, type Setting } from '../../src/settings';
import { clusterInfo, cronDatabase } from '../helpers/db';
import { alterSystem, analyze, collectNotices, connect, installPaused, scalar } from '../helpers/walrus';

/**
 * What a bad walrus.* value can do, on the real server. Parsing is total: no text, whatever its whitespace, digits or
 * length, makes the cycle or the monitoring functions fail, and every value called valid casts where read_config()
 * casts it. A password never belongs in walrus.conninfo and never shows. A caller's SET cannot forge the values a
 * cycle run with the owner's rights acts on.
 */

let client: pg.Client;
let uninstall: (current: pg.Client) => Promise<void>;
/** min_value and max_value per setting as walrus.setting_report() passes them to parse_setting(). */
const bounds = new Map<string, { min: string | null; max: string | null }>();

beforeAll(async () => {
  ({ client, uninstall } = await installPaused());
  const { rows } = await client.query<{ name: string; min_value: string | null; max_value: string | null }>(
    'SELECT name, min_value, max_value FROM walrus.setting_report()',
  );
  for (const r of rows) bounds.set(r.name.replace(/^walrus\./, ''), { min: r.min_value, max: r.max_value });
});

afterAll(() => uninstall(client));

beforeEach(async () => {
  client.removeAllListeners('notice');
  await client.query('RESET ALL');
});

// ---------------------------------------------------------------------------------------------------------------------
// The rules, restated in TypeScript with exact arithmetic (BigInt), as the oracle for what the server decides.
// ---------------------------------------------------------------------------------------------------------------------

type Expected = { valid: true; value: string | number | boolean } | { valid: false; error: string };

const invalid = (error: string): Expected => ({ valid: false, error });
/** Only ASCII whitespace is trimmed, as PostgreSQL's own parser and libpq do. */
const trimAscii = (s: string): string => s.replace(/^[ \t\n\r\f\v]+|[ \t\n\r\f\v]+$/g, '');
/** lower() in the test cluster's C locale folds ASCII letters only. */
const lowerAscii = (s: string): string => s.replace(/[A-Z]/g, (c) => c.toLowerCase());

/** An exact decimal n x 10^k. */
interface Dec {
  n: bigint;
  k: number;
}
function decimal(text: string): Dec {
  const [int, frac = ''] = text.split('.');
  return { n: BigInt(`${int}${frac}`), k: -frac.length };
}
function compare(a: Dec, b: Dec): number {
  const k = Math.min(a.k, b.k);
  const x = a.n * 10n ** BigInt(a.k - k);
  const y = b.n * 10n ** BigInt(b.k - k);
  return x < y ? -1 : x > y ? 1 : 0;
}

function expectedInt(raw: string, min: string, max: string): Expected {
  const m = /^([-+]?)([0-9]+)$/.exec(trimAscii(raw));
  if (!m) return invalid('not an integer');
  const v = BigInt(`${m[1]}${m[2]}`);
  if (v < BigInt(min) || v > BigInt(max)) return invalid('out of range');
  return { valid: true, value: Number(v) };
}

function expectedReal(raw: string, min: string, max: string, exclusive: boolean): Expected {
  const trimmed = trimAscii(raw);
  const m = /^([-+]?)([0-9]*)(?:\.([0-9]*))?(?:[eE]([-+]?)([0-9]+))?$/.exec(trimmed);
  if (!m || `${m[2]}${m[3] ?? ''}` === '') return invalid('not a number');
  const all = `${m[2]}${m[3] ?? ''}`;
  const lead = all.length - all.replace(/^0+/, '').length;
  const significant = all.replace(/^0+/, '').replace(/0+$/, '');
  let value: Dec = { n: 0n, k: 0 };
  if (significant !== '') {
    const exponentDigits = (m[5] ?? '').replace(/^0+/, '');
    const exponent = exponentDigits.length > 9 ? 1e10 : Number(exponentDigits || '0');
    // The decimal exponent of the first significant digit.
    const scale = m[2]!.length - lead - 1 + (m[4] === '-' ? -exponent : exponent);
    if (Math.abs(scale) > PARSE_LIMITS.realExponent) return invalid('out of range');
    if (significant.length > PARSE_LIMITS.realDigits) return invalid('not a number');
    value = { n: BigInt(`${m[1] === '-' ? '-' : ''}${significant}`), k: scale + 1 - significant.length };
  }
  if (compare(value, decimal(min)) < 0 || compare(value, decimal(max)) > 0) return invalid('out of range');
  // JavaScript rounds decimal text to the nearest double exactly as PostgreSQL's float8 input does.
  const double = Number(trimmed);
  if (exclusive && (double <= Number(min) || double >= Number(max))) return invalid('out of range');
  return { valid: true, value: double };
}

const UNIT_MB: Record<string, [bigint, bigint]> = {
  B: [1n, 1048576n],
  kB: [1n, 1024n],
  MB: [1n, 1n],
  GB: [1024n, 1n],
  TB: [1048576n, 1n],
};

function expectedMemory(raw: string, min: string, max: string): Expected {
  const m = /^([0-9]+)(?:\.([0-9]+))?[ \t\n\r\f\v]*(B|kB|MB|GB|TB)?$/.exec(trimAscii(raw));
  if (!m) return invalid('not a memory size');
  const frac = m[2] ?? '';
  const [mul, div] = UNIT_MB[m[3] ?? 'MB']!;
  const num = BigInt(`${m[1]}${frac}`) * mul;
  const den = 10n ** BigInt(frac.length) * div;
  // Halves round up, as round(numeric) does for positive values.
  const mb = (2n * num + den) / (2n * den);
  if (mb < BigInt(min) || mb > BigInt(max)) return invalid('out of range');
  return { valid: true, value: Number(mb) };
}

function expectedBool(raw: string): Expected {
  const t = lowerAscii(trimAscii(raw));
  if (['on', 'true', 'yes', '1'].includes(t)) return { valid: true, value: true };
  if (['off', 'false', 'no', '0'].includes(t)) return { valid: true, value: false };
  return invalid('not a boolean');
}

function expectedEnum(raw: string, choices: readonly string[]): Expected {
  const t = lowerAscii(trimAscii(raw));
  return choices.includes(t) ? { valid: true, value: t } : invalid('not one of the choices');
}

/** What parse_setting() must decide for raw under setting s; null where only properties are checked (conninfo). */
function expected(s: Setting, raw: string): Expected | null {
  const b = bounds.get(s.name)!;
  switch (s.kind) {
    case 'int':
      return expectedInt(raw, b.min!, b.max!);
    case 'real':
      return expectedReal(raw, b.min!, b.max!, s.exclusive ?? false);
    case 'memory':
      return expectedMemory(raw, b.min!, b.max!);
    case 'bool':
      return expectedBool(raw);
    case 'enum':
      return expectedEnum(raw, s.values);
    case 'text':
      return s.secret ? null : { valid: true, value: raw };
  }
}

// ---------------------------------------------------------------------------------------------------------------------
// Inputs
// ---------------------------------------------------------------------------------------------------------------------

const SPACES = [' ', '\t', '\n', '\r', '\f', '\v', '\u00a0', '\u2003', '\u3000', '\u200b', '\ufeff'];

const NASTY: readonly string[] = [
  '5\u2003', '5\u3000', '\u00a05', '5\u00a0', '\u20035', '\u30005\u3000', '1e-400', '1e400', '-1e-400', '1e-101',
  '1e-100', '1e100', '1e101', '9'.repeat(100_000), `0.${'0'.repeat(100_000)}1`, `1${'0'.repeat(100_000)}e-100000`,
  `${'0'.repeat(100_000)}5`, `5${'0'.repeat(100_000)}MB`, `0.${'3'.repeat(1000)}`, `0.${'3'.repeat(1001)}`,
  `1e${'9'.repeat(1000)}`, `1e-${'9'.repeat(1000)}`, `0e${'9'.repeat(1000)}`, `5e-${'0'.repeat(500)}1`, '0x10', 'Infinity',
  '-Infinity', 'NaN', 'inf', '\u0665', '\uff15', '+5', ' 5 ', '5.', '.5', '.', '1e', 'e5', '--1', '+-1', '1_000', '',
  ' ', '\t\n', '0.99999999999999999999', '0.000000000000000000001', `10.${'0'.repeat(60)}1`, `1.${'0'.repeat(60)}1`,
  '1.5GB', '1.5 GB', '4gb', '-0', '+0', '0', '00', '1,5', '1e+1', 'on', 'ON ', 'off\t', 'yes', 'maybe', 'Adaptive',
  'percentile\n', 'p e r c e n t i l e', "'", '\\', '"', '%', '0.5kB', '1B', '1048576B', '2147483647', '2147483648',
  '9223372036854775808', '99999999999999999999TB', `1.${'9'.repeat(40)}TB`, `0.${'0'.repeat(29)}1TB`, '0.5', '1.5',
  '2.5', '0.0000004768371582031249TB', '0.00000047683715820312500TB', '524288B', '524287B',
];

const TOKENS = [
  ...SPACES, '0', '1', '2', '5', '9', '00000', '.', 'e', 'E', '-', '+', '\u0665', '\uff15', 'x', 'kB', 'MB', 'GB', 'TB',
  'B', 'Infinity', 'NaN', 'on', 'off', 'TRUE', 'no', 'Adaptive', 'percentile', "'", '\\', '=', 'password', '@', ':',
  '://', '%61', '9'.repeat(120), '0'.repeat(120),
];

/** Mostly the ASCII whitespace that is trimmed, sometimes a Unicode space that is not. */
const whitespace = fc
  .array(
    fc.oneof(
      { arbitrary: fc.constantFrom(' ', '\t', '\n', '\r', '\f', '\v'), weight: 6 },
      { arbitrary: fc.constantFrom(...SPACES), weight: 1 },
    ),
    { maxLength: 2 },
  )
  .map((a) => a.join(''));
const padded = (inner: fc.Arbitrary<string>): fc.Arbitrary<string> =>
  fc.tuple(whitespace, inner, whitespace).map(([a, v, b]) => `${a}${v}${b}`);

/** Values near the valid ones of s, written in the many ways a DBA might. */
function plausible(s: Setting): fc.Arbitrary<string> {
  const b = bounds.get(s.name);
  switch (s.kind) {
    case 'int':
      return padded(
        fc.tuple(fc.integer({ min: s.min - 3, max: s.max + 3 }), fc.constantFrom('', '+', '00')).map(([n, p]) =>
          n < 0 ? String(n) : `${p}${n}`,
        ),
      );
    case 'real':
      return padded(
        fc
          .tuple(
            fc.oneof(
              // Doubles are drawn uniformly over their bit patterns: mostly tiny magnitudes, so also plain decimals.
              fc.double({ min: s.min - (s.max - s.min) / 10, max: s.max + (s.max - s.min) / 10, noNaN: true }),
              fc.integer({ min: Math.floor((s.min - (s.max - s.min) / 10) * 1000), max: Math.ceil((s.max + (s.max - s.min) / 10) * 1000) }).map((n) => n / 1000),
            ),
            fc.integer({ min: 0, max: 20 }),
            fc.nat(3),
          )
          .map(
          ([x, digits, style]) =>
            [x.toString(), x.toExponential(digits), x.toFixed(digits), x.toPrecision(digits + 1)][style]!,
        ),
      );
    case 'memory':
      return padded(
        fc
          .tuple(
            fc.integer({ min: 0, max: Math.min(Number(b?.max ?? 0), 2 ** 31 - 1) }),
            fc.constantFrom('', 'B', 'kB', 'MB', 'GB', 'TB'),
            fc.constantFrom('', ' ', '\t', '\u2003'),
            fc.integer({ min: 0, max: 7 }),
          )
          .map(([n, unit, sep, divisor]) => `${divisor === 0 ? n : (n / 2 ** divisor).toString()}${sep}${unit}`),
      );
    case 'bool':
      return padded(fc.mixedCase(fc.constantFrom('on', 'off', 'true', 'false', 'yes', 'no', '1', '0', 'o')));
    case 'enum':
      return padded(fc.mixedCase(fc.constantFrom(...s.values, 'multi', '')));
    case 'text':
      return fc.constantFrom('host=/tmp port=5432', "password='x y'", 'postgresql://u:p@h/d', 'postgresql://h/d', 'x');
  }
}

function values(s: Setting): fc.Arbitrary<string[]> {
  const one = fc
    .oneof(
      { arbitrary: fc.string({ unit: 'grapheme', maxLength: 24 }), weight: 1 },
      { arbitrary: fc.string({ unit: 'binary', maxLength: 24 }), weight: 1 },
      { arbitrary: fc.string({ unit: 'binary-ascii', maxLength: 24 }), weight: 1 },
      { arbitrary: fc.array(fc.constantFrom(...TOKENS), { maxLength: 8 }).map((t) => t.join('')), weight: 3 },
      { arbitrary: plausible(s), weight: 4 },
    )
    // A PostgreSQL text value cannot hold NUL.
    .map((v) => v.replaceAll('\0', ''));
  return fc.array(one, { minLength: 1, maxLength: 80 });
}

// ---------------------------------------------------------------------------------------------------------------------
// Checks
// ---------------------------------------------------------------------------------------------------------------------

interface Parsed {
  value: string | null;
  error: string | null;
  typed: unknown;
}

/** parse_setting() on many values in one query, casting each valid one exactly as read_config() does. */
async function parseOnServer(s: Setting, raws: readonly string[]): Promise<Parsed[]> {
  const b = bounds.get(s.name)!;
  const kind = parseKind(s);
  const typed = kind === 'conninfo' ? 'walrus.mask_conninfo(p.value)' : `(p.value)${CASTS[s.kind]}`;
  const { rows } = await client.query<Parsed>(
    `SELECT p.value, p.error, CASE WHEN p.error IS NULL THEN ${typed} END AS typed
       FROM unnest($1::text[]) WITH ORDINALITY AS v(raw, i)
       CROSS JOIN LATERAL walrus.parse_setting($2, v.raw, $3, $4, $5, $6::text[]) AS p
      ORDER BY v.i`,
    [raws, kind, b.min, b.max, s.kind === 'real' && (s.exclusive ?? false), s.kind === 'enum' ? s.values : null],
  );
  return rows;
}

function check(s: Setting, raws: readonly string[], parsed: readonly Parsed[]): void {
  expect(parsed).toHaveLength(raws.length);
  raws.forEach((raw, i) => {
    const got = parsed[i]!;
    const shown = raw.length > 100 ? `${JSON.stringify(raw.slice(0, 100))}... (${raw.length})` : JSON.stringify(raw);
    const want = expected(s, raw);
    // Exactly one of value and error, and the error always says what is valid.
    expect(got.value === null, `walrus.${s.name} = ${shown}: ${JSON.stringify(got)}`).toBe(got.error !== null);
    if (got.error !== null) expect(got.error, `walrus.${s.name} = ${shown}`).toMatch(/\(valid: /);
    if (parseKind(s) === 'conninfo') {
      // A valid connection string has nothing to mask, so read_config() may take the shown value as is.
      if (got.error === null) expect(got.typed).toBe(raw);
      else expect(got.error).toMatch(/^contains a password.*passfile=.*service=/);
      return;
    }
    if (want === null) return;
    if (want.valid) {
      expect({ raw: shown, error: got.error, typed: got.typed }).toEqual({ raw: shown, error: null, typed: want.value });
    } else {
      expect({ raw: shown, error: got.error?.startsWith(want.error) ? want.error : got.error }).toEqual({
        raw: shown,
        error: want.error,
      });
    }
  });
}

describe('walrus.parse_setting() is total', () => {
  it('has an oracle for every kind of setting', () => {
    for (const s of SETTINGS) expect(bounds.has(s.name), s.name).toBe(true);
    expect(new Set(SETTINGS.map(parseKind))).toEqual(new Set(['bool', 'int', 'real', 'memory', 'text', 'enum', 'conninfo']));
  });

  it.each(SETTINGS.map((s) => [s.name, s] as const))('walrus.%s: handcrafted nasty values', async (_name, s) => {
    check(s, NASTY, await parseOnServer(s, NASTY));
  });

  it.each(SETTINGS.map((s) => [s.name, s] as const))('walrus.%s: any text, in batches', async (_name, s) => {
    await fc.assert(
      fc.asyncProperty(values(s), async (raws) => {
        check(s, raws, await parseOnServer(s, raws));
      }),
      { numRuns: 25 },
    );
  });

  it('the oracle is not vacuous: the fuzzed batches hold valid and invalid values of each kind', async () => {
    // If the generators drifted into producing only garbage, the checks above would prove little.
    for (const s of SETTINGS.filter((x) => x.kind !== 'text')) {
      const raws = fc.sample(values(s), { numRuns: 10, seed: 42 }).flat();
      const parsed = await parseOnServer(s, raws);
      expect(parsed.filter((p) => p.error === null).length, s.name).toBeGreaterThan(raws.length / 20);
      expect(parsed.filter((p) => p.error !== null).length, s.name).toBeGreaterThan(raws.length / 20);
    }
  });
});

// ---------------------------------------------------------------------------------------------------------------------
// End to end: what ALTER SYSTEM can hold does not break a cycle or monitoring
// ---------------------------------------------------------------------------------------------------------------------

const SECRET = 'hunter2-Zq9';

const SERVER_NASTY: Record<string, string> = {
  'walrus.threshold': '5\u2003',
  'walrus.cooldown_sec': '\u30003',
  'walrus.shrink_factor': '1e-400',
  'walrus.ema_alpha': '1e-400',
  'walrus.headroom': `1${'0'.repeat(100_000)}`,
  'walrus.max': `5${'0'.repeat(100_000)}MB`,
  'walrus.target_percentile': '9'.repeat(100_000),
  'walrus.sample_window': '2\u00a0',
  'walrus.conninfo': `host=/nonexistent password='${SECRET} and more'`,
};

describe('bad values set with ALTER SYSTEM', () => {
  it('leave walrus_analyze(), walrus_status(), walrus_metrics() and walrus.settings working, each setting reported invalid', async () => {
    await alterSystem(SERVER_NASTY);
    const fresh = await connect();
    try {
      const notices = collectNotices(fresh);
      const result = await analyze(fresh);
      expect(result.analyzed).toBe(true);
      for (const name of Object.keys(SERVER_NASTY)) {
        const warning = notices.find((n) => n.startsWith('WARNING') && n.includes(` for ${name}:`));
        expect(warning, name).toMatch(/\(valid: .*using the default/);
      }
      // Long values are cut short in messages, and a password never shows.
      expect(notices.filter((n) => n.length > 600)).toEqual([]);
      expect(notices.find((n) => n.includes('walrus.headroom'))).toContain(`'${'1'.padEnd(60, '0')}'... (100001 characters)`);
      expect(notices.join('\n')).not.toContain('hunter2');

      const status = await scalar<{ invalid_settings: { name: string; error: string }[] }>(fresh, 'SELECT walrus_status()');
      expect(status.invalid_settings.map((s) => s.name).sort()).toEqual(Object.keys(SERVER_NASTY).sort());
      expect(JSON.stringify(status)).not.toContain('hunter2');

      const metrics = await scalar<string>(fresh, 'SELECT walrus_metrics()');
      expect(metrics).toMatch(new RegExp(`^walrus_invalid_settings ${Object.keys(SERVER_NASTY).length}$`, 'm'));

      const { rows } = await fresh.query('SELECT * FROM walrus.settings WHERE NOT valid ORDER BY name');
      expect(rows.map((r) => r.name).sort()).toEqual(Object.keys(SERVER_NASTY).sort());
      expect(JSON.stringify(rows)).not.toContain('hunter2');

      // The owner's view of the server values (what a cycle started by another role uses) agrees.
      const server = await fresh.query('SELECT name FROM walrus.setting_report(false) WHERE NOT valid');
      expect(server.rows.map((r) => r.name).sort()).toEqual(Object.keys(SERVER_NASTY).sort());
      const config = await fresh.query('SELECT threshold, max_mb, headroom, conninfo FROM walrus.read_config(false, false)');
      expect(config.rows[0]).toEqual({ threshold: 2, max_mb: 4096, headroom: 1.25, conninfo: '' });

      const recorded = await fresh.query('SELECT h::text AS row FROM walrus.history h');
      expect(recorded.rows.length).toBeGreaterThan(0);
      expect(recorded.rows.map((r) => r.row).join('\n')).not.toContain('hunter2');
    } finally {
      await fresh.end();
      await alterSystem(Object.fromEntries(Object.keys(SERVER_NASTY).map((name) => [name, null])));
    }
  });
});

// ---------------------------------------------------------------------------------------------------------------------
// Passwords
// ---------------------------------------------------------------------------------------------------------------------

/** Connection strings (or messages quoting one) and the secret text each holds. */
const WITH_PASSWORD: readonly (readonly [conninfo: string, secret: string])[] = [
  ['host=/tmp password=s3cr3t port=5432', 's3cr3t'],
  ['host=/tmp password=sec\\ ret port=5432', 'sec\\ ret'],
  ["password='a b\\' c' host=x", "a b\\' c"],
  ["password = 'spaced out' user=x", 'spaced out'],
  ['PASSWORD=UpperCase', 'UpperCase'],
  ['PassWord\t=\tmixed', 'mixed'],
  ["password='never closed and long", 'never closed and long'],
  ['password= host=sneaky', 'host=sneaky'],
  ['password=a\u3000b more', 'a\u3000b'],
  ['password=trailing\\', 'trailing'],
  ['host=/tmp sslpassword=kEyPhrase', 'kEyPhrase'],
  ['postgresql://user:urisecret@localhost/db', 'urisecret'],
  ['postgres://:onlypass@localhost', 'onlypass'],
  ['postgresql://user:p@ss@w0rd@localhost/db', 'ss@w0rd'],
  ['postgresql://user:with space@localhost/db', 'with space'],
  ['postgresql://user:pa%40ss@localhost/db', 'pa%40ss'],
  ['postgresql://localhost/db?password=querysecret&sslmode=disable', 'querysecret'],
  ['postgresql://localhost/db?sslmode=disable&p%61ssword=ZxQvWkey', 'ZxQvWkey'],
  ['postgresql://localhost/db?%70%61%73%73%77%6f%72%64=allencoded', 'allencoded'],
  ['could not connect: "postgresql://bob:inmessage@db/x" failed', 'inmessage'],
];

const WITHOUT_PASSWORD: readonly string[] = [
  '',
  'host=/var/run/postgresql port=5432 dbname=postgres user=walrus',
  'host=/tmp passfile=/var/lib/postgresql/.pgpass',
  'service=walrus',
  'postgresql://walrus@localhost:5432/postgres?passfile=/x&sslmode=disable',
  'postgresql://localhost:5432/postgres',
  "host='/tmp/with space' application_name='pass word'",
];

describe('walrus.conninfo never holds or shows a password', () => {
  it('mask_conninfo() hides every form of password entirely, and leaves strings without one alone', async () => {
    const { rows } = await client.query<{ raw: string; masked: string; invalid: boolean }>(
      `SELECT v.raw, walrus.mask_conninfo(v.raw) AS masked,
              (walrus.parse_setting('conninfo', v.raw, NULL, NULL, false, NULL)).error IS NOT NULL AS invalid
         FROM unnest($1::text[]) WITH ORDINALITY AS v(raw, i) ORDER BY v.i`,
      [[...WITH_PASSWORD.map(([c]) => c), ...WITHOUT_PASSWORD]],
    );
    WITH_PASSWORD.forEach(([conninfo, secret], i) => {
      const row = rows[i]!;
      expect(row.invalid, conninfo).toBe(true);
      expect(row.masked, conninfo).toContain('********');
      // No piece of the secret longer than two characters survives.
      for (let at = 0; at + 3 <= secret.length; at++) {
        const piece = secret.slice(at, at + 3);
        if (!/^[ \\'@%]/.test(piece)) expect(row.masked, `${conninfo} leaks ${piece}`).not.toContain(piece);
      }
    });
    WITHOUT_PASSWORD.forEach((conninfo, i) => {
      const row = rows[WITH_PASSWORD.length + i]!;
      expect({ conninfo, invalid: row.invalid, masked: row.masked }).toEqual({ conninfo, invalid: false, masked: conninfo });
    });
  });

  it('a conninfo with a password is invalid: a masked WARNING, the derived loopback connection, nothing shown anywhere', async () => {
    await alterSystem({ 'walrus.conninfo': `host=/tmp user=postgres password='${SECRET}'` });
    const fresh = await connect();
    try {
      const notices = collectNotices(fresh);
      const report = await fresh.query("SELECT raw_value, setting, valid, error FROM walrus.settings WHERE name = 'walrus.conninfo'");
      expect(report.rows[0]).toMatchObject({ valid: false, setting: '', raw_value: "host=/tmp user=postgres password=********" });
      expect(report.rows[0].error).toMatch(/password file.*passfile=.*pgpass.*service file.*service=.*pg_service\.conf/);
      expect((await fresh.query('SELECT conninfo FROM walrus.read_config(false)')).rows[0].conninfo).toBe('');

      // Two cycles: a baseline, then one that decides (and may apply through the derived connection).
      await analyze(fresh);
      await analyze(fresh);
      const warning = notices.find((n) => n.startsWith('WARNING') && n.includes('walrus.conninfo'));
      expect(warning).toContain('password=********');
      const everything = [
        notices.join('\n'),
        JSON.stringify(await scalar(fresh, 'SELECT walrus_status()')),
        JSON.stringify((await fresh.query('SELECT * FROM walrus.settings')).rows),
        (await fresh.query('SELECT h::text AS row FROM walrus.history h')).rows.map((r) => r.row).join('\n'),
        await scalar<string>(fresh, 'SELECT walrus_metrics()'),
      ].join('\n');
      expect(everything).not.toContain(SECRET);
      expect(everything).not.toContain('hunter2');
    } finally {
      await fresh.end();
      await alterSystem({ 'walrus.conninfo': null });
    }
  });
});

// ---------------------------------------------------------------------------------------------------------------------
// Values a calling session cannot forge
// ---------------------------------------------------------------------------------------------------------------------

async function clientWith(options: { user?: string; options?: string } = {}): Promise<pg.Client> {
  const info = clusterInfo();
  const c = new pg.Client({ host: info.host, port: info.port, user: options.user ?? info.user, database: cronDatabase(), options: options.options });
  await c.connect();
  return c;
}

const maxMb = async (c: pg.Client, sessionValues: boolean): Promise<number> =>
  scalar<number>(c, 'SELECT (walrus.read_config(false, $1)).max_mb', [sessionValues]);

describe('read_config(warn, session_values => false): the server values, not the caller\'s SET', () => {
  const database = (): string => client.escapeIdentifier(cronDatabase());

  it('ignores SET and connection options; ALTER ROLE IN DATABASE > ALTER ROLE > ALTER DATABASE > files', async () => {
    await alterSystem({ 'walrus.max': '8GB' });
    const withOption = await clientWith({ options: '-c walrus.max=7GB' });
    try {
      await client.query("SET walrus.max = '2000000MB'");
      expect(await maxMb(client, true)).toBe(2000000);
      expect(await maxMb(client, false)).toBe(8192);
      expect(await maxMb(withOption, true)).toBe(7168);
      expect(await maxMb(withOption, false)).toBe(8192);

      await client.query(`ALTER DATABASE ${database()} SET walrus.max = '6GB'`);
      expect(await maxMb(client, false)).toBe(6144);
      await client.query("ALTER ROLE postgres SET walrus.max = '5GB'");
      expect(await maxMb(client, false)).toBe(5120);
      await client.query(`ALTER ROLE postgres IN DATABASE ${database()} SET walrus.max = '3GB'`);
      expect(await maxMb(client, false)).toBe(3072);
      // Another role's settings are not the current user's.
      await client.query("DROP ROLE IF EXISTS walrus_other; CREATE ROLE walrus_other; ALTER ROLE walrus_other SET walrus.max = '9GB'");
      expect(await maxMb(client, false)).toBe(3072);
      // The session still sees its own SET.
      expect(await maxMb(client, true)).toBe(2000000);
      // An invalid server value warns and falls back to the default, whatever the session says.
      await client.query(`ALTER ROLE postgres IN DATABASE ${database()} SET walrus.max = 'lots'`);
      const notices = collectNotices(client);
      expect(await scalar<number>(client, 'SELECT (walrus.read_config(true, false)).max_mb')).toBe(4096);
      expect(notices.find((n) => n.includes('walrus.max'))).toMatch(/invalid value 'lots' for walrus.max/);
    } finally {
      await withOption.end();
      await client.query(`ALTER ROLE postgres IN DATABASE ${database()} RESET walrus.max`);
      await client.query('ALTER ROLE postgres RESET walrus.max');
      await client.query('DROP ROLE IF EXISTS walrus_other');
      await client.query(`ALTER DATABASE ${database()} RESET walrus.max`);
      await alterSystem({ 'walrus.max': null });
    }
  });

  it('lets a SECURITY DEFINER function owned by a superuser act on the server values whatever its caller SET', async () => {
    await alterSystem({ 'walrus.max': '8GB', 'walrus.dry_run': 'on' });
    await client.query('DROP ROLE IF EXISTS walrus_forger; CREATE ROLE walrus_forger LOGIN');
    await client.query(`
      CREATE FUNCTION public.walrus_test_owner_config() RETURNS jsonb
      LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
      AS $$ SELECT to_jsonb(walrus.read_config(false, false)) $$;
      REVOKE ALL ON FUNCTION public.walrus_test_owner_config() FROM PUBLIC;
      GRANT EXECUTE ON FUNCTION public.walrus_test_owner_config() TO walrus_forger`);
    const forger = await clientWith({ user: 'walrus_forger', options: "-c walrus.conninfo=host=/evil" });
    try {
      await forger.query("SET walrus.max = '2000000MB'; SET walrus.dry_run = off");
      const cfg = await scalar<{ max_mb: number; dry_run: boolean; conninfo: string }>(forger, 'SELECT public.walrus_test_owner_config()');
      expect({ max_mb: cfg.max_mb, dry_run: cfg.dry_run, conninfo: cfg.conninfo }).toEqual({ max_mb: 8192, dry_run: true, conninfo: '' });
      // Directly, the forger reads nothing: no privilege on the schema's functions.
      await expect(forger.query('SELECT walrus.read_config(false, false)')).rejects.toThrow(/permission denied/);
    } finally {
      await forger.end();
      await client.query('DROP FUNCTION public.walrus_test_owner_config(); DROP ROLE walrus_forger');
      await alterSystem({ 'walrus.max': null, 'walrus.dry_run': null });
    }
  });

  it('keeps server_setting() (pg_file_settings) from monitoring roles, which still read their session\'s report', async () => {
    expect(await scalar(client, "SELECT has_function_privilege('pg_monitor', 'walrus.server_setting(text)', 'EXECUTE')")).toBe(false);
    expect(await scalar(client, "SELECT has_function_privilege('pg_monitor', 'walrus.setting_report(boolean)', 'EXECUTE')")).toBe(true);
    await client.query('DROP ROLE IF EXISTS walrus_watcher; CREATE ROLE walrus_watcher LOGIN IN ROLE pg_monitor');
    const watcher = await clientWith({ user: 'walrus_watcher' });
    try {
      await watcher.query("SET walrus.threshold = '7'");
      expect(await scalar(watcher, "SELECT setting FROM walrus.settings WHERE name = 'walrus.threshold'")).toBe('7');
      expect(await scalar(watcher, 'SELECT (walrus.read_config(false)).threshold')).toBe(7);
      await expect(watcher.query('SELECT * FROM walrus.setting_report(false)')).rejects.toThrow(/permission denied for function server_setting/);
      await expect(watcher.query("SELECT walrus.server_setting('walrus.max')")).rejects.toThrow(/permission denied/);
    } finally {
      await watcher.end();
      await client.query('DROP ROLE walrus_watcher');
    }
  });
});
