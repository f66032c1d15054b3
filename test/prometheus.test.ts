import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exporterQueriesPath, metricFamilies, parseLabels } from '../codegen/extension/monitoring';
import { METRICS } from '../src/api/metrics';
import { freePort } from './cluster/local';
import { clusterInfo } from './helpers/db';
import { alterSystem, analyze, forceCheckpoints, freshMaxWalSizeMb, installPaused, scalar, setSession } from './helpers/walrus';

/**
 * The Prometheus side, with the real programs Debian ships (scripts/install-deps.sh installs them): the
 * postgres_exporter runs the generated query file against the test cluster and serves /metrics on 127.0.0.1, promtool
 * lints what it serves and what walrus_metrics() returns, and checks and unit-tests the alerting rules.
 */

const EXPORTER = 'prometheus-postgres-exporter';
const PROMTOOL = 'promtool';
const RULES = 'monitoring/walrus-alerts.yml';
const RULES_TEST = 'monitoring/walrus-alerts.test.yml';
const EXPORTER_ROLE = 'walrus_exporter';
const SLOT = 'walrus_prometheus_test';
/** Every external step is bounded: a hung exporter or promtool fails the test instead of stalling the run. */
const STEP_TIMEOUT_MS = 20_000;

function requireProgram(name: string): void {
  const found = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
  if (found.status !== 0) {
    throw new Error(`${name} is not installed: run scripts/install-deps.sh (Debian packages prometheus, prometheus-postgres-exporter)`);
  }
}

interface Run {
  readonly status: number | null;
  readonly output: string;
}

function promtool(args: readonly string[], input?: string): Run {
  const run = spawnSync(PROMTOOL, args, { input, encoding: 'utf8', timeout: STEP_TIMEOUT_MS });
  if (run.error) throw run.error;
  return { status: run.status, output: `${run.stdout}${run.stderr}`.trim() };
}

interface Sample {
  readonly name: string;
  readonly labels: ReadonlyMap<string, string>;
  readonly value: number;
}

