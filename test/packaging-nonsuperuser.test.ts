import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { skipIf, withoutCron } from './helpers/capabilities';
import { createDatabase, withClient } from './helpers/db';
import { collectNotices } from './helpers/walrus';

/**
 * pg_tle runs the extension script as the role that runs CREATE EXTENSION, never as a superuser. The same script,
 * installed that way (a control file with superuser = false, by a role with only CREATE on its database), installs
 * without the two event triggers only a superuser may create, says so, and runs cycles.
 */
describe('the extension script run by an ordinary role, as pg_tle runs it', () => {
  it('installs without the event triggers, with a WARNING, and a cycle runs', async (ctx) => {
    skipIf(ctx, withoutCron()); // Debian's PostgreSQL 15: the share directory pg_config names
    const version = /^default_version = '([^']*)'$/m.exec(readFileSync('pg_walrus.control', 'utf8'))![1]!;
    const shareDir = execFileSync(process.env.PG_CONFIG ?? 'pg_config', ['--sharedir'], { encoding: 'utf8' }).trim();
    const name = 'walrus_as_tle';
    const control = join(shareDir, 'extension', `${name}.control`);
    const script = join(shareDir, 'extension', `${name}--${version}.sql`);
    writeFileSync(control, `default_version = '${version}'\nrelocatable = false\nschema = public\nsuperuser = false\n`);
    writeFileSync(script, readFileSync(`sql/pg_walrus--${version}.sql`, 'utf8'));
    const db = await createDatabase('walrus_tle');
    try {
      await withClient(async (c) => {
        await c.query(`DROP ROLE IF EXISTS walrus_tle_owner; CREATE ROLE walrus_tle_owner`);
        await c.query(`GRANT CREATE ON DATABASE ${c.escapeIdentifier(db.name)} TO walrus_tle_owner`);
      }, 'postgres');
      await withClient(async (c) => {
        await c.query('GRANT CREATE ON SCHEMA public TO walrus_tle_owner');
        await c.query('SET ROLE walrus_tle_owner');
        const notices = collectNotices(c);
        await c.query(`CREATE EXTENSION ${name}`);
        expect(notices.join('\n')).toContain('only a superuser can create event triggers');
        expect(await c.query("SELECT evtname FROM pg_event_trigger WHERE evtname LIKE 'walrus%'").then((r) => r.rows)).toEqual([]);
        const result = await c.query('SELECT walrus_analyze() AS r');
        expect(result.rows[0].r.analyzed).toBe(true);
        await c.query(`DROP EXTENSION ${name}`);
        await c.query('RESET ROLE');
      }, db.name);
    } finally {
      await db.drop();
      await withClient((c) => c.query('DROP ROLE IF EXISTS walrus_tle_owner'), 'postgres');
      rmSync(control, { force: true });
      rmSync(script, { force: true });
    }
  });
});
