import type { PolicyDefinition } from '../policy';
import { walrusDefaults } from '../walrus-settings';
import { staticPolicy } from './static';
import { walrusPolicy } from './walrus';
import { walsizerPolicy } from './walsizer';

const defaults = walrusDefaults();

/**
 * The algorithms every benchmark compares, in table order: the two baselines, pg_walrus exactly as installed
 * (walrus.algorithm's default), then pg_walrus with each other walrus.algorithm and everything else default.
 */
export const POLICIES: readonly PolicyDefinition[] = [
  staticPolicy,
  walsizerPolicy,
  walrusPolicy(),
  ...(['multiplicative', 'additive', 'adaptive', 'percentile', 'forecast'] as const)
    .filter((algorithm) => algorithm !== defaults.algorithm)
    .map((algorithm) => walrusPolicy({ ...defaults, algorithm }, `walrus-${algorithm}`)),
];

/** One-setting departures from the defaults, for sensitivity runs (`npm run bench -- --policies ...`). */
export const VARIANTS: readonly PolicyDefinition[] = [
  walrusPolicy({ ...defaults, threshold: 1 }, 'walrus-threshold-1'),
  walrusPolicy({ ...defaults, shrink_enable: false }, 'walrus-no-shrink'),
  walrusPolicy({ ...defaults, shrink_intervals: 12 }, 'walrus-shrink-after-1h'),
  // forecast with the job once per checkpoint_timeout: what the one-minute fast path adds.
  walrusPolicy({ ...defaults, algorithm: 'forecast' }, 'walrus-forecast-per-interval', 'interval'),
  walrusPolicy({ ...defaults, algorithm: 'forecast', lookahead_sec: 0 }, 'walrus-forecast-no-presize'),
];

export function policyNamed(name: string): PolicyDefinition {
  const found = [...POLICIES, ...VARIANTS].find((p) => p.name === name);
  if (found === undefined) {
    throw new Error(`unknown policy ${name}; known: ${[...POLICIES, ...VARIANTS].map((p) => p.name).join(', ')}`);
  }
  return found;
}

export { staticPolicy, walrusPolicy, walsizerPolicy };
