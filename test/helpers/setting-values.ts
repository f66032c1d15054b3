/**
 * Raw values for the walrus.* settings, valid and not: the handcrafted nasty ones (Unicode spaces, numbers beyond
 * every type, 100,000 digits) and generators of values near the valid ones and of arbitrary text. Shared by the
 * differential test of the compiled parser and the tests of what the server makes of them.
 */
import fc from 'fast-check';
import type { Setting } from '../../src/settings';

/** ASCII whitespace (trimmed), then Unicode spaces (not trimmed: no number accepts them). */
export const SPACES = [' ', '\t', '\n', '\r', '\f', '\v', '\u00a0', '\u2003', '\u3000', '\u200b', '\ufeff'];

export const NASTY: readonly string[] = [
  '5\u2003', '5\u3000', '\u00a05', '5\u00a0', '\u20035', '\u30005\u3000', '1e-400', '1e400', '-1e-400', '1e-101',
  '1e-100', '1e100', '1e101', '9'.repeat(100_000), `0.${'0'.repeat(100_000)}1`, `1${'0'.repeat(100_000)}e-100000`,
  `${'0'.repeat(100_000)}5`, `5${'0'.repeat(100_000)}MB`, `0.${'3'.repeat(1000)}`, `0.${'3'.repeat(1001)}`,
  `1e${'9'.repeat(1000)}`, `1e-${'9'.repeat(1000)}`, `0e${'9'.repeat(1000)}`, `5e-${'0'.repeat(500)}1`, '0x10', 'Infinity',
  '-Infinity', 'NaN', 'inf', '\u0665', '\uff15', '+5', ' 5 ', '5.', '.5', '.', '1e', 'e5', '--1', '+-1', '1_000', '',
  ' ', '\t\n', '0.99999999999999999999', '0.000000000000000000001', `10.${'0'.repeat(60)}1`, `1.${'0'.repeat(60)}1`,
  '1.5GB', '1.5 GB', '4gb', '-0', '+0', '0', '00', '1,5', '1e+1', 'on', 'ON ', 'off\t', 'yes', 'maybe', 'Adaptive',
  'percentile\n', 'p e r c e n t i l e', "'", '\\', '"', '%', '0.5kB', '1B', '1048576B', '2147483647', '2147483648',
  '9223372036854775808', '99999999999999999999TB', `1.${'9'.repeat(40)}TB`, `0.${'0'.repeat(29)}1TB`, '0.5', '1.5',
  '2.5', '0.0000004768371582031249TB', '0.00000047683715820312500TB', '524288B', '524287B', '\u{1F600}', '5\u{1F600}',
  `${' '.repeat(100_000)}5`, `password${' '.repeat(100_000)}=`, '1e0000000000000000001', '1e-0000001',
];

export const TOKENS = [
  ...SPACES, '0', '1', '2', '5', '9', '00000', '.', 'e', 'E', '-', '+', '\u0665', '\uff15', 'x', 'kB', 'MB', 'GB', 'TB',
  'B', 'Infinity', 'NaN', 'on', 'off', 'TRUE', 'no', 'Adaptive', 'percentile', "'", '\\', '=', 'password', '@', ':',
  '://', '%61', '\u{1F600}', '9'.repeat(120), '0'.repeat(120),
];

