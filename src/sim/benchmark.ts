import { DEFAULT_SERVER, type ServerConfig } from './checkpointer';
import { runMetrics, type RunMetrics } from './metrics';
import type { PolicyDefinition } from './policy';
import { POLICIES } from './policies/index';
import { buildScenarios, DEFAULT_SEED, SCENARIO_NAMES, type Scenario, type ScenarioOptions } from './scenarios';
import { DEFAULT_SIM, simulate, type SimRun } from './simulate';

/** Every scenario under every policy, with the figures of each run: what `npm run bench` prints and stores. */

export interface BenchmarkOptions extends ScenarioOptions {
  readonly scenarios?: readonly string[];
  readonly policies?: readonly PolicyDefinition[];
  readonly server?: ServerConfig;
  readonly initialMb?: number;
}

export interface BenchmarkRun {
  readonly run: SimRun;
  readonly metrics: RunMetrics;
}

export interface ScenarioResult {
  readonly scenario: Scenario;
  readonly runs: readonly BenchmarkRun[];
}

export function runBenchmark(options: BenchmarkOptions = {}): ScenarioResult[] {
  const policies = options.policies ?? POLICIES;
  const server = options.server ?? DEFAULT_SERVER;
  const initialMb = options.initialMb ?? DEFAULT_SIM.initialMb;
  // One seed for the load and the cycle timing, so a printed seed reproduces the whole table.
  const seed = options.seed ?? DEFAULT_SEED;
  return buildScenarios({ ...options, seed }, options.scenarios ?? SCENARIO_NAMES).map((scenario) => ({
    scenario,
    runs: policies.map((policy) => {
      const run = simulate(scenario, policy, { server, initialMb, seed });
      return { run, metrics: runMetrics(run, scenario) };
    }),
  }));
}
