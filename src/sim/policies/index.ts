import type { PolicyDefinition } from '../policy';
import { algorithmPolicy, algorithms, walrusDefaults } from '../walrus-settings';
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
  ...algorithms()
    .filter((algorithm) => algorithm !== defaults.algorithm)
    .map((algorithm) => walrusPolicy({ ...defaults, algorithm }, algorithmPolicy(algorithm))),
];

/**
 * walrus.profiles as the README's example sets them: more room and a per-interval statistic during office hours, and a
 * nightly window for batches with a higher cap and no shrink until it ends. Hours are the simulation's clock.
 */
const WEEKDAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri'];
export const BUSINESS_HOURS_PROFILE = { name: 'business-hours', days: WEEKDAYS, start_hour: 8, end_hour: 18, algorithm: 'adaptive' };
export const BATCH_WINDOW_PROFILE = {
  name: 'nightly-batch',
  days: [...WEEKDAYS, 'Sat', 'Sun'],
  start_hour: 1,
  end_hour: 5,
  max_size: '16GB',
  shrink_enable: false,
};

/** One-setting departures from the defaults, for sensitivity runs (`npm run bench -- --policies ...`). */
export const VARIANTS: readonly PolicyDefinition[] = [
  // The per-interval settings of multiplicative, pg_walsizer's rule (they do not steer forecast).
  walrusPolicy({ ...defaults, algorithm: 'multiplicative', threshold: 1 }, 'walrus-threshold-1'),
  walrusPolicy({ ...defaults, algorithm: 'multiplicative', shrink_enable: false }, 'walrus-no-shrink'),
  walrusPolicy({ ...defaults, algorithm: 'multiplicative', shrink_intervals: 12 }, 'walrus-shrink-after-1h'),
  // forecast with the job once per checkpoint_timeout: what the one-minute fast path adds.
  walrusPolicy({ ...defaults, algorithm: 'forecast' }, 'walrus-forecast-per-interval', 'interval'),
  walrusPolicy({ ...defaults, algorithm: 'forecast', lookahead_sec: 0 }, 'walrus-forecast-no-presize'),
  // Each profile of the example alone, then both: what each window buys over the same settings without profiles.
  walrusPolicy({ ...defaults, profiles: JSON.stringify([BUSINESS_HOURS_PROFILE]) }, 'walrus-business-hours'),
  walrusPolicy({ ...defaults, profiles: JSON.stringify([BATCH_WINDOW_PROFILE]) }, 'walrus-batch-window'),
  walrusPolicy({ ...defaults, profiles: JSON.stringify([BUSINESS_HOURS_PROFILE, BATCH_WINDOW_PROFILE]) }, 'walrus-profiles'),
];

export function policyNamed(name: string): PolicyDefinition {
  const found = [...POLICIES, ...VARIANTS].find((p) => p.name === name);
  if (found === undefined) {
    throw new Error(`unknown policy ${name}; known: ${[...POLICIES, ...VARIANTS].map((p) => p.name).join(', ')}`);
  }
  return found;
}

export { staticPolicy, walrusPolicy, walsizerPolicy };
