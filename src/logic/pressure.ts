import type { float8, int, int8 } from '../sqltypes';
import { forcedPerInterval } from './growth';

/**
 * PostgreSQL's CheckPointSegments: WAL segments between WAL-triggered checkpoints, computed the way the server does
 * (whole segments in max_wal_size, divided by 1 + checkpoint_completion_target, rounded down, at least 1).
 */
export function checkpointSegments(max_wal_size_mb: int, wal_segment_mb: int, completion_target: float8): int {
  const segments: int = Math.floor(max_wal_size_mb / Math.max(wal_segment_mb, 1));
  const distance: int = Math.floor(segments / (1 + completion_target));
  return Math.max(distance, 1);
}

/** What an interval's counters say about WAL pressure, and how many requested checkpoints were counted. */
export interface Pressure {
  requested: int8;
  segments_finished: int8;
  checkpoint_segments: int;
  /** The most WAL-triggered checkpoints the finished segments allow. */
  possible: int8;
  /** Requested checkpoints counted as forced by WAL: never more than possible. */
  counted: int8;
  /** Requested checkpoints from elsewhere (CHECKPOINT, backups, CREATE DATABASE) that were not counted. */
  ignored: int8;
  /** Counted checkpoints per checkpoint_timeout, what the sizing rules act on. */
  forced: int;
  reason: string;
}

/**
 * The requested-checkpoint counter also moves for CHECKPOINT commands, backups and CREATE/DROP DATABASE. The server
 * only requests a checkpoint for WAL when it finishes a segment and the segments since the last redo point reach
 * CheckPointSegments, so an interval that finished n segments had at most ceil(n / CheckPointSegments) of them
 * (the first may complete a distance begun earlier). Only those count.
 */
export function measurePressure(
  requested: int8,
  segments_finished: int8,
  checkpoint_segments: int,
  timeout_sec: int,
  elapsed_sec: float8,
): Pressure {
  const possible: int8 = segments_finished <= 0 ? 0 : Math.ceil(segments_finished / checkpoint_segments);
  const counted: int8 = Math.max(Math.min(requested, possible), 0);
  const ignored: int8 = Math.max(requested - counted, 0);
  let reason = `${counted} of ${requested} requested checkpoints counted: ${segments_finished} WAL segments finished, one forced checkpoint possible per ${checkpoint_segments}`;
  if (ignored > 0) {
    reason = `${reason}; ${ignored} came from elsewhere (CHECKPOINT, backups, CREATE/DROP DATABASE) and were ignored`;
  }
  return {
    requested: requested,
    segments_finished: segments_finished,
    checkpoint_segments: checkpoint_segments,
    possible: possible,
    counted: counted,
    ignored: ignored,
    forced: forcedPerInterval(counted, timeout_sec, elapsed_sec),
    reason: reason,
  };
}
