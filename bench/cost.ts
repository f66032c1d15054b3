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
 * Then, on a second cluster (max_wal_size 1GB, pgbench -i -s 10, 30 days of history as above so that every cycle
 * reads a full sample window), idle against load: the same number of cycles idle (time and WAL), right after a
 * CHECKPOINT (WAL), and back to back while an unthrottled pgbench runs (-c 2 -j 1 by default; time, and every
 * cycle that raised an error or returned one, which must be none).
 *
 * Which pg_walrus: --versions, a comma-separated list. `tree` (the default) is what `make install` installs, the
 * sql/ of this working tree; a commit is that commit's sql/pg_walrus--<version>.sql run as a plain script (see
 * referenceInstaller), e.g. 535e2dd, before every function pinned search_path and walrus_analyze() became SECURITY
 * DEFINER. The cases run on the first version; idle against load runs on each, same conditions, and prints the
 * first against the others. --repeat N runs that section N times (alternating the order of the versions) and
 * prints medians over runs. --only cases|load runs one section.
 *
 *   npm run bench:cost                   # 250 runs per case, 30 resizing runs; about two minutes
 *   npm run bench:cost -- --runs 400 --resize-runs 50
 *   npm run bench:cost -- --versions HEAD,535e2dd --repeat 3
 *   npm run bench:cost -- --algorithm forecast   # forecast (the default) runs with a learned week in walrus.forecast_profile
 */
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type pg from 'pg';
import { jobIntervalSec } from '../src/logic/schedule';
import { SETTINGS } from '../src/settings';
import { median, quantile } from '../src/sim/stats';
import type { ClusterInfo } from '../test/cluster/provider';
import { walPosition } from '../test/helpers/checkpoints';
import { pgbenchInit } from '../test/helpers/pgbench';
import { forceCheckpoints, scalar } from '../test/helpers/sql';
import { machine, referenceInstaller, withBenchCluster } from './cluster';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '250' },
    'resize-runs': { type: 'string', default: '30' },
    only: { type: 'string' },
    versions: { type: 'string', default: 'tree' },
    repeat: { type: 'string', default: '1' },
    clients: { type: 'string', default: '2' },
    threads: { type: 'string', default: '1' },
    scale: { type: 'string', default: '10' },
    algorithm: { type: 'string' },
  },
});
const RUNS = Math.max(200, Number(values.runs));
function defaultAlgorithm(): string {
  return String(SETTINGS.find((s) => s.name === 'algorithm')!.default);
}
/** walrus.algorithm for every cycle (SET in the benchmark's session, which a superuser's cycle reads); unset: the default. */
const ALGORITHM = values.algorithm;
const RESIZE_RUNS = Math.max(5, Number(values['resize-runs']));
const START_MB = 32;
const ONLY = values.only;
if (ONLY !== undefined && ONLY !== 'cases' && ONLY !== 'load') throw new Error('--only takes cases or load');
const TREE = 'tree';
const VERSIONS = values.versions.split(',').map((v) => v.trim()).filter((v) => v !== '');
if (VERSIONS.length === 0) throw new Error('--versions needs at least one of tree or a commit');
const REPEAT = Math.max(1, Number(values.repeat));
const CLIENTS = Math.max(1, Number(values.clients));
const THREADS = Math.max(1, Number(values.threads));
const SCALE = Math.max(1, Number(values.scale));
/** pgbench runs until the cycles are done; this only bounds a run that hangs. */
const LOAD_LIMIT_SEC = 600;
const LOAD_RAMP_MS = 2000;

/**
 * The figures issue 9 quotes from a red-team run, before every pg_walrus function pinned search_path (which stops
 * the planner inlining the small SQL helpers) and walrus_analyze() became SECURITY DEFINER. Its machine and load
 * are not recorded, so compare ratios rather than milliseconds; --versions HEAD,535e2dd measures the old code here.
 */
const RED_TEAM = { idleMedianMs: 4.7, idleP95Ms: 9.4, loadMedianMs: 14.1, loadP95Ms: 20.6, walTypicalB: 1600, walAfterCheckpointB: 27000 };

