/**
 * `npm run bench:live`: pg_walrus on a real server under pgbench, between two fixed sizes: the 64MB it starts from
 * (control) and a generous 4GB (walrus.max's default, set with ALTER SYSTEM before the phases), the size a DBA would
 * pick who knew the load was coming. Each run gets its own fresh private cluster (checkpoint_timeout 30s,
 * max_wal_size 64MB to start, fsync on, synchronous_commit off so commits do not hide checkpoint cost),
 * pgbench -i -s 10, then three phases: quiet (-R 20), heavy (unthrottled), quiet again. A cycle
 * (SELECT walrus_analyze()) runs every --cadence seconds from the start, on its own connection, with pg_walrus's
 * default settings except walrus.algorithm when --algorithm is given; the two fixed runs have walrus.enable = off in
 * that session, so their cycles only record 'skipped'. Per phase: forced checkpoints, TPS, WAL rate, max_wal_size at
 * the end of the phase; then pg_walrus's heavy-phase TPS as a share of the fixed 4GB run's (issue 14 asks for 95%).
 *
 *   npm run bench:live                         # about 8 minutes: 3 runs of 30 + 90 + 30 s plus set-up
 *   npm run bench:live -- --repeat 3           # medians of 3 runs per mode, modes in rotating order
 *   npm run bench:live -- --algorithm forecast --cadence 6
 *   npm run bench:live -- --heavy 180 --repeat 2
 */
import { parseArgs } from 'node:util';
import type pg from 'pg';
import { SETTINGS as WALRUS_SETTINGS, type EnumSetting } from '../src/settings';
import type { ClusterInfo } from '../test/cluster/provider';
import { connectTo } from '../test/cluster/local';
import { checkpointCounters, walPosition } from '../test/helpers/checkpoints';
import { pgbench, pgbenchInit } from '../test/helpers/pgbench';
import { scalar } from '../test/helpers/sql';
import { machine, referenceInstaller, withBenchCluster } from './cluster';
import { heavyPhase, liveReport, type Mode, type Phase, type PhaseResult } from './live-report';

const { values } = parseArgs({
  options: {
    quiet: { type: 'string', default: '30' },
    heavy: { type: 'string', default: '90' },
    repeat: { type: 'string', default: '1' },
    scale: { type: 'string', default: '10' },
    algorithm: { type: 'string' },
    cadence: { type: 'string' },
    set: { type: 'string', multiple: true, default: [] },
    version: { type: 'string', default: 'tree' },
  },
});

const TIMEOUT_SEC = 30;
const START_MB = 64;
const GENEROUS_MB = 4096;
const QUIET_TPS = 20;
const SCALE = Number(values.scale);
const REPEAT = Math.max(1, Number(values.repeat));

const algorithmSetting = WALRUS_SETTINGS.find((s): s is EnumSetting => s.name === 'algorithm' && s.kind === 'enum')!;
if (values.algorithm !== undefined && !algorithmSetting.values.includes(values.algorithm)) {
  throw new Error(`--algorithm must be one of ${algorithmSetting.values.join(', ')}, not ${values.algorithm}`);
}
/** Only SET when asked for, so the default run measures whatever default the extension ships. */
const ALGORITHM = values.algorithm;
const ALGORITHM_NAME = ALGORITHM ?? algorithmSetting.default;
/** `--set cooldown_sec=30`: walrus.* settings for the pg_walrus run's session, e.g. to scale a time setting. */
const EXTRA: readonly (readonly [string, string])[] = values.set.map((pair) => {
  const m = /^(?:walrus\.)?(\w+)=(.*)$/.exec(pair);
  if (m === null || !WALRUS_SETTINGS.some((s) => s.name === m[1])) throw new Error(`--set takes a walrus setting as name=value, not ${pair}`);
  return [m[1]!, m[2]!] as const;
});
/*
 * The bench compresses time tenfold: checkpoint_timeout is 30 s here against PostgreSQL's default of 5 min, so a
 * 90 s heavy phase is three intervals. pg_cron runs the per-interval algorithms once per checkpoint_timeout (the
 * default cadence here, as before) and forecast every minute, a fifth of the default timeout: the same share of this
 * bench's timeout is 6 s, hence `--cadence 6` to see forecast's fast path react as the per-minute job would.
 * walrus.cooldown_sec (300 s, one default timeout) and the other settings in seconds are not scaled unless --set
 * scales them: at 30 s per interval the cooldown holds a second change back for ten intervals, not one, which the
 * cycle log shows when a first growth falls short.
 */
