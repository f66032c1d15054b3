import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXTENSION } from '../src/extension';
import { MIGRATIONS, type MigrationStep } from '../src/migrations';
import { skipIf, withoutCron } from './helpers/capabilities';
import { createDatabase, type IsolatedDatabase } from './helpers/db';
import { connect, passIntervals, scalar, withClient } from './helpers/walrus';

/*
 * ALTER EXTENSION pg_walrus UPDATE from every released version gives the catalog of a fresh install of the current
 * one and keeps every row. The released scripts come from git history (the commit each step of src/migrations.ts
 * names); the current script and the update scripts are what `make install` put in place. Nothing here lists an
 * object of either version: both catalogs are read from the server and compared whole.
 */

const REPO = fileURLToPath(new URL('..', import.meta.url));
const VERSION = EXTENSION.version;

/** The released full script of `step.from`, as committed then. */
function releasedScript(step: MigrationStep): string {
  return execFileSync('git', ['show', `${step.fromCommit}:sql/${EXTENSION.name}--${step.from}.sql`], {
    cwd: REPO,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
}

/** Puts the released scripts next to the installed ones; returns how to put the directory back as it was. */
async function installReleasedScripts(): Promise<() => Promise<void>> {
  const shareDir = await withClient(
    (c) => scalar<string>(c, "SELECT setting FROM pg_catalog.pg_config WHERE name = 'SHAREDIR'"),
    'postgres',
  );
  const restore: Array<() => Promise<void>> = [];
  for (const step of MIGRATIONS) {
    const path = join(shareDir, 'extension', `${EXTENSION.name}--${step.from}.sql`);
    const previous = await readFile(path, 'utf8').catch(() => undefined);
    await writeFile(path, releasedScript(step));
    restore.push(() => (previous === undefined ? rm(path, { force: true }) : writeFile(path, previous)));
  }
  return async () => {
    for (const undo of restore) await undo();
  };
}

const MEMBERS = `
  SELECT d.classid, d.objid FROM pg_catalog.pg_depend d
   WHERE d.refclassid = 'pg_catalog.pg_extension'::regclass AND d.deptype = 'e'
     AND d.refobjid = (SELECT oid FROM pg_catalog.pg_extension WHERE extname = '${EXTENSION.name}')`;

/** Everything a catalog comparison looks at, as plain JSON; OIDs never appear, names and definitions do. */
const CATALOG: Record<string, string> = {
  members: `SELECT pg_catalog.pg_describe_object(classid, objid, 0) AS member FROM (${MEMBERS}) m ORDER BY 1`,
  extension: `
    SELECT e.extversion, e.extrelocatable, e.extnamespace::regnamespace::text AS schema,
           (SELECT array_agg(c::regclass::text ORDER BY o) FROM unnest(e.extconfig) WITH ORDINALITY u(c, o)) AS config,
           e.extcondition
      FROM pg_catalog.pg_extension e WHERE e.extname = '${EXTENSION.name}'`,
  schemas: `
    SELECT n.nspname, n.nspacl::text AS acl, pg_catalog.obj_description(n.oid, 'pg_namespace') AS comment,
           pg_catalog.pg_get_userbyid(n.nspowner) AS owner
      FROM pg_catalog.pg_namespace n WHERE n.nspname LIKE 'walrus%' ORDER BY 1`,
  functions: `
    SELECT p.oid::regprocedure::text AS signature, pg_catalog.pg_get_function_arguments(p.oid) AS arguments,
           pg_catalog.pg_get_function_result(p.oid) AS result, p.prosrc AS body, p.proconfig AS config,
           p.prosecdef AS security_definer, p.provolatile AS volatility, p.proisstrict AS strict,
           p.proparallel AS parallel, p.prokind AS kind, l.lanname AS language, p.procost AS cost, p.prorows AS rows,
           p.proacl::text AS acl, pg_catalog.obj_description(p.oid, 'pg_proc') AS comment,
           pg_catalog.pg_get_userbyid(p.proowner) AS owner
      FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_language l ON l.oid = p.prolang
     WHERE p.pronamespace::regnamespace::text LIKE 'walrus%'
        OR p.oid IN (SELECT objid FROM (${MEMBERS}) m WHERE classid = 'pg_catalog.pg_proc'::regclass)
     ORDER BY 1`,
  types: `
    SELECT t.oid::regtype::text AS type, t.typtype, t.typacl::text AS acl,
           pg_catalog.obj_description(t.oid, 'pg_type') AS comment,
           (SELECT json_agg(json_build_object('name', a.attname, 'type', pg_catalog.format_type(a.atttypid, a.atttypmod),
                                              'comment', pg_catalog.col_description(a.attrelid, a.attnum))
                            ORDER BY a.attnum)
              FROM pg_catalog.pg_attribute a WHERE a.attrelid = t.typrelid AND a.attnum > 0 AND NOT a.attisdropped)
             AS attributes,
           (SELECT array_agg(e.enumlabel ORDER BY e.enumsortorder) FROM pg_catalog.pg_enum e WHERE e.enumtypid = t.oid)
             AS labels,
           pg_catalog.format_type(t.typbasetype, t.typtypmod) AS domain_base
      FROM pg_catalog.pg_type t LEFT JOIN pg_catalog.pg_class c ON c.oid = t.typrelid
     WHERE (t.typnamespace::regnamespace::text LIKE 'walrus%'
            OR t.oid IN (SELECT objid FROM (${MEMBERS}) m WHERE classid = 'pg_catalog.pg_type'::regclass))
       AND (t.typtype IN ('e', 'd') OR (t.typtype = 'c' AND c.relkind = 'c'))
     ORDER BY 1`,
  relations: `
    SELECT c.oid::regclass::text AS relation, c.relkind, c.relpersistence, c.reloptions, c.relacl::text AS acl,
           c.relrowsecurity, pg_catalog.obj_description(c.oid, 'pg_class') AS comment,
           pg_catalog.pg_get_userbyid(c.relowner) AS owner,
           (SELECT json_agg(json_build_object(
                     'name', a.attname, 'type', pg_catalog.format_type(a.atttypid, a.atttypmod),
                     'not_null', a.attnotnull, 'default', pg_catalog.pg_get_expr(ad.adbin, ad.adrelid),
                     'identity', a.attidentity, 'generated', a.attgenerated, 'collation', a.attcollation,
                     'acl', a.attacl::text, 'comment', pg_catalog.col_description(a.attrelid, a.attnum))
                   ORDER BY a.attnum)
              FROM pg_catalog.pg_attribute a
              LEFT JOIN pg_catalog.pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
             WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped) AS columns,
           (SELECT json_agg(json_build_object('name', k.conname, 'definition', pg_catalog.pg_get_constraintdef(k.oid))
                            ORDER BY k.conname)
              FROM pg_catalog.pg_constraint k WHERE k.conrelid = c.oid) AS constraints,
           (SELECT array_agg(pg_catalog.pg_get_indexdef(i.indexrelid) ORDER BY pg_catalog.pg_get_indexdef(i.indexrelid))
              FROM pg_catalog.pg_index i WHERE i.indrelid = c.oid) AS indexes,
           (SELECT array_agg(pg_catalog.pg_get_triggerdef(g.oid) ORDER BY pg_catalog.pg_get_triggerdef(g.oid))
              FROM pg_catalog.pg_trigger g WHERE g.tgrelid = c.oid AND NOT g.tgisinternal) AS triggers,
           CASE WHEN c.relkind IN ('v', 'm') THEN pg_catalog.pg_get_viewdef(c.oid) END AS view_definition,
           (SELECT json_build_object('type', s.seqtypid::regtype::text, 'start', s.seqstart, 'increment', s.seqincrement,
                                     'min', s.seqmin, 'max', s.seqmax, 'cache', s.seqcache, 'cycle', s.seqcycle,
                                     'owned_by', (SELECT d.refobjid::regclass::text || '.' || a.attname
                                                    FROM pg_catalog.pg_depend d
                                                    JOIN pg_catalog.pg_attribute a
                                                      ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
                                                   WHERE d.classid = 'pg_catalog.pg_class'::regclass
                                                     AND d.objid = c.oid AND d.deptype IN ('a', 'i')
                                                     AND d.refclassid = 'pg_catalog.pg_class'::regclass))
              FROM pg_catalog.pg_sequence s WHERE s.seqrelid = c.oid) AS sequence
      FROM pg_catalog.pg_class c
     WHERE c.relnamespace::regnamespace::text LIKE 'walrus%' AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
     ORDER BY 1`,
  event_triggers: `
    SELECT e.evtname, e.evtevent, e.evtfoid::regprocedure::text AS function, e.evttags, e.evtenabled,
           pg_catalog.pg_get_userbyid(e.evtowner) AS owner
      FROM pg_catalog.pg_event_trigger e ORDER BY 1`,
  initial_privileges: `
    SELECT pg_catalog.pg_describe_object(i.classoid, i.objoid, i.objsubid) AS object, i.privtype,
           i.initprivs::text AS privileges
      FROM pg_catalog.pg_init_privs i JOIN (${MEMBERS}) m ON m.classid = i.classoid AND m.objid = i.objoid
     ORDER BY 1`,
};

type Catalog = Record<string, unknown[]>;

async function catalog(client: pg.Client): Promise<Catalog> {
  const result: Catalog = {};
  for (const [name, sql] of Object.entries(CATALOG)) result[name] = (await client.query(sql)).rows;
  return result;
}

/** Every row of the extension's tables as JSON, by table and primary key: the tables are read from the catalog. */
async function tableRows(client: pg.Client): Promise<Record<string, Map<string, Record<string, unknown>>>> {
  const tables = await client.query<{ name: string; key: string[] }>(
    `SELECT c.relname AS name,
            (SELECT array_agg(a.attname::text ORDER BY a.attnum) FROM pg_catalog.pg_index i
               JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)
              WHERE i.indrelid = c.oid AND i.indisprimary) AS key
       FROM pg_catalog.pg_class c
      WHERE c.oid IN (SELECT objid FROM (${MEMBERS}) m WHERE classid = 'pg_catalog.pg_class'::regclass)
        AND c.relkind IN ('r', 'p')
      ORDER BY 1`,
  );
  const result: Record<string, Map<string, Record<string, unknown>>> = {};
  for (const { name, key } of tables.rows) {
    expect(key, `walrus.${name} has a primary key to match rows by`).not.toBeNull();
    const { rows } = await client.query<{ row: Record<string, unknown> }>(`SELECT to_jsonb(t) AS row FROM walrus.${name} t`);
    result[name] = new Map(rows.map((r) => [JSON.stringify(key.map((k) => r.row[k])), r.row]));
  }
  return result;
}

async function sequences(client: pg.Client): Promise<Record<string, string>> {
  const { rows } = await client.query<{ name: string; position: string }>(
    `SELECT c.relname AS name, pg_catalog.pg_sequence_last_value(c.oid)::text AS position
       FROM pg_catalog.pg_class c WHERE c.relnamespace = 'walrus'::regnamespace AND c.relkind = 'S' ORDER BY 1`,
  );
  return Object.fromEntries(rows.map((r) => [r.name, r.position]));
}

/**
 * What a DBA does to privileges and a role of theirs: an operator, a reader of one table and one function, and a
 * revocation of one of the script's grants. The same statements for the old version and for a fresh install.
 */
async function adjustPrivileges(client: pg.Client, roles: { operator: string; reader: string }): Promise<void> {
  await client.query(`GRANT SELECT ON walrus.history TO ${roles.reader}`);
  await client.query(`GRANT EXECUTE ON FUNCTION walrus_status() TO ${roles.reader}`);
  await client.query('REVOKE EXECUTE ON FUNCTION walrus_metrics() FROM pg_monitor');
  await client.query('SELECT walrus.grant_operator($1)', [roles.operator]);
}

/** Rows of every kind the old version writes: cycles, each action it knew, extreme values. */
async function fillOldVersion(client: pg.Client): Promise<void> {
  await client.query('SET walrus.dry_run = on');
  await client.query('SELECT walrus_analyze()');
  for (let i = 0; i < 3; i++) {
    await passIntervals(client);
    await client.query('SELECT walrus_analyze()');
  }
  const actions = await client.query<{ action: string }>(
    `SELECT unnest(regexp_matches(pg_catalog.pg_get_constraintdef(k.oid), '''([a-z_]+)''', 'g')) AS action
       FROM pg_catalog.pg_constraint k
      WHERE k.conrelid = 'walrus.history'::regclass AND pg_catalog.pg_get_constraintdef(k.oid) LIKE '%action%'`,
  );
  expect(actions.rows.length).toBeGreaterThan(3);
  for (const { action } of actions.rows) {
    await client.query(
      `INSERT INTO walrus.history ("timestamp", action, old_size_mb, new_size_mb, forced_checkpoints,
                                   checkpoint_timeout_sec, reason, metadata)
       VALUES (now() - interval '1 day', $1, 1024, 2147483647, 2147483647, 300, $2, '{"kept": [1, "two", null]}')`,
      [action, `a ${action} row written by ${EXTENSION.name} before the update, with 'quotes' and ü`],
    );
  }
  await client.query('UPDATE walrus.state SET ema_wal_mb = 12.5, increases = 7, decreases = 3');
}

describe.sequential(`ALTER EXTENSION ${EXTENSION.name} UPDATE to ${VERSION}`, () => {
  let restoreShareDir: () => Promise<void> = async () => undefined;
  const suffix = randomBytes(4).toString('hex');
  const roles = { operator: `walrus_up_ops_${suffix}`, reader: `walrus_up_reader_${suffix}` };
  const databases: IsolatedDatabase[] = [];

  beforeAll(async () => {
    restoreShareDir = await installReleasedScripts();
    await withClient(async (c) => {
      for (const role of Object.values(roles)) await c.query(`CREATE ROLE ${role}`);
    }, 'postgres');
  });

  afterAll(async () => {
    for (const db of databases) await db.drop();
    await withClient(async (c) => {
      for (const role of Object.values(roles)) await c.query(`DROP ROLE IF EXISTS ${role}`);
    }, 'postgres');
    await restoreShareDir();
  });

  it('names a chain of steps that ends at the current version', () => {
    expect(MIGRATIONS.at(-1)?.to).toBe(VERSION);
    MIGRATIONS.slice(1).forEach((step, i) => expect(step.from).toBe(MIGRATIONS[i]!.to));
  });

  for (const step of MIGRATIONS) {
    it(`from ${step.from}: the catalog of a fresh ${VERSION} install, every row kept, and cycles run`, async () => {
      const upgraded = await createDatabase(`walrus_up_${step.from.replace('.', '_')}`);
      const fresh = await createDatabase('walrus_up_fresh');
      databases.push(upgraded, fresh);

      const old = await connect(upgraded.name);
      let after: Catalog;
      let rowsBefore: Awaited<ReturnType<typeof tableRows>>;
      let sequencesBefore: Record<string, string>;
      try {
        // No pg_cron here: both installs warn, and the job is tested in the cron database below.
        await old.query('SET client_min_messages = error');
        await old.query(`CREATE EXTENSION ${EXTENSION.name} VERSION '${step.from}'`);
        await fillOldVersion(old);
        await adjustPrivileges(old, roles);
        rowsBefore = await tableRows(old);
        sequencesBefore = await sequences(old);
        expect(rowsBefore.history!.size).toBeGreaterThan(5);
        expect(rowsBefore.sample!.size).toBeGreaterThan(2);
        expect(rowsBefore.state!.size).toBe(1);

        await old.query(`ALTER EXTENSION ${EXTENSION.name} UPDATE`);
        expect(await scalar(old, `SELECT extversion FROM pg_extension WHERE extname = '${EXTENSION.name}'`)).toBe(VERSION);
        after = await catalog(old);
      } finally {
        await old.end();
      }

      const reference = await connect(fresh.name);
      let expected: Catalog;
      try {
        await reference.query('SET client_min_messages = error');
        await reference.query(`CREATE EXTENSION ${EXTENSION.name}`);
        await adjustPrivileges(reference, roles);
        expected = await catalog(reference);
      } finally {
        await reference.end();
      }

      for (const part of Object.keys(CATALOG)) {
        expect(after[part], `${part} after the update from ${step.from}`).toEqual(expected[part]);
      }

      const client = await connect(upgraded.name);
      try {
        // Every row survives with every value it had; new columns hold what src/migrations.ts or their default says.
        const rowsAfter = await tableRows(client);
        for (const [table, rows] of Object.entries(rowsBefore)) {
          expect(rowsAfter[table]!.size, `rows of walrus.${table}`).toBe(rows.size);
          for (const [key, row] of rows) {
            const now = rowsAfter[table]!.get(key);
            expect(now, `walrus.${table} row ${key}`).toBeDefined();
            const kept = Object.fromEntries(Object.keys(row).map((column) => [column, now![column]]));
            expect(kept, `walrus.${table} row ${key}`).toEqual(row);
          }
        }
        expect(await sequences(client)).toMatchObject(sequencesBefore);

        // The old rows work in the new version: cycles run, the first new row follows the kept ones.
        await client.query('SET walrus.dry_run = on');
        const maxId = Number(await scalar<string>(client, 'SELECT max(id) FROM walrus.history'));
        for (let i = 0; i < 2; i++) {
          await passIntervals(client);
          const result = await scalar<{ analyzed: boolean }>(client, 'SELECT walrus_analyze()');
          expect(result.analyzed, JSON.stringify(result)).toBe(true);
        }
        const newIds = await client.query<{ id: string }>('SELECT id FROM walrus.history WHERE id > $1 ORDER BY id', [maxId]);
        expect(newIds.rows.length).toBeGreaterThan(0);
        expect(Number(newIds.rows[0]!.id)).toBe(maxId + 1);
        const oldRowsListed = await scalar<string>(client, 'SELECT count(*) FROM walrus_history(max_rows => 1000)');
        expect(Number(oldRowsListed)).toBeGreaterThanOrEqual(rowsBefore.history!.size);
        expect(Object.keys(await scalar<object>(client, 'SELECT walrus_status()')).length).toBeGreaterThan(0);
        expect(await scalar<string>(client, 'SELECT walrus_metrics()')).toContain('walrus_cycles_total');
      } finally {
        await client.end();
      }
    });
  }

  it('stops, changing nothing, when an object outside the extension depends on an old one', async () => {
    const step = MIGRATIONS[MIGRATIONS.length - 1]!;
    const db = await createDatabase('walrus_up_blocked');
    databases.push(db);
    const client = await connect(db.name);
    try {
      await client.query('SET client_min_messages = error');
      await client.query(`CREATE EXTENSION ${EXTENSION.name} VERSION '${step.from}'`);
      await client.query('SELECT walrus_analyze()');
      const before = await catalog(client);
      const rows = await tableRows(client);
      for (const [name, view] of [
        ['a view over a table', 'CREATE VIEW public.my_history AS SELECT id, action FROM walrus.history'],
        ['a view calling a function', 'CREATE VIEW public.my_status AS SELECT walrus_status() AS status'],
      ] as const) {
        await client.query(view);
        const viewName = /public\.(\w+)/.exec(view)![1]!;
        await expect(client.query(`ALTER EXTENSION ${EXTENSION.name} UPDATE`), name).rejects.toThrow(viewName);
        expect(await catalog(client), name).toEqual(before);
        expect(await tableRows(client), name).toEqual(rows);
        await client.query(`DROP VIEW public.${viewName}`);
      }
      await client.query(`ALTER EXTENSION ${EXTENSION.name} UPDATE`);
      expect(await scalar(client, `SELECT extversion FROM pg_extension WHERE extname = '${EXTENSION.name}'`)).toBe(VERSION);
    } finally {
      await client.end();
    }
  });

  it('leaves a pg_cron job the DBA removed removed, with a WARNING that says how to schedule it again', async (ctx) => {
    skipIf(ctx, withoutCron());
    const client = await connect();
    const notices: string[] = [];
    client.on('notice', (n) => notices.push(`${n.severity}: ${n.message}`));
    const jobs = `SELECT count(*)::int FROM cron.job WHERE jobname = '${EXTENSION.name}'`;
    try {
      await client.query(`DROP EXTENSION IF EXISTS ${EXTENSION.name}`);
      for (const step of MIGRATIONS) {
        await client.query(`CREATE EXTENSION ${EXTENSION.name} VERSION '${step.from}'`);
        await client.query(`SELECT cron.unschedule('${EXTENSION.name}')`);
        notices.length = 0;
        await client.query(`ALTER EXTENSION ${EXTENSION.name} UPDATE`);
        expect(await scalar(client, jobs), `the job after updating from ${step.from}`).toBe(0);
        expect(notices.some((n) => n.startsWith('WARNING') && n.includes('removed before this update'))).toBe(true);
        await client.query(`DROP EXTENSION ${EXTENSION.name}`);
      }
    } finally {
      await client.query(`DROP EXTENSION IF EXISTS ${EXTENSION.name}`);
      await client.end();
    }
  });

  it(`reschedules the pg_cron job as a fresh ${VERSION} install schedules it, and keeps a paused job paused`, async (ctx) => {
    skipIf(ctx, withoutCron());
    const client = await connect();
    const job = `SELECT jobid, jobname, schedule, command, database, username, nodename, nodeport, active
                   FROM cron.job WHERE jobname = '${EXTENSION.name}' ORDER BY jobid`;
    try {
      await client.query(`DROP EXTENSION IF EXISTS ${EXTENSION.name}`);
      for (const step of MIGRATIONS) {
        await client.query(`CREATE EXTENSION ${EXTENSION.name} VERSION '${step.from}'`);
        // Paused, as a DBA may have it: nothing runs cycles behind the test's back.
        await client.query(`SELECT cron.alter_job(jobid, active := false) FROM cron.job WHERE jobname = '${EXTENSION.name}'`);
        const before = (await client.query(job)).rows;
        expect(before).toHaveLength(1);
        await client.query(`ALTER EXTENSION ${EXTENSION.name} UPDATE`);
        const updated = (await client.query(job)).rows;
        await client.query(`DROP EXTENSION ${EXTENSION.name}`);
        // The drop hook of the new version removes the job, as it would after a fresh install.
        expect((await client.query(job)).rows, 'the job after DROP EXTENSION').toEqual([]);

        await client.query(`CREATE EXTENSION ${EXTENSION.name}`);
        await client.query(`SELECT cron.alter_job(jobid, active := false) FROM cron.job WHERE jobname = '${EXTENSION.name}'`);
        const installed = (await client.query(job)).rows;
        await client.query(`DROP EXTENSION ${EXTENSION.name}`);

        expect(updated).toHaveLength(1);
        expect(updated[0].jobid, 'the same job, updated in place').toBe(before[0].jobid);
        const { jobid: _updatedId, ...updatedJob } = updated[0];
        const { jobid: _installedId, ...installedJob } = installed[0];
        expect(updatedJob).toEqual(installedJob);
      }
    } finally {
      await client.query(`DROP EXTENSION IF EXISTS ${EXTENSION.name}`);
      await client.end();
    }
  });
});
