import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SETTINGS, type Setting } from '../src/settings';
import { restartCluster } from './cluster/local';
import { clusterInfo, cronDatabase } from './helpers/db';
import {
  alterSystem,
  analyze,
  analyzeAfterInterval,
  connect,
  forceCheckpoints,
  installPaused,
  passIntervals,
  scalar,
  setJobActive,
  setSession,
  waitFor,
} from './helpers/walrus';

/**
 * Issue 13: walrus.* settings that behave like real parameters as far as PL/pgSQL can make them (walrus_set(),
 * walrus.settings in pg_settings' terms, what SHOW does), and the seed proposal's API to the letter.
 */

let client: pg.Client;
let uninstall: (current: pg.Client) => Promise<void>;

beforeAll(async () => {
  ({ client, uninstall } = await installPaused());
});

afterAll(async () => {
  await alterSystem(Object.fromEntries(SETTINGS.map((s) => [`walrus.${s.name}`, null])));
  await uninstall(client);
});

beforeEach(async () => {
  await client.query('RESET ALL');
});

/** A session as `user` (default: the superuser), with libpq connection options such as '-c walrus.x=y'. */
async function session(options: { user?: string; options?: string } = {}): Promise<pg.Client> {
  const info = clusterInfo();
  const c = new pg.Client({ host: info.host, port: info.port, user: options.user ?? info.user, database: cronDatabase(), options: options.options });
  await c.connect();
  return c;
}