/** Connection strings (or messages quoting one) and the secret text each holds. */
export const WITH_PASSWORD: readonly (readonly [conninfo: string, secret: string])[] = [
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

export const WITHOUT_PASSWORD: readonly string[] = [
  '',
  'host=/var/run/postgresql port=5432 dbname=postgres user=walrus',
  'host=/tmp passfile=/var/lib/postgresql/.pgpass',
  'service=walrus',
  'postgresql://walrus@localhost:5432/postgres?passfile=/x&sslmode=disable',
  'postgresql://localhost:5432/postgres',
  "host='/tmp/with space' application_name='pass word'",
];

/** Pieces of connection strings and URIs, and near misses of a password (`pass word`, `%50`, `:/`). */
const CONNINFO_TOKENS = [
  'password', 'PASSWORD', 'Password', 'sslpassword', 'pass', 'word', 'p%61ssword', '%70', '%50', '%6f', '%6F', '%6', '=',
  ' = ', ' ', '\t', '\u3000', "'", '\\', 'host=/tmp', 'user=x', 'postgresql://', '://', ':/', ':', '@', '/', '?', '#',
  '&', 'u', 'h', 'localhost', 'db', '5432', 'passfile=/x',
];

export const conninfoText: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: fc.array(fc.constantFrom(...CONNINFO_TOKENS), { maxLength: 10 }).map((t) => t.join('')), weight: 4 },
  { arbitrary: fc.constantFrom(...WITH_PASSWORD.map(([c]) => c), ...WITHOUT_PASSWORD), weight: 1 },
  { arbitrary: fc.string({ unit: 'binary', maxLength: 24 }).map((s) => s.replaceAll('\0', '')), weight: 1 },
);

/** A setting's bounds as walrus.setting_declarations() hands them to walrus.parse_setting(): numeric text, or null. */
export interface Bounds {
  readonly min: string | null;
  readonly max: string | null;
}

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
export function plausibleValue(s: Setting, b: Bounds): fc.Arbitrary<string> {
  switch (s.kind) {
    case 'int':
      return padded(
        fc.tuple(fc.integer({ min: s.min - 3, max: s.max + 3 }), fc.constantFrom('', '+', '00')).map(([n, p]) =>
          n < 0 ? String(n) : `${p}${n}`,
        ),
      );
    case 'real': {
      const margin = (s.max - s.min) / 10;
      return padded(
        fc
          .tuple(
            fc.oneof(
              // Doubles are drawn uniformly over their bit patterns: mostly tiny magnitudes, so also plain decimals.
              fc.double({ min: s.min - margin, max: s.max + margin, noNaN: true }),
              fc.integer({ min: Math.floor((s.min - margin) * 1000), max: Math.ceil((s.max + margin) * 1000) }).map((n) => n / 1000),
            ),
            fc.integer({ min: 0, max: 20 }),
            fc.nat(3),
          )
          .map(([x, digits, style]) => [x.toString(), x.toExponential(digits), x.toFixed(digits), x.toPrecision(digits + 1)][style]!),
      );
    }
    case 'memory':
      return padded(
        fc
          .tuple(
            fc.integer({ min: 0, max: Math.min(Number(b.max ?? 0), 2 ** 31 - 1) }),
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
      return s.secret ? conninfoText : fc.constantFrom('host=/tmp port=5432', "password='x y'", 'postgresql://u:p@h/d', 'x');
  }
}

/** One raw value for s: arbitrary text (graphemes, any code point, bytes), tokens of numbers and words, near-valid values. */
export function settingValue(s: Setting, b: Bounds): fc.Arbitrary<string> {
  return (
    fc
      .oneof(
        { arbitrary: fc.string({ unit: 'grapheme', maxLength: 24 }), weight: 1 },
        { arbitrary: fc.string({ unit: 'binary', maxLength: 24 }), weight: 1 },
        { arbitrary: fc.string({ unit: 'binary-ascii', maxLength: 24 }), weight: 1 },
        { arbitrary: fc.array(fc.constantFrom(...TOKENS), { maxLength: 8 }).map((t) => t.join('')), weight: 3 },
        { arbitrary: plausibleValue(s, b), weight: 4 },
      )
      // A PostgreSQL text value cannot hold NUL.
      .map((v) => v.replaceAll('\0', ''))
  );
}

/** Batches of raw values for s, for one query each. */
export function settingValues(s: Setting, b: Bounds): fc.Arbitrary<string[]> {
  return fc.array(settingValue(s, b), { minLength: 1, maxLength: 80 });
}
