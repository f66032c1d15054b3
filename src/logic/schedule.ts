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
