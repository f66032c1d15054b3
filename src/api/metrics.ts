import { sqlFunction } from '../sqlapi';

export interface Metric {
  readonly name: string;
  readonly type: 'gauge' | 'counter';
  readonly help: string;
  /**
   * A read-only SQL expression over `s` (walrus_status()), `st` (walrus.state) and `r` (walrus_wal_rate()), with
   * catalogs schema-qualified: walrus_metrics() and the postgres_exporter query file (monitoring/) both run it.
   */
  readonly value: string;
  /** Fixed labels of this series, e.g. `statistic="ema"`; every series of a family has the same label names. */
  readonly labels?: string;
}

/** The metrics, declared once: the function body and its documentation both come from this list. */
export const METRICS: readonly Metric[] = [
  { name: 'walrus_enabled', type: 'gauge', help: 'walrus.enable (1 on, 0 off).', value: "(s ->> 'enabled')::boolean::int" },
  { name: 'walrus_dry_run', type: 'gauge', help: 'walrus.dry_run (1 on, 0 off).', value: "(s ->> 'dry_run')::boolean::int" },
  { name: 'walrus_max_wal_size_bytes', type: 'gauge', help: 'Current max_wal_size.', value: "(s ->> 'current_max_wal_size_mb')::bigint * 1048576" },
  { name: 'walrus_max_allowed_bytes', type: 'gauge', help: 'walrus.max, the cap for growth.', value: "(s ->> 'configured_maximum_mb')::bigint * 1048576" },
  { name: 'walrus_min_size_bytes', type: 'gauge', help: 'walrus.min_size, the floor for shrinking.', value: "(s ->> 'min_size_mb')::bigint * 1048576" },
  { name: 'walrus_at_ceiling', type: 'gauge', help: 'Whether max_wal_size has reached walrus.max.', value: "(s ->> 'at_ceiling')::boolean::int" },
  { name: 'walrus_cycles_total', type: 'counter', help: 'Analysis cycles run.', value: 'coalesce(st.cycles, 0)' },
  { name: 'walrus_increases_total', type: 'counter', help: 'Applied increases of max_wal_size (capped ones included).', value: 'coalesce(st.increases, 0)' },
  { name: 'walrus_decreases_total', type: 'counter', help: 'Applied decreases of max_wal_size.', value: 'coalesce(st.decreases, 0)' },
  { name: 'walrus_quiet_intervals', type: 'gauge', help: 'Consecutive intervals without enough forced checkpoints.', value: "(s ->> 'quiet_intervals')::int" },
  {
    name: 'walrus_last_forced_checkpoints',
    type: 'gauge',
    help: 'Forced checkpoints per interval counted by the last cycle.',
    value: '(SELECT coalesce(max(h.forced_checkpoints) FILTER (WHERE h.id = (SELECT max(id) FROM walrus.history)), 0) FROM walrus.history h)',
  },
  {
    name: 'walrus_last_check_timestamp_seconds',
    type: 'gauge',
    help: 'Unix time of the last cycle (0 before the first).',
    value: 'coalesce(extract(epoch FROM st.last_check_time), 0)::bigint',
  },
  {
    name: 'walrus_last_adjustment_timestamp_seconds',
    type: 'gauge',
    help: 'Unix time of the last applied change (0 before the first).',
    value: 'coalesce(extract(epoch FROM st.last_adjustment_time), 0)::bigint',
  },
  { name: 'walrus_rate_limited', type: 'gauge', help: 'Whether the cooldown or the hourly limit holds changes back now.', value: "(s -> 'rate_limit' ->> 'limit_reached')::boolean::int" },
  { name: 'walrus_apply_possible', type: 'gauge', help: 'Whether cycles can apply sizes (dblink and privileges).', value: "(s -> 'apply' ->> 'possible')::boolean::int" },
  {
    name: 'walrus_advised_max_wal_size_bytes',
    type: 'gauge',
    help: 'The max_wal_size the last advice recommended where pg_walrus only advises (0 before any advice).',
    value: "coalesce((SELECT h.new_size_mb FROM walrus.history h WHERE h.action = 'advise' ORDER BY h.id DESC LIMIT 1), 0)::bigint * 1048576",
  },
  { name: 'walrus_invalid_settings', type: 'gauge', help: 'walrus.* settings with invalid values (defaults in use).', value: "jsonb_array_length(s -> 'invalid_settings')" },
  {
    name: 'walrus_wal_bytes_per_interval',
    type: 'gauge',
    help: 'WAL written per checkpoint_timeout, by statistic (ema: moving average, percentile: walrus.target_percentile).',
    labels: 'statistic="ema"',
    value: "coalesce((r ->> 'ema_mb_per_interval')::numeric, 0) * 1048576",
  },
  {
    name: 'walrus_wal_bytes_per_interval',
    type: 'gauge',
    help: 'WAL written per checkpoint_timeout, by statistic (ema: moving average, percentile: walrus.target_percentile).',
    labels: 'statistic="percentile"',
    value: "coalesce((r ->> 'percentile_mb_per_interval')::numeric, 0) * 1048576",
  },
  {
    name: 'walrus_trigger_distance_bytes',
    type: 'gauge',
    help: 'WAL since the last checkpoint that forces the next one at the current max_wal_size.',
    value: "(r ->> 'trigger_distance_mb')::bigint * 1048576",
  },
  {
    name: 'walrus_forecast_max_wal_size_bytes',
    type: 'gauge',
    help: 'The max_wal_size the learned hour-of-week profile expects to need within walrus.lookahead_sec (0: no recurring peak expected).',
    value: "coalesce((s ->> 'forecast_mb')::bigint, 0) * 1048576",
  },
  {
    name: 'walrus_forecast_learned_seconds',
    type: 'gauge',
    help: 'How much history the hour-of-week profile holds (at most a week).',
    value: "coalesce((s ->> 'forecast_learned_sec')::bigint, 0)",
  },
  { name: 'walrus_forced_checkpoint_threshold', type: 'gauge', help: 'walrus.threshold: forced checkpoints per interval that trigger growth.', value: "(s ->> 'threshold')::int" },
  { name: 'walrus_checkpoint_timeout_seconds', type: 'gauge', help: 'checkpoint_timeout, the interval between two cycles.', value: "(s ->> 'checkpoint_timeout_sec')::int" },
  {
    name: 'walrus_job_scheduled',
    type: 'gauge',
    help: 'Whether the pg_cron job pg_walrus exists and is active (0 without pg_cron).',
    value: "coalesce((s -> 'cron_job' ->> 'scheduled')::boolean AND (s -> 'cron_job' ->> 'active')::boolean, false)::int",
  },
  {
    name: 'walrus_job_last_run_failed',
    type: 'gauge',
    help: 'Whether the last run of the pg_cron job failed.',
    value: "coalesce((s -> 'cron_job' ->> 'last_run_status') = 'failed', false)::int",
  },
  {
    name: 'walrus_last_cycle_error',
    type: 'gauge',
    help: 'Whether the newest walrus.history row is an error (the last cycle could not apply its decision).',
    value: "coalesce((SELECT h.action = 'error' FROM walrus.history h ORDER BY h.id DESC LIMIT 1), false)::int",
  },
  {
    name: 'walrus_errors_last_hour',
    type: 'gauge',
    help: 'walrus.history rows with action error in the last hour.',
    value: `(SELECT count(*) FROM walrus.history h WHERE h."timestamp" > now() - interval '1 hour' AND h.action = 'error')`,
  },
  {
    name: 'walrus_replication_slots_retained_wal_bytes',
    type: 'gauge',
    help: 'WAL kept for the replication slot with the oldest restart_lsn (0 without slots); checkpoints cannot recycle it.',
    value:
      '(SELECT coalesce(max(pg_catalog.pg_wal_lsn_diff(CASE WHEN pg_catalog.pg_is_in_recovery() ' +
      'THEN pg_catalog.pg_last_wal_replay_lsn() ELSE pg_catalog.pg_current_wal_lsn() END, sl.restart_lsn)), 0) ' +
      'FROM pg_catalog.pg_replication_slots sl WHERE sl.restart_lsn IS NOT NULL)',
  },
];

