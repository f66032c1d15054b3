import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sizeForWal } from '../src/logic/sizing';
import { skipIf, withoutPgDump } from './helpers/capabilities';
import { clusterInfo, cronDatabase, dumpAndRestore } from './helpers/db';
import {
  alterSystem,
  analyze,
  collectNotices,
  forceCheckpoints,
  freshMaxWalSizeMb,
  history,
  installPaused,
  passIntervals,
  scalar,
  setSession,
  startClean,
} from './helpers/walrus';
import { attemptAs } from './helpers/sql';

/**
 * walrus.algorithm = forecast on the real cluster, and what it learns: the hour-of-week profile in
 * walrus.forecast_profile and the scalars in walrus.state, loaded by every cycle, saved after it, in walrus.timezone's
 * hours, cleared by walrus_reset(), never trusted. Sizes start at 32 MB; checkpoint_timeout is 30 s.
 */

let client: pg.Client;
let uninstall: (current: pg.Client) => Promise<void>;

beforeAll(async () => {
  ({ client, uninstall } = await installPaused());
});

afterAll(() => uninstall(client));

beforeEach(async () => {
  await startClean(client, { 'walrus.algorithm': 'forecast', 'walrus.cooldown_sec': '0', 'walrus.timezone': 'UTC' });
});

interface ForecastRow {
  forecast_slot: number;
  forecast_learned_sec: number;
  forecast_window_peak: number;
  forecast_window_previous: number;
  forecast_window_age_sec: number;
  forecast_last_rate: number;
}

async function learned(): Promise<ForecastRow> {
  const { rows } = await client.query<ForecastRow>(
    `SELECT forecast_slot, forecast_learned_sec, forecast_window_peak, forecast_window_previous, forecast_window_age_sec,
            forecast_last_rate FROM walrus.state`,
  );
  expect(rows).toHaveLength(1);
  return rows[0]!;
}

/** The stored profile by hour of the week; null for an hour without a row (nothing learned in it: 0). */
async function storedProfile(): Promise<(number | null)[]> {
  const { rows } = await client.query<{ need: number | null }>(
    `SELECT p.need_mb_per_sec AS need FROM generate_series(0, 167) h
       LEFT JOIN walrus.forecast_profile p ON p.hour_of_week = h ORDER BY h`,
  );
  return rows.map((r) => r.need);
}

/** The largest need stored in any hour. */
async function largestStored(): Promise<number> {
  return Number(await scalar<number | null>(client, 'SELECT coalesce(max(need_mb_per_sec), 0) FROM walrus.forecast_profile'));
}

/** The hour of the week of the newest sample (the last cycle's) in a time zone. */
async function sampleSlot(zone: string): Promise<number> {
  return scalar<number>(
    client,
    `SELECT ((extract(isodow FROM taken_at AT TIME ZONE $1)::int - 1) * 24 + extract(hour FROM taken_at AT TIME ZONE $1)::int)
       FROM walrus.sample ORDER BY id DESC LIMIT 1`,
    [zone],
  );
}

/** The hour of the week now, in UTC. */
async function slotNow(): Promise<number> {
  return scalar<number>(
    client,
    "SELECT ((extract(isodow FROM now() AT TIME ZONE 'UTC')::int - 1) * 24 + extract(hour FROM now() AT TIME ZONE 'UTC')::int)",
  );
}

/**
 * A cycle in the first checkpoint_timeout of an hour does not credit the hour with its need (its window belongs to the
 * hour before), and one at the end of an hour may see the next: tests that read one hour's value keep clear of both.
 */
async function awayFromHourEdges(): Promise<void> {
  const seconds = await scalar<number>(client, "SELECT extract(epoch FROM now() - date_trunc('hour', now()))::float8");
  if (seconds < 40) await new Promise((resolve) => setTimeout(resolve, (41 - seconds) * 1000));
  if (seconds > 3570) await new Promise((resolve) => setTimeout(resolve, (3641 - seconds) * 1000));
}

