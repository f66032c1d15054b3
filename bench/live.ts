/**
 * `npm run bench:live`: pg_walrus on a real server under pgbench, against a control run at a fixed size. Each run
 * gets its own fresh private cluster (checkpoint_timeout 30s, max_wal_size 64MB to start, fsync on,
 * synchronous_commit off so commits do not hide checkpoint cost), pgbench -i -s 10, then three phases: quiet
 * (-R 20), heavy (unthrottled), quiet again. A cycle (SELECT walrus_analyze()) runs every checkpoint_timeout from
 * the start, on its own connection, with pg_walrus's default settings; the control run has walrus.enable = off in
 * that session, so its cycles only record 'skipped'. Per phase: forced checkpoints, TPS, WAL rate, max_wal_size at
 * the end of the phase.
 *
 *   npm run bench:live                         # about 5 minutes: 2 runs of 30 + 90 + 30 s plus set-up
 *   npm run bench:live -- --heavy 180 --repeat 2
 */
import { parseArgs } from 'node:util';
import type pg from 'pg';
import { median } from '../src/sim/stats';
import type { ClusterInfo } from '../test/cluster/provider';
import { connectTo } from '../test/cluster/local';
import { checkpointCounters, walPosition } from '../test/helpers/checkpoints';
import { pgbench, pgbenchInit } from '../test/helpers/pgbench';
import { scalar } from '../test/helpers/sql';
import { machine, withBenchCluster } from './cluster';

const { values } = parseArgs({
  options: {
    quiet: { type: 'string', default: '30' },
    heavy: { type: 'string', default: '90' },
    repeat: { type: 'string', default: '1' },
    scale: { type: 'string', default: '10' },
  },
});

const TIMEOUT_SEC = 30;
const START_MB = 64;
const QUIET_TPS = 20;
const SCALE = Number(values.scale);
const REPEAT = Math.max(1, Number(values.repeat));

interface Phase {
  readonly name: string;
  readonly seconds: number;
  readonly rate?: number;
}

const PHASES: readonly Phase[] = [
  { name: 'quiet', seconds: Number(values.quiet), rate: QUIET_TPS },
  { name: 'heavy', seconds: Number(values.heavy) },
  { name: 'quiet again', seconds: Number(values.quiet), rate: QUIET_TPS },
];

type Mode = 'walrus' | 'control';

interface PhaseResult {
  readonly phase: string;
  readonly forced: number;
  readonly tps: number;
  readonly walMbPerSec: number;
  readonly maxWalSizeMb: number;
}

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

/** Cycles every checkpoint_timeout from `t0` until stopped, each logged; the first one is the baseline. */
function startCycles(info: ClusterInfo, mode: Mode, t0: number, log: CycleLog[]): { stop(): Promise<void> } {
  let stopped = false;
  const done = (async () => {
    const client = await connectTo(info);
    try {
      if (mode === 'control') await client.query("SET walrus.enable = 'off'");
      for (let k = 0; !stopped; k++) {
        const wait = t0 + k * TIMEOUT_SEC * 1000 - Date.now();
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

async function runOnce(mode: Mode): Promise<{ phases: PhaseResult[]; cycles: CycleLog[]; machine: string }> {
  return withBenchCluster('walrus_live', SETTINGS, async (info, client) => {
    const db = info.database;
    await pgbenchInit(info, db, SCALE);
    await client.query('CHECKPOINT');
    const cycles: CycleLog[] = [];
    const t0 = Date.now();
    const scheduler = startCycles(info, mode, t0, cycles);
    const phases: PhaseResult[] = [];
    try {
      for (const phase of PHASES) {
        const before = await checkpointCounters(client);
        const from = await walPosition(client);
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
    return { phases, cycles, machine: await machine(client) };
  });
}

function table(rows: readonly (readonly string[])[]): string {
  const [header, ...body] = rows;
  const line = (r: readonly string[]): string => `| ${r.join(' | ')} |`;
  return [line(header!), line(header!.map((_, i) => (i < 2 ? '---' : '---:'))), ...body.map(line)].join('\n');
}

async function main(): Promise<void> {
  const started = Date.now();
  const runs: Record<Mode, PhaseResult[][]> = { walrus: [], control: [] };
  let host = '';
  for (let r = 0; r < REPEAT; r++) {
    // Alternate the order so neither mode always runs on a warmer machine.
    const order: Mode[] = r % 2 === 0 ? ['walrus', 'control'] : ['control', 'walrus'];
    for (const mode of order) {
      const result = await runOnce(mode);
      host = result.machine;
      runs[mode].push(result.phases);
      console.log(`\n${mode} run ${r + 1}: cycles`);
      for (const c of result.cycles) console.log(`  t=${c.at.toFixed(0).padStart(3)}s ${c.action.padEnd(9)} ${c.detail}`);
    }
  }

  const med = (mode: Mode, p: number, pick: (x: PhaseResult) => number): number => median(runs[mode].map((phases) => pick(phases[p]!)));
  const rows: string[][] = [['phase', 'run', 'forced checkpoints', 'TPS', 'WAL MB/s', 'max_wal_size at end (MB)']];
  PHASES.forEach((phase, p) => {
    for (const mode of ['control', 'walrus'] as const) {
      rows.push([
        `${phase.name} (${phase.seconds}s${phase.rate === undefined ? ', unthrottled' : `, -R ${phase.rate}`})`,
        mode === 'control' ? `control (fixed ${START_MB}MB)` : 'pg_walrus defaults',
        med(mode, p, (x) => x.forced).toFixed(0),
        med(mode, p, (x) => x.tps).toFixed(0),
        med(mode, p, (x) => x.walMbPerSec).toFixed(2),
        med(mode, p, (x) => x.maxWalSizeMb).toFixed(0),
      ]);
    }
  });
  const heavy = PHASES.findIndex((p) => p.rate === undefined);
  console.log(`\nmachine: ${host}; pgbench -s ${SCALE} -c 2 -j 1; checkpoint_timeout ${TIMEOUT_SEC}s; ${REPEAT} run(s) per mode, medians\n`);
  console.log(table(rows));
  const ratio = (pick: (x: PhaseResult) => number): string => (med('walrus', heavy, pick) / med('control', heavy, pick)).toFixed(2);
  console.log(
    `\nheavy phase, pg_walrus / control: TPS ${ratio((x) => x.tps)}x, forced checkpoints ${ratio((x) => x.forced)}x, ` +
      `WAL ${ratio((x) => x.walMbPerSec)}x (full-page writes after each checkpoint make WAL volume depend on checkpoint frequency)`,
  );
  console.log(`total ${(Date.now() - started) / 1000} s`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