/** Where the metric expressions read from: `s`, `r` and `st`, with the extension's functions in `schema`. */
export function metricsSource(schema: string): string {
  return `${schema}.walrus_status() AS s, ${schema}.walrus_wal_rate() AS r
  LEFT JOIN walrus.state AS st ON true`;
}

function metricsBody(): string {
  const lines: string[] = [];
  const described = new Set<string>();
  for (const m of METRICS) {
    if (!described.has(m.name)) {
      described.add(m.name);
      lines.push(`format('# HELP %s %s', '${m.name}', '${m.help.replace(/'/g, "''")}')`);
      lines.push(`format('# TYPE %s %s', '${m.name}', '${m.type}')`);
    }
    const series = m.labels ? `${m.name}{${m.labels}}` : m.name;
    lines.push(`format('%s %s', '${series}', round((${m.value})::numeric)::text)`);
  }
  return `
  SELECT concat_ws(E'\\n',
    ${lines.join(',\n    ')}
  ) || E'\\n'
  FROM ${metricsSource('@extschema@')}`;
}

export const METRICS_FUNCTIONS = [
  sqlFunction({
    name: 'walrus_metrics',
    returns: 'text',
    language: 'sql',
    volatility: 'stable',
    audience: 'monitor',
    doc:
      'pg_walrus state in the Prometheus text exposition format, for a textfile collector or a custom exporter ' +
      'query: sizes, counters, the last cycle, rate limits and WAL rates.',
    body: metricsBody(),
  }),
];
