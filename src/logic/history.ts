import type { int } from '../sqltypes';

/**
 * The actions of walrus.history, and which of them mean what. Every rule about an action lives here, compiled, so the
 * rate limits, the size the history says is in force and the simulator all read the same sets.
 */

/**
 * After these, new_size_mb is the size in force: pg_walrus applied it (a decision, or the cluster's size restored
 * after a failover), or found it applied by someone else.
 */
export function appliesSize(action: string): boolean {
  return (
    action === 'increase' || action === 'decrease' || action === 'capped' || action === 'external_change' || action === 'failover'
  );
}

/**
 * What the rate limits count: every size change, and dry-run and advice decisions, which stand in for the change they
 * describe. Not a failover: restoring the cluster's size must not hold back the growth a new primary may need next.
 */
export function countsAsChange(action: string): boolean {
  return (appliesSize(action) && action !== 'failover') || action === 'dry_run' || action === 'advise';
}

/** The max_wal_size a history row leaves in force: the new size after a change, the old one after anything else. */
export function sizeInForceAfter(action: string, old_size_mb: int, new_size_mb: int): int {
  return appliesSize(action) ? new_size_mb : old_size_mb;
}

/** Growth, for the walrus.state counter of increases (a capped growth is one). */
export function isGrowth(action: string): boolean {
  return action === 'increase' || action === 'capped';
}

/** The size a history row records: a dry-run row shows what live mode would apply, a skipped row the size it kept. */
export function recordedNewSize(action: string, old_size_mb: int, new_size_mb: int): int {
  return action === 'skipped' ? old_size_mb : new_size_mb;
}

/** The `event` of a NOTIFY payload: `resize` for the changes pg_walrus made, else the action itself. */
export function notifyEvent(action: string): string {
  return action === 'increase' || action === 'decrease' || action === 'capped' ? 'resize' : action;
}

/** Whether a cycle's outcome is announced: everything but a quiet no_change. */
export function isNotified(action: string): boolean {
  return action !== 'no_change';
}

/** The rolling window of the hourly rate limit, in seconds. */
export function rateWindowSec(): int {
  return 3600;
}

/** Shrinks, for the walrus.state counter of decreases. */
export function isShrink(action: string): boolean {
  return action === 'decrease';
}

/**
 * Why a cycle only advises, or '' when it applies: walrus.apply = advise says so, and otherwise whatever stops this
 * server from applying (no dblink, no privilege, allow_alter_system off, Patroni owning the configuration).
 */
export function adviseReason(apply_setting: string, apply_possible: boolean, why_not: string): string {
  if (apply_setting === 'advise') {
    return 'walrus.apply = advise';
  }
  return apply_possible ? '' : why_not;
}