interface Measured {
  readonly ms: number;
  /** CPU time of the backend that ran the cycle (NaN where /proc/<pid>/schedstat cannot be read). */
  readonly cpuMs: number;
  /** NaN when not measured (under load, other sessions write WAL too). */
  readonly walBytes: number;
  readonly action: string;
  /** Why the cycle failed: it raised an error, or returned one (a change it could not apply). */
  readonly error?: string;
}

interface AnalyzeResult {
  /** What the cycle decided: `decision` in 0.1 and 0.2, `recommendation` in work after them (null when none). */
  readonly recommendation?: { action: string } | null;
  readonly decision?: { action: string };
  readonly baseline?: boolean;
  readonly skipped?: boolean;
  readonly error?: string;
}

let unrecognised = false;

const backendPids = new WeakMap<pg.Client, Promise<number>>();

/**
 * CPU time the client's backend has used so far, in ms: the first field of /proc/<pid>/schedstat (ns on CPU). Wall
 * time also counts waiting for a CPU and for the commit's WAL flush, which other work on a shared machine inflates;
 * CPU time mostly does not. NaN when the server is not local or the file is not readable.
 */
async function backendCpuMs(client: pg.Client): Promise<number> {
  let pid = backendPids.get(client);
  if (pid === undefined) {
    pid = scalar<number>(client, 'SELECT pg_backend_pid()');
    backendPids.set(client, pid);
  }
  try {
    return Number((await readFile(`/proc/${await pid}/schedstat`, 'utf8')).split(' ')[0]) / 1e6;
  } catch {
    return Number.NaN;
  }
}

async function cycle(client: pg.Client, withWal = true): Promise<Measured> {
  const before = withWal ? await walPosition(client) : undefined;
  const cpuBefore = await backendCpuMs(client);
  const started = performance.now();
  let result: AnalyzeResult;
  try {
    result = await scalar<AnalyzeResult>(client, 'SELECT walrus_analyze()');
  } catch (error) {
    const ms = performance.now() - started;
    return { ms, cpuMs: Number.NaN, walBytes: Number.NaN, action: 'raised', error: error instanceof Error ? error.message : String(error) };
  }
  const ms = performance.now() - started;
  const cpuMs = (await backendCpuMs(client)) - cpuBefore;
  const after = before === undefined ? undefined : await walPosition(client);
  const action = result.baseline === true ? 'baseline' : result.skipped === true ? 'skipped' : ((result.recommendation ?? result.decision)?.action ?? '?');
  if (action === '?' && !unrecognised) {
    unrecognised = true;
    console.log(`walrus_analyze() returned a result without a decision: ${JSON.stringify(result).slice(0, 1000)}`);
  }
  const error = result.error ?? (action === 'error' ? 'decision error' : undefined);
  return { ms, cpuMs, walBytes: before === undefined || after === undefined ? Number.NaN : after.lsn - before.lsn, action, ...(error === undefined ? {} : { error }) };
}

interface Row {
  readonly name: string;
  readonly runs: number;
  readonly actions: string;
  readonly medianMs: number;
  readonly p95Ms: number;
  readonly medianCpuMs: number;
  readonly p95CpuMs: number;
  readonly medianWal: number;
  readonly p95Wal: number;
  readonly errors: readonly string[];
}

function summarize(name: string, measured: readonly Measured[]): Row {
  const ms = measured.map((m) => m.ms);
  const cpu = measured.map((m) => m.cpuMs).filter(Number.isFinite);
  const wal = measured.map((m) => m.walBytes).filter(Number.isFinite);
  const counts = new Map<string, number>();
  for (const m of measured) counts.set(m.action, (counts.get(m.action) ?? 0) + 1);
  return {
    name,
    runs: measured.length,
    actions: [...counts].map(([a, n]) => `${a} ${n}`).join(', '),
    medianMs: quantile(ms, 0.5),
    p95Ms: quantile(ms, 0.95),
    medianCpuMs: quantile(cpu, 0.5),
    p95CpuMs: quantile(cpu, 0.95),
    medianWal: quantile(wal, 0.5),
    p95Wal: quantile(wal, 0.95),
    errors: measured.flatMap((m) => (m.error === undefined ? [] : [m.error])),
  };
}

async function repeat(client: pg.Client, n: number): Promise<Measured[]> {
  const out: Measured[] = [];
  for (let i = 0; i < n; i++) out.push(await cycle(client));
  return out;
}

