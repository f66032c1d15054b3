import type pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  alterSystem,
  analyze,
  forceCheckpoints,
  freshMaxWalSizeMb,
  history,
  installPaused,
  requestedCheckpoints,
  scalar,
  setSession,
  startClean,
} from './helpers/walrus';

/** Every walrus.algorithm on the real cluster: growth on real forced checkpoints, caps, floors, and what not to count. */

const ALGORITHMS = ['multiplicative', 'additive', 'adaptive', 'percentile'] as const;

let client: pg.Client;
let uninstall: (current: pg.Client) => Promise<void>;

beforeAll(async () => {
  ({ client, uninstall } = await installPaused());
});

afterAll(() => uninstall(client));

beforeEach(async () => {
  await startClean(client, { 'walrus.cooldown_sec': '0' });
});

async function useAlgorithm(name: string): Promise<void> {
  await client.query("SELECT set_config('walrus.algorithm', $1, false)", [name]);
  await client.query("SET walrus.additive_increment = '64MB'");
}

describe.each(ALGORITHMS)('walrus.algorithm = %s', (algorithm) => {
  it('grows on real forced checkpoints', async () => {
    await useAlgorithm(algorithm);
    await analyze(client);
    const made = await forceCheckpoints(client, 3);
    const result = await analyze(client);
    expect(result.recommendation).toMatchObject({ action: 'increase', old_size_mb: 32 });
    const size = result.recommendation!.new_size_mb;
    if (algorithm === 'multiplicative') expect(size).toBe(32 * (made + 1));
    if (algorithm === 'additive') expect(size).toBe(32 + made * 64);
    if (algorithm === 'adaptive' || algorithm === 'percentile') {
      // Sized so the forced-checkpoint distance, in whole segments, holds the WAL written x headroom (1.25).
      const walMb = (await history(client)).at(-1)!.metadata['wal_mb_per_interval'] as { current_mb: number };
      expect(walMb.current_mb).toBeGreaterThan((made - 1) * 16);
      expect(size).toBe(Math.ceil(Math.ceil((walMb.current_mb * 1.25) / 16) * 1.9) * 16);
      expect(size).toBeGreaterThan(32);
    }
    expect(await freshMaxWalSizeMb()).toBe(size);
    expect((await history(client)).at(-1)!.metadata['algorithm']).toBe(algorithm);
  });

  it('respects walrus.max and the floor', async () => {
    await useAlgorithm(algorithm);
    await client.query("SET walrus.max = '48MB'");
    await analyze(client);
    await forceCheckpoints(client, 3);
    const result = await analyze(client);
    expect(result.recommendation).toMatchObject({ action: 'capped', new_size_mb: 48 });
    expect(await freshMaxWalSizeMb()).toBe(48);

    await alterSystem({ max_wal_size: '256MB', min_wal_size: '128MB' });
    await client.query("SET walrus.min_size = '32MB'");
    await client.query("SET walrus.shrink_intervals = '1'");
    await client.query("SET walrus.max = '4GB'");
    const shrunk = await analyze(client);
    // Whatever the algorithm wants, never below min_wal_size.
    expect(shrunk.recommendation!.new_size_mb).toBeGreaterThanOrEqual(128);
    expect(await freshMaxWalSizeMb()).toBeGreaterThanOrEqual(128);
  });

  it('does not grow on ten manual CHECKPOINTs with almost no WAL', async () => {
    await useAlgorithm(algorithm);
    await client.query("SET walrus.threshold = '1'");
    await analyze(client);
    for (let i = 0; i < 10; i++) await client.query('CHECKPOINT');
    const result = await analyze(client);
    expect(result.recommendation?.action).toBe('no_change');
    expect(await freshMaxWalSizeMb()).toBe(32);
  });
});

describe('proactive sizing', () => {
  it('adaptive grows before any forced checkpoint once WAL nears the trigger distance', async () => {
    await alterSystem({ max_wal_size: '512MB' });
    await useAlgorithm('adaptive');
    await analyze(client);
    // 512 MB forces a checkpoint every 16 segments (512 / 16 / 1.9, rounded down); 15 use 94% without forcing one.
    const before = await requestedCheckpoints(client);
    await client.query('CREATE TABLE IF NOT EXISTS public.walrus_wal_pressure (x bigint)');
    for (let i = 0; i < 15; i++) {
      await client.query('INSERT INTO public.walrus_wal_pressure VALUES (1)');
      await client.query('SELECT pg_switch_wal()');
    }
    const result = await analyze(client);
    expect(result.observed!['requested_delta']).toBe(0);
    expect(await requestedCheckpoints(client)).toBe(before);
    expect(result.recommendation).toMatchObject({ action: 'increase', old_size_mb: 512 });
    expect(result.recommendation!.reason).toContain('walrus.proactive');

    await client.query("SET walrus.proactive = 'off'");
    await alterSystem({ max_wal_size: '512MB' });
    await client.query('SELECT walrus_reset()');
    for (let i = 0; i < 15; i++) {
      await client.query('INSERT INTO public.walrus_wal_pressure VALUES (1)');
      await client.query('SELECT pg_switch_wal()');
    }
    expect((await analyze(client)).recommendation?.action).toBe('no_change');
  });
});

describe('walrus_wal_rate()', () => {
  it('reports the WAL written per interval and the trigger distance of the current size', async () => {
    // A report, not a decision: the segments switched below may force checkpoints, and no growth may move the size.
    await setSession(client, { 'walrus.algorithm': 'multiplicative', 'walrus.threshold': '1000' });
    await analyze(client);
    for (let i = 0; i < 2; i++) {
      await client.query('INSERT INTO public.walrus_wal_pressure VALUES (1)');
      await client.query('SELECT pg_switch_wal()');
    }
    await analyze(client);
    const rate = await scalar<Record<string, number>>(client, 'SELECT walrus_wal_rate()');
    // The moving average (alpha 0.2) of the two intervals: almost nothing, then two whole segments.
    const [first, second] = (await history(client)).map((r) => (r.metadata['wal_mb_per_interval'] as { current_mb: number }).current_mb);
    expect(second).toBeGreaterThan(16);
    expect(rate['ema_mb_per_interval']).toBeCloseTo(0.2 * second! + 0.8 * first!, 2);
    expect(rate['ema_bytes_per_sec']).toBeCloseTo((rate['ema_mb_per_interval']! * 1048576) / 30, -2);
    expect(rate['trigger_distance_mb']).toBe(16);
    expect(rate['max_wal_size_mb']).toBe(await freshMaxWalSizeMb());
    expect(rate['intervals_in_window']).toBeGreaterThanOrEqual(2);
  });
});