/** A week learned, every hour at `base` MB/s, and `peak` MB/s at one hour of the week. */
async function seedProfile(peakHour: number, peak: number, base = 0.01): Promise<void> {
  await client.query('DELETE FROM walrus.forecast_profile');
  await client.query(
    `INSERT INTO walrus.forecast_profile (hour_of_week, need_mb_per_sec)
     SELECT h, CASE WHEN h = $1 THEN $2::float8 ELSE $3::float8 END FROM generate_series(0, 167) h`,
    [peakHour, peak, base],
  );
  await client.query('UPDATE walrus.state SET forecast_learned_sec = 604800');
}

/** What the server sizes a need of `rate` MB/s for: the real trigger arithmetic at this cluster's settings. */
async function sizeForRate(rate: number): Promise<number> {
  const { rows } = await client.query<{ timeout: number; cct: number; segment: number }>(
    `SELECT checkpoint_timeout_sec AS timeout, checkpoint_completion_target AS cct, wal_segment_mb AS segment
       FROM walrus.sample ORDER BY id DESC LIMIT 1`,
  );
  const { timeout, cct, segment } = rows[0]!;
  return sizeForWal(rate * timeout, cct, 1.25, segment, 2147483647);
}

/** WAL without forced checkpoints: a few MB, well under the 16 MB the 32 MB size allows per checkpoint_timeout. */
async function writeWal(): Promise<void> {
  await client.query('CREATE TABLE IF NOT EXISTS public.walrus_forecast_wal (x bigint, pad text)');
  await client.query("INSERT INTO public.walrus_forecast_wal SELECT g, repeat('x', 100) FROM generate_series(1, 20000) g");
}

/** A recurring peak an hour from now, seen yesterday: what the pre-size must come from. */
async function seedPeakInTheComingHour(peak: number): Promise<void> {
  const hour = ((await slotNow()) + 1 - 24 + 168) % 168;
  await seedProfile(hour, peak);
  // Seen the day before too: a peak seen once is not pre-sized for (a flash crowd at a random time stands out as much).
  await client.query('UPDATE walrus.forecast_profile SET need_mb_per_sec = $2 WHERE hour_of_week = $1', [(hour + 144) % 168, peak]);
}

const PRESIZE_REASON = /^pre-sizing: (this|the next) hour needed \d+ MB of WAL per checkpoint_timeout yesterday, above the \d+ MB around it/;