/**
 * `tree` (make install of sql/) or a commit (its script, see referenceInstaller): other work on sql/ in the same tree
 * during a half-hour benchmark would otherwise change what is measured halfway through.
 */
const VERSION = values.version;
const INSTALL = VERSION === 'tree' ? undefined : referenceInstaller(VERSION);
const CADENCE_SEC = Number(values.cadence ?? TIMEOUT_SEC);
if (!(CADENCE_SEC >= 1)) throw new Error(`--cadence must be at least 1 (seconds), not ${values.cadence}`);

const PHASES: readonly Phase[] = [
  { name: 'quiet', seconds: Number(values.quiet), rate: QUIET_TPS },
  { name: 'heavy', seconds: Number(values.heavy) },
  { name: 'quiet again', seconds: Number(values.quiet), rate: QUIET_TPS },
];

const MODES: readonly Mode[] = ['walrus', 'control', 'generous'];

const LABEL: Record<Mode, string> = {
  control: `control (fixed ${START_MB}MB)`,
  walrus: `pg_walrus (${[`${ALGORITHM_NAME}${ALGORITHM === undefined ? ', the default' : ''}`, ...EXTRA.map(([k, v]) => `${k} ${v}`)].join(', ')}; a cycle every ${CADENCE_SEC} s)`,
  generous: `pre-sized (fixed ${GENEROUS_MB / 1024}GB)`,
};

interface CycleLog {
  readonly at: number;
  readonly action: string;
  readonly detail: string;
}

const SETTINGS = {
  max_wal_size: `${START_MB}MB`,
  min_wal_size: '32MB',
  fsync: true,
  synchronous_commit: false,
  checkpoint_timeout: `${TIMEOUT_SEC}s`,
} as const;

async function maxWalSizeMb(client: pg.Client): Promise<number> {
  return Number(await scalar<string>(client, "SELECT setting FROM pg_settings WHERE name = 'max_wal_size'"));
}

/** Cycles every CADENCE_SEC from `t0` until stopped, each logged; the first one is the baseline. */
function startCycles(info: ClusterInfo, mode: Mode, t0: number, log: CycleLog[]): { stop(): Promise<void> } {
  let stopped = false;
  const done = (async () => {
    const client = await connectTo(info);
    try {
      if (mode !== 'walrus') await client.query("SET walrus.enable = 'off'");
      else {
        if (ALGORITHM !== undefined) await client.query(`SET walrus.algorithm = '${ALGORITHM}'`);
        for (const [name, value] of EXTRA) await client.query(`SELECT set_config('walrus.${name}', $1, false)`, [value]);
      }
      for (let k = 0; !stopped; k++) {
        const wait = t0 + k * CADENCE_SEC * 1000 - Date.now();
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
        if (stopped) break;
        const r = await scalar<{ baseline?: boolean; skipped?: boolean; reason?: string; recommendation?: { action: string; old_size_mb: number; new_size_mb: number; reason: string } | null }>(
          client,
          'SELECT walrus_analyze()',
        );
        const at = (Date.now() - t0) / 1000;
        if (r.recommendation !== undefined && r.recommendation !== null) {
          const d = r.recommendation;
          log.push({ at, action: d.action, detail: `${d.old_size_mb} -> ${d.new_size_mb} MB: ${d.reason}` });
        } else {
          log.push({ at, action: r.baseline === true ? 'baseline' : r.skipped === true ? 'skipped' : '?', detail: r.reason ?? '' });
        }
      }
    } finally {
      await client.end();
    }
  })();
  return {
    stop: async () => {
      stopped = true;
      await done;
    },
  };
}

