import { sizeFloorMb } from '../logic/growth';
import { CheckpointModel, DEFAULT_SERVER, type Counters, type ServerConfig } from './checkpointer';
import { oracleMb } from './oracle';
import type { PolicyDefinition } from './policy';
import { seededRng, seedFor } from './prng';
import type { Scenario } from './scenarios';
import { HOUR, MB } from './units';

/**
 * One scenario under one policy: the checkpoint model runs the scenario's WAL, and a cycle runs at the policy's cadence
 * (every checkpoint_timeout unless the policy asks for less, as a pg_cron job every minute would), handing the policy
 * the deltas between two samples exactly as walrus_analyze() computes them. The first cycle only takes the baseline
 * sample. Whatever the cadence, the run is reported per checkpoint_timeout interval (every cadence-th cycle ends one).
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

/** One checkpoint_timeout interval between two cycles (between every (timeout / cadence)-th cycle). */
export interface IntervalRecord {
  readonly start: number;
  readonly end: number;
  readonly walBytes: number;
  readonly forced: number;
  readonly timed: number;
  /** max_wal_size in effect at the start of the interval (during all of it, at one cycle per interval). */
  readonly sizeMb: number;
  /** max_wal_size averaged over the interval's time; sizeMb when nothing changed inside it. */
  readonly meanSizeMb: number;
  /** The largest max_wal_size in effect during the interval or set at its end. */
  readonly peakSizeMb: number;
  /** Size changes the policy made in the interval, the one at its end included. */
  readonly changes: number;
  /** The oracle for this interval's WAL, normalised to one checkpoint_timeout. */
  readonly oracleMb: number;
  /** The policy's decision at the end of the interval (with a faster cadence: its last action other than no_change), and the size in effect after it. */
  readonly action: string;
  readonly newSizeMb: number;
  /** The walrus.profiles profile in force at the interval's last cycle, null for none. */
  readonly profile: string | null;
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
  /** When each requested checkpoint started, seconds. */
  readonly forcedTimes: readonly number[];
  /** Seconds between two cycles of the policy. */
  readonly cadenceSec: number;
  /** The policy's warnings, which the server would raise on every cycle. */
  readonly warnings: readonly string[];
}

export function simulate(scenario: Scenario, policy: PolicyDefinition, options: SimOptions = {}): SimRun {
  const server = options.server ?? DEFAULT_SERVER;
  const initialMb = options.initialMb ?? DEFAULT_SIM.initialMb;
  const offset = options.cycleOffsetSec ?? DEFAULT_SIM.cycleOffsetSec;
  const jitter = options.cycleJitterSec ?? DEFAULT_SIM.cycleJitterSec;
  const rng = seededRng(seedFor(options.seed ?? DEFAULT_SIM.seed, `${scenario.name}/cycles`));
  const timeout = server.checkpointTimeoutSec;
  const floorMb = sizeFloorMb(server.segmentMb, server.minWalSizeMb);
  const model = new CheckpointModel(server, initialMb, {}, true);
  const instance = policy.create(initialMb, server);
  const cadence = Math.min(policy.cadenceSec?.(server) ?? timeout, timeout);
  const cyclesPerInterval = Math.max(1, Math.round(timeout / cadence));

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
  // The interval being accumulated: its first sample, the size then, and what happened since.
  let from: Counters | null = null;
  let fromSizeMb = initialMb;
  let cycles = 0;
  let changes = 0;
  let changedInside = false;
  let sizeSeconds = 0;
  let peakMb = initialMb;
  let lastAction = 'no_change';
  let profile: string | null = null;
  for (let k = 0; ; k++) {
    const at = offset + k * cadence + rng.next() * jitter;
    if (at > scenario.durationSec) break;
    if (afterFirstHourFrom === null && at > HOUR) {
      runTo(HOUR);
      afterFirstHourFrom = model.counters().requested;
    }
    runTo(at);
    const now = model.counters();
    if (previous === null || from === null) {
      from = now;
      fromSizeMb = model.maxWalSizeMb;
      peakMb = fromSizeMb;
    } else {
      const elapsed = now.time - previous.time;
      const sizeMb = model.maxWalSizeMb;
      const step = instance.decide({
        now: now.time,
        elapsedSec: elapsed,
        requestedDelta: now.requested - previous.requested,
        timedDelta: now.timed - previous.timed,
        walBytes: now.lsn - previous.lsn,
        walLsn: now.lsn,
        currentMb: sizeMb,
        server,
      });
      cycles++;
      sizeSeconds += sizeMb * elapsed;
      const last = cycles === cyclesPerInterval;
      if (step.sizeMb !== sizeMb) {
        model.setMaxWalSizeMb(step.sizeMb);
        changes++;
        if (!last) changedInside = true;
        peakMb = Math.max(peakMb, step.sizeMb);
      }
      if (cyclesPerInterval === 1 || step.action !== 'no_change') lastAction = step.action;
      profile = step.profile ?? null;
      if (last) {
        const walBytes = now.lsn - from.lsn;
        const span = now.time - from.time;
        intervals.push({
          start: from.time,
          end: now.time,
          walBytes,
          forced: now.requested - from.requested,
          timed: now.timed - from.timed,
          sizeMb: fromSizeMb,
          meanSizeMb: changedInside ? sizeSeconds / Math.max(span, 1e-9) : fromSizeMb,
          peakSizeMb: peakMb,
          changes,
          oracleMb: oracleMb((walBytes * timeout) / Math.max(span, 1e-9), server.completionTarget, server.segmentMb, floorMb),
          action: lastAction,
          newSizeMb: model.maxWalSizeMb,
          profile,
        });
        from = now;
        fromSizeMb = model.maxWalSizeMb;
        cycles = 0;
        changes = 0;
        changedInside = false;
        sizeSeconds = 0;
        peakMb = fromSizeMb;
        lastAction = 'no_change';
      }
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
    forcedTimes: model.events.filter((e) => e.cause === 'requested').map((e) => e.time),
    cadenceSec: cadence,
    warnings: instance.warnings ?? [],
  };
}
