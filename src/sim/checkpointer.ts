import { MB } from './units';

/**
 * PostgreSQL's checkpoint triggering (15 and 16; references are to src/backend/access/transam/xlog.c and
 * src/backend/postmaster/checkpointer.c), driven by an outside WAL rate. Time is in seconds, WAL positions in bytes.
 *
 * - Requested ("forced") by WAL: XLogWrite, on finishing segment S, requests a checkpoint when
 *   S >= segment(RedoRecPtr) + CheckPointSegments - 1, where RedoRecPtr is the redo point of the latest *started*
 *   checkpoint. So a request fires exactly when the insert position crosses the boundary
 *   (segment(redo) + CheckPointSegments) x segment size, and only at segment boundaries.
 * - Timed: the checkpointer starts one when checkpoint_timeout has passed since the last checkpoint *started*
 *   (last_checkpoint_time is the start time, of either kind). A request pending at that moment wins and only the
 *   requested counter moves. A timed checkpoint with no WAL since the last one is skipped (CreateCheckPoint), but
 *   PostgreSQL up to 16 still counts it in checkpoints_timed and restarts the timer.
 * - One checkpoint at a time: a request arriving during a checkpoint waits, and further requests merge into it.
 * - Duration ('spread'): IsCheckpointOnSchedule paces the writes so the checkpoint ends when either
 *   checkpoint_completion_target x checkpoint_timeout has passed or cct x CheckPointSegments segments of WAL have
 *   been written since it started, whichever comes first (assuming enough dirty buffers to spread). 'instant'
 *   drops the duration, for tests of the trigger alone.
 * - Counting: the checkpointer adds the request to its pending statistics when it starts the checkpoint and
 *   reports them at its first write delay (within ~100 ms) or at the end; this model counts at the start.
 */

export type CheckpointPacing = 'spread' | 'instant';

export interface ServerConfig {
  readonly checkpointTimeoutSec: number;
  readonly completionTarget: number;
  readonly segmentMb: number;
  readonly minWalSizeMb: number;
  readonly pacing: CheckpointPacing;
}

/** PostgreSQL 15 defaults: what a server nobody tuned runs with. */
export const DEFAULT_SERVER: ServerConfig = {
  checkpointTimeoutSec: 300,
  completionTarget: 0.9,
  segmentMb: 16,
  minWalSizeMb: 80,
  pacing: 'spread',
};

/**
 * CalculateCheckpointSegments: max_wal_size in whole segments (integer division, ConvertToXSegs) divided by
 * 1 + checkpoint_completion_target, truncated, at least 1.
 */
export function checkpointSegments(maxWalSizeMb: number, segmentMb: number, completionTarget: number): number {
  const segments = Math.floor(maxWalSizeMb / segmentMb);
  return Math.max(1, Math.trunc(segments / (1 + completionTarget)));
}

export type CheckpointCause = 'requested' | 'timed';

export interface CheckpointEvent {
  readonly time: number;
  readonly lsn: number;
  readonly cause: CheckpointCause;
  /** A timed checkpoint skipped because no WAL was written since the last one. */
  readonly skipped: boolean;
}

/** What pg_stat_bgwriter and pg_current_wal_lsn() would show now. */
export interface Counters {
  readonly time: number;
  readonly lsn: number;
  readonly requested: number;
  readonly timed: number;
}

/** Where the model starts: a checkpoint has just been taken at `lsn` unless told otherwise. */
export interface StartState {
  readonly time?: number;
  readonly lsn?: number;
  /** Redo point of the last checkpoint (pg_control_checkpoint().redo_lsn). */
  readonly redoLsn?: number;
  /** When it started (last_checkpoint_time). */
  readonly lastCheckpointTime?: number;
}

interface ActiveCheckpoint {
  readonly startTime: number;
  readonly startLsn: number;
  /** Its paced writes are done (the time or WAL budget is spent). */
  ended: boolean;
}

