import type { float8, int } from '../sqltypes';

/**
 * The size after one shrink step: current x factor, never below walrus.min_size nor the server's floor
 * (two WAL segments, min_wal_size). Equal to current when already at or below that bound.
 */
export function shrinkTarget(current_mb: int, factor: float8, min_size_mb: int, floor_mb: int): int {
  const lower = Math.max(min_size_mb, floor_mb);
  if (current_mb <= lower) {
    return current_mb;
  }
  const scaled: int = Math.floor(current_mb * factor);
  return Math.max(scaled, lower);
}