/** The exposition text as HELP/TYPE per family and its samples (enough for what the exporter and walrus_metrics() emit). */
function parse(text: string): { types: Map<string, string>; help: Map<string, string>; samples: Sample[] } {
  const types = new Map<string, string>();
  const help = new Map<string, string>();
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    const meta = /^# (HELP|TYPE) (\S+) (.*)$/.exec(line);
    if (meta) {
      (meta[1] === 'HELP' ? help : types).set(meta[2]!, meta[3]!);
      continue;
    }
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!sample) continue;
    const labels = new Map<string, string>();
    for (const m of (sample[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels.set(m[1]!, m[2]!);
    samples.push({ name: sample[1]!, labels, value: Number(sample[3]) });
  }
  return { types, help, samples };
}

/** The sample of `name` whose labels include `labels` (the exporter may add its own, such as server). */
function find(samples: readonly Sample[], name: string, labels: ReadonlyMap<string, string>): Sample | undefined {
  return samples.find((s) => s.name === name && [...labels].every(([k, v]) => s.labels.get(k) === v));
}

interface Exporter {
  readonly process: ChildProcess;
  readonly url: string;
  log(): string;
}

async function startExporter(dsn: string): Promise<Exporter> {
  const port = await freePort();
  let log = '';
  const child = spawn(
    EXPORTER,
    [
      `--web.listen-address=127.0.0.1:${port}`,
      `--extend.query-path=${resolve(exporterQueriesPath)}`,
      // 0.11's bgwriter collector reads columns that PostgreSQL 17 moved to pg_stat_checkpointer; it only logs errors.
      '--no-collector.bgwriter',
      '--log.level=warn',
    ],
    { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', DATA_SOURCE_NAME: dsn }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stdout!.on('data', (chunk: Buffer) => (log += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (log += chunk.toString()));
  return { process: child, url: `http://127.0.0.1:${port}/metrics`, log: () => log };
}

async function stopExporter(exporter: Exporter | undefined): Promise<void> {
  const child = exporter?.process;
  if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  child.kill('SIGTERM');
  const killed = setTimeout(() => child.kill('SIGKILL'), 3_000);
  await exited;
  clearTimeout(killed);
}

/** Scrapes until every walrus family is there (the exporter connects lazily), within STEP_TIMEOUT_MS. */
async function scrapeUntilComplete(exporter: Exporter): Promise<string> {
  const wanted = metricFamilies().map((f) => f.name);
  const deadline = Date.now() + STEP_TIMEOUT_MS;
  let last = '';
  for (;;) {
    if (exporter.process.exitCode !== null) throw new Error(`the exporter exited (${exporter.process.exitCode}):\n${exporter.log()}`);
    try {
      const response = await fetch(exporter.url, { signal: AbortSignal.timeout(5_000) });
      last = await response.text();
      const names = new Set(parse(last).samples.map((s) => s.name));
      if (response.ok && wanted.every((n) => names.has(n))) return last;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) {
      const names = new Set(parse(last).samples.map((s) => s.name));
      const missing = wanted.filter((n) => !names.has(n));
      throw new Error(`no complete scrape within ${STEP_TIMEOUT_MS} ms; missing ${missing.join(', ')}\n--- exporter log ---\n${exporter.log()}`);
    }
    await new Promise((done) => setTimeout(done, 200));
  }
}

describe('postgres_exporter with the generated query file', () => {
  let client: pg.Client;
  let uninstall: (current: pg.Client) => Promise<void>;
  let exporter: Exporter | undefined;
  let scrape = '';
  let direct = '';
  let jobActive = false;
  // What the second cycle grew max_wal_size to (it depends on the WAL rate this machine measured), and what a new
  // session then runs with.
  let grownMb: number | undefined;
  let serverMb = 0;

  beforeAll(async () => {
    requireProgram(EXPORTER);
    requireProgram(PROMTOOL);
    ({ client, uninstall } = await installPaused());
    await alterSystem({ min_wal_size: '32MB', max_wal_size: '32MB' });
    await client.query(`DROP ROLE IF EXISTS ${EXPORTER_ROLE}; CREATE ROLE ${EXPORTER_ROLE} LOGIN IN ROLE pg_monitor`);
    // A slot that holds WAL, so the slot metric has something to measure.
    await client.query('SELECT pg_create_physical_replication_slot($1, true)', [SLOT]);
    await setSession(client, { 'walrus.cooldown_sec': '0' });
    await analyze(client);
    await forceCheckpoints(client, 2);
    grownMb = (await analyze(client)).recommendation?.new_size_mb;
    serverMb = await freshMaxWalSizeMb();
    // Paused by installPaused() where the harness knows about pg_cron; without pg_cron there is no job at all.
    jobActive =
      (await scalar<boolean>(client, "SELECT to_regclass('cron.job') IS NOT NULL")) &&
      (await scalar<boolean>(client, "SELECT EXISTS (SELECT FROM cron.job WHERE jobname = 'pg_walrus' AND active)"));
    const info = clusterInfo();
    // The cluster listens on a unix socket only; lib/pq takes the socket directory as host.
    const dsn =
      `postgresql://${EXPORTER_ROLE}@/${encodeURIComponent(info.database)}` +
      `?host=${encodeURIComponent(info.host)}&port=${info.port}&sslmode=disable`;
    exporter = await startExporter(dsn);
    try {
      scrape = await scrapeUntilComplete(exporter);
    } finally {
      // Always stopped, here already: what follows only reads the scrape.
      await stopExporter(exporter);
    }
    // walrus_metrics() as the exporter's role sees it: a session of its own, without the test's SET walrus.*.
    const monitor = new pg.Client({ host: info.host, port: info.port, user: EXPORTER_ROLE, database: info.database });
    await monitor.connect();
    try {
      direct = await scalar<string>(monitor, 'SELECT walrus_metrics()');
    } finally {
      await monitor.end();
    }
  }, 120_000);

  afterAll(async () => {
    await stopExporter(exporter);
    if (client === undefined) return;
    await client.query('SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1', [SLOT]);
    await client.query(`DROP ROLE IF EXISTS ${EXPORTER_ROLE}`);
    await uninstall(client);
  });

  it('serves every declared series, with its type, help and the value walrus_metrics() gives', () => {
    const exported = parse(scrape);
    const own = parse(direct);
    for (const family of metricFamilies()) {
      expect(exported.types.get(family.name), `TYPE of ${family.name}`).toBe(family.type);
      expect(exported.help.get(family.name), `HELP of ${family.name}`).toBe(family.help);
      for (const series of family.series) {
        const label = `${family.name}{${[...series.labels].map(([k, v]) => `${k}="${v}"`).join(',')}}`;
        const fromExporter = find(exported.samples, family.name, series.labels);
        const fromFunction = find(own.samples, family.name, series.labels);
        expect(fromExporter, `${label} in the scrape`).toBeDefined();
        expect(fromFunction, `${label} in walrus_metrics()`).toBeDefined();
        // WAL moves on between the scrape and the query; everything else is state that no cycle changed meanwhile.
        if (family.name === 'walrus_replication_slots_retained_wal_bytes') {
          expect(fromExporter!.value, label).toBeGreaterThan(0);
        } else {
          expect(fromExporter!.value, label).toBe(fromFunction!.value);
        }
      }
    }
    const value = (name: string): number | undefined => find(exported.samples, name, new Map())?.value;
    // The first cycle only took a baseline.
    expect(value('walrus_cycles_total')).toBe(1);
    expect(value('walrus_increases_total')).toBe(1);
    expect(grownMb).toBeGreaterThan(32);
    expect(value('walrus_max_wal_size_bytes')).toBe(grownMb! * 1048576);
    expect(value('walrus_max_wal_size_bytes')).toBe(serverMb * 1048576);
    expect(value('walrus_job_scheduled')).toBe(jobActive ? 1 : 0);
    expect(value('walrus_last_cycle_error')).toBe(0);
    expect(find(exported.samples, 'walrus_wal_bytes_per_interval', parseLabels('x', 'statistic="ema"'))!.value).toBeGreaterThan(0);
  });

  it('scrapes text that promtool check metrics parses, with no lint problem in a walrus metric', () => {
    // The exporter's own pg_* metrics have lint problems of their own (counters without _total, _count gauges):
    // promtool exits 3 for those, 1 for text it cannot parse.
    const whole = promtool(['check', 'metrics'], scrape);
    expect([0, 3], whole.output).toContain(whole.status);
    expect(whole.output.split('\n').filter((line) => line.startsWith('walrus_'))).toEqual([]);
    // The walrus families alone, as the exporter serves them: clean.
    const ours = scrape
      .split('\n')
      .filter((line) => /^(# (HELP|TYPE) )?walrus_/.test(line))
      .join('\n');
    expect(ours.split('\n').length).toBeGreaterThan(metricFamilies().length * 3);
    const run = promtool(['check', 'metrics'], `${ours}\n`);
    expect(run.output).toBe('');
    expect(run.status).toBe(0);
  });

  it('walrus_metrics() text passes promtool check metrics too', () => {
    const run = promtool(['check', 'metrics'], direct);
    expect(run.output).toBe('');
    expect(run.status).toBe(0);
  });
});

describe('alerting rules', () => {
  it('pass promtool check rules', () => {
    requireProgram(PROMTOOL);
    const run = promtool(['check', 'rules', RULES]);
    expect(run.status, run.output).toBe(0);
  });

  it('pass their unit tests (promtool test rules)', () => {
    requireProgram(PROMTOOL);
    const run = promtool(['test', 'rules', RULES_TEST]);
    expect(run.status, run.output).toBe(0);
  });

  it('only use metrics that pg_walrus declares', () => {
    const declared = new Set(METRICS.map((m) => m.name));
    const expressions = [...readFileSync(RULES, 'utf8').matchAll(/^\s*expr: (.+)$/gm)].map((m) => m[1]!);
    const used = new Set(expressions.flatMap((e) => e.match(/\bwalrus_[a-z0-9_]+/g) ?? []));
    expect(used.size).toBeGreaterThan(0);
    expect([...used].filter((name) => !declared.has(name))).toEqual([]);
  });
});
