import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileProgram, loadProgram } from '../codegen/compiler/index';
import { conninfoHasPassword, parseSetting, type ParsedSetting, type SettingKind } from '../src/logic/settings';
import { SETTINGS, settingBounds, settingKind } from '../src/settings';
import { compiledDatabase, DEFAULT_RUNS, type CompiledDatabase, type DifferentialRunner } from './helpers/differential';
import { conninfoText, NASTY, settingValue, WITH_PASSWORD, WITHOUT_PASSWORD } from './helpers/setting-values';

/*
 * The validation rules of the walrus.* settings (src/logic/settings.ts), compiled, against their TypeScript: for every
 * declared setting, its kind and bounds as walrus.setting_declarations() passes them, 1,000 generated values (any text,
 * tokens of numbers and words, values near the valid ones) and the handcrafted nasty ones (Unicode spaces, 1e-400,
 * 100,000 digits...). Then any kind with any bounds, and the password rule of connection strings.
 */
const program = loadProgram('tsconfig.json', ['src/logic/settings.ts']);
const compiled = compileProgram(program);

/** A 16 MB WAL segment, as the test clusters have: the two-segment floor of walrus.max is 32 MB. */
const SEGMENT_MB = 16;

/** Bounds in the shapes a declaration or a caller might give: numeric's text, other notations, none, nonsense. */
const boundText = fc.oneof(
  fc.constantFrom(null, '0', '1', '-1', '10', '0.5', '1000', '2147483647', '1e3', '-0', '+5', '1.', '.5', 'abc', '', ' 7 '),
  fc.integer({ min: -100_000, max: 100_000 }).map(String),
  fc.double({ min: -1e6, max: 1e6, noNaN: true }).map(String),
);

const anyKind = fc.constantFrom<SettingKind | string>('bool', 'int', 'real', 'memory', 'enum', 'text', 'conninfo', 'other', '');

describe('compiled setting validation matches its TypeScript (src/logic/settings.ts)', () => {
  let db: CompiledDatabase;
  let runner: DifferentialRunner;

  beforeAll(async () => {
    db = await compiledDatabase('differential_settings', compiled, program);
    ({ runner } = db);
  });

  afterAll(() => db?.close());

  it.each(SETTINGS.map((s) => [s.name, s] as const))('parseSetting on walrus.%s values', async (_name, s) => {
    const { min, max } = settingBounds(s, SEGMENT_MB);
    const kind = settingKind(s);
    const exclusive = s.kind === 'real' && (s.exclusive ?? false);
    const choices = s.kind === 'enum' ? [...s.values] : null;
    const fixed = { kind: [kind], min_value: [min], max_value: [max], exclusive: [exclusive], choices: [choices] };
    const report = await runner.check('parseSetting', parseSetting, {
      arbitraries: {
        kind: fc.constant(kind),
        raw: settingValue(s, { min, max }),
        min_value: fc.constant(min),
        max_value: fc.constant(max),
        exclusive: fc.constant(exclusive),
        choices: fc.constant(choices),
      },
      edges: { ...fixed, raw: NASTY },
    });
    expect(report.cases).toBeGreaterThanOrEqual(DEFAULT_RUNS + NASTY.length);
    expect(report.bothFailed).toBe(0);
  });

  it('parseSetting with any kind, bounds and choices', async () => {
    const report = await runner.check('parseSetting', parseSetting, {
      arbitraries: {
        kind: anyKind,
        // The long nasty values go through every declared setting above; here, the short ones.
        raw: fc.oneof(
          settingValue(SETTINGS.find((s) => s.name === 'headroom')!, { min: '1', max: '10' }),
          fc.constantFrom(...NASTY.filter((v) => v.length < 2000)),
        ),
        min_value: boundText,
        max_value: boundText,
        exclusive: fc.boolean(),
        choices: fc.option(fc.array(fc.constantFrom('on', 'auto', 'Advise', 'x y', '', '5', '\u{1F600}'), { maxLength: 4 }), { nil: null }),
      },
    });
    expect(report.cases).toBeGreaterThanOrEqual(DEFAULT_RUNS);
  });

  it('conninfoHasPassword on connection strings, URIs and near misses', async () => {
    const report = await runner.check('conninfoHasPassword', conninfoHasPassword, {
      arbitraries: { conninfo: conninfoText },
      edges: { conninfo: [...WITH_PASSWORD.map(([c]) => c), ...WITHOUT_PASSWORD, ...NASTY] },
    });
    expect(report.cases).toBeGreaterThanOrEqual(DEFAULT_RUNS);
  });
});

