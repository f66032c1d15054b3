/**
 * `npm run bench:cost`: what one pg_walrus cycle costs on a private cluster. Wall time of `SELECT walrus_analyze()`
 * from the client (median, p95 of at least 200 runs) and the WAL bytes one cycle writes (pg_current_wal_lsn()
 * before and after), for:
 *   - a fresh install, cycles deciding no_change (the common case);
 *   - the same with 30 days of history at a 5-minute cadence (8640 history rows, 2000 samples);
 *   - cycles right after a checkpoint, as at the default cadence (a timed checkpoint every checkpoint_timeout): the
 *     first change to each table page after a checkpoint logs a full-page image, so this is the realistic WAL;
 *   - cycles that resize (two forced checkpoints before each, cooldown off), which add the dblink ALTER SYSTEM and
 *     the reload; fewer runs, each needs real forced checkpoints first.
 *
 *   npm run bench:cost                   # 250 runs per case, 30 resizing runs
 *   npm run bench:cost -- --runs 400 --resize-runs 50
 */
import { parseArgs } from 'node:util';
import type pg from 'pg';
import { quantile } from '../src/sim/stats';
import { walPosition } from '../test/helpers/checkpoints';
import { forceCheckpoints, scalar } from '../test/helpers/sql';
import { machine, withBenchCluster } from './cluster';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '250' }, 'resize-runs': { type: 'string', default: '30' } } });
const RUNS = Math.max(200, Number(values.runs));
const RESIZE_RUNS = Math.max(5, Number(values['resize-runs']));
const START_MB = 32;

interface Measured {
  readonly ms: number;
  readonly walBytes: number;
  readonly action: string;
}

async function cycle(client: pg.Client): Promise<Measured> {
  const before = await walPosition(client);
  const started = performance.now();
  const result = await scalar<{ recommendation?: { action: string } | null; baseline?: boolean }>(client, 'SELECT walrus_analyze()');
  const ms = performance.now() - started;
  const after = await walPosition(client);
  return { ms, walBytes: after.lsn - before.lsn, action: result.baseline === true ? 'baseline' : (result.recommendation?.action ?? '?') };
}

interface Row {
  readonly name: string;
  readonly runs: number;
  readonly actions: string;
  readonly medianMs: number;
  readonly p95Ms: number;
  readonly medianWal: number;
  readonly p95Wal: number;
}

function summarize(name: string, measured: readonly Measured[]): Row {
  const ms = measured.map((m) => m.ms);
  const wal = measured.map((m) => m.walBytes);
  const counts = new Map<string, number>();
  for (const m of measured) counts.set(m.action, (counts.get(m.action) ?? 0) + 1);
  return {
    name,
    runs: measured.length,
    actions: [...counts].map(([a, n]) => `${a} ${n}`).join(', '),
    medianMs: quantile(ms, 0.5),
    p95Ms: quantile(ms, 0.95),
    medianWal: quantile(wal, 0.5),
    p95Wal: quantile(wal, 0.95),
  };
}

async function repeat(client: pg.Client, n: number): Promise<Measured[]> {
  const out: Measured[] = [];
  for (let i = 0; i < n; i++) out.push(await cycle(client));
  return out;
}

/** 30 days of history at one row per 5 minutes, and a full sample table, as a long-running install has. */
async function age(client: pg.Client): Promise<void> {
  await client.query(`
    INSERT INTO walrus.history ("timestamp", action, old_size_mb, new_size_mb, forced_checkpoints, checkpoint_timeout_sec, reason)
    SELECT now() - make_interval(mins => 5 * g), CASE WHEN g % 50 = 0 THEN 'increase' ELSE 'no_change' END, 1024, 1024, 0, 300,
           'synthetic history for the cost benchmark'
      FROM generate_series(61, 8700) g`);
  await client.query(`
    INSERT INTO walrus.sample (taken_at, requested_checkpoints, timed_checkpoints, wal_lsn, checkpoint_timeout_sec,
                               checkpoint_completion_target, max_wal_size_mb, min_wal_size_mb, wal_segment_mb)
    SELECT now() - make_interval(mins => 5 * g), 0, 0, '0/0', 300, 0.9, 1024, 80, 16 FROM generate_series(2001, 2, -1) g`);
  await client.query('ANALYZE walrus.history, walrus.sample');
}

/**
 * Where a cycle's time goes: functions by self time per cycle, from extra cycles run with track_functions = all
 * in this session only (the timing overhead would distort the figures above).
 */
