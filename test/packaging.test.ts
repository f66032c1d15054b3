import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PG_TLE_RESERVED, PG_TLE_TAG } from '../codegen/extension/packaging';
import { clusterInfo, createDatabase, withClient } from './helpers/db';

/**
 * The other ways the same script ships: the pg_tle installer (pg_tle itself cannot be installed here, so a stub
 * pgtle.install_extension records what the installer passes) and META.json for PGXN.
 */

const packageJson = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };
const control = readFileSync('pg_walrus.control', 'utf8');
const controlValue = (key: string): string => {
  const m = new RegExp(`^${key} = '([^']*)'$`, 'm').exec(control);
  if (!m) throw new Error(`pg_walrus.control has no ${key}`);
  return m[1]!;
};
const version = controlValue('default_version');
const scriptPath = `sql/pg_walrus--${version}.sql`;
const installerPath = 'sql/pg_walrus.pg_tle.sql';

function occurrences(haystack: Buffer, needle: string): number[] {
  const at: number[] = [];
  for (let i = haystack.indexOf(needle); i >= 0; i = haystack.indexOf(needle, i + 1)) at.push(i);
  return at;
}

/** psql from the client programs the cluster's provider names (the npm server builds ship none). */
function psqlPath(): string {
  const info = clusterInfo() as ReturnType<typeof clusterInfo> & { clientBinDir?: string };
  return join(info.clientBinDir ?? info.binDir, 'psql');
}

describe('the pg_tle installer', () => {
  const installer = readFileSync(installerPath);
  const script = readFileSync(scriptPath);

  it('wraps the extension script byte for byte', () => {
    const tags = occurrences(installer, PG_TLE_TAG);
    expect(tags).toHaveLength(2);
    const wrapped = installer.subarray(tags[0]! + PG_TLE_TAG.length, tags[1]!);
    expect(wrapped.equals(script)).toBe(true);
  });

  it('uses a dollar-quote tag and script that pg_tle accepts', () => {
    expect(occurrences(script, PG_TLE_TAG)).toEqual([]);
    for (const reserved of PG_TLE_RESERVED) expect(occurrences(script, reserved), reserved).toEqual([]);
  });

  it('runs in psql against a stub pgtle.install_extension, which receives exactly the script', async () => {
    const db = await createDatabase('walrus_pgtle');
    try {
      await withClient(async (client) => {
        await client.query(`
          CREATE SCHEMA pgtle;
          CREATE TABLE pgtle.calls (name text, version text, description text, ext text, requires text[]);
          -- pg_tle's signature; the real one stores the script as a function body for CREATE EXTENSION to run.
          CREATE FUNCTION pgtle.install_extension(name text, version text, description text, ext text,
                                                  requires text[] DEFAULT NULL)
          RETURNS text LANGUAGE sql AS $$
            INSERT INTO pgtle.calls VALUES (name, version, description, ext, requires) RETURNING 'OK'
          $$;`);
      }, db.name);
      const info = clusterInfo();
      const run = spawnSync(
        psqlPath(),
        ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-h', info.host, '-p', String(info.port), '-U', info.user, '-d', db.name, '-f', installerPath],
        { encoding: 'utf8', timeout: 60_000 },
      );
      expect(run.error).toBeUndefined();
      expect(run.status, `${run.stdout}${run.stderr}`).toBe(0);
      expect(run.stderr).toBe('');
      const { rows } = await withClient(
        (client) =>
          client.query<{ name: string; version: string; description: string; requires: string[]; md5: string; length: number }>(
            'SELECT name, version, description, requires, md5(convert_to(ext, \'UTF8\')) AS md5, octet_length(ext) AS length FROM pgtle.calls',
          ),
        db.name,
      );
      expect(rows).toHaveLength(1);
      const call = rows[0]!;
      expect(call.name).toBe('pg_walrus');
      expect(call.version).toBe(version);
      expect(call.description).toBe(controlValue('comment'));
      expect(call.requires).toEqual([]);
      expect(call.length).toBe(script.length);
      expect(call.md5).toBe(createHash('md5').update(script).digest('hex'));
    } finally {
      await db.drop();
    }
  });
});

describe('META.json', () => {
  const meta = JSON.parse(readFileSync('META.json', 'utf8')) as {
    name: string;
    abstract: string;
    version: string;
    maintainer: string[];
    license: string;
    provides: Record<string, { file: string; version: string; abstract: string }>;
    prereqs: { runtime: { requires: Record<string, string> } };
    'meta-spec': { version: string };
  };

  it('has the version of package.json, and the control file has its major.minor', () => {
    expect(meta.version).toBe(packageJson.version);
    expect(meta.version).toMatch(/^\d+\.\d+\.\d+$/);
    expect(meta.version.split('.').slice(0, 2).join('.')).toBe(version);
    expect(meta.provides['pg_walrus']!.version).toBe(packageJson.version);
  });

  it('provides pg_walrus from the script CREATE EXTENSION runs', () => {
    expect(meta.name).toBe('pg_walrus');
    expect(Object.keys(meta.provides)).toEqual(['pg_walrus']);
    expect(meta.provides['pg_walrus']!.file).toBe(scriptPath);
    expect(existsSync(meta.provides['pg_walrus']!.file)).toBe(true);
    expect(meta.abstract).toBe(controlValue('comment'));
  });

  it('states what PGXN requires', () => {
    expect(meta['meta-spec'].version).toBe('1.0.0');
    expect(meta.license).toBe('postgresql');
    expect(meta.maintainer.length).toBeGreaterThan(0);
    expect(meta.prereqs.runtime.requires['PostgreSQL']).toBe('15.0.0');
  });
});