async function inSession<T>(fn: (c: pg.Client) => Promise<T>, options: { user?: string; options?: string } = {}): Promise<T> {
  const c = await session(options);
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

/** What a brand-new session's SHOW says: the value, or the error message. */
const showInNewSession = (name: string): Promise<string> =>
  inSession(async (c) => {
    try {
      return await scalar<string>(c, `SHOW ${c.escapeIdentifier(name)}`);
    } catch (error) {
      return `ERROR: ${(error as Error).message}`;
    }
  });

/** Waits until new sessions see a walrus_set() (it reloads; the postmaster passes the reload on asynchronously). */
const untilNewSessionsShow = (name: string, value: string): Promise<string> =>
  waitFor(() => showInNewSession(name), (v) => v === value, `new sessions to show ${name} = ${value}`);

/** A fresh postmaster: one that has never seen a walrus.* name no configuration file sets (sessions inherit what it knows). */
async function restartServer(): Promise<void> {
  await client.end();
  await restartCluster(clusterInfo());
  client = await connect();
}

/** The lines of the configuration files (postgresql.auto.conf included) that set a parameter. */
const fileLines = (name: string): Promise<{ setting: string; file: string }[]> =>
  client
    .query<{ setting: string; file: string }>(
      "SELECT setting, regexp_replace(sourcefile, '^.*/', '') AS file FROM pg_file_settings WHERE name = $1 ORDER BY seqno",
      [name],
    )
    .then((r) => r.rows);

const allWalrusFileLines = async (): Promise<string[]> =>
  (await client.query("SELECT name || '=' || setting AS line FROM pg_file_settings WHERE name LIKE 'walrus.%' ORDER BY seqno")).rows.map(
    (r) => r.line as string,
  );

/** The error a statement raises, with its SQLSTATE and detail. */
async function failure(c: pg.Client, sql: string, params: unknown[] = []): Promise<{ message: string; code?: string; detail?: string }> {
  try {
    await c.query(sql, params);
  } catch (error) {
    const e = error as pg.DatabaseError;
    return { message: e.message, code: e.code, detail: e.detail };
  }
  throw new Error(`expected an error from: ${sql}`);
}

describe('walrus_set()', () => {
  it('works from a fresh session that never SET the name (PostgreSQL 15 refuses a plain ALTER SYSTEM there)', async () => {
    expect(await fileLines('walrus.cooldown_sec')).toEqual([]);
    await restartServer();
    await inSession(async (fresh) => {
      expect(await scalar(fresh, "SELECT current_setting('walrus.cooldown_sec', true)")).toBeNull();
      if (clusterInfo().major === 15) {
        // What a DBA gets without walrus_set(): the name is unknown to this session.
        expect((await failure(fresh, "ALTER SYSTEM SET walrus.cooldown_sec = '120'")).message).toContain('unrecognized configuration parameter');
      }
      expect(await scalar(fresh, "SELECT walrus_set('walrus.cooldown_sec', '120')")).toBe('120');
    });
    expect(await fileLines('walrus.cooldown_sec')).toEqual([{ setting: '120', file: 'postgresql.auto.conf' }]);
    await untilNewSessionsShow('walrus.cooldown_sec', '120');
    // And a cycle started in a new session reads it as the server's value.
    expect(await inSession((c) => scalar(c, 'SELECT (walrus.read_config(false, false)).cooldown_sec'))).toBe(120);
  });

  it('accepts the name without its prefix and in any case, and writes the value as given', async () => {
    expect(await scalar(client, "SELECT walrus_set('MAX', '8GB')")).toBe('8GB');
    expect(await scalar(client, "SELECT walrus_set(' Walrus.Threshold ', '3')")).toBe('3');
    expect(await fileLines('walrus.max')).toEqual([{ setting: '8GB', file: 'postgresql.auto.conf' }]);
    expect(await fileLines('walrus.threshold')).toEqual([{ setting: '3', file: 'postgresql.auto.conf' }]);
    await untilNewSessionsShow('walrus.max', '8GB');
    expect(await inSession((c) => scalar(c, "SELECT setting FROM walrus.settings WHERE name = 'walrus.max'"))).toBe('8192');
  });

  it('NULL and walrus_reset_setting() remove the setting (ALTER SYSTEM RESET)', async () => {
    await client.query("SELECT walrus_set('walrus.max', '6GB'), walrus_set('walrus.threshold', '4')");
    expect(await fileLines('walrus.max')).toHaveLength(1);
    expect(await scalar(client, "SELECT walrus_set('walrus.max', NULL)")).toBeNull();
    await client.query("SELECT walrus_reset_setting('threshold')");
    expect(await fileLines('walrus.max')).toEqual([]);
    expect(await fileLines('walrus.threshold')).toEqual([]);
    // Removing what is not there is no error, as with ALTER SYSTEM RESET.
    await client.query("SELECT walrus_reset_setting('walrus.max')");
    await waitFor(() => inSession((c) => scalar<string>(c, "SELECT setting FROM walrus.settings WHERE name = 'walrus.max'")), (v) => v === '4096', 'the default');
  });

  it('names every valid setting when the name is unknown, and writes nothing', async () => {
    const before = await allWalrusFileLines();
    for (const name of ['walrus.nosuch', 'max_wal_size', '']) {
      const e = await failure(client, 'SELECT walrus_set($1, $2)', [name, '1']);
      expect(e.code).toBe('42704');
      expect(e.message).toMatch(/^pg_walrus: unrecognized setting '/);
      expect(e.detail).toBe(`Valid names: ${SETTINGS.map((s) => `walrus.${s.name}`).join(', ')}.`);
    }
    expect((await failure(client, 'SELECT walrus_set(NULL, $1)', ['1'])).code).toBe('42704');
    expect(await allWalrusFileLines()).toEqual(before);
  });
});

/**
 * One invalid value per kind of setting, with the error the cycle's WARNING would give. Every kind that can be invalid
 * has a case (text settings cannot, except the connection string, which refuses passwords).
 */
const INVALID: readonly (readonly [kind: string, setting: string, value: string, error: string])[] = [
  ['bool', 'enable', 'maybe', 'not a boolean (valid: on, off, true, false, yes, no, 1, 0)'],
  ['int', 'threshold', '0', 'out of range (valid: 1 to 1000)'],
  ['real', 'shrink_factor', '0.0', 'out of range (valid: strictly between 0 and 1)'],
  ['memory', 'max', '16MB', 'out of range (valid: 32 MB to 2147483647 MB; units B, kB, MB, GB, TB, a bare number is MB)'],
  ['enum', 'algorithm', 'fastest', 'not one of the choices (valid: multiplicative, additive, adaptive, percentile, forecast)'],
  ['conninfo', 'conninfo', "host=/tmp password='hunter2-x'", 'contains a password'],
];

const kindOf = (s: Setting): string => (s.kind === 'text' && s.secret ? 'conninfo' : s.kind);

describe('walrus_set() refuses invalid values at once, by the rules of the cycle, and writes nothing', () => {
  it('has a case for every kind of setting that can be invalid', () => {
    const kinds = new Set(SETTINGS.filter((s) => s.kind !== 'text' || s.secret).map(kindOf));
    expect([...kinds].filter((k) => !INVALID.some(([kind]) => kind === k))).toEqual([]);
  });

  it.each(INVALID)('%s: walrus.%s = %j', async (_kind, name, value, error) => {
    const before = await allWalrusFileLines();
    const e = await failure(client, 'SELECT walrus_set($1, $2)', [`walrus.${name}`, value]);
    expect(e.code).toBe('22023');
    const shown = name === 'conninfo' ? "'host=/tmp password=********'" : `'${value}'`;
    expect(e.message).toBe(`pg_walrus: invalid value ${shown} for walrus.${name}: ${e.message.split(': ').slice(2).join(': ')}`);
    expect(e.message).toContain(error);
    expect(e.message).toMatch(/\(valid: /);
    expect(e.message).not.toContain('hunter2');
    expect(e.detail).toBe('Nothing was written.');
    expect(await allWalrusFileLines()).toEqual(before);
    // The same verdict as the cycle's: a session SET of the value makes walrus.settings call it invalid, with that error.
    await setSession(client, { [`walrus.${name}`]: value });
    const row = await client.query('SELECT valid, error FROM walrus.settings WHERE name = $1', [`walrus.${name}`]);
    expect(row.rows[0]).toEqual({ valid: false, error: e.message.split(': ').slice(2).join(': ') });
  });

  it('agrees with the cycle on which values are valid', async () => {
    const values = ['on', 'OFF', '1', '2', '0', '-1', '0.5', '1e-3', '1.5', '32MB', '1GB', ' 64 MB ', '4gb', '', 'adaptive', 'x'];
    const settings = ['enable', 'threshold', 'shrink_factor', 'max', 'min_size', 'algorithm', 'headroom', 'cooldown_sec'];
    for (const name of settings) {
      for (const value of values) {
        await setSession(client, { [`walrus.${name}`]: value });
        const valid = await scalar<boolean>(client, 'SELECT valid FROM walrus.settings WHERE name = $1', [`walrus.${name}`]);
        const accepted = await client.query('SELECT walrus_set($1, $2)', [`walrus.${name}`, value]).then(
          () => true,
          () => false,
        );
        expect(accepted, `walrus.${name} = ${JSON.stringify(value)}`).toBe(valid);
      }
      await client.query('SELECT walrus_reset_setting($1)', [name]);
    }
  });
});

describe('who may run walrus_set()', () => {
  const roles = ['walrus_setter', 'walrus_nobody'];

  beforeAll(async () => {
    for (const r of roles) await client.query(`DROP ROLE IF EXISTS ${r}; CREATE ROLE ${r} LOGIN`);
    // EXECUTE is revoked from PUBLIC as on every pg_walrus function: delegating starts with this grant.
    await client.query('GRANT EXECUTE ON FUNCTION walrus_set(text, text), walrus_reset_setting(text) TO walrus_setter');
  });

  afterAll(async () => {
    await client.query('REVOKE ALL ON PARAMETER walrus.threshold, walrus.conninfo FROM walrus_setter');
    await client.query('DROP OWNED BY walrus_setter');
    for (const r of roles) await client.query(`DROP ROLE ${r}`);
  });

  it('a role without EXECUTE cannot call it at all', async () => {
    await inSession(async (c) => {
      expect((await failure(c, "SELECT walrus_set('walrus.threshold', '5')")).message).toMatch(/permission denied for function walrus_set/);
    }, { user: 'walrus_nobody' });
  });

  it('a role with EXECUTE but without ALTER SYSTEM on the parameter is refused, and nothing is written', async () => {
    const before = await allWalrusFileLines();
    await inSession(async (c) => {
      for (const sql of ["SELECT walrus_set('walrus.threshold', '5')", "SELECT walrus_reset_setting('walrus.threshold')"]) {
        const e = await failure(c, sql);
        expect(e.code).toBe('42501');
        expect(e.message).toBe('pg_walrus: permission denied to set walrus.threshold');
      }
    }, { user: 'walrus_setter' });
    expect(await allWalrusFileLines()).toEqual(before);
  });

  it('GRANT ALTER SYSTEM ON PARAMETER allows exactly that parameter, through the superuser-owned function', async () => {
    await client.query('GRANT ALTER SYSTEM ON PARAMETER walrus.threshold TO walrus_setter');
    await inSession(async (c) => {
      // The role could not run ALTER SYSTEM over dblink itself (dblink wants a password from non-superusers), nor
      // steer the loopback connection with its own SET: the server's walrus.conninfo is used.
      await c.query("SET walrus.conninfo = 'host=/nonexistent'");
      expect(await scalar(c, "SELECT walrus_set('walrus.threshold', '6')")).toBe('6');
      expect((await failure(c, "SELECT walrus_set('walrus.max', '8GB')")).message).toBe('pg_walrus: permission denied to set walrus.max');
    }, { user: 'walrus_setter' });
    expect(await fileLines('walrus.threshold')).toEqual([{ setting: '6', file: 'postgresql.auto.conf' }]);
    expect(await fileLines('walrus.max')).toEqual([]);
    await inSession((c) => c.query("SELECT walrus_reset_setting('walrus.threshold')"), { user: 'walrus_setter' });
    expect(await fileLines('walrus.threshold')).toEqual([]);
  });

  it('the grant is checked for the login role: SET ROLE to a granted role does not lend its privilege', async () => {
    await client.query('GRANT ALTER SYSTEM ON PARAMETER walrus.conninfo TO walrus_setter');
    await client.query('GRANT walrus_setter TO walrus_nobody');
    try {
      await inSession(async (c) => {
        await c.query('SET ROLE walrus_setter');
        // walrus_nobody inherits walrus_setter's EXECUTE and its parameter privilege (INHERIT is the default).
        expect(await scalar(c, "SELECT walrus_set('walrus.conninfo', '')")).toBe('');
      }, { user: 'walrus_nobody' });
      // Re-granted to a NOINHERIT role: PostgreSQL 16+ takes a membership's INHERIT option from the member then.
      await client.query('ALTER ROLE walrus_nobody NOINHERIT; REVOKE walrus_setter FROM walrus_nobody; GRANT walrus_setter TO walrus_nobody');
      await inSession(async (c) => {
        await c.query('SET ROLE walrus_setter');
        // Without inheritance the login role holds no privilege on the parameter, whatever role it has set.
        expect((await failure(c, "SELECT walrus_set('walrus.conninfo', '')")).message).toBe('pg_walrus: permission denied to set walrus.conninfo');
      }, { user: 'walrus_nobody' });
    } finally {
      await client.query('ALTER ROLE walrus_nobody INHERIT');
      await client.query('REVOKE walrus_setter FROM walrus_nobody');
      await client.query("SELECT walrus_reset_setting('walrus.conninfo')");
    }
  });
});

describe('the shared ALTER SYSTEM over dblink', () => {
  it('never leaves its named connection open, whether it succeeds or fails', async () => {
    await client.query("SELECT walrus.alter_system('walrus.headroom', '2', '')");
    expect(await scalar(client, 'SELECT dblink_get_connections()')).toBeNull();
    const e = await failure(client, "SELECT walrus.alter_system('walrus.headroom', '3', 'host=/nonexistent')");
    expect(e.message).toMatch(/could not establish connection/);
    expect(await scalar(client, 'SELECT dblink_get_connections()')).toBeNull();
    expect(await fileLines('walrus.headroom')).toEqual([{ setting: '2', file: 'postgresql.auto.conf' }]);
    // And the next call works in the same session.
    await client.query("SELECT walrus.alter_system('walrus.headroom', NULL, '')");
    expect(await fileLines('walrus.headroom')).toEqual([]);
  });
});

const PG_SETTINGS_COLUMNS = ['name', 'setting', 'unit', 'vartype', 'source', 'min_val', 'max_val', 'enumvals', 'boot_val', 'reset_val', 'short_desc'];

describe('walrus.settings in pg_settings terms', () => {
  it("has pg_settings' columns, with their types, plus valid, error and raw_value", async () => {
    const columns = async (relation: string): Promise<Map<string, string>> =>
      new Map(
        (
          await client.query<{ attname: string; type: string }>(
            'SELECT attname, format_type(atttypid, atttypmod) AS type FROM pg_attribute WHERE attrelid = $1::regclass AND attnum > 0 ORDER BY attnum',
            [relation],
          )
        ).rows.map((r) => [r.attname, r.type]),
      );
    const ours = await columns('walrus.settings');
    const theirs = await columns('pg_catalog.pg_settings');
    expect([...ours.keys()]).toEqual([...PG_SETTINGS_COLUMNS, 'valid', 'error', 'raw_value']);
    for (const c of PG_SETTINGS_COLUMNS) expect(ours.get(c), c).toBe(theirs.get(c));
  });

  it('describes each setting as declared, in the units pg_settings uses (memory in MB, like max_wal_size)', async () => {
    const { rows } = await client.query('SELECT * FROM walrus.settings');
    expect(rows.map((r) => r.name)).toEqual(SETTINGS.map((s) => `walrus.${s.name}`));
    const byName = new Map(rows.map((r) => [r.name as string, r]));
    expect(byName.get('walrus.max')).toMatchObject({ setting: '4096', unit: 'MB', vartype: 'integer', boot_val: '4096', min_val: '32', max_val: '2147483647', enumvals: null });
    expect(byName.get('walrus.cooldown_sec')).toMatchObject({ setting: '300', unit: 's', vartype: 'integer', min_val: '0', max_val: '86400' });
    expect(byName.get('walrus.enable')).toMatchObject({ setting: 'on', unit: null, vartype: 'bool', min_val: null, max_val: null });
    expect(byName.get('walrus.shrink_factor')).toMatchObject({ setting: '0.75', vartype: 'real', min_val: '0', max_val: '1' });
    expect(byName.get('walrus.algorithm')).toMatchObject({ vartype: 'enum', enumvals: ['multiplicative', 'additive', 'adaptive', 'percentile', 'forecast'] });
    expect(byName.get('walrus.notify_channel')).toMatchObject({ setting: 'walrus_events', vartype: 'string' });
    for (const s of SETTINGS) {
      const row = byName.get(`walrus.${s.name}`)!;
      expect(row).toMatchObject({ short_desc: s.description, source: 'default', valid: true, error: null, raw_value: null });
      expect(row.reset_val).toBe(row.boot_val);
    }
  });

  it('says where each value comes from: session, client, database user, user, database, global, configuration file, default', async () => {
    const db = client.escapeIdentifier(cronDatabase());
    const me = client.escapeIdentifier(clusterInfo().user);
    await client.query("SELECT walrus_set('walrus.max', '8GB'), walrus_set('walrus.threshold', '3'), walrus_set('walrus.headroom', '2')");
    await client.query(`ALTER DATABASE ${db} SET walrus.threshold = '4'`);
    await client.query(`ALTER ROLE ${me} SET walrus.shrink_intervals = '6'`);
    await client.query(`ALTER ROLE ${me} IN DATABASE ${db} SET walrus.sample_window = '7'`);
    await client.query(`ALTER ROLE ALL SET walrus.ema_alpha = '0.5'`);
    try {
      await untilNewSessionsShow('walrus.headroom', '2');
      const rows = await inSession(async (c) => {
        await c.query("SET walrus.enable = 'false'");
        return (await c.query("SELECT name, setting, source, reset_val, raw_value FROM walrus.settings WHERE source <> 'default' ORDER BY name")).rows;
      }, { options: '-c walrus.headroom=3' });
      expect(rows).toEqual([
        { name: 'walrus.ema_alpha', setting: '0.5', source: 'global', reset_val: '0.5', raw_value: '0.5' },
        // SET walrus.enable = 'false': SHOW gives the text as typed, walrus.settings the value a cycle uses.
        { name: 'walrus.enable', setting: 'off', source: 'session', reset_val: 'on', raw_value: 'false' },
        { name: 'walrus.headroom', setting: '3', source: 'client', reset_val: '3', raw_value: '3' },
        { name: 'walrus.max', setting: '8192', source: 'configuration file', reset_val: '8192', raw_value: '8GB' },
        { name: 'walrus.sample_window', setting: '7', source: 'database user', reset_val: '7', raw_value: '7' },
        { name: 'walrus.shrink_intervals', setting: '6', source: 'user', reset_val: '6', raw_value: '6' },
        // ALTER DATABASE overrides the configuration file.
        { name: 'walrus.threshold', setting: '4', source: 'database', reset_val: '4', raw_value: '4' },
      ]);
    } finally {
      await client.query(`ALTER DATABASE ${db} RESET walrus.threshold`);
      await client.query(`ALTER ROLE ${me} RESET walrus.shrink_intervals`);
      await client.query(`ALTER ROLE ${me} IN DATABASE ${db} RESET walrus.sample_window`);
      await client.query('ALTER ROLE ALL RESET walrus.ema_alpha');
      await client.query("SELECT walrus_reset_setting(n) FROM unnest(ARRAY['max', 'threshold', 'headroom']) n");
    }
  });

  it('reads without changing the session: a SET survives, and a name the session never saw stays unknown', async () => {
    await client.query("SET walrus.threshold = '9'");
    await client.query('SELECT * FROM walrus.settings');
    expect(await scalar(client, "SELECT current_setting('walrus.threshold')")).toBe('9');
    await inSession(async (fresh) => {
      const unknown = SETTINGS.map((s) => `walrus.${s.name}`);
      const before = await scalar<number>(fresh, 'SELECT count(*)::int FROM unnest($1::text[]) n WHERE current_setting(n, true) IS NULL', [unknown]);
      await fresh.query('SELECT * FROM walrus.settings');
      expect(await scalar(fresh, 'SELECT count(*)::int FROM unnest($1::text[]) n WHERE current_setting(n, true) IS NULL', [unknown])).toBe(before);
    });
  });

  it('is readable by pg_monitor, source included (the configuration files through a yes-or-no SECURITY DEFINER check)', async () => {
    await client.query('DROP ROLE IF EXISTS walrus_watcher; CREATE ROLE walrus_watcher LOGIN IN ROLE pg_monitor');
    await client.query("SELECT walrus_set('walrus.max', '8GB')");
    try {
      await untilNewSessionsShow('walrus.max', '8GB');
      const row = await inSession((c) => c.query("SELECT setting, source FROM walrus.settings WHERE name = 'walrus.max'"), { user: 'walrus_watcher' });
      expect(row.rows[0]).toEqual({ setting: '8192', source: 'configuration file' });
      // The check answers for walrus.* names only.
      expect(await inSession((c) => scalar(c, "SELECT walrus.config_file_has('port', current_setting('port'))"), { user: 'walrus_watcher' })).toBe(false);
    } finally {
      await client.query("SELECT walrus_reset_setting('walrus.max')");
      await client.query('DROP ROLE walrus_watcher');
    }
  });
});

describe('SHOW walrus.x, exactly as the README says', () => {
  it('errors until the server has seen the name, shows file values after a reload, raw SET text, and an empty string after RESET', async () => {
    const name = 'walrus.ema_alpha';
    expect(await fileLines(name)).toEqual([]);
    await restartServer();
    expect(await showInNewSession(name)).toBe(`ERROR: unrecognized configuration parameter "${name}"`);
    expect(await scalar(client, 'SELECT current_setting($1, true)', [name])).toBeNull();
    // walrus.settings has it all the same, with its default.
    expect(await scalar(client, 'SELECT setting FROM walrus.settings WHERE name = $1', [name])).toBe('0.2');

    // Set server-wide: new sessions, and this existing one, show it once the reload is through.
    await client.query('SELECT walrus_set($1, $2)', [name, '0.3']);
    await untilNewSessionsShow(name, '0.3');
    await waitFor(() => scalar<string>(client, `SHOW ${name}`).catch(() => ''), (v) => v === '0.3', 'this session to reload');

    // SET: SHOW gives the text as typed, valid or not; walrus.settings gives the value a cycle uses, and the error.
    await client.query(`SET ${name} = '1.5'`);
    expect(await scalar(client, `SHOW ${name}`)).toBe('1.5');
    expect((await client.query('SELECT setting, valid FROM walrus.settings WHERE name = $1', [name])).rows[0]).toEqual({ setting: '0.2', valid: false });
    // RESET: back to the file's value.
    await client.query(`RESET ${name}`);
    expect(await scalar(client, `SHOW ${name}`)).toBe('0.3');

    // Removed from the files: the server still knows the name until it restarts, so SHOW gives '' (the default).
    await client.query('SELECT walrus_reset_setting($1)', [name]);
    await untilNewSessionsShow(name, '');
    await client.query(`RESET ${name}`);
    expect(await scalar(client, `SHOW ${name}`)).toBe('');
    expect(await scalar(client, 'SELECT setting FROM walrus.settings WHERE name = $1', [name])).toBe('0.2');
  });
});

describe("the proposal's API to the letter (enhancement proposal, section 2.2)", () => {
  beforeEach(async () => {
    await client.query('SELECT walrus_reset()');
    await alterSystem({ min_wal_size: '32MB', max_wal_size: '32MB' });
  });

  it('walrus_status() has every key the proposal names; worker_running is the pg_cron job, active and not failing', async () => {
    const status = await scalar<Record<string, unknown>>(client, 'SELECT walrus_status()');
    for (const key of [
      'enabled',
      'current_max_wal_size_mb',
      'configured_maximum_mb',
      'threshold',
      'checkpoint_timeout_sec',
      'worker_running',
      'last_check_time',
      'last_adjustment_time',
      'total_adjustments',
      'shrink_enabled',
      'quiet_intervals',
    ]) {
      expect(status, key).toHaveProperty(key);
    }
    expect(status).toMatchObject({ enabled: true, current_max_wal_size_mb: 32, configured_maximum_mb: 4096, threshold: 2, shrink_enabled: true, quiet_intervals: 0, total_adjustments: 0 });
    // installPaused() paused the job: not running.
    expect(status['worker_running']).toBe(false);
    if (!clusterInfo().hasCron) return;
    const worker = async (): Promise<boolean> => (await scalar<{ worker_running: boolean }>(client, 'SELECT walrus_status()')).worker_running;
    await setJobActive(client, true);
    try {
      expect(await worker()).toBe(true);
      // A last run that failed means the worker is not doing its job.
      await client.query(`INSERT INTO cron.job_run_details (jobid, runid, job_pid, database, username, command, status, return_message, start_time, end_time)
        SELECT jobid, nextval('cron.runid_seq'), 0, database, username, command, 'failed', 'test', now(), now() FROM cron.job WHERE jobname = 'pg_walrus'`);
      expect(await worker()).toBe(false);
      await client.query(`INSERT INTO cron.job_run_details (jobid, runid, job_pid, database, username, command, status, return_message, start_time, end_time)
        SELECT jobid, nextval('cron.runid_seq'), 0, database, username, command, 'succeeded', 'SELECT 1', now(), now() FROM cron.job WHERE jobname = 'pg_walrus'`);
      expect(await worker()).toBe(true);
    } finally {
      await setJobActive(client, false);
      await client.query("DELETE FROM cron.job_run_details WHERE jobid = (SELECT jobid FROM cron.job WHERE jobname = 'pg_walrus')");
    }
  });

  it('walrus_analyze() returns analyzed, recommendation and applied, whatever the cycle did', async () => {
    // No sample to compare with: a baseline, which recommends nothing.
    await client.query('DELETE FROM walrus.sample');
    const baseline = await analyze(client);
    expect(baseline).toMatchObject({ analyzed: true, recommendation: null, applied: false, baseline: true });
    await forceCheckpoints(client, 3);
    const grown = await analyze(client);
    expect(grown).toMatchObject({ analyzed: true, applied: true, recommendation: { action: 'increase', old_size_mb: 32 } });
    expect(grown).not.toHaveProperty('decision');
    await setSession(client, { 'walrus.enable': 'off' });
    expect(await analyze(client)).toMatchObject({ analyzed: false, recommendation: null, applied: false, skipped: true });
  });

  it('walrus_history().forced_checkpoints is bigint, in the table and through walrus.record()', async () => {
    const types = await client.query(`SELECT
        (SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = 'walrus.history'::regclass AND attname = 'forced_checkpoints') AS "column",
        pg_get_function_result('walrus_history(timestamptz, integer, text)'::regprocedure) AS result,
        pg_get_function_identity_arguments('walrus.record(text, integer, integer, bigint, integer, text, jsonb, text)'::regprocedure) AS record`);
    expect(types.rows[0].column).toBe('bigint');
    expect(types.rows[0].result).toContain('forced_checkpoints bigint');
    await client.query("SELECT walrus.record('no_change', 32, 32, 5000000000, 30, 'test', '{}')");
    expect(await scalar(client, 'SELECT forced_checkpoints FROM walrus_history(max_rows => 1)')).toBe('5000000000');
  });

  it("walrus_recommendation()'s action is increase, decrease or none", async () => {
    const action = async (): Promise<string> => (await scalar<{ action: string }>(client, 'SELECT walrus_recommendation()')).action;
    expect(await action()).toBe('none');
    await forceCheckpoints(client, 3);
    expect(await action()).toBe('increase');
    // Quiet intervals at 256 MB: the second completes walrus.shrink_intervals.
    await alterSystem({ max_wal_size: '256MB' });
    await client.query('SELECT walrus_reset()');
    // walrus.shrink_intervals is the per-interval algorithms' rule (forecast has its stabilisation window).
    await setSession(client, { 'walrus.algorithm': 'multiplicative', 'walrus.shrink_intervals': '2', 'walrus.min_size': '32MB', 'walrus.cooldown_sec': '0' });
    expect((await analyzeAfterInterval(client)).recommendation).toMatchObject({ action: 'no_change' });
    await passIntervals(client);
    expect(await action()).toBe('decrease');
  });
});
