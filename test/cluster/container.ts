import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Cluster, ClusterInfo, ClusterOptions, ClusterProvider } from './provider';

/**
 * WALRUS_PG=container: PostgreSQL from a container image through testcontainers, for machines with a Docker or Podman
 * engine. testcontainers is not a dependency of the project (these machines have no engine, and 12.x needs Node 22):
 * `npm install --no-save testcontainers@11` (Node 20) or `@12` (Node 22) first. WALRUS_PG_IMAGE picks the image
 * (default postgres:17; the official images have no pg_cron, so the pg_cron tests skip themselves as on 16-18).
 *
 * Design: the server listens on a mapped TCP port of 127.0.0.1; the extension's control file and scripts are copied
 * into the image's extension directory before the server starts; restart() restarts the container. Tests that drive
 * the server's own programs (pg_ctl promote, pg_basebackup of a standby) need a local data directory and are not for
 * this provider. Without the package or an engine, start() fails at once with one line saying which is missing.
 */

/** The part of testcontainers this provider uses, so the project needs no type declarations of a missing package. */
interface Testcontainers {
  getContainerRuntimeClient(): Promise<unknown>;
  GenericContainer: new (image: string) => ContainerBuilder;
}

interface ContainerBuilder {
  withEnvironment(env: Record<string, string>): ContainerBuilder;
  withExposedPorts(...ports: number[]): ContainerBuilder;
  withCopyContentToContainer(files: { content: string; target: string }[]): ContainerBuilder;
  start(): Promise<StartedContainer>;
}

interface StartedContainer {
  getHost(): string;
  getMappedPort(port: number): number;
  restart(): Promise<void>;
  stop(): Promise<unknown>;
}

async function loadTestcontainers(): Promise<Testcontainers> {
  const name = 'testcontainers';
  try {
    return (await import(name)) as Testcontainers;
  } catch {
    throw new Error(
      'WALRUS_PG=container needs the testcontainers package and a Docker or Podman engine: ' +
        'npm install --no-save testcontainers@11 (Node 20; @12 needs Node 22)',
    );
  }
}

async function requireEngine(tc: Testcontainers): Promise<void> {
  try {
    await tc.getContainerRuntimeClient();
  } catch (error) {
    const why = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw new Error(`WALRUS_PG=container needs a Docker or Podman engine, and none answers here (${why})`);
  }
}

/** The control file and scripts to copy into the image, as `make install` would. */
export async function extensionFiles(repoRoot: string): Promise<{ name: string; content: string }[]> {
  const files = [{ name: 'pg_walrus.control', content: await readFile(join(repoRoot, 'pg_walrus.control'), 'utf8') }];
  for (const dir of ['sql', 'migrations']) {
    for (const name of (await readdir(join(repoRoot, dir))).filter((n) => /^pg_walrus--.*\.sql$/.test(n))) {
      files.push({ name, content: await readFile(join(repoRoot, dir, name), 'utf8') });
    }
  }
  return files;
}

export function containerProvider(image: string = process.env.WALRUS_PG_IMAGE ?? 'postgres:17'): ClusterProvider {
  const major = Number(/:(\d+)/.exec(image)?.[1] ?? 17);
  let repo = '.';
  return {
    name: `container (${image})`,
    major,
    installExtension: async (repoRoot: string) => {
      repo = repoRoot;
    },
    start: async (options: ClusterOptions): Promise<Cluster> => {
      const tc = await loadTestcontainers();
      await requireEngine(tc);
      const files = await extensionFiles(repo);
      // Past this point an engine exists; nothing here has one to run against, so the rest is not exercised here.
      const started = await new tc.GenericContainer(image)
        .withEnvironment({ POSTGRES_HOST_AUTH_METHOD: 'trust', POSTGRES_DB: options.cronDatabase })
        .withExposedPorts(5432)
        .withCopyContentToContainer(
          files.map((f) => ({ content: f.content, target: `/usr/share/postgresql/${major}/extension/${f.name}` })),
        )
        .start();
      const info: ClusterInfo = {
        provider: 'container',
        host: started.getHost(),
        port: started.getMappedPort(5432),
        user: 'postgres',
        database: options.cronDatabase,
        dataDir: '/var/lib/postgresql/data',
        binDir: `/usr/lib/postgresql/${major}/bin`,
        major,
        hasCron: false,
        clientBinDir: '/usr/lib/postgresql/15/bin',
        clientMajor: 15,
        logFile: '/dev/null',
        runDir: '/tmp',
      };
      return {
        info,
        restart: async () => {
          await started.restart();
        },
        stop: async () => {
          await started.stop();
        },
        destroy: async () => {
          await started.stop().catch(() => undefined);
        },
      };
    },
  };
}
