import type pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { readProfiles } from '../src/sim/profiles';
import {
  analyze,
  collectNotices,
  forceCheckpoints,
  installPaused,
  scalar,
  setSession,
  startClean,
} from './helpers/walrus';

/**
 * walrus.profiles on the real server: the profile in force at the server's clock (in walrus.timezone) overrides the
 * settings of a cycle; invalid profiles are reported, never used, and never stop the others or the cycle.
 */

let client: pg.Client;
let uninstall: (current: pg.Client) => Promise<void>;

beforeAll(async () => {
  ({ client, uninstall } = await installPaused());
});

afterAll(() => uninstall(client));

beforeEach(async () => {
  await startClean(client, { 'walrus.cooldown_sec': '0' });
});

/** A window that holds the current hour in `zone`, or that never does, whatever time the test runs at. */
async function hourIn(zone: string): Promise<{ day: string; hour: number; otherDay: string }> {
  const row = await client.query<{ day: string; hour: number; other: string }>(
    `SELECT to_char(t, 'Dy') AS day, extract(hour FROM t)::int AS hour, to_char(t + interval '3 days', 'Dy') AS other
       FROM (SELECT now() AT TIME ZONE $1 AS t) x`,
    [zone],
  );
  return { day: row.rows[0]!.day, hour: row.rows[0]!.hour, otherDay: row.rows[0]!.other };
}