/**
 * A week learned by forecast, as an install a week old has it: a business-day curve in the hour-of-week profile, so
 * that every cycle reads, decays and writes a full profile and looks ahead at real peaks.
 */
async function learnWeek(client: pg.Client): Promise<void> {
  if ((await scalar<string | null>(client, "SELECT to_regclass('walrus.forecast_profile')::text")) === null) {
    console.log('(this version has no walrus.forecast_profile: the forecast starts unlearned)');
    return;
  }
  await client.query('SELECT walrus_analyze()'); // creates walrus.state
  await client.query(`
    INSERT INTO walrus.forecast_profile (hour_of_week, need_mb_per_sec)
    SELECT h, CASE WHEN h / 24 < 5 AND h % 24 BETWEEN 8 AND 18 THEN 4 ELSE 0.5 END + (h % 7) * 0.01
      FROM generate_series(0, 167) h
    ON CONFLICT (hour_of_week) DO UPDATE SET need_mb_per_sec = excluded.need_mb_per_sec`);
  await client.query('UPDATE walrus.state SET forecast_learned_sec = 604800');
}

/** --algorithm for this session's cycles: a superuser's cycle reads the session's walrus.* values. */
async function useAlgorithm(client: pg.Client): Promise<void> {
  if (ALGORITHM !== undefined) await client.query('SELECT set_config($1, $2, false)', ['walrus.algorithm', ALGORITHM]);
}