describe('walrus.algorithm = forecast', () => {
  it('grows on real forced checkpoints, and learns the need into the current hour', async () => {
    await analyze(client);
    await forceCheckpoints(client, 3);
    const result = await analyze(client);
    expect(result.recommendation).toMatchObject({ action: 'increase', old_size_mb: 32 });
    expect(result.recommendation!.reason).toMatch(/forced checkpoints caused by WAL \(walrus\.algorithm = forecast grows on any\)/);
    const size = result.recommendation!.new_size_mb;
    expect(size).toBeGreaterThan(32);
    expect(await freshMaxWalSizeMb()).toBe(size);
    expect((await history(client)).at(-1)!.metadata['algorithm']).toBe('forecast');
    // The state learned from it is saved: the slot of this cycle and a need in it.
    const state = await learned();
    expect(state.forecast_slot).toBe(await sampleSlot('UTC'));
    expect(state.forecast_window_peak).toBeGreaterThan(0);
    expect((await storedProfile())[state.forecast_slot]).toBeGreaterThan(0);
    // What is stored is not also returned: the recommendation says it in two keys.
    expect(result.recommendation).not.toHaveProperty('forecast');
    expect(result.recommendation).toMatchObject({ forecast_mb: 0, forecast_reason: expect.stringContaining('no recurring peak') });
  });

  it('walrus_recommendation() advises the size the next cycle grows to', async () => {
    await analyze(client);
    await forceCheckpoints(client, 3);
    // A checkpoint_timeout since the baseline, so the milliseconds between the two calls barely move the measured rate.
    await passIntervals(client);
    const advice = await scalar<{ action: string; recommended_size_mb: number }>(client, 'SELECT walrus_recommendation()');
    const result = await analyze(client);
    expect(result.recommendation).toMatchObject({ action: 'increase', old_size_mb: 32 });
    const grown = result.recommendation!.new_size_mb;
    expect(advice.action).toBe('increase');
    // Within one 16 MB segment: the two read the WAL position and the clock a moment apart.
    expect(Math.abs(advice.recommended_size_mb - grown), `advised ${advice.recommended_size_mb} MB, grew to ${grown} MB`).toBeLessThanOrEqual(16);
  });

  it('pre-sizes from a learned profile before a recurring peak, and says so in the status and recommendation', async () => {
    await setSession(client, { 'walrus.lookahead_sec': '3600' });
    await passIntervals(client);
    await analyze(client);
    const expected = await sizeForRate(5);
    expect(expected).toBeGreaterThan(64);

    // Before any peak is learned the forecast expects nothing.
    const before = await scalar<Record<string, unknown>>(client, 'SELECT walrus_status()');
    expect(before).toMatchObject({ forecast_mb: 0, forecast_reason: 'no recurring peak expected within walrus.lookahead_sec' });

    await seedPeakInTheComingHour(5);
    const status = await scalar<Record<string, unknown>>(client, 'SELECT walrus_status()');
    expect(status).toMatchObject({ forecast_mb: expected, forecast_learned_sec: 604800 });
    expect(status['forecast_reason']).toMatch(/hour needed 150 MB of WAL per checkpoint_timeout yesterday, above the 0 MB around it/);
    // Prometheus sees the same forecast.
    const metrics = await scalar<string>(client, 'SELECT walrus_metrics()');
    expect(metrics).toContain(`\nwalrus_forecast_max_wal_size_bytes ${expected * 1048576}\n`);
    expect(metrics).toContain('\nwalrus_forecast_learned_seconds 604800\n');
    await passIntervals(client);
    const advice = await scalar<Record<string, unknown>>(client, 'SELECT walrus_recommendation()');
    expect(advice).toMatchObject({ action: 'increase', recommended_size_mb: expected, forecast_mb: expected });
    expect(advice['reason']).toMatch(PRESIZE_REASON);

    const result = await analyze(client);
    expect(result.recommendation).toMatchObject({ action: 'increase', old_size_mb: 32, new_size_mb: expected, forecast_mb: expected });
    expect(result.recommendation!.reason).toMatch(PRESIZE_REASON);
    expect(await freshMaxWalSizeMb()).toBe(expected);
    const row = (await history(client)).at(-1)!;
    expect(row.forced_checkpoints).toBe(0);
    expect(row.metadata).toMatchObject({ forecast_mb: expected, forecast_reason: expect.stringMatching(/yesterday/) });
  });

  it('respects walrus.max, for growth on forced checkpoints and for a pre-size', async () => {
    await setSession(client, { 'walrus.max': '64MB', 'walrus.lookahead_sec': '3600' });
    await analyze(client);
    await forceCheckpoints(client, 3);
    const grown = await analyze(client);
    expect(grown.recommendation).toMatchObject({ action: 'capped', new_size_mb: 64 });
    expect(grown.recommendation!.reason).toMatch(/capped at walrus\.max = 64 MB/);
    expect(await freshMaxWalSizeMb()).toBe(64);

    await alterSystem({ max_wal_size: '32MB' });
    await client.query('SELECT walrus_reset()');
    await passIntervals(client);
    await analyze(client);
    await seedPeakInTheComingHour(1000);
    await passIntervals(client);
    const presized = await analyze(client);
    expect(presized.recommendation).toMatchObject({ action: 'capped', new_size_mb: 64 });
    expect(presized.recommendation!.reason).toMatch(/^pre-sizing: .*capped at walrus\.max = 64 MB/);
    expect(await freshMaxWalSizeMb()).toBe(64);
  });

  it('does not grow to walrus.max when the cap would not move the forced-checkpoint distance', async () => {
    // 32 MB and 48 MB both give CheckPointSegments = 1 with 16 MB segments (trunc(2 / 1.9), trunc(3 / 1.9)): the same
    // checkpoints are forced at either size, so "growing" to the cap would change nothing but the history.
    await setSession(client, { 'walrus.max': '48MB' });
    await analyze(client);
    await forceCheckpoints(client, 3);
    const result = await analyze(client);
    expect(result.recommendation).toMatchObject({ action: 'no_change', new_size_mb: 32 });
    expect(result.recommendation!.reason).toMatch(/walrus\.max = 48 MB would not move the forced-checkpoint distance/);
    expect(await freshMaxWalSizeMb()).toBe(32);
  });

  it('says a size under walrus.min_size is below the shrink floor, not at it', async () => {
    await analyze(client);
    await passIntervals(client);
    const quiet = await analyze(client);
    expect(quiet.recommendation).toMatchObject({ action: 'no_change', new_size_mb: 32 });
    expect(quiet.recommendation!.reason).toContain('below the shrink floor of 1024 MB');
  });

  it('never shrinks below min_wal_size, whatever it learned', async () => {
    await alterSystem({ max_wal_size: '256MB', min_wal_size: '128MB' });
    await setSession(client, { 'walrus.min_size': '32MB', 'walrus.stabilization_sec': '0' });
    await passIntervals(client);
    const shrunk = await analyze(client);
    expect(shrunk.recommendation).toMatchObject({ action: 'decrease', old_size_mb: 256, new_size_mb: 128 });
    expect(await freshMaxWalSizeMb()).toBe(128);
    await passIntervals(client);
    expect((await analyze(client)).recommendation).toMatchObject({ action: 'no_change', new_size_mb: 128 });
    expect(await freshMaxWalSizeMb()).toBe(128);
  });

  it('in dry-run records the growth, applies nothing, and still learns', async () => {
    await setSession(client, { 'walrus.dry_run': 'on' });
    await analyze(client);
    await forceCheckpoints(client, 2);
    const result = await analyze(client);
    expect(result.recommendation).toMatchObject({ action: 'dry_run', old_size_mb: 32 });
    expect(result.recommendation!.new_size_mb).toBeGreaterThan(32);
    expect(result.applied).toBe(false);
    expect(await freshMaxWalSizeMb()).toBe(32);
    expect((await history(client)).at(-1)).toMatchObject({ action: 'dry_run', new_size_mb: result.recommendation!.new_size_mb });
    const state = await learned();
    expect(state.forecast_slot).toBe(await sampleSlot('UTC'));
    expect(state.forecast_window_peak).toBeGreaterThan(0);
    expect((await storedProfile())[state.forecast_slot]).toBeGreaterThan(0);
  });

  it('in advice mode records the pre-size as advice and still learns', async () => {
    await setSession(client, { 'walrus.apply': 'advise', 'walrus.lookahead_sec': '3600' });
    await passIntervals(client);
    await analyze(client);
    await seedPeakInTheComingHour(5);
    await passIntervals(client);
    const result = await analyze(client);
    expect(result.recommendation).toMatchObject({ action: 'advise', new_size_mb: await sizeForRate(5) });
    expect(await freshMaxWalSizeMb()).toBe(32);
    // The seeded week is still there, and one more interval of it.
    expect((await learned()).forecast_learned_sec).toBe(604800);
    expect(await largestStored()).toBe(5);
  });

  it('holds growth back under the rate limits, forced or forecast, and learns all the same', async () => {
    await setSession(client, { 'walrus.cooldown_sec': '600', 'walrus.lookahead_sec': '3600' });
    await analyze(client);
    await forceCheckpoints(client, 2);
    const first = await analyze(client);
    expect(first.recommendation?.action).toBe('increase');
    const size = first.recommendation!.new_size_mb;

    await forceCheckpoints(client, 2);
    const held = await analyze(client);
    expect(held.recommendation).toMatchObject({ action: 'skipped', old_size_mb: size });
    expect(held.recommendation!.reason).toMatch(/^cooldown: \d+ s of walrus\.cooldown_sec = 600 s left since the last change; wanted: \d+ forced checkpoints/);
    expect(await freshMaxWalSizeMb()).toBe(size);

    await seedPeakInTheComingHour(1000);
    await passIntervals(client);
    const presize = await analyze(client);
    expect(presize.recommendation?.action).toBe('skipped');
    expect(presize.recommendation!.reason).toMatch(/^cooldown: .*; wanted: pre-sizing: /);
    expect(await freshMaxWalSizeMb()).toBe(size);

    await setSession(client, { 'walrus.cooldown_sec': '0', 'walrus.max_changes_per_hour': '0' });
    await passIntervals(client);
    const off = await analyze(client);
    expect(off.recommendation).toMatchObject({ action: 'skipped', reason: expect.stringMatching(/^walrus\.max_changes_per_hour is 0: automatic changes are off; wanted: pre-sizing/) });
    expect(await freshMaxWalSizeMb()).toBe(size);
    // Every held cycle was still learned from.
    expect(Number(await scalar<string>(client, 'SELECT cycles FROM walrus.state'))).toBe(5);
    expect((await learned()).forecast_learned_sec).toBe(604800);
  });
});