/** Slack for time comparisons, seconds. */
const EPSILON = 1e-6;
/** A safety net: one advance() that needs more steps than this has a bug, not a heavy load. */
const MAX_STEPS_PER_ADVANCE = 10_000_000;

export class CheckpointModel {
  readonly config: ServerConfig;
  private timeSec: number;
  private lsnBytes: number;
  private maxWalMb: number;
  private segments: number;
  private redo: number;
  private completedRedo: number;
  private lastStart: number;
  private lastCheckpointLsn: number;
  private active: ActiveCheckpoint | null = null;
  private pending = false;
  /** Segment boundaries at or below this position have been checked for a trigger. */
  private checkedUpTo: number;
  private requestedCount = 0;
  private timedCount = 0;
  private peakOnDisk: number;
  private readonly log: CheckpointEvent[] | null;

  constructor(config: ServerConfig, maxWalSizeMb: number, start: StartState = {}, recordEvents = false) {
    this.config = config;
    this.timeSec = start.time ?? 0;
    this.lsnBytes = start.lsn ?? 0;
    this.maxWalMb = maxWalSizeMb;
    this.segments = checkpointSegments(maxWalSizeMb, config.segmentMb, config.completionTarget);
    this.redo = start.redoLsn ?? this.lsnBytes;
    this.completedRedo = this.redo;
    this.lastStart = start.lastCheckpointTime ?? this.timeSec;
    this.lastCheckpointLsn = this.redo;
    this.checkedUpTo = this.lsnBytes;
    this.peakOnDisk = this.walOnDiskBytes();
    this.log = recordEvents ? [] : null;
  }

  get time(): number {
    return this.timeSec;
  }

  get maxWalSizeMb(): number {
    return this.maxWalMb;
  }

  /** CheckPointSegments for the current max_wal_size. */
  get checkpointSegments(): number {
    return this.segments;
  }

  get events(): readonly CheckpointEvent[] {
    return this.log ?? [];
  }

  /** The largest WAL footprint seen so far (bytes). */
  get peakWalOnDiskBytes(): number {
    return this.peakOnDisk;
  }

  counters(): Counters {
    return { time: this.timeSec, lsn: this.lsnBytes, requested: this.requestedCount, timed: this.timedCount };
  }

  /**
   * WAL the server keeps: everything from the segment holding the redo point of the last *completed* checkpoint
   * (earlier segments are removed or recycled when a checkpoint ends), and never less than min_wal_size, which
   * PostgreSQL keeps as recycled segments. Preallocated segments beyond min_wal_size are not modelled.
   */
  walOnDiskBytes(): number {
    const seg = this.config.segmentMb * MB;
    const kept = Math.ceil((this.lsnBytes - Math.floor(this.completedRedo / seg) * seg) / seg) * seg;
    return Math.max(kept, this.config.minWalSizeMb * MB);
  }

  /** ALTER SYSTEM + reload: every backend recomputes CheckPointSegments; the next finished segment uses it. */
  setMaxWalSizeMb(mb: number): void {
    this.maxWalMb = mb;
    this.segments = checkpointSegments(mb, this.config.segmentMb, this.config.completionTarget);
    this.settle();
  }