/** 30 days of history at one row per 5 minutes, and a full sample table, as a long-running install has. */
async function age(client: pg.Client): Promise<void> {
  if ((ALGORITHM ?? defaultAlgorithm()) === 'forecast') await learnWeek(client);
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
  const calls = rows.reduce((sum, r) => sum + Number(r.calls), 0) / perCycle;
  const self = rows.reduce((sum, r) => sum + r.self_ms, 0) / perCycle;
  return [
    `  ${rows.length} functions called, ${calls.toFixed(0)} calls (not inlined) and ${self.toFixed(2)} ms of function time per cycle; the top 6:`,
    ...rows
      .slice(0, 6)
      .map(
        (r) =>
          `  ${r.funcname.padEnd(30)} ${(r.self_ms / perCycle).toFixed(2).padStart(6)} ms self, ${(r.total_ms / perCycle).toFixed(2).padStart(6)} ms total, ` +
          `${(Number(r.calls) / perCycle).toFixed(1).padStart(5)} calls per cycle`,
      ),
  ].join('\n');
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

const fmtMs = (n: number): string => (Number.isFinite(n) ? n.toFixed(2) : '-');
const fmtBytes = (n: number): string => (Number.isFinite(n) ? n.toFixed(0) : '-');

function printTable(header: readonly string[], rows: readonly (readonly string[])[], textColumns: number): void {
  console.log(`\n| ${header.join(' | ')} |\n|${header.map((_, i) => (i < textColumns ? ' --- ' : ' ---: ')).join('|')}|`);
  for (const r of rows) console.log(`| ${r.join(' | ')} |`);
}

/** The first section: one cluster, the cases above. */
async function cases(version: Version): Promise<void> {
  const settings = { max_wal_size: `${START_MB}MB`, min_wal_size: `${START_MB}MB`, fsync: true };
  await withBenchCluster('walrus_cost', settings, async (_info, client) => {
    console.log(`machine: ${await machine(client)}; fsync on, synchronous_commit on, checkpoint_timeout 30s; load average ${fmtLoad()}`);
    console.log(`pg_walrus: ${version.name}, walrus.algorithm ${ALGORITHM ?? defaultAlgorithm()}`);
    await useAlgorithm(client);
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

    printTable(
      ['case', 'runs', 'actions', 'median ms', 'p95 ms', 'median CPU ms', 'median WAL B', 'p95 WAL B'],
      rows.map((r) => [r.name, String(r.runs), r.actions, fmtMs(r.medianMs), fmtMs(r.p95Ms), fmtMs(r.medianCpuMs), fmtBytes(r.medianWal), fmtBytes(r.p95Wal)]),
      3,
    );
    const [fresh, aged, afterCheckpoint, resize] = rows as [Row, Row, Row, Row];
    console.log(
      `\nratios of medians: 30 days of history / fresh ${(aged.medianMs / fresh.medianMs).toFixed(2)}x time, ` +
        `${(aged.medianWal / fresh.medianWal).toFixed(2)}x WAL; resize / no_change after a checkpoint ${(resize.medianMs / afterCheckpoint.medianMs).toFixed(1)}x time, ` +
        `${(resize.medianWal / afterCheckpoint.medianWal).toFixed(2)}x WAL; ` +
        `p95 / median (fresh) ${(fresh.p95Ms / fresh.medianMs).toFixed(2)}`,
    );
    console.log(`\nwhere the time goes, fresh install (50 extra cycles with track_functions = all):\n${freshProfile}`);
    console.log(`with 30 days of history:\n${agedProfile}`);
    // The job's cadence for this algorithm at the default checkpoint_timeout: 288 cycles a day, 1440 for forecast.
    const perDay = Math.round(86400 / jobIntervalSec(ALGORITHM ?? defaultAlgorithm(), 300));
    // The first cycle after each timed checkpoint writes full-page images; the others only their rows' changes.
    const afterCheckpoints = 86400 / 300;
    console.log(
      `per day at the job's cadence with the default checkpoint_timeout (${perDay} cycles, algorithm ${ALGORITHM ?? defaultAlgorithm()}): ` +
        `${((perDay * aged.medianMs) / 1000).toFixed(2)} s of one backend (${((perDay * aged.medianCpuMs) / 1000).toFixed(2)} s of its CPU), ` +
        `${((afterCheckpoints * afterCheckpoint.medianWal + (perDay - afterCheckpoints) * aged.medianWal) / 2 ** 20).toFixed(1)} MB of WAL ` +
        `(${afterCheckpoints} of them right after a timed checkpoint)`,
    );
    const failed = rows.flatMap((r) => r.errors);
    if (failed.length > 0) console.log(`\nERRORS in the cases above (${failed.length}):\n${summarizeErrors(failed)}`);
  }, version.install);
}

interface Version {
  readonly name: string;
  /** Replaces CREATE EXTENSION pg_walrus (from `make install`); see withBenchCluster. */
  readonly install?: (client: pg.Client) => Promise<void>;
}

function version(spec: string): Version {
  return spec === TREE ? { name: 'sql/ of this tree' } : { name: spec, install: referenceInstaller(spec) };
}

// ---------------------------------------------------------------------------------------------------------------
// Idle against load

const fmtLoad = (): string => loadavg().map((l) => l.toFixed(2)).join(' / ');

interface LoadResult {
  readonly version: string;
  readonly idle: Row;
  readonly afterCheckpoint: Row;
  readonly load: Row;
  /** Round trip of SELECT 1 on the same connection, one per cycle: what the machine adds to any query. */
  readonly idlePingMs: number;
  readonly loadPingMs: number;
  /** walrus.history rows with action 'error' at the end (all cycles of the section). */
  readonly historyErrors: number;
  /** WARNINGs the cycles under load sent (a capped change, a missing job, a failed apply). */
  readonly loadWarnings: readonly string[];
  readonly tps: number;
  readonly loadavgBefore: number;
  readonly loadavgAfter: number;
  /** Where the time goes, from 50 idle cycles after the rest (see profile). */
  readonly profile: string;
}

async function ping(client: pg.Client): Promise<number> {
  const started = performance.now();
  await client.query('SELECT 1');
  return performance.now() - started;
}

/** Cycles back to back, each followed by a SELECT 1 round trip. */
async function timedCycles(client: pg.Client, n: number, withWal: boolean, while_?: () => void): Promise<{ cycles: Measured[]; pings: number[] }> {
  const cycles: Measured[] = [];
  const pings: number[] = [];
  for (let i = 0; i < n; i++) {
    while_?.();
    cycles.push(await cycle(client, withWal));
    pings.push(await ping(client));
  }
  return { cycles, pings };
}

/**
 * An unthrottled pgbench (TPC-B-like, -n) started as a child process so it can be stopped as soon as the cycles
 * are done. Throughput is counted from pgbench_history (one row per transaction), since a stopped pgbench prints
 * no summary.
 */
function startPgbench(info: ClusterInfo): { assertRunning(): void; stop(): Promise<void> } {
  const args = [
    ...['-T', String(LOAD_LIMIT_SEC), '-c', String(CLIENTS), '-j', String(THREADS), '-n'],
    ...['-h', info.host, '-p', String(info.port), '-U', info.user, info.database],
  ];
  const child = spawn(join(info.clientBinDir, 'pgbench'), args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  let exit: string | undefined;
  const closed = new Promise<void>((resolve) => {
    child.on('close', (code, signal) => {
      exit = signal === null ? `exit code ${String(code)}` : `signal ${signal}`;
      resolve();
    });
  });
  return {
    assertRunning: () => {
      if (exit !== undefined) throw new Error(`pgbench ended (${exit}) before the cycles under load were done:\n${output}`);
    },
    stop: async () => {
      if (exit === undefined) child.kill('SIGTERM');
      await closed;
    },
  };
}

async function historyRows(client: pg.Client): Promise<number> {
  return Number(await scalar<string>(client, 'SELECT count(*) FROM pgbench_history'));
}

async function idleAgainstLoad(version: string, install?: (client: pg.Client) => Promise<void>): Promise<LoadResult> {
  return withBenchCluster(
    'walrus_cost_load',
    { max_wal_size: '1GB', min_wal_size: '80MB', fsync: true },
    async (info, client) => {
      const loadavgBefore = loadavg()[0]!;
      await useAlgorithm(client);
      await pgbenchInit(info, info.database, SCALE);
      await client.query('VACUUM ANALYZE');
      // A full walrus.sample, as any install older than walrus.sample_window intervals has: a cycle reads the last
      // sample_window samples, so without this the idle cycles would run on a window still filling up and the
      // cycles under load, later, on a full one.
      await age(client);
      await client.query('CHECKPOINT');
      await repeat(client, 20); // warm-up: plan caches, the baseline sample
      const idle = await timedCycles(client, RUNS, true);
      const afterCheckpoint = await afterCheckpointRuns(client);

      const warnings: string[] = [];
      const onNotice = (notice: { severity?: string; message?: string }): void => {
        if (notice.severity === 'WARNING') warnings.push(notice.message ?? '');
      };
      const rowsBefore = await historyRows(client);
      const bench = startPgbench(info);
      let load: { cycles: Measured[]; pings: number[] };
      let seconds: number;
      try {
        await new Promise((resolve) => setTimeout(resolve, LOAD_RAMP_MS));
        bench.assertRunning();
        const started = performance.now();
        client.on('notice', onNotice);
        load = await timedCycles(client, RUNS, false, bench.assertRunning);
        client.off('notice', onNotice);
        seconds = (performance.now() - started) / 1000 + LOAD_RAMP_MS / 1000;
        bench.assertRunning();
      } finally {
        await bench.stop();
      }
      // Transactions in flight when pgbench was stopped may be missing: a few out of thousands.
      const tps = ((await historyRows(client)) - rowsBefore) / seconds;
      const historyErrors = Number(await scalar<string>(client, "SELECT count(*) FROM walrus.history WHERE action = 'error'"));
      const loadavgAfter = loadavg()[0]!;
      return {
        version,
        idle: summarize('idle', idle.cycles),
        afterCheckpoint: summarize('idle, right after a CHECKPOINT', afterCheckpoint),
        load: summarize(`under pgbench -c ${CLIENTS} -j ${THREADS} -s ${SCALE}`, load.cycles),
        idlePingMs: median(idle.pings),
        loadPingMs: median(load.pings),
        historyErrors,
        loadWarnings: warnings,
        tps,
        loadavgBefore,
        loadavgAfter,
        profile: await profile(client, 50),
      };
    },
    install,
  );
}

function summarizeErrors(errors: readonly string[]): string {
  const counts = new Map<string, number>();
  for (const e of errors) counts.set(e, (counts.get(e) ?? 0) + 1);
  return [...counts].map(([e, n]) => `  ${n} x ${e}`).join('\n');
}

function loadErrors(r: LoadResult): number {
  return r.load.errors.length;
}

function printLoadRun(r: LoadResult, run: number): void {
  console.log(
    `\nrun ${run}, ${r.version}: load average ${r.loadavgBefore.toFixed(2)} before, ${r.loadavgAfter.toFixed(2)} after; ` +
      `pgbench ${r.tps.toFixed(0)} TPS while the cycles ran`,
  );
  printTable(
    ['case', 'runs', 'actions', 'errors', 'median ms', 'p95 ms', 'median CPU ms', 'p95 CPU ms', 'SELECT 1 ms', 'median WAL B', 'p95 WAL B'],
    [r.idle, r.afterCheckpoint, r.load].map((row, i) => [
      row.name,
      String(row.runs),
      row.actions,
      String(row.errors.length),
      fmtMs(row.medianMs),
      fmtMs(row.p95Ms),
      fmtMs(row.medianCpuMs),
      fmtMs(row.p95CpuMs),
      i === 0 ? fmtMs(r.idlePingMs) : i === 2 ? fmtMs(r.loadPingMs) : '-',
      fmtBytes(row.medianWal),
      fmtBytes(row.p95Wal),
    ]),
    3,
  );
  const errors = [...r.idle.errors, ...r.afterCheckpoint.errors, ...r.load.errors];
  if (errors.length > 0) console.log(`ERRORS (${errors.length}):\n${summarizeErrors(errors)}`);
  if (r.historyErrors > 0) console.log(`ERRORS: ${r.historyErrors} walrus.history rows with action 'error'`);
  if (r.loadWarnings.length > 0) console.log(`WARNINGs under load (${r.loadWarnings.length}):\n${summarizeErrors(r.loadWarnings)}`);
  console.log(`where the time goes (50 idle cycles after the rest, track_functions = all):\n${r.profile}`);
}

/** Medians over runs of one version's figures. */
function summaryOf(results: readonly LoadResult[]): Record<string, number> {
  const m = (pick: (r: LoadResult) => number): number => median(results.map(pick));
  return {
    idleMedianMs: m((r) => r.idle.medianMs),
    idleP95Ms: m((r) => r.idle.p95Ms),
    loadMedianMs: m((r) => r.load.medianMs),
    loadP95Ms: m((r) => r.load.p95Ms),
    idleCpuMs: m((r) => r.idle.medianCpuMs),
    loadCpuMs: m((r) => r.load.medianCpuMs),
    walTypicalB: m((r) => r.idle.medianWal),
    walAfterCheckpointB: m((r) => r.afterCheckpoint.medianWal),
    idlePingMs: m((r) => r.idlePingMs),
    loadPingMs: m((r) => r.loadPingMs),
    tps: m((r) => r.tps),
    errors: results.reduce((sum, r) => sum + loadErrors(r) + r.historyErrors, 0),
  };
}

const spread = (results: readonly LoadResult[], pick: (r: LoadResult) => number, fmt: (n: number) => string): string => {
  const v = results.map(pick);
  return results.length < 2 ? fmt(v[0]!) : `${fmt(median(v))} (${fmt(Math.min(...v))}-${fmt(Math.max(...v))})`;
};

async function idleAgainstLoadSection(): Promise<void> {
  const versions = VERSIONS.map(version);
  const results = new Map<string, LoadResult[]>(versions.map((v) => [v.name, []]));
  console.log(
    `\nidle against load: ${RUNS} cycles idle, ${RESIZE_RUNS} right after a CHECKPOINT, ${RUNS} back to back under pgbench ` +
      `-c ${CLIENTS} -j ${THREADS} (scale ${SCALE}, unthrottled); max_wal_size 1GB, checkpoint_timeout 30s, fsync on, ` +
      `synchronous_commit on; 30 days of history and a full walrus.sample first; ${REPEAT} run(s)${versions.length === 1 ? '' : ', versions alternating'}`,
  );
  for (let run = 0; run < REPEAT; run++) {
    // Alternate the order so that neither version always runs on a warmer (or busier) machine.
    const order = run % 2 === 0 ? versions : [...versions].reverse();
    for (const v of order) {
      const r = await idleAgainstLoad(v.name, v.install);
      results.get(v.name)!.push(r);
      printLoadRun(r, run + 1);
    }
  }

  const label = REPEAT > 1 ? `median over ${REPEAT} runs (min-max)` : 'one run';
  const header = ['', ...versions.map((v) => v.name), 'red-team run (issue 9)'];
  const rows: string[][] = [];
  const row = (name: string, pick: (r: LoadResult) => number, fmt: (n: number) => string, redTeam: string): void => {
    rows.push([name, ...versions.map((v) => spread(results.get(v.name)!, pick, fmt)), redTeam]);
  };
  row('idle, median ms', (r) => r.idle.medianMs, fmtMs, String(RED_TEAM.idleMedianMs));
  row('idle, p95 ms', (r) => r.idle.p95Ms, fmtMs, String(RED_TEAM.idleP95Ms));
  row('under load, median ms', (r) => r.load.medianMs, fmtMs, String(RED_TEAM.loadMedianMs));
  row('under load, p95 ms', (r) => r.load.p95Ms, fmtMs, String(RED_TEAM.loadP95Ms));
  row('load / idle, median', (r) => r.load.medianMs / r.idle.medianMs, (n) => `${n.toFixed(2)}x`, `${(RED_TEAM.loadMedianMs / RED_TEAM.idleMedianMs).toFixed(2)}x`);
  row('backend CPU per cycle idle, median ms', (r) => r.idle.medianCpuMs, fmtMs, '-');
  row('backend CPU per cycle under load, median ms', (r) => r.load.medianCpuMs, fmtMs, '-');
  row('WAL per cycle, median B', (r) => r.idle.medianWal, fmtBytes, String(RED_TEAM.walTypicalB));
  row('WAL, first cycle after a CHECKPOINT, median B', (r) => r.afterCheckpoint.medianWal, fmtBytes, String(RED_TEAM.walAfterCheckpointB));
  row('SELECT 1 round trip idle, ms', (r) => r.idlePingMs, fmtMs, '-');
  row('SELECT 1 round trip under load, ms', (r) => r.loadPingMs, fmtMs, '-');
  row('pgbench TPS during the cycles', (r) => r.tps, (n) => n.toFixed(0), '-');
  row(`errors over ${RUNS} cycles under load`, loadErrors, (n) => n.toFixed(0), '0');
  console.log(`\nsummary, ${label}:`);
  printTable(header, rows, 1);

  const first = versions[0]!.name;
  const current = summaryOf(results.get(first)!);
  const ratio = (a: number, b: number): string => `${(a / b).toFixed(2)}x`;
  console.log(
    `\n${first} / red-team run: idle median ${ratio(current.idleMedianMs!, RED_TEAM.idleMedianMs)}, under load median ` +
      `${ratio(current.loadMedianMs!, RED_TEAM.loadMedianMs)}, WAL ${ratio(current.walTypicalB!, RED_TEAM.walTypicalB)} typical, ` +
      `${ratio(current.walAfterCheckpointB!, RED_TEAM.walAfterCheckpointB)} after a checkpoint (different machine and load: indicative only)`,
  );
  for (const other of versions.slice(1)) {
    const ref = summaryOf(results.get(other.name)!);
    console.log(
      `${first} / ${other.name}, same machine and conditions (medians over runs): idle median ${ratio(current.idleMedianMs!, ref.idleMedianMs!)}, ` +
        `p95 ${ratio(current.idleP95Ms!, ref.idleP95Ms!)}; under load median ${ratio(current.loadMedianMs!, ref.loadMedianMs!)}, ` +
        `p95 ${ratio(current.loadP95Ms!, ref.loadP95Ms!)}; backend CPU idle ${ratio(current.idleCpuMs!, ref.idleCpuMs!)}, ` +
        `under load ${ratio(current.loadCpuMs!, ref.loadCpuMs!)}; WAL ${ratio(current.walTypicalB!, ref.walTypicalB!)} typical, ` +
        `${ratio(current.walAfterCheckpointB!, ref.walAfterCheckpointB!)} after a checkpoint`,
    );
  }
  const totalErrors = [...results.values()].flat().reduce((sum, r) => sum + loadErrors(r) + r.historyErrors, 0);
  console.log(totalErrors === 0 ? 'errors: none (0 cycles raised or returned an error)' : `ERRORS: ${totalErrors}; see the runs above`);
  if (totalErrors > 0) process.exitCode = 1;
}

async function main(): Promise<void> {
  const started = Date.now();
  if (ONLY !== 'load') await cases(version(VERSIONS[0]!));
  if (ONLY !== 'cases') await idleAgainstLoadSection();
  console.log(`\ntotal ${((Date.now() - started) / 1000).toFixed(0)} s`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
