import { constants } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';
import { installExtension, localProvider } from './cluster/local';
import type { ClusterInfo } from './cluster/provider';

declare module 'vitest' {
  export interface ProvidedContext {
    cluster: ClusterInfo;
  }
}

/** The only database with pg_cron: the extension can exist in just the one named by cron.database_name. */
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
    // Tests run CREATE EXTENSION against what `make install` put in place, exactly as users would.
    await installExtension(fileURLToPath(new URL('..', import.meta.url)));
    const cluster = await localProvider.start({ cronDatabase: CRON_DATABASE });
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
