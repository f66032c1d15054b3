import fc from 'fast-check';
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CASTS } from '../../codegen/extension/settings';
import { parseSetting, type ParsedSetting } from '../../src/logic/settings';
import { SETTINGS, settingKind, type Setting } from '../../src/settings';
import { clusterInfo, cronDatabase } from '../helpers/db';
import { NASTY, settingValues, WITH_PASSWORD, WITHOUT_PASSWORD } from '../helpers/setting-values';
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
// What the server must decide: the rules themselves (src/logic/settings.ts, compiled into walrus.parse_setting()),
// run in Node on the bounds the server passes. test/settings.differential.test.ts compares the compiled function with
// them on its own; here the installed extension, its bounds and its casts are checked against them.
// ---------------------------------------------------------------------------------------------------------------------

function expected(s: Setting, raw: string): ParsedSetting {
  const b = bounds.get(s.name)!;
  const exclusive = s.kind === 'real' && (s.exclusive ?? false);
  return parseSetting(settingKind(s), raw, b.min, b.max, exclusive, s.kind === 'enum' ? [...s.values] : null);
}

/** What read_config() must make of a valid value: the cast's result, as Node reads the normalised text. */
function typedValue(s: Setting, value: string): unknown {
  switch (s.kind) {
    case 'bool':
      return value === 'on';
    case 'int':
    case 'real':
    case 'memory':
      return Number(value);
    default:
      return value;
  }
}

const values = (s: Setting): fc.Arbitrary<string[]> => settingValues(s, bounds.get(s.name)!);

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
  const kind = settingKind(s);
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
    // Exactly one of value and error, and the error always says what is valid.
    expect(got.value === null, `walrus.${s.name} = ${shown}: ${JSON.stringify(got)}`).toBe(got.error !== null);
    if (got.error !== null) expect(got.error, `walrus.${s.name} = ${shown}`).toMatch(/\(valid: /);
    expect({ raw: shown, value: got.value, error: got.error }).toEqual({ raw: shown, ...expected(s, raw) });
    if (got.value === null) return;
    if (settingKind(s) === 'conninfo') {
      // A valid connection string has nothing to mask (mask_conninfo's expressions and the compiled password rule
      // agree), so read_config() may take the shown value as is.
      expect(got.typed, shown).toBe(raw);
    } else {
      expect({ raw: shown, typed: got.typed }).toEqual({ raw: shown, typed: typedValue(s, got.value) });
    }
  });
}

describe('walrus.parse_setting() is total', () => {
  it('has an oracle for every kind of setting', () => {
    for (const s of SETTINGS) expect(bounds.has(s.name), s.name).toBe(true);
    expect(new Set(SETTINGS.map(settingKind))).toEqual(new Set(['bool', 'int', 'real', 'memory', 'text', 'enum', 'conninfo']));
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
// Passwords (the strings with and without one: test/helpers/setting-values.ts)
// ---------------------------------------------------------------------------------------------------------------------

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