async function profile(client: pg.Client, cycles: number): Promise<string> {
  await client.query("SET track_functions = 'all'");
  await client.query('SELECT pg_stat_reset()');
  await repeat(client, cycles);
  await client.query("SET track_functions = 'none'");
  // Backends flush function statistics at most once a second.
  await new Promise((r) => setTimeout(r, 1500));
  await client.query('SELECT 1');
  await client.query('SELECT pg_stat_clear_snapshot()');
  const { rows } = await client.query<{ funcname: string; calls: string; self_ms: number; total_ms: number }>(
    `SELECT schemaname || '.' || funcname AS funcname, calls, self_time AS self_ms, total_time AS total_ms
       FROM pg_stat_user_functions WHERE schemaname = 'walrus' OR funcname LIKE 'walrus%'
      ORDER BY self_time DESC`,
  );
  const analyze = rows.find((r) => r.funcname === 'public.walrus_analyze');
  const perCycle = Number(analyze?.calls ?? cycles);
  return rows
    .slice(0, 6)
    .map((r) => `  ${r.funcname.padEnd(30)} ${(r.self_ms / perCycle).toFixed(2).padStart(6)} ms self, ${(r.total_ms / perCycle).toFixed(2).padStart(6)} ms total per cycle`)
    .join('\n');
}

async function afterCheckpointRuns(client: pg.Client): Promise<Measured[]> {
  const out: Measured[] = [];
  for (let i = 0; i < RESIZE_RUNS; i++) {
    await client.query('CHECKPOINT');
    out.push(await cycle(client));
  }
  return out;
}

async function resizeRuns(client: pg.Client): Promise<Measured[]> {
  // Session settings: a manual walrus_analyze() reads them like the job reads the server's.
  await client.query("SET walrus.cooldown_sec = '0'");
  await client.query("SET walrus.max_changes_per_hour = '1000'");
  const out: Measured[] = [];
  for (let i = 0; i < RESIZE_RUNS; i++) {
    await client.query(`ALTER SYSTEM SET max_wal_size = '${START_MB}MB'`);
    await client.query('SELECT pg_reload_conf()');
    await new Promise((r) => setTimeout(r, 200));
    await forceCheckpoints(client, 2);
    out.push(await cycle(client));
  }
  return out;
}

const fmtMs = (n: number): string => n.toFixed(2);
const fmtBytes = (n: number): string => n.toFixed(0);

async function main(): Promise<void> {
  await withBenchCluster('walrus_cost', { max_wal_size: `${START_MB}MB`, min_wal_size: `${START_MB}MB`, fsync: true }, async (_info, client) => {
    console.log(`machine: ${await machine(client)}; fsync on, synchronous_commit on, checkpoint_timeout 30s`);
    await repeat(client, 20); // warm-up: plan caches, the baseline sample
    const rows: Row[] = [];
    rows.push(summarize('no_change, fresh install', await repeat(client, RUNS)));
    const freshProfile = await profile(client, 50);
    await age(client);
    await repeat(client, 20);
    rows.push(summarize('no_change, 30 days of history', await repeat(client, RUNS)));
    const agedProfile = await profile(client, 50);
    rows.push(summarize('no_change, right after a checkpoint', await afterCheckpointRuns(client)));
    rows.push(summarize('resize after forced checkpoints (dblink ALTER SYSTEM + reload)', await resizeRuns(client)));

    const header = ['case', 'runs', 'actions', 'median ms', 'p95 ms', 'median WAL B', 'p95 WAL B'];
    const table = rows.map((r) => [r.name, String(r.runs), r.actions, fmtMs(r.medianMs), fmtMs(r.p95Ms), fmtBytes(r.medianWal), fmtBytes(r.p95Wal)]);
    console.log(`\n| ${header.join(' | ')} |\n|${header.map((_, i) => (i < 3 ? ' --- ' : ' ---: ')).join('|')}|`);
    for (const r of table) console.log(`| ${r.join(' | ')} |`);
    const [fresh, aged, afterCheckpoint, resize] = rows as [Row, Row, Row, Row];
    console.log(
      `\nratios of medians: 30 days of history / fresh ${(aged.medianMs / fresh.medianMs).toFixed(2)}x time, ` +
        `${(aged.medianWal / fresh.medianWal).toFixed(2)}x WAL; resize / no_change after a checkpoint ${(resize.medianMs / afterCheckpoint.medianMs).toFixed(1)}x time, ` +
        `${(resize.medianWal / afterCheckpoint.medianWal).toFixed(2)}x WAL; ` +
        `p95 / median (fresh) ${(fresh.p95Ms / fresh.medianMs).toFixed(2)}`,
    );
    console.log(`\nwhere the time goes, fresh install (50 extra cycles with track_functions = all):\n${freshProfile}`);
    console.log(`with 30 days of history:\n${agedProfile}`);
    console.log(
      `per day at the default 5-minute cadence (288 cycles, each after a timed checkpoint): ` +
        `${((288 * aged.medianMs) / 1000).toFixed(2)} s of one backend, ${((288 * afterCheckpoint.medianWal) / 2 ** 20).toFixed(1)} MB of WAL`,
    );
  });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