  /** Runs the server until `until` with WAL written at a constant `bytesPerSec`. */
  advance(until: number, bytesPerSec: number): void {
    if (!(bytesPerSec >= 0) || !Number.isFinite(bytesPerSec)) throw new Error(`bad WAL rate ${bytesPerSec}`);
    if (until < this.timeSec - EPSILON) throw new Error(`cannot go back from ${this.timeSec} to ${until}`);
    this.settle();
    for (let steps = 0; this.timeSec < until; steps++) {
      if (steps > MAX_STEPS_PER_ADVANCE) throw new Error('checkpoint model made no progress');
      const writing = bytesPerSec > 0;
      const triggerLsn = writing && !this.pending ? this.triggerLsn() : Number.POSITIVE_INFINITY;
      const triggerAt = writing ? this.timeSec + (triggerLsn - this.lsnBytes) / bytesPerSec : Number.POSITIVE_INFINITY;
      let doneAt = Number.POSITIVE_INFINITY;
      const active = this.active;
      if (active !== null && this.config.pacing === 'spread') {
        doneAt = active.startTime + this.spreadSeconds();
        if (writing) doneAt = Math.min(doneAt, this.timeSec + (active.startLsn + this.spreadBytes() - this.lsnBytes) / bytesPerSec);
      }
      const timedAt = active === null ? this.lastStart + this.config.checkpointTimeoutSec : Number.POSITIVE_INFINITY;
      const next = Math.max(this.timeSec, Math.min(until, triggerAt, doneAt, timedAt));
      this.lsnBytes += bytesPerSec * (next - this.timeSec);
      this.timeSec = next;
      // Events are applied by kind, not by comparing positions: at terabytes of WAL a float cannot tell bytes apart.
      if (triggerAt <= next) {
        this.lsnBytes = Math.max(this.lsnBytes, triggerLsn);
        this.pending = true;
      }
      if (active !== null && doneAt <= next) active.ended = true;
      this.checkedUpTo = Math.max(this.checkedUpTo, this.lsnBytes);
      this.settle();
    }
    this.timeSec = Math.max(this.timeSec, until);
    this.peakOnDisk = Math.max(this.peakOnDisk, this.walOnDiskBytes());
  }

  /** The next segment boundary whose crossing requests a checkpoint (XLogCheckpointNeeded). */
  private triggerLsn(): number {
    const seg = this.config.segmentMb * MB;
    const byRedo = (Math.floor(this.redo / seg) + this.segments) * seg;
    const nextUnchecked = (Math.floor(this.checkedUpTo / seg) + 1) * seg;
    return Math.max(byRedo, nextUnchecked);
  }

  private spreadSeconds(): number {
    return this.config.completionTarget * this.config.checkpointTimeoutSec;
  }

  private spreadBytes(): number {
    return this.config.completionTarget * this.segments * this.config.segmentMb * MB;
  }

  private activeIsDone(active: ActiveCheckpoint): boolean {
    if (this.config.pacing === 'instant' || active.ended) return true;
    // A smaller max_wal_size can put the WAL budget behind us already.
    return this.timeSec >= active.startTime + this.spreadSeconds() || this.lsnBytes >= active.startLsn + this.spreadBytes();
  }

  /** One pass of the checkpointer's main loop at the current instant, repeated until it would sleep. */
  private settle(): void {
    for (;;) {
      if (this.active !== null) {
        if (!this.activeIsDone(this.active)) return;
        this.peakOnDisk = Math.max(this.peakOnDisk, this.walOnDiskBytes());
        this.completedRedo = this.active.startLsn;
        this.active = null;
      }
      if (this.pending) {
        this.pending = false;
        this.requestedCount++;
        this.start('requested');
        continue;
      }
      if (this.timeSec >= this.lastStart + this.config.checkpointTimeoutSec - EPSILON) {
        this.timedCount++;
        if (this.lsnBytes <= this.lastCheckpointLsn) {
          this.lastStart = this.timeSec;
          this.log?.push({ time: this.timeSec, lsn: this.lsnBytes, cause: 'timed', skipped: true });
          return;
        }
        this.start('timed');
        continue;
      }
      return;
    }
  }

  private start(cause: CheckpointCause): void {
    this.active = { startTime: this.timeSec, startLsn: this.lsnBytes, ended: false };
    this.redo = this.lsnBytes;
    this.lastStart = this.timeSec;
    this.lastCheckpointLsn = this.lsnBytes;
    this.log?.push({ time: this.timeSec, lsn: this.lsnBytes, cause, skipped: false });
  }
}
