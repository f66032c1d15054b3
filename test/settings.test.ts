import type pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SETTINGS } from '../src/settings';
import { analyze, collectNotices, installPaused, scalar, setSession } from './helpers/walrus';

/**
 * Every walrus.* setting's validation on the real server: a bad value gives a WARNING naming the setting, the value
 * and the valid range; the default is used; the cycle still runs. One table for all settings, checked to cover each.
 */

const BAD: readonly (readonly [setting: string, value: string, error: string])[] = [
  ['enable', 'maybe', 'not a boolean'],
  ['max', 'lots', 'not a memory size'],
  ['max', '-1GB', 'not a memory size'],
  ['max', '99999TB', 'out of range'],
  ['max', '4gb', 'not a memory size'],
  ['max', '10 parsecs', 'not a memory size'],
  ['max', '16MB', 'out of range (valid: 32 MB'],
  ['threshold', 'two', 'not an integer'],
  ['threshold', '0', 'out of range (valid: 1 to 1000)'],
  ['threshold', '-5', 'out of range'],
  ['threshold', '1001', 'out of range'],
  ['threshold', '2.5', 'not an integer'],
  ['shrink_enable', '2', 'not a boolean'],
  ['shrink_factor', '1', 'strictly between 0 and 1'],
  ['shrink_factor', '0', 'strictly between 0 and 1'],
  ['shrink_factor', 'three quarters', 'not a number'],
  ['shrink_intervals', '0', 'valid: 1 to 1000'],
  ['min_size', '1XB', 'not a memory size'],
  ['dry_run', 'perhaps', 'not a boolean'],
  ['notify', 'loudly', 'not a boolean'],
  ['cooldown_sec', '-1', 'valid: 0 to 86400'],
  ['max_changes_per_hour', '1001', 'valid: 0 to 1000'],
  ['history_retention_days', '4000', 'valid: 0 to 3650'],
  ['algorithm', 'fastest', 'not one of the choices (valid: multiplicative, additive, adaptive, percentile, forecast)'],
  ['additive_increment', '0', 'out of range'],
  ['ema_alpha', '0', 'strictly between 0 and 1'],
  ['ema_alpha', '1.5', 'strictly between 0 and 1'],
  ['target_percentile', '101', 'valid: 1 to 100'],
  ['sample_window', '1', 'valid: 2 to 2000'],
  ['headroom', '0.5', 'valid: 1 to 10'],
  ['proactive', 'sometimes', 'not a boolean'],
  ['apply', 'sometimes', 'not one of the choices (valid: auto, advise)'],
  ['half_life_sec', '3600', 'valid: 86400 to 31536000'],
  ['stabilization_sec', '-1', 'valid: 0 to 604800'],
  ['lookahead_sec', 'soon', 'not an integer'],
];

let client: pg.Client;
let uninstall: (current: pg.Client) => Promise<void>;

beforeAll(async () => {
  ({ client, uninstall } = await installPaused());
});

afterAll(() => uninstall(client));

beforeEach(async () => {
  client.removeAllListeners('notice');
  await client.query('RESET ALL');
});

const effective = (name: string): Promise<string> =>
  scalar<string>(client, 'SELECT setting FROM walrus.settings WHERE name = $1', [`walrus.${name}`]);

