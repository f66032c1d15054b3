import type { ScenarioResult } from '../benchmark';
import type { ServerConfig } from '../checkpointer';
import type { WalrusSettings } from '../walrus-settings';

export interface BenchmarkMeta {
  readonly command: string;
  readonly seed: number;
  readonly server: ServerConfig;
  readonly initialMb: number;
  readonly walrus: WalrusSettings;
}

/** Figures and settings of a benchmark run, without the per-interval series (the CSV and charts carry those). */
export function json(results: readonly ScenarioResult[], meta: BenchmarkMeta): string {
  const summary = {
    ...meta,
    scenarios: results.map(({ scenario, runs }) => ({
      name: scenario.name,
      description: scenario.description,
      days: scenario.durationSec / 86400,
      loadChanges: scenario.loadChanges,
      runs: runs.map(({ run, metrics }) => ({ policy: run.policy, intervals: run.intervals.length, ...metrics })),
    })),
  };
  return JSON.stringify(summary, null, 2) + '\n';
}