describe('the learned state', () => {
  it('survives from one cycle to the next, and walrus_reset() clears it', async () => {
    await awayFromHourEdges();
    await passIntervals(client);
    await analyze(client);
    const first = await learned();
    expect(first.forecast_learned_sec).toBeGreaterThanOrEqual(30);

    await writeWal();
    await passIntervals(client);
    const busy = await analyze(client);
    expect(busy.recommendation?.action).toBe('no_change');
    const second = await learned();
    const elapsed = Number((busy.observed as { elapsed_sec: number }).elapsed_sec);
    // Accumulated, not restarted: the second cycle read what the first saved.
    expect(second.forecast_learned_sec).toBeCloseTo(first.forecast_learned_sec + elapsed, 2);
    const slot = second.forecast_slot;
    const need = (await storedProfile())[slot]!;
    expect(need).toBeGreaterThan(0.05);
    expect(second.forecast_window_peak).toBe(need);

    await passIntervals(client);
    await analyze(client);
    const third = await learned();
    // A quiet interval does not lower the learned peak of the hour or of the stabilisation window.
    expect((await storedProfile())[slot]).toBe(need);
    expect(third.forecast_window_peak).toBe(need);
    expect(third.forecast_last_rate).toBeLessThan(need / 10);
    expect(third.forecast_learned_sec).toBeGreaterThan(second.forecast_learned_sec);

    expect(await scalar(client, 'SELECT walrus_reset()')).toBe(true);
    expect(await scalar(client, 'SELECT count(*)::int FROM walrus.forecast_profile')).toBe(0);
    expect(await scalar(client, 'SELECT count(*)::int FROM walrus.state')).toBe(0);
    expect(await scalar(client, "SELECT walrus_status() -> 'forecast_learned_sec'")).toBe(0);
    await passIntervals(client);
    const fresh = await analyze(client);
    const after = await learned();
    expect(after.forecast_learned_sec).toBeCloseTo(Number((fresh.observed as { elapsed_sec: number }).elapsed_sec), 2);
    expect(after.forecast_window_peak).toBeLessThan(need / 10);
    expect(await largestStored()).toBeLessThan(need / 10);
  });

  it('is written only where it changed: a quiet cycle rewrites one hour at most', async () => {
    await passIntervals(client);
    await analyze(client);
    await seedProfile(0, 1);
    const versions = async (): Promise<Map<number, string>> => {
      const { rows } = await client.query<{ h: number; v: string }>('SELECT hour_of_week AS h, xmin::text AS v FROM walrus.forecast_profile');
      return new Map(rows.map((r) => [r.h, r.v]));
    };
    const before = await versions();
    expect(before.size).toBe(168);
    await passIntervals(client);
    await analyze(client);
    const after = await versions();
    expect(after.size).toBe(168);
    const rewritten = [...after].filter(([h, v]) => before.get(h) !== v).map(([h]) => h);
    expect(rewritten.length).toBeLessThanOrEqual(1);
    if (rewritten.length === 1) expect(rewritten[0]).toBe((await learned()).forecast_slot);
  });

  it('is learned whatever walrus.algorithm is, so switching to forecast finds it', async () => {
    await awayFromHourEdges();
    await setSession(client, { 'walrus.algorithm': 'multiplicative' });
    await passIntervals(client);
    await analyze(client);
    await writeWal();
    await passIntervals(client);
    await analyze(client);
    const state = await learned();
    expect(state.forecast_learned_sec).toBeGreaterThanOrEqual(60);
    expect((await storedProfile())[state.forecast_slot]).toBeGreaterThan(0.05);
  });

  it('counts hours in walrus.timezone, not in the session time zone', async () => {
    await setSession(client, { TimeZone: 'UTC', 'walrus.timezone': 'Pacific/Kiritimati' });
    await passIntervals(client);
    await analyze(client);
    const kiritimati = await sampleSlot('Pacific/Kiritimati');
    // 14 hours ahead of UTC: never the same hour of the week.
    expect(kiritimati).not.toBe(await sampleSlot('UTC'));
    expect((await learned()).forecast_slot).toBe(kiritimati);

    await setSession(client, { TimeZone: 'UTC', 'walrus.timezone': 'America/St_Johns' });
    await passIntervals(client);
    await analyze(client);
    expect((await learned()).forecast_slot).toBe(await sampleSlot('America/St_Johns'));

    // Empty: the time zone of the session that runs the cycle, as for walrus.profiles.
    await setSession(client, { TimeZone: 'Asia/Tokyo', 'walrus.timezone': '' });
    await passIntervals(client);
    await analyze(client);
    expect((await learned()).forecast_slot).toBe(await sampleSlot('Asia/Tokyo'));
    expect(await sampleSlot('Asia/Tokyo')).not.toBe(await sampleSlot('UTC'));
  });

  it("an operator's session time zone moves neither the learned hour nor the profile in force", async () => {
    const role = 'walrus_fc_op';
    await client.query(`DROP ROLE IF EXISTS ${role}; CREATE ROLE ${role} LOGIN`);
    await client.query('SELECT walrus.grant_operator($1)', [role]);
    // The server's zone; no walrus.timezone anywhere but this session's (reset below), so empty is what the server has.
    await alterSystem({ TimeZone: 'Asia/Tokyo', 'walrus.cooldown_sec': '0' });
    await setSession(client, { 'walrus.timezone': '' });
    const info = clusterInfo();
    const op = new pg.Client({ host: info.host, port: info.port, user: role, database: cronDatabase() });
    await op.connect();
    try {
      // A profile in force now for a Kiritimati session (UTC+14) and not for a Tokyo one (UTC+9).
      await awayFromHourEdges();
      const hour = await scalar<number>(client, "SELECT extract(hour FROM now() AT TIME ZONE 'Pacific/Kiritimati')::int");
      const everyDay = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];
      await alterSystem({
        'walrus.profiles': JSON.stringify([{ name: 'kiritimati', days: everyDay, start_hour: hour, end_hour: hour + 1, max_size: 48 }]),
      });
      await setSession(op, { TimeZone: 'Pacific/Kiritimati' });
      await passIntervals(client);
      expect((await analyze(op)).analyzed).toBe(true);
      expect((await learned()).forecast_slot).toBe(await sampleSlot('Asia/Tokyo'));
      expect(await sampleSlot('Asia/Tokyo')).not.toBe(await sampleSlot('Pacific/Kiritimati'));
      expect((await history(client)).at(-1)).toMatchObject({ action: 'no_change' });
      expect(await scalar(client, 'SELECT profile FROM walrus.history ORDER BY id DESC LIMIT 1')).toBeNull();
    } finally {
      await op.end();
      await alterSystem({ TimeZone: null, 'walrus.cooldown_sec': null, 'walrus.profiles': null });
      await client.query(`DROP OWNED BY ${role}; DROP ROLE ${role}`);
    }
  });

  it('cannot be forged into a failed cycle or a size beyond walrus.max, and is saved clean', async () => {
    await awayFromHourEdges();
    await setSession(client, { 'walrus.max': '256MB', 'walrus.lookahead_sec': '3600' });
    await passIntervals(client);
    await analyze(client);
    // As a superuser can, or a corrupt page or a restore without constraints: past every CHECK.
    const { rows: checks } = await client.query<{ rel: string; name: string; def: string }>(
      `SELECT conrelid::regclass::text AS rel, conname AS name, pg_get_constraintdef(oid) AS def FROM pg_constraint
        WHERE conrelid IN ('walrus.forecast_profile'::regclass, 'walrus.state'::regclass) AND contype = 'c'
          AND (conrelid = 'walrus.forecast_profile'::regclass OR conname LIKE 'state_forecast%')`,
    );
    expect(checks.length).toBe(8);
    for (const c of checks) await client.query(`ALTER TABLE ${c.rel} DROP CONSTRAINT ${c.name}`);
    await client.query('DELETE FROM walrus.forecast_profile');
    await client.query(
      `INSERT INTO walrus.forecast_profile (hour_of_week, need_mb_per_sec)
       SELECT h, (ARRAY['NaN', '-5', '1e300', 'Infinity', '-Infinity', '1e-300', '5e-324'])[h % 7 + 1]::float8
         FROM generate_series(0, 167) h WHERE h % 5 <> 0`,
    );
    // This hour of yesterday and of the day before, absurdly busy, and more than a week learned: a forecast far beyond
    // walrus.max.
    const hour = ((await slotNow()) - 24 + 168) % 168;
    for (const h of [hour, (hour + 144) % 168]) {
      await client.query(
        `INSERT INTO walrus.forecast_profile VALUES ($1, 1e300)
         ON CONFLICT (hour_of_week) DO UPDATE SET need_mb_per_sec = excluded.need_mb_per_sec`,
        [h],
      );
    }
    await client.query(`UPDATE walrus.state SET forecast_slot = 99999, forecast_learned_sec = 1e300, forecast_window_peak = 'NaN',
                        forecast_window_previous = '-Infinity', forecast_window_age_sec = 'Infinity', forecast_last_rate = -1`);
    await passIntervals(client);
    const presized = await analyze(client);
    expect(presized.recommendation).toMatchObject({ action: 'capped', old_size_mb: 32, new_size_mb: 256 });
    expect(presized.recommendation!.reason).toMatch(/^pre-sizing: this hour needed \d+ MB .*capped at walrus\.max = 256 MB$/);
    expect(await freshMaxWalSizeMb()).toBe(256);
    const status = await scalar<Record<string, unknown>>(client, 'SELECT walrus_status()');
    expect(status['forecast_mb']).toBeGreaterThan(256);
    await passIntervals(client);
    const advice = await scalar<Record<string, unknown>>(client, 'SELECT walrus_recommendation()');
    expect(advice).toMatchObject({ action: 'none', recommended_size_mb: 256 });
    const again = await analyze(client);
    expect(again.recommendation).toMatchObject({ action: 'no_change', new_size_mb: 256 });
    expect(await freshMaxWalSizeMb()).toBe(256);
    // What the cycles saved is clean: every value finite and at most 10 TB/s, and the constraints hold again.
    const profile = await storedProfile();
    expect(profile.filter((v) => v !== null && !(Number.isFinite(v) && v >= 0 && v <= 10_000_000))).toEqual([]);
    expect(await largestStored()).toBe(10_000_000);
    const state = await learned();
    expect(Object.values(state).every((v) => Number.isFinite(v) && v >= 0)).toBe(true);
    expect(state.forecast_learned_sec).toBeLessThanOrEqual(604800);
    for (const c of checks) await client.query(`ALTER TABLE ${c.rel} ADD CONSTRAINT ${c.name} ${c.def}`);
  });

  it('is readable by pg_monitor, writable by no one but the owner, and invisible to PUBLIC', async () => {
    await passIntervals(client);
    await analyze(client);
    await client.query('DROP ROLE IF EXISTS walrus_fc_monitor; CREATE ROLE walrus_fc_monitor IN ROLE pg_monitor');
    await client.query('DROP ROLE IF EXISTS walrus_fc_nobody; CREATE ROLE walrus_fc_nobody');
    const as = (role: string, sql: string): Promise<string> => attemptAs(client, role, sql);
    try {
      expect(await as('walrus_fc_monitor', 'SELECT count(*) FROM walrus.forecast_profile')).toBe('ok');
      expect(await as('walrus_fc_monitor', 'SELECT forecast_learned_sec FROM walrus.state')).toBe('ok');
      expect(await as('walrus_fc_monitor', 'SELECT walrus_status(), walrus_recommendation()')).toBe('ok');
      for (const sql of [
        'UPDATE walrus.forecast_profile SET need_mb_per_sec = 1e7',
        'INSERT INTO walrus.forecast_profile VALUES (0, 1e7)',
        'DELETE FROM walrus.forecast_profile',
        'UPDATE walrus.state SET forecast_learned_sec = 0',
      ]) {
        expect(await as('walrus_fc_monitor', sql), sql).toMatch(/permission denied/);
      }
      expect(await as('walrus_fc_nobody', 'SELECT count(*) FROM walrus.forecast_profile')).toMatch(/permission denied/);
    } finally {
      await client.query('DROP ROLE walrus_fc_monitor; DROP ROLE walrus_fc_nobody');
    }
  });

  it('survives pg_dump and restore', async (ctx) => {
    skipIf(ctx, withoutPgDump());
    const query = `SELECT (SELECT array_agg(need_mb_per_sec ORDER BY hour_of_week) FROM walrus.forecast_profile) AS profile,
                          (SELECT row_to_json(s) FROM (SELECT forecast_slot, forecast_learned_sec FROM walrus.state) s) AS state`;
    await dumpAndRestore(
      'walrus_fc_dump',
      async (src) => {
        await src.query('SELECT walrus_analyze()');
        await src.query('SELECT walrus_analyze()');
        await src.query(`INSERT INTO walrus.forecast_profile SELECT h, h / 10.0 FROM generate_series(0, 167) h
                         ON CONFLICT (hour_of_week) DO UPDATE SET need_mb_per_sec = excluded.need_mb_per_sec`);
        return (await src.query(query)).rows[0] as { profile: number[] };
      },
      async (dst, before) => {
        expect((await dst.query(query)).rows[0]).toEqual(before);
        expect(before.profile).toHaveLength(168);
      },
    );
  });
});

