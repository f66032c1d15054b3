import { describe, expect, it } from 'vitest';
import { providerFromEnv } from './cluster/select';

/**
 * WALRUS_PG=container (testcontainers) is for machines with a Docker or Podman engine. Here there is none, and the
 * package is not installed: the provider must say so at once, in one line, instead of hanging or failing obscurely.
 */
describe('WALRUS_PG=container', () => {
  it('fails at once with one clear line where testcontainers or an engine is missing', async () => {
    const provider = providerFromEnv('container');
    expect(provider.name).toBe('container (postgres:17)');
    const failure = await provider.start({ cronDatabase: 'walrus_test' }).then(
      () => 'started',
      (error: Error) => error.message,
    );
    expect(failure).toMatch(/^WALRUS_PG=container needs (the testcontainers package|a Docker or Podman engine)/);
    expect(failure).not.toContain('\n');
  });

  it('names the choices when WALRUS_PG is something else', () => {
    expect(() => providerFromEnv('14')).toThrow('WALRUS_PG=14: expected one of 15, 16, 17, 18 or container');
  });
});
