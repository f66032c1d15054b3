import { sizeFloorMb } from '../logic/growth';
import { CheckpointModel, DEFAULT_SERVER, type Counters, type ServerConfig } from './checkpointer';
import { oracleMb } from './oracle';
import type { PolicyDefinition } from './policy';
import { seededRng, seedFor } from './prng';
import type { Scenario } from './scenarios';
import { HOUR, MB } from './units';

/**
 * One scenario under one policy: the checkpoint model runs the scenario's WAL, and a cycle runs every
 * checkpoint_timeout as the pg_cron job would, handing the policy the deltas between two samples exactly as
 * walrus_analyze() computes them. The first cycle only takes the baseline sample.
 */

export interface SimOptions {
  readonly server?: ServerConfig;
  /** max_wal_size at the start, MB (PostgreSQL's default). */
  readonly initialMb?: number;
  /** When the first cycle runs: pg_cron's clock is unrelated to the checkpointer's timer. */
  readonly cycleOffsetSec?: number;
  /**
   * Each cycle's now() is late by up to this many seconds (pg_cron's worker start-up), seeded. It matters: the
   * cooldown compares now() differences with walrus.cooldown_sec.
   */
  readonly cycleJitterSec?: number;
  readonly seed?: number;
}

export const DEFAULT_SIM = { initialMb: 1024, cycleOffsetSec: 7, cycleJitterSec: 0.05, seed: 1 } as const;

/** One checkpoint_timeout interval between two cycles. */
export interface IntervalRecord {
  readonly start: number;
  readonly end: number;
  readonly walBytes: number;
  readonly forced: number;
  readonly timed: number;
  /** max_wal_size in effect during the interval. */
  readonly sizeMb: number;
  /** The oracle for this interval's WAL, normalised to one checkpoint_timeout. */
  readonly oracleMb: number;
  /** The policy's decision at the end of the interval, and the size it set. */
  readonly action: string;
  readonly newSizeMb: number;
}

export interface SimRun {
  readonly scenario: string;
  readonly policy: string;
  readonly server: ServerConfig;
  readonly initialMb: number;
  readonly durationSec: number;
  readonly loadChanges: readonly number[];
  readonly intervals: readonly IntervalRecord[];
  readonly forcedTotal: number;
  readonly forcedAfterFirstHour: number;
  readonly timedTotal: number;
  readonly peakWalOnDiskMb: number;
}

export function simulate(scenario: Scenario, policy: PolicyDefinition, options: SimOptions = {}): SimRun {
  const server = options.server ?? DEFAULT_SERVER;
  const initialMb = options.initialMb ?? DEFAULT_SIM.initialMb;
  const offset = options.cycleOffsetSec ?? DEFAULT_SIM.cycleOffsetSec;
  const jitter = options.cycleJitterSec ?? DEFAULT_SIM.cycleJitterSec;
  const rng = seededRng(seedFor(options.seed ?? DEFAULT_SIM.seed, `${scenario.name}/cycles`));
  const timeout = server.checkpointTimeoutSec;
  const floorMb = sizeFloorMb(server.segmentMb, server.minWalSizeMb);
  const model = new CheckpointModel(server, initialMb);
  const instance = policy.create(initialMb, server);

  const runTo = (t: number): void => {
    // advance() lands exactly on its target, so step boundaries stay exact multiples of stepSec.
    while (model.time < t) {
      const step = Math.min(Math.floor(model.time / scenario.stepSec), scenario.rates.length - 1);
      const last = step === scenario.rates.length - 1;
      model.advance(last ? t : Math.min((step + 1) * scenario.stepSec, t), scenario.rates[step]!);
    }
  };

  const intervals: IntervalRecord[] = [];
  let afterFirstHourFrom: number | null = null;
  let previous: Counters | null = null;
  for (let k = 0; ; k++) {
    const at = offset + k * timeout + rng.next() * jitter;
    if (at > scenario.durationSec) break;
    if (afterFirstHourFrom === null && at > HOUR) {
      runTo(HOUR);
      afterFirstHourFrom = model.counters().requested;
    }
    runTo(at);
    const now = model.counters();
    if (previous !== null) {
      const elapsed = now.time - previous.time;
      const walBytes = now.lsn - previous.lsn;
      const sizeMb = model.maxWalSizeMb;
      const step = instance.decide({
        now: now.time,
        elapsedSec: elapsed,
        requestedDelta: now.requested - previous.requested,
        timedDelta: now.timed - previous.timed,
        walBytes,
        walLsn: now.lsn,
        currentMb: sizeMb,
        server,
      });
      if (step.sizeMb !== sizeMb) model.setMaxWalSizeMb(step.sizeMb);
      intervals.push({
        start: previous.time,
        end: now.time,
        walBytes,
        forced: now.requested - previous.requested,
        timed: now.timed - previous.timed,
        sizeMb,
        oracleMb: oracleMb((walBytes * timeout) / Math.max(elapsed, 1e-9), server.completionTarget, server.segmentMb, floorMb),
        action: step.action,
        newSizeMb: step.sizeMb,
      });
    }
    previous = now;
  }
  runTo(scenario.durationSec);
  const end = model.counters();
  return {
    scenario: scenario.name,
    policy: policy.name,
    server,
    initialMb,
    durationSec: scenario.durationSec,
    loadChanges: scenario.loadChanges,
    intervals,
    forcedTotal: end.requested,
    forcedAfterFirstHour: end.requested - (afterFirstHourFrom ?? end.requested),
    timedTotal: end.timed,
    peakWalOnDiskMb: model.peakWalOnDiskBytes / MB,
  };
}