describe('walrus.profiles', () => {
  it('the profile in force overrides walrus.max and the threshold for the cycle, and every row records it', async () => {
    const { day, hour, otherDay } = await hourIn('UTC');
    const profiles = JSON.stringify([
      { name: 'elsewhen', days: [otherDay], start_hour: hour, end_hour: hour + 1, max_size: 40 },
      { name: 'batch', days: [day], start_hour: hour, end_hour: hour + 1, max_size: '64MB', threshold: 1 },
    ]);
    await setSession(client, { 'walrus.profiles': profiles, 'walrus.timezone': 'UTC' });
    const status = await scalar<{ profile: { active: string; errors: string[] } }>(client, 'SELECT walrus_status()');
    expect(status.profile).toMatchObject({ active: 'batch', errors: [] });
    await analyze(client);
    await forceCheckpoints(client, 4);
    const grown = await analyze(client);
    // Without the profile: 32 MB x 5 = 160 MB under walrus.max = 4GB. With it: capped at its 64 MB.
    expect(grown.recommendation).toMatchObject({ action: 'capped', new_size_mb: 64 });
    const rows = await client.query<{ profile: string }>('SELECT profile FROM walrus_history()');
    expect(rows.rows.map((r) => r.profile)).toEqual(rows.rows.map(() => 'batch'));
  });

  it('hours are in walrus.timezone, and a window may wrap midnight', async () => {
    const { day, hour } = await hourIn('Asia/Kathmandu');
    // A wrapping window that starts at this hour on this day holds now; the same hours in UTC (5:45 away) do not.
    const wrap = { name: 'night', days: [day], start_hour: hour, end_hour: (hour + 23) % 24 || 24, threshold: 7 };
    await setSession(client, { 'walrus.profiles': JSON.stringify([wrap]), 'walrus.timezone': 'Asia/Kathmandu' });
    const inKathmandu = await scalar<{ profile: { active: string | null } }>(client, 'SELECT walrus_status()');
    expect(inKathmandu.profile.active).toBe('night');
    expect(await scalar(client, "SELECT walrus_status() ->> 'threshold'")).toBe('7');
    const next = await scalar<{ next: string; next_starts_at: string }>(client, "SELECT walrus_status() -> 'profile'");
    expect(next.next).toBe('night');
    expect(new Date(next.next_starts_at).getTime()).toBeGreaterThan(Date.now() + 6 * 24 * 3600 * 1000);
  });

  it('an invalid profile is ignored with a WARNING naming the profile, field, value and what is valid; the rest apply', async () => {
    const { day, hour } = await hourIn('UTC');
    const cases: [unknown, string][] = [
      [{ name: 'a', days: ['Funday'], start_hour: 1, end_hour: 2 }, `profile 'a': field days: 'Funday' is not a day (valid: Mon, Tue, Wed, Thu, Fri, Sat, Sun)`],
      [{ name: 'b', days: ['Mon'], start_hour: 25, end_hour: 2 }, "profile 'b': start_hour 25 is out of range (valid: 0 to 23)"],
      [{ name: 'b2', days: ['Mon'], start_hour: 1.5, end_hour: 2 }, "profile 'b2': field start_hour: value '1.5' is not a whole hour (valid: 0 to 23)"],
      [{ name: 'c', days: ['Mon'], start_hour: 3, end_hour: 3 }, "profile 'c': start_hour and end_hour are both 3: the window is empty"],
      [{ name: 'd', days: ['Mon'], start_hour: 1, end_hour: 2, colour: 'red' }, "profile 'd': unknown field 'colour'"],
      [{ name: 'e', days: ['Mon'], start_hour: 1, end_hour: 2, threshold: 0 }, "profile 'e': field threshold: value '0' is out of range (valid: 1 to 1000)"],
      [{ name: 'f', days: ['Mon'], start_hour: 1, end_hour: 2, max_size: '10 parsecs' }, "profile 'f': field max_size: value '10 parsecs' is not a memory size"],
    ];
    const good = { name: 'good', days: [day], start_hour: hour, end_hour: hour + 1, threshold: 9 };
    const overlapping = { name: 'late', days: [day], start_hour: hour, end_hour: hour + 1, threshold: 3 };
    await setSession(client, { 'walrus.profiles': JSON.stringify([...cases.map(([p]) => p), good, overlapping]), 'walrus.timezone': 'UTC' });
    const notices = collectNotices(client);
    const result = await analyze(client);
    expect(result.analyzed).toBe(true);
    const warned = notices.join('\n');
    for (const [, message] of cases) expect(warned).toContain(message);
    expect(warned).toContain("profile 'late': its window overlaps profile 'good'");
    expect(await scalar(client, "SELECT walrus_status() -> 'profile' ->> 'active'")).toBe('good');
    const setting = await scalar<{ valid: boolean; error: string }>(
      client,
      "SELECT to_jsonb(s) FROM walrus.setting_report() s WHERE name = 'walrus.profiles'",
    );
    expect(setting.valid).toBe(false);
    expect(setting.error).toContain("profile 'a'");

    for (const [text, message] of [
      ['{not json', 'walrus.profiles is not valid JSON'],
      ['{"name": "x"}', 'walrus.profiles must be a JSON array of profiles, not a JSON object'],
    ]) {
      await setSession(client, { 'walrus.profiles': text! });
      const errors = await scalar<string[]>(client, "SELECT walrus_status() -> 'profile' -> 'errors'");
      expect(errors.join(' ')).toContain(message);
      expect((await analyze(client)).analyzed).toBe(true);
    }
    await setSession(client, { 'walrus.profiles': '', 'walrus.timezone': 'Mars/Olympus_Mons' });
    expect(await scalar(client, "SELECT error FROM walrus.setting_report() WHERE name = 'walrus.timezone'")).toContain('is not a time zone');
  });

  it('the simulator reads walrus.profiles as the server does: the same profiles, overrides and messages', async () => {
    const week = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri'];
    const p = (extra: Record<string, unknown>): Record<string, unknown> => ({ name: 'p', days: ['Mon'], start_hour: 1, end_hour: 2, ...extra });
    const texts: unknown[][] = [
      [{ name: 'business-hours', days: week, start_hour: 8, end_hour: 18, algorithm: 'adaptive' },
       { name: 'nightly-batch', days: [...week, 'Sat', 'Sun'], start_hour: 1, end_hour: 5, max_size: '16GB', shrink_enable: false }],
      [p({ days: ['monday', 'SUN', 'Mon'], max_size: 40, min_size: '1.5GB', threshold: '5', dry_run: 'yes', algorithm: 'Forecast' })],
      [p({ start_hour: 22, end_hour: 6 }), p({ name: 'o\'brien', days: ['Tue'], start_hour: 2, end_hour: 3 }), p({ name: 'x', days: ['Sat'] })],
      [p({ max_size: 16 }), p({ max_size: null }), p({ max_size: '' }), p({ shrink_enable: 'maybe' }), p({ algorithm: 'fastest' })],
      [p({ days: [] }), p({ days: 'Mon' }), p({ days: [1, 'Mon'] }), p({ days: ['Mon', null] }), p({ days: ['Fun', 'Mon', 'Nay'] })],
      [p({ start_hour: '5' }), p({ end_hour: 1.5 }), p({ start_hour: -1 }), p({ start_hour: 100 }), p({ end_hour: 25 })],
      [{ days: ['Mon'], start_hour: 1, end_hour: 2 }, 42, [1], 'Mon', null, { name: 7, days: ['Mon'], start_hour: 3, end_hour: 4 }],
      [p({ zebra: 1, a: 2, colour: 'x' }), p({ name: 'back\\slash', max_size: 'x'.repeat(100) }), p({ start_hour: 3, end_hour: 3 })],
    ];
    const segmentMb = Number(await scalar(client, "SELECT pg_size_bytes(current_setting('wal_segment_size')) / 1048576"));
    const texted = (v: unknown): string => (typeof v === 'boolean' ? (v ? 'on' : 'off') : String(v));
    for (const text of [...texts.map((t) => JSON.stringify(t)), '{"name": "x"}', '"Mon"', '7', 'null', '', '   ']) {
      const { rows } = await client.query<{ name: string; days: number[]; start_hour: number; end_hour: number; overrides: Record<string, string>; error: string | null }>(
        'SELECT name, days, start_hour, end_hour, overrides, error FROM walrus.profile_list($1) ORDER BY ordinal',
        [text],
      );
      const server = {
        profiles: rows.filter((r) => r.error === null).map((r) => ({
          name: r.name,
          window: { days: r.days, start_hour: r.start_hour, end_hour: r.end_hour },
          overrides: r.overrides,
        })),
        errors: rows.flatMap((r) => (r.error === null ? [] : [r.error])),
      };
      const read = readProfiles(text, segmentMb);
      const simulator = {
        profiles: read.profiles.map((x) => ({
          ...x,
          overrides: Object.fromEntries(Object.entries(x.overrides).map(([k, v]) => [k, texted(v)])),
        })),
        errors: read.errors,
      };
      expect(simulator, text).toEqual(server);
    }
    expect(readProfiles(JSON.stringify(texts[0]), segmentMb).profiles).toHaveLength(2);
    // Only the parser's own words differ.
    const [error] = (await client.query<{ error: string }>("SELECT error FROM walrus.profile_list('[{') WHERE error IS NOT NULL")).rows;
    expect(error!.error.startsWith('walrus.profiles is not valid JSON (')).toBe(true);
    expect(readProfiles('[{', segmentMb).errors[0]!.startsWith('walrus.profiles is not valid JSON (')).toBe(true);
  });
});
