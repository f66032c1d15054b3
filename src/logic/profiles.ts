import type { int } from '../sqltypes';

/**
 * Time-based profiles (walrus.profiles): which one is in force at a given hour, and what is wrong with one. The SQL
 * reads the JSON and the clock; the rules are here, so the simulator runs the same ones.
 *
 * Days are ISO numbers (Monday 1 ... Sunday 7). A window runs from start_hour to end_hour (24 is midnight); one that
 * wraps midnight (22 -> 6) belongs to the day it starts on: Monday 22-6 is Monday 22:00 to Tuesday 06:00.
 */

/** The ISO number of a day name (Mon ... Sun, any case, or the full name), 0 when it is none. */
export function dayNumber(name: string): int {
  const names = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
  const full = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'];
  let i = 0;
  while (i < 7) {
    if (name === names[i]! || name === full[i]!) {
      return i + 1;
    }
    i = i + 1;
  }
  return 0;
}

/** The fields a profile may have. */
export function isProfileField(field: string): boolean {
  return ['name', 'days', 'start_hour', 'end_hour', 'max_size', 'min_size', 'threshold', 'shrink_enable', 'algorithm', 'dry_run'].includes(field);
}

/** What is wrong with a window, or ''. */
export function windowError(start_hour: int, end_hour: int): string {
  if (start_hour < 0 || start_hour > 23) {
    return `start_hour ${start_hour} is out of range (valid: 0 to 23)`;
  }
  if (end_hour < 0 || end_hour > 24) {
    return `end_hour ${end_hour} is out of range (valid: 0 to 24, 24 is midnight)`;
  }
  if (start_hour === end_hour) {
    return `start_hour and end_hour are both ${start_hour}: the window is empty (0 to 24 is the whole day)`;
  }
  return '';
}

/** Whether a window of these days is in force at hour `hour` (0-23) of ISO day `day`. */
export function windowActive(days: int[], start_hour: int, end_hour: int, day: int, hour: int): boolean {
  if (start_hour < end_hour) {
    return days.includes(day) && hour >= start_hour && hour < end_hour;
  }
  // Wraps midnight: the evening part on a listed day, the morning part on the day after one.
  const previous: int = day === 1 ? 7 : day - 1;
  return (days.includes(day) && hour >= start_hour) || (days.includes(previous) && hour < end_hour);
}

/** Whether a window is in force at hour h of the week (0 = Monday 00h ... 167 = Sunday 23h). */
function activeAtWeekHour(days: int[], start_hour: int, end_hour: int, h: int): boolean {
  const day: int = Math.floor(h / 24) + 1;
  return windowActive(days, start_hour, end_hour, day, h - (day - 1) * 24);
}

/** The window of a profile that passed every check, as walrus.profiles lists them. */
export interface ProfileWindow {
  days: int[];
  start_hour: int;
  end_hour: int;
}

/**
 * Which profile is in force at hour `hour_of_week` (0 = Monday 00h ... 167 = Sunday 23h): the index, from 0, of the
 * first window that holds it, or -1 when none does. The first wins, so the cycle and the simulator agree even on
 * windows that were never checked for overlaps.
 */
export function profileInForce(windows: ProfileWindow[], hour_of_week: int): int {
  let i: int = 0;
  for (const w of windows) {
    if (activeAtWeekHour(w.days, w.start_hour, w.end_hour, hour_of_week)) {
      return i;
    }
    i++;
  }
  return -1;
}

/** Whether two windows share an hour of the week. */
export function windowsOverlap(days_a: int[], start_a: int, end_a: int, days_b: int[], start_b: int, end_b: int): boolean {
  let h = 0;
  while (h < 168) {
    if (activeAtWeekHour(days_a, start_a, end_a, h) && activeAtWeekHour(days_b, start_b, end_b, h)) {
      return true;
    }
    h = h + 1;
  }
  return false;
}

/** Hours from hour `hour` of ISO day `day` until the window next starts (1 to 168), or 0 when it never does. */
export function hoursUntilStart(days: int[], start_hour: int, end_hour: int, day: int, hour: int): int {
  const now: int = (day - 1) * 24 + hour;
  let ahead = 1;
  while (ahead <= 168) {
    const h: int = now + ahead >= 168 ? now + ahead - 168 : now + ahead;
    const before: int = h === 0 ? 167 : h - 1;
    if (activeAtWeekHour(days, start_hour, end_hour, h) && !activeAtWeekHour(days, start_hour, end_hour, before)) {
      return ahead;
    }
    ahead = ahead + 1;
  }
  return 0;
}
