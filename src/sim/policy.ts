import type { ServerConfig } from './checkpointer';

/**
 * What a sizing algorithm sees at each cycle: the same things pg_walrus reads from two consecutive samples
 * (counter deltas, WAL written, elapsed time) plus the server's settings. Algorithms that want history (rates,
 * percentiles) keep it themselves from these observations.
 */
export interface CycleObservation {
  /** The cycle's now(), seconds since the simulation started. */
  readonly now: number;
  /** Seconds since the previous sample. */
  readonly elapsedSec: number;
  /** Requested ("forced") checkpoints since the previous sample (the counter delta, not normalised). */
  readonly requestedDelta: number;
  readonly timedDelta: number;
  /** WAL written since the previous sample, bytes (pg_current_wal_lsn delta). */
  readonly walBytes: number;
  /** pg_current_wal_lsn() at this sample, bytes: where segment boundaries fall. */
  readonly walLsn: number;
  /** max_wal_size in effect, MB. */
  readonly currentMb: number;
  readonly server: ServerConfig;
}

/** One cycle's outcome: the size to run with from now on (currentMb for no change) and a label for the record. */
export interface PolicyStep {
  readonly sizeMb: number;
  readonly action: string;
  /** Why, when the policy says (pg_walrus's decision reason). */
  readonly reason?: string;
  /** The walrus.profiles profile the decision ran under (null: none), as walrus.history records it. */
  readonly profile?: string | null;
}

/** One run's stateful instance of an algorithm. */
export interface Policy {
  decide(observation: CycleObservation): PolicyStep;
  /** What the server would warn about on every cycle of this configuration (an invalid profile). */
  readonly warnings?: readonly string[];
}

export interface SizeBounds {
  readonly minMb: number;
  readonly maxMb: number;
}

/** An algorithm as the benchmarks know it: a name, a fresh instance per run, and the sizes it promises to respect. */
export interface PolicyDefinition {
  readonly name: string;
  readonly description: string;
  create(initialMb: number, server: ServerConfig): Policy;
  /**
   * Seconds between two cycles of this policy; checkpoint_timeout when absent (one cycle per interval, as pg_walsizer
   * and the per-interval algorithms run). A shorter cadence (pg_cron's one minute) still reports per interval.
   */
  cadenceSec?(server: ServerConfig): number;
  /** Every size the policy may set when it starts at initialMb; the smoke test holds each run to it. */
  bounds(initialMb: number, server: ServerConfig): SizeBounds;
}
