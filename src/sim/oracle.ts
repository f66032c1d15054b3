import { MB } from './units';

/**
 * The smallest max_wal_size (MB) that causes no forced checkpoint for a load of `walBytesPerTimeout` bytes of WAL per
 * checkpoint_timeout: (1 + checkpoint_completion_target) x that WAL, rounded up to whole WAL segments, and never
 * below what the server accepts (`floorMb`, see sizeFloorMb). It is the yardstick, not a policy: no policy can know
 * the coming interval's load in advance. It ignores where the redo point sits inside its segment, so at exactly the
 * oracle a forced checkpoint is still possible; one more segment of headroom always avoids it.
 */
export function oracleMb(walBytesPerTimeout: number, completionTarget: number, segmentMb: number, floorMb: number): number {
  const segments = Math.ceil(((1 + completionTarget) * walBytesPerTimeout) / (segmentMb * MB) - 1e-9);
  return Math.max(segments * segmentMb, floorMb);
}

/**
 * The size that avoids every forced checkpoint for that load whatever the redo point's offset inside its segment,
 * with PostgreSQL's integer arithmetic: the request fires more than (CheckPointSegments - 1) segments after the redo
 * point, so CheckPointSegments must reach ceil(WAL / segment) + 1, and CheckPointSegments is
 * trunc(whole segments of max_wal_size / (1 + cct)). Up to about three segments above oracleMb.
 */
export function exactOracleMb(walBytesPerTimeout: number, completionTarget: number, segmentMb: number, floorMb: number): number {
  const needed = Math.ceil(walBytesPerTimeout / (segmentMb * MB) - 1e-9) + 1;
  let segments = Math.ceil(needed * (1 + completionTarget) - 1e-9);
  // Truncation in PostgreSQL's float division can leave one short; step up until it is enough.
  while (Math.trunc(segments / (1 + completionTarget)) < needed) segments++;
  return Math.max(segments * segmentMb, floorMb);
}
