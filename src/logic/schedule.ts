import type { int } from '../sqltypes';

/**
 * The pg_cron schedule that runs one cycle per checkpoint_timeout, rounded up to what pg_cron can express: whole
 * minutes before 1.5, seconds (1 to 59) from 1.5 on. Rounding up means a cycle never sees less than one interval.
 */
export function cronSchedule(timeout_sec: int, seconds_supported: boolean): string {
  if (seconds_supported && timeout_sec < 60) {
    return `${Math.max(timeout_sec, 1)} seconds`;
  }
  const minutes: int = Math.max(Math.ceil(timeout_sec / 60), 1);
  if (minutes < 60) {
    return minutes === 1 ? '* * * * *' : `*/${minutes} * * * *`;
  }
  const hours: int = Math.min(Math.ceil(minutes / 60), 24);
  return hours >= 24 ? '0 0 * * *' : `0 */${hours} * * *`;
}

/**
 * Seconds between two runs of the job. forecast's fast path grows on the WAL rate since the previous sample, so that
 * a step up is paid with a minute of forced checkpoints instead of a whole checkpoint_timeout: it wants a sample a
 * minute (pg_cron 1.4's finest cadence, cheap enough at about one cycle's cost a minute). The other algorithms count
 * forced checkpoints per checkpoint_timeout, the unit walrus.threshold is written in, so they keep one run per interval.
 */
export function jobIntervalSec(algorithm: string, timeout_sec: int): int {
  if (algorithm === 'forecast') {
    return Math.max(Math.min(60, timeout_sec), 1);
  }
  return timeout_sec;
}