/** What the rules decide, written out: the TypeScript above is the implementation, these are the expectations. */
describe('parseSetting', () => {
  const expectations: readonly (readonly [SettingKind, string, string | null, string | null, boolean, ParsedSetting])[] = [
    ['memory', '1.5GB', '32', '2147483647', false, { value: '1536', error: null }],
    ['memory', ' 64 MB ', '32', '2147483647', false, { value: '64', error: null }],
    ['memory', '33554432kB', '32', '2147483647', false, { value: '32768', error: null }],
    ['memory', '524288B', null, null, false, { value: '1', error: null }],
    ['memory', '524287B', null, null, false, { value: '0', error: null }],
    ['memory', '99999TB', null, null, false, { value: '104856551424', error: null }],
    ['memory', '4gb', '32', '64', false, { value: null, error: 'not a memory size (valid: 32 MB to 64 MB; units B, kB, MB, GB, TB, a bare number is MB)' }],
    ['memory', '16MB', '32', '64', false, { value: null, error: 'out of range (valid: 32 MB to 64 MB; units B, kB, MB, GB, TB, a bare number is MB)' }],
    ['int', '+007', '1', '1000', false, { value: '7', error: null }],
    ['int', '-0', '-5', '5', false, { value: '0', error: null }],
    ['int', '5\u2003', '1', '1000', false, { value: null, error: 'not an integer (valid: 1 to 1000)' }],
    ['int', `${'0'.repeat(100_000)}5`, '1', '1000', false, { value: '5', error: null }],
    ['int', '9'.repeat(100_000), '1', '1000', false, { value: null, error: 'out of range (valid: 1 to 1000)' }],
    ['real', '1e-5', '0', '1', true, { value: '0.00001', error: null }],
    ['real', '.5', '0', '1', true, { value: '0.5', error: null }],
    ['real', '1.25e1', '1', '100', false, { value: '12.5', error: null }],
    ['real', '0.99999999999999999', '0', '1', true, { value: null, error: 'out of range (valid: strictly between 0 and 1)' }],
    ['real', '1e-400', '0', '1', true, { value: null, error: 'out of range (valid: strictly between 0 and 1, and not below 1e-100 in magnitude)' }],
    ['real', `0.${'3'.repeat(1001)}`, '0', '1', true, { value: null, error: 'not a number (valid: strictly between 0 and 1; at most 1000 significant digits)' }],
    ['real', `1${'0'.repeat(100_000)}e-100000`, '1', '10', false, { value: '1', error: null }],
    ['real', 'Infinity', '1', '10', false, { value: null, error: 'not a number (valid: 1 to 10)' }],
    ['bool', ' ON\t', null, null, false, { value: 'on', error: null }],
    ['bool', 'No', null, null, false, { value: 'off', error: null }],
    ['bool', 'maybe', null, null, false, { value: null, error: 'not a boolean (valid: on, off, true, false, yes, no, 1, 0)' }],
    ['text', ' as is ', null, null, false, { value: ' as is ', error: null }],
  ];

  const shown = (raw: string): string => (raw.length > 40 ? `${JSON.stringify(raw.slice(0, 20))}... (${raw.length} characters)` : JSON.stringify(raw));
  it.each(expectations.map((e) => [e[0], shown(e[1]), e] as const))('%s %s', (_kind, _raw, [kind, raw, min, max, exclusive, expected]) => {
    expect(parseSetting(kind, raw, min, max, exclusive, null)).toEqual(expected);
  });

  it('takes an enum choice in any ASCII case, and nothing else', () => {
    const choices = ['multiplicative', 'adaptive'];
    expect(parseSetting('enum', ' Adaptive\n', null, null, false, choices)).toEqual({ value: 'adaptive', error: null });
    // Only ASCII letters fold, as in PostgreSQL's own parameters: the dotted capital I (U+0130) is no i.
    expect(parseSetting('enum', 'multiplicative'.replace('i', '\u0130'), null, null, false, choices).error).toBe(
      'not one of the choices (valid: multiplicative, adaptive)',
    );
  });

  it('calls a connection string with a password invalid, and one without valid as it is', () => {
    for (const [conninfo] of WITH_PASSWORD) {
      expect(parseSetting('conninfo', conninfo, null, null, false, null).error, conninfo).toMatch(/^contains a password.*\(valid: .*\)$/);
    }
    for (const conninfo of WITHOUT_PASSWORD) {
      expect(parseSetting('conninfo', conninfo, null, null, false, null), conninfo).toEqual({ value: conninfo, error: null });
    }
  });
});