describe('walrus.* settings', () => {
  it('has a bad-value case for every setting that can be invalid', () => {
    const validated = SETTINGS.filter((s) => s.kind !== 'text').map((s) => s.name);
    expect(validated.filter((name) => !BAD.some(([setting]) => setting === name))).toEqual([]);
  });

  it.each(BAD)('walrus.%s = %j warns with the value and the valid range, and the default is used', async (name, value, error) => {
    const byDefault = await effective(name);
    const notices = collectNotices(client);
    await setSession(client, { [`walrus.${name}`]: value });
    const { rows } = await client.query('SELECT valid, error, setting FROM walrus.settings WHERE name = $1', [`walrus.${name}`]);
    expect(rows[0]).toMatchObject({ valid: false, setting: byDefault });
    expect(rows[0].error).toContain(error);
    expect(rows[0].error).toMatch(/valid: /);
    // A bad setting never aborts the cycle, and the cycle says what is wrong.
    expect((await analyze(client)).analyzed).toBe(true);
    const warning = notices.find((n) => n.startsWith('WARNING') && n.includes(`walrus.${name}`));
    expect(warning).toContain(`'${value}'`);
    expect(warning).toMatch(/valid: .*using the default/);
  });

  it.each([
    ['8GB', 8192],
    ['512', 512],
    [' 64 MB ', 64],
    ['1TB', 1048576],
    ['1.5GB', 1536],
    ['33554432kB', 32768],
    ['', 4096],
  ])('walrus.max = %j means %d MB', async (value, mb) => {
    await setSession(client, { 'walrus.max': value });
    expect(await scalar(client, 'SELECT (walrus.read_config()).max_mb')).toBe(mb);
  });

  it('accepts choices and booleans in any case, as PostgreSQL does', async () => {
    await setSession(client, { 'walrus.algorithm': 'Adaptive', 'walrus.dry_run': 'ON', 'walrus.enable': 'No' });
    const config = await client.query('SELECT algorithm, dry_run, enable FROM walrus.read_config(false)');
    expect(config.rows[0]).toEqual({ algorithm: 'adaptive', dry_run: true, enable: false });
  });

  it('calls a walrus.conninfo with a password invalid, never shows the password, and falls back to the derived connection', async () => {
    await setSession(client, { 'walrus.conninfo': "host=/tmp user=postgres password='s3cr et' port=5432" });
    const shown = await client.query("SELECT raw_value, setting, valid, error FROM walrus.settings WHERE name = 'walrus.conninfo'");
    expect(JSON.stringify(shown.rows)).not.toContain('s3cr');
    expect(shown.rows[0]).toMatchObject({ raw_value: 'host=/tmp user=postgres password=******** port=5432', setting: '', valid: false });
    expect(shown.rows[0].error).toMatch(/^contains a password.*\(valid: .*passfile=.*~\/\.pgpass.*service=.*pg_service\.conf\)$/);
    expect(await scalar(client, 'SELECT (walrus.read_config(false)).conninfo')).toBe('');
    const notices = collectNotices(client);
    await analyze(client);
    const warning = notices.find((n) => n.includes('walrus.conninfo'));
    expect(warning).toContain("'host=/tmp user=postgres password=******** port=5432'");
    expect(warning).not.toContain('s3cr');
  });

  it('accepts a walrus.conninfo without a password as it is', async () => {
    const conninfo = "host=/tmp port=5432 user=postgres passfile='/var/lib/postgresql/.pgpass'";
    await setSession(client, { 'walrus.conninfo': conninfo });
    expect(await scalar(client, 'SELECT (walrus.read_config(false)).conninfo')).toBe(conninfo);
    expect(await scalar(client, "SELECT valid FROM walrus.settings WHERE name = 'walrus.conninfo'")).toBe(true);
  });

  it('cuts a long invalid value short in the WARNING, with its length', async () => {
    const value = `${'x'.repeat(99_990)}0123456789`;
    await setSession(client, { 'walrus.threshold': value });
    const notices = collectNotices(client);
    expect((await analyze(client)).analyzed).toBe(true);
    const warning = notices.find((n) => n.includes('walrus.threshold'))!;
    expect(warning).toContain(`'${'x'.repeat(60)}'... (100000 characters) for walrus.threshold: not an integer (valid: 1 to 1000)`);
    expect(warning.length).toBeLessThan(200);
    expect(warning).not.toContain('0123456789');
    // The report's error names what is wrong, not the value; the raw value itself stays available in full.
    const row = await client.query("SELECT error, length(raw_value) AS n FROM walrus.settings WHERE name = 'walrus.threshold'");
    expect(row.rows[0]).toEqual({ error: 'not an integer (valid: 1 to 1000)', n: 100000 });
    // A value up to 80 characters is shown whole.
    const medium = 'y'.repeat(80);
    expect(await scalar(client, 'SELECT walrus.quote_value($1)', [medium])).toBe(`'${medium}'`);
    expect(await scalar(client, 'SELECT walrus.quote_value($1)', [`${medium}z`])).toBe(`'${'y'.repeat(60)}'... (81 characters)`);
  });
});