describe('the forecast settings', () => {
  /** Runs a cycle with one bad value and returns the WARNING that names it. */
  async function cycleWith(name: string, value: string): Promise<string> {
    const notices = collectNotices(client);
    await setSession(client, { [`walrus.${name}`]: value });
    await passIntervals(client);
    expect((await analyze(client)).analyzed).toBe(true);
    const warning = notices.find((n) => n.startsWith('WARNING') && n.includes(`walrus.${name}`));
    expect(warning).toBeDefined();
    return warning!;
  }

  it('walrus.half_life_sec: a bad value warns with the range, and the default week decays an hour to half', async () => {
    await awayFromHourEdges();
    await passIntervals(client);
    await analyze(client);
    // The current hour's week-old peak, last seen in the hour before: entering it again decays it once.
    const slot = (await learned()).forecast_slot;
    await seedProfile(slot, 4);
    await client.query('UPDATE walrus.state SET forecast_slot = $1', [(slot + 167) % 168]);
    const warning = await cycleWith('half_life_sec', '3600');
    expect(warning).toContain("'3600'");
    expect(warning).toMatch(/valid: 86400 to 31536000.*; using the default '604800'$/);
    // 0.5 ^ (604800 / 604800): half. With 3600 taken as it stands the peak would all but vanish (0.5 ^ 168).
    expect((await storedProfile())[slot]).toBeCloseTo(2, 6);
  });

  it('walrus.stabilization_sec: a bad value warns with the range, and the default window keeps counting', async () => {
    await passIntervals(client);
    await analyze(client);
    const warning = await cycleWith('stabilization_sec', '-1');
    expect(warning).toContain("'-1'");
    expect(warning).toMatch(/valid: 0 to 604800.*; using the default '3600'$/);
    // An hour's window (two halves of 1800 s) keeps its age; a window of 0 or less would hold nothing.
    expect((await learned()).forecast_window_age_sec).toBeGreaterThanOrEqual(60);
  });

  it('walrus.lookahead_sec: a bad value warns with the range, and the default still pre-sizes', async () => {
    await awayFromHourEdges();
    await passIntervals(client);
    await analyze(client);
    // This hour's peak of yesterday: within any look-ahead but 0, which turns pre-sizing off.
    const hour = ((await slotNow()) - 24 + 168) % 168;
    await seedProfile(hour, 5);
    await client.query('UPDATE walrus.forecast_profile SET need_mb_per_sec = 5 WHERE hour_of_week = $1', [(hour + 144) % 168]);
    const warning = await cycleWith('lookahead_sec', '-1');
    expect(warning).toContain("'-1'");
    expect(warning).toMatch(/valid: 0 to 86400.*; using the default '1800'$/);
    expect(await scalar(client, 'SELECT (walrus.read_config(false)).lookahead_sec')).toBe(1800);
    const row = (await history(client)).at(-1)!;
    expect(row.action).toBe('increase');
    expect(row.reason).toMatch(/^pre-sizing: /);
  });
});
