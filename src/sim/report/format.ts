import type { RunMetrics } from '../metrics';
import { median } from '../stats';

/** Number formatting shared by the table, the CSV and the docs. */

export const fixed = (value: number, digits: number): string => (Number.isFinite(value) ? value.toFixed(digits) : '-');

/**
 * Convergence after each load change, short enough for a table cell: the list when there are few changes, else
 * the median and maximum of the settled ones and how many never settled. '-' stands for never settled.
 */
export function convergenceCell(convergence: RunMetrics['convergence']): string {
  if (convergence.length === 0) return 'n/a';
  const shown = convergence.map((c) => (c === null ? '-' : String(c)));
  if (convergence.length <= 3) return shown.join(', ');
  const settled = convergence.filter((c): c is number => c !== null);
  const never = convergence.length - settled.length;
  const stats = settled.length === 0 ? 'none settled' : `med ${fixed(median(settled), 0)}, max ${Math.max(...settled)}`;
  return `${stats}; ${never}/${convergence.length} never`;
}

/**
 * Recovery after the designed falls, in hours: the worst, and how many never recovered; falls the forecast expects
 * the load back from are not counted. 'n/a' without falls.
 */
export function recoveryCell(hours: RunMetrics['recoveryHours']): string {
  const falls = hours.filter((h): h is number | null => h !== undefined);
  if (falls.length === 0) return 'n/a';
  const never = falls.filter((h) => h === null).length;
  const done = falls.filter((h): h is number => h !== null);
  const worst = done.length === 0 ? 'never' : `max ${fixed(Math.max(...done), 1)} h`;
  return never > 0 && done.length > 0 ? `${worst}; ${never}/${falls.length} never` : falls.length > 1 ? `${worst} (${falls.length})` : worst;
}