/** Until the reload has reached this backend: pg_reload_conf() only signals the postmaster. */
async function waitForMaxWalSize(client: pg.Client, mb: number): Promise<void> {
  for (let tries = 0; (await maxWalSizeMb(client)) !== mb; tries++) {
    if (tries >= 100) throw new Error(`max_wal_size is still not ${mb} MB 10 s after pg_reload_conf()`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

interface RunResult {
  readonly phases: PhaseResult[];
  readonly cycles: CycleLog[];
  /** Seconds from `t0` at which each phase's pgbench started. */
  readonly phaseStarts: number[];
  readonly machine: string;
}

async function runOnce(mode: Mode): Promise<RunResult> {
  return withBenchCluster(
    'walrus_live',
    SETTINGS,
    async (info, client) => {
      const db = info.database;
      await pgbenchInit(info, db, SCALE);
      if (mode === 'generous') {
        // As a DBA would pre-size, and as pg_walrus itself applies a size: ALTER SYSTEM and a reload, no restart.
        await client.query(`ALTER SYSTEM SET max_wal_size = '${GENEROUS_MB}MB'`);
        await client.query('SELECT pg_reload_conf()');
        await waitForMaxWalSize(client, GENEROUS_MB);
      }
      await client.query('CHECKPOINT');
      const cycles: CycleLog[] = [];
      const t0 = Date.now();
      const scheduler = startCycles(info, mode, t0, cycles);
      const phases: PhaseResult[] = [];
      const phaseStarts: number[] = [];
      try {
        for (const phase of PHASES) {
          const before = await checkpointCounters(client);
          const from = await walPosition(client);
          phaseStarts.push((Date.now() - t0) / 1000);
          const bench = await pgbench(info, db, { seconds: phase.seconds, rate: phase.rate, clients: 2, threads: 1 });
          const after = await checkpointCounters(client);
          const to = await walPosition(client);
          phases.push({
            phase: phase.name,
            forced: after.requested - before.requested,
            tps: bench.tps,
            walMbPerSec: (to.lsn - from.lsn) / 2 ** 20 / (to.time - from.time),
            maxWalSizeMb: await maxWalSizeMb(client),
          });
        }
      } finally {
        await scheduler.stop();
      }
      return { phases, cycles, phaseStarts, machine: await machine(client) };
    },
    INSTALL,
  );
}

const HEAVY = heavyPhase(PHASES);

function printRun(mode: Mode, r: number, result: RunResult): void {
  const heavy = result.phases[HEAVY]!;
  console.log(
    `\n${mode} run ${r + 1}: heavy phase ${heavy.forced} forced checkpoints, ${heavy.tps.toFixed(0)} TPS, ` +
      `${heavy.walMbPerSec.toFixed(2)} WAL MB/s, max_wal_size ${heavy.maxWalSizeMb} MB at its end`,
  );
  if (mode !== 'walrus') {
    const skipped = result.cycles.filter((c) => c.action === 'skipped').length;
    console.log(`  ${result.cycles.length} cycles, ${skipped} of them skipped (walrus.enable is off in their session)`);
    return;
  }
  const growth = result.cycles.find((c) => c.at >= result.phaseStarts[HEAVY]! && ['increase', 'capped'].includes(c.action));
  const late = growth === undefined ? 'no growth in the heavy phase' : `first growth ${(growth.at - result.phaseStarts[HEAVY]!).toFixed(0)} s into it`;
  console.log(`  heavy phase from t=${result.phaseStarts[HEAVY]!.toFixed(0)}s, ${late}; cycles:`);
  for (const c of result.cycles) console.log(`  t=${c.at.toFixed(0).padStart(3)}s ${c.action.padEnd(9)} ${c.detail}`);
}

async function main(): Promise<void> {
  const started = Date.now();
  const runs: Record<Mode, PhaseResult[][]> = { walrus: [], control: [], generous: [] };
  let host = '';
  for (let r = 0; r < REPEAT; r++) {
    // Rotate the order so no mode always runs first on a fresh machine or last on a warm one.
    const order = MODES.map((_, i) => MODES[(i + r) % MODES.length]!);
    for (const mode of order) {
      const result = await runOnce(mode);
      host = result.machine;
      runs[mode].push(result.phases);
      printRun(mode, r, result);
    }
  }

  console.log(
    `\nmachine: ${host}; pgbench -s ${SCALE} -c 2 -j 1; checkpoint_timeout ${TIMEOUT_SEC}s; walrus.algorithm ${ALGORITHM_NAME}, ` +
      `a cycle every ${CADENCE_SEC} s; pg_walrus from ${VERSION === 'tree' ? 'sql/ of this tree' : VERSION}; ${REPEAT} run(s) per mode, medians\n`,
  );
  console.log(liveReport(runs, PHASES, LABEL, `fixed ${GENEROUS_MB / 1024}GB`));
  console.log(`total ${(Date.now() - started) / 1000} s`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
