import { EMBEDDED_MAJORS, embeddedProvider, type EmbeddedMajor } from './embedded';
import { containerProvider } from './container';
import { localProvider } from './local';
import type { ClusterProvider } from './provider';

/** Every major the tests can run on: 15 from Debian (with pg_cron), 16 to 18 from npm (without). */
export const MAJORS = [15, ...EMBEDDED_MAJORS] as const;

/** The provider for WALRUS_PG (15, 16, 17, 18 or container; 15 when unset). */
export function providerFromEnv(value: string | undefined = process.env.WALRUS_PG): ClusterProvider {
  if (value?.trim() === 'container') return containerProvider();
  const wanted = value === undefined || value.trim() === '' ? 15 : Number(value);
  if (wanted === 15) return localProvider;
  if ((EMBEDDED_MAJORS as readonly number[]).includes(wanted)) return embeddedProvider(wanted as EmbeddedMajor);
  throw new Error(`WALRUS_PG=${value ?? ''}: expected one of ${MAJORS.join(', ')} or container`);
}
