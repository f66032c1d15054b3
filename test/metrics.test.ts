import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alterSystem, analyze, forceCheckpoints, freshMaxWalSizeMb, installPaused, scalar, setSession } from './helpers/walrus';

/**
 * walrus_metrics() must be valid Prometheus text exposition: every family has one HELP and one TYPE line before its
 * samples, names and labels follow the format's grammar, counters end in _total, values are numbers.
 */
function parseExposition(text: string): Map<string, { type: string; samples: Map<string, number> }> {
  const families = new Map<string, { type: string; samples: Map<string, number> }>();
  const helped = new Set<string>();
  expect(text.endsWith('\n')).toBe(true);
  for (const line of text.slice(0, -1).split('\n')) {
    const help = /^# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) \S.*$/.exec(line);
    const type = /^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge)$/.exec(line);
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[a-zA-Z_][a-zA-Z0-9_]*="[^"\\\n]*"\})? (-?[0-9]+(\.[0-9]+)?)$/.exec(line);
    if (help) {
      expect(helped.has(help[1]!), `second HELP for ${help[1]}`).toBe(false);
      helped.add(help[1]!);
    } else if (type) {
      expect(helped.has(type[1]!), `TYPE before HELP for ${type[1]}`).toBe(true);
      expect(families.has(type[1]!), `second TYPE for ${type[1]}`).toBe(false);
      families.set(type[1]!, { type: type[2]!, samples: new Map() });
    } else if (sample) {
      const family = families.get(sample[1]!);
      expect(family, `sample of ${sample[1]} before its TYPE`).toBeDefined();
      family!.samples.set(sample[2] ?? '', Number(sample[3]));
    } else {
      throw new Error(`not a line of the Prometheus text format: ${JSON.stringify(line)}`);
    }
  }
  for (const [name, family] of families) {
    if (family.type === 'counter') expect(name.endsWith('_total'), `counter ${name} must end in _total`).toBe(true);
    expect(family.samples.size, `${name} has no samples`).toBeGreaterThan(0);
  }
  return families;
}

let client: pg.Client;
let uninstall: (current: pg.Client) => Promise<void>;

beforeAll(async () => {
  ({ client, uninstall } = await installPaused());
  await alterSystem({ min_wal_size: '32MB', max_wal_size: '32MB' });
});

afterAll(() => uninstall(client));

describe('walrus_metrics()', () => {
  it('is valid exposition text whose values agree with walrus_status()', async () => {
    await setSession(client, { 'walrus.cooldown_sec': '0', 'walrus.threshold': 'junk' });
    await analyze(client);
    await forceCheckpoints(client, 2);
    const grown = await analyze(client);
    const families = parseExposition(await scalar<string>(client, 'SELECT walrus_metrics()'));
    const status = await scalar<Record<string, number>>(client, 'SELECT walrus_status()');
    const value = (name: string, labels = ''): number | undefined => families.get(name)?.samples.get(labels);
    expect(value('walrus_max_wal_size_bytes')).toBe(status['current_max_wal_size_mb']! * 1048576);
    // The size the cycle grew to depends on the WAL rate this machine measured; the metric must report it, and it is what
    // a new session runs with.
    expect(grown.recommendation?.action).toBe('increase');
    expect(grown.recommendation!.new_size_mb).toBeGreaterThan(32);
    expect(value('walrus_max_wal_size_bytes')).toBe(grown.recommendation!.new_size_mb * 1048576);
    expect(value('walrus_max_wal_size_bytes')).toBe((await freshMaxWalSizeMb()) * 1048576);
    expect(value('walrus_increases_total')).toBe(1);
    expect(value('walrus_cycles_total')).toBe(1);
    expect(value('walrus_last_forced_checkpoints')).toBe(2);
    expect(value('walrus_invalid_settings')).toBe(1);
    expect(value('walrus_enabled')).toBe(1);
    expect(value('walrus_wal_bytes_per_interval', '{statistic="ema"}')).toBeGreaterThan(16 * 1048576);
    expect(value('walrus_last_adjustment_timestamp_seconds')).toBeGreaterThan(Date.now() / 1000 - 600);
  });

  it('is readable by pg_monitor and nobody else', async () => {
    await client.query('DROP ROLE IF EXISTS walrus_scraper; CREATE ROLE walrus_scraper; GRANT pg_monitor TO walrus_scraper');
    await client.query('DROP ROLE IF EXISTS walrus_nobody; CREATE ROLE walrus_nobody');
    try {
      await client.query('SET ROLE walrus_scraper');
      expect(await scalar<string>(client, 'SELECT walrus_metrics()')).toContain('walrus_max_wal_size_bytes');
      await client.query('SET ROLE walrus_nobody');
      await expect(client.query('SELECT walrus_metrics()')).rejects.toThrow(/permission denied/);
    } finally {
      await client.query('RESET ROLE');
      await client.query('DROP ROLE walrus_scraper; DROP ROLE walrus_nobody');
    }
  });
});
