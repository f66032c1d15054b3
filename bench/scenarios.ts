/**
 * `npm run bench`: every scenario under every policy in the simulator. Prints the table and writes
 * <out>/scenarios.csv, <out>/scenarios.json, <out>/scenarios.md (the table in Markdown) and one
 * <out>/<scenario>.svg chart each.
 *
 *   npm run bench                      # the default: 3 simulated days per scenario (7 for daily-cycle)
 *   npm run bench -- --days 0.25       # a short run
 *   npm run bench -- --scenarios steady,bursty --seed 7 --out /tmp/bench
 *   npm run bench -- --policies walrus,walrus-threshold-1,walrus-no-shrink --out /tmp/sensitivity
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { runBenchmark } from '../src/sim/benchmark';
import { DEFAULT_SERVER } from '../src/sim/checkpointer';
import { POLICIES, policyNamed } from '../src/sim/policies/index';
import { csv } from '../src/sim/report/csv';
import { json } from '../src/sim/report/json';
import { scenarioSvg } from '../src/sim/report/svg';
import { markdownTable, textTable } from '../src/sim/report/table';
import { DEFAULT_SEED, SCENARIO_NAMES } from '../src/sim/scenarios';
import { DEFAULT_SIM } from '../src/sim/simulate';
import { algorithmsTargetsMarkdown, targetsMarkdown, targetsText } from '../src/sim/targets';
import { walrusDefaults } from '../src/sim/walrus-settings';

const { values } = parseArgs({
  options: {
    days: { type: 'string' },
    seed: { type: 'string' },
    scenarios: { type: 'string' },
    policies: { type: 'string' },
    out: { type: 'string', default: 'docs/bench' },
  },
});

function positive(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!(n > 0)) throw new Error(`--${name} must be a positive number, got ${text}`);
  return n;
}

async function main(): Promise<void> {
  const days = positive('days', values.days);
  const seed = positive('seed', values.seed) ?? DEFAULT_SEED;
  const scenarios = values.scenarios?.split(',') ?? SCENARIO_NAMES;
  const policies = values.policies?.split(',').map(policyNamed) ?? POLICIES;
  const started = performance.now();
  const results = runBenchmark({ days, seed, scenarios, policies });
  const ms = performance.now() - started;

  const server = DEFAULT_SERVER;
  console.log(
    `pg_walrus scenario benchmark: ${scenarios.length} scenarios x ${policies.length} policies, seed ${seed}, ` +
      `checkpoint_timeout ${server.checkpointTimeoutSec}s, cct ${server.completionTarget}, ${server.segmentMb}MB segments, ` +
      `min_wal_size ${server.minWalSizeMb}MB, start at ${DEFAULT_SIM.initialMb}MB (simulated in ${ms.toFixed(0)} ms)\n`,
  );
  for (const { scenario } of results) {
    console.log(`  ${scenario.name.padEnd(12)} ${(scenario.durationSec / 86400).toFixed(2)} days: ${scenario.description}`);
  }
  console.log('');
  for (const p of policies) console.log(`  ${p.name.padEnd(18)} ${p.description}`);
  console.log(`\n${textTable(results)}\n`);
  console.log(`${targetsText(results)}\n`);

  const out = values.out;
  await mkdir(out, { recursive: true });
  const command = `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`;
  await writeFile(join(out, 'scenarios.csv'), csv(results));
  await writeFile(join(out, 'scenarios.md'), `${markdownTable(results)}\n`);
  await writeFile(join(out, 'targets.md'), `${targetsMarkdown(results)}\n`);
  await writeFile(join(out, 'algorithms.md'), `${algorithmsTargetsMarkdown(results)}\n`);
  await writeFile(
    join(out, 'scenarios.json'),
    json(results, { command, seed, server, initialMb: DEFAULT_SIM.initialMb, walrus: walrusDefaults() }),
  );
  for (const result of results) await writeFile(join(out, `${result.scenario.name}.svg`), scenarioSvg(result));
  console.log(`wrote scenarios.csv, scenarios.json, scenarios.md, targets.md, algorithms.md and ${results.length} charts in ${out}/`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
