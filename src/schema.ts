import { sqlBlock } from './sqlapi';

/**
 * The rate limits' filter on walrus.history, compiled from src/logic/history.ts. Queries must spell it exactly so to
 * use the partial index below.
 */
export const COUNTS_AS_CHANGE = 'walrus.counts_as_change(action)';

/** The extension's tables, all registered with pg_extension_config_dump so pg_dump keeps their rows. */
export const TABLES = [
  sqlBlock(
    'walrus.sample: one row per cycle, the raw counters the decisions are computed from',
    `
CREATE TABLE walrus.sample (
  id bigserial PRIMARY KEY,
  taken_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  requested_checkpoints bigint NOT NULL,
  timed_checkpoints bigint NOT NULL,
  stats_reset timestamptz,
  wal_lsn pg_lsn NOT NULL,
  checkpoint_timeout_sec integer NOT NULL CHECK (checkpoint_timeout_sec > 0),
  checkpoint_completion_target double precision NOT NULL,
  max_wal_size_mb integer NOT NULL CHECK (max_wal_size_mb > 0),
  min_wal_size_mb integer NOT NULL,
  wal_segment_mb integer NOT NULL,
  -- The server's timeline: it changes at a promotion, and counters from another timeline are not comparable.
  timeline_id integer
);
COMMENT ON TABLE walrus.sample IS
  'Checkpoint counters, WAL position and sizing settings seen by each pg_walrus cycle; the newest rows are kept.';
SELECT pg_catalog.pg_extension_config_dump('walrus.sample', '');
SELECT pg_catalog.pg_extension_config_dump('walrus.sample_id_seq', '');`,
  ),
  sqlBlock(
    'walrus.history: one row per cycle, what was decided and why',
    `
CREATE TABLE walrus.history (
  id bigserial PRIMARY KEY,
  "timestamp" timestamptz NOT NULL DEFAULT clock_timestamp(),
  action text NOT NULL
    CHECK (action IN ('increase', 'decrease', 'capped', 'dry_run', 'advise', 'skipped', 'error', 'no_change',
                      'external_change', 'failover')),
  old_size_mb integer NOT NULL CHECK (old_size_mb > 0),
  new_size_mb integer NOT NULL CHECK (new_size_mb > 0),
  forced_checkpoints bigint NOT NULL CHECK (forced_checkpoints >= 0),
  checkpoint_timeout_sec integer NOT NULL CHECK (checkpoint_timeout_sec > 0),
  reason text NOT NULL,
  metadata jsonb NOT NULL DEFAULT '{}',
  -- Which timeline wrote the row. History is replicated and ALTER SYSTEM is not: after a promotion, rows of the old
  -- timeline say what the cluster decided, not what this server runs with.
  timeline_id integer,
  -- The walrus.profiles profile in force when the row was written, NULL outside every profile.
  profile text
);
CREATE INDEX history_timestamp_idx ON walrus.history ("timestamp");
-- The rate limits look up recent changes every cycle; most rows are no_change, so they get their own small index.
CREATE INDEX history_changes_idx ON walrus.history ("timestamp") WHERE ${COUNTS_AS_CHANGE};
COMMENT ON TABLE walrus.history IS 'Every pg_walrus decision: action, sizes in MB, forced checkpoints of the interval, reason.';
SELECT pg_catalog.pg_extension_config_dump('walrus.history', '');
SELECT pg_catalog.pg_extension_config_dump('walrus.history_id_seq', '');`,
  ),
  sqlBlock(
    'walrus.state: what must survive restarts between cycles (one row, created by the first cycle)',
    `
CREATE TABLE walrus.state (
  singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  quiet_intervals integer NOT NULL DEFAULT 0 CHECK (quiet_intervals >= 0),
  -- Quiet seconds towards the next whole interval: quiet time is measured, not counted in calls.
  quiet_carry_sec double precision NOT NULL DEFAULT 0 CHECK (quiet_carry_sec >= 0),
  cycles bigint NOT NULL DEFAULT 0,
  increases bigint NOT NULL DEFAULT 0,
  decreases bigint NOT NULL DEFAULT 0,
  last_check_time timestamptz,
  last_adjustment_time timestamptz,
  ema_wal_mb double precision CHECK (ema_wal_mb >= 0),
  -- What walrus.algorithm = forecast has learned besides its profile (ForecastState, src/logic/forecast.ts), learned by
  -- every cycle whatever the algorithm. Rates in MB/s, times in seconds. NaN and 'Infinity' both pass a plain >= 0 in
  -- SQL (NaN sorts above every number), hence < 'Infinity'. Cycles clean whatever they read back anyway, so a row that
  -- got past these (a restore without constraints, a corrupt page) cannot steer them either.
  forecast_slot integer NOT NULL DEFAULT -1 CHECK (forecast_slot BETWEEN -1 AND 167),
  forecast_learned_sec double precision NOT NULL DEFAULT 0
    CHECK (forecast_learned_sec >= 0 AND forecast_learned_sec < 'Infinity'),
  forecast_window_peak double precision NOT NULL DEFAULT 0
    CHECK (forecast_window_peak >= 0 AND forecast_window_peak < 'Infinity'),
  forecast_window_previous double precision NOT NULL DEFAULT 0
    CHECK (forecast_window_previous >= 0 AND forecast_window_previous < 'Infinity'),
  forecast_window_age_sec double precision NOT NULL DEFAULT 0
    CHECK (forecast_window_age_sec >= 0 AND forecast_window_age_sec < 'Infinity'),
  forecast_last_rate double precision NOT NULL DEFAULT 0
    CHECK (forecast_last_rate >= 0 AND forecast_last_rate < 'Infinity')
);
COMMENT ON TABLE walrus.state IS
  'pg_walrus counters, the consecutive quiet intervals that drive shrinking, and the forecast''s learned scalars.';
-- No row is inserted here: a restored dump brings its own, and a default row would collide with it.
SELECT pg_catalog.pg_extension_config_dump('walrus.state', '');`,
  ),
  sqlBlock(
    'walrus.forecast_profile: the hour-of-week profile walrus.algorithm = forecast learns (168 rows at most)',
    `
CREATE TABLE walrus.forecast_profile (
  -- In walrus.timezone: Monday 00h = 0 ... Sunday 23h = 167.
  hour_of_week integer PRIMARY KEY CHECK (hour_of_week BETWEEN 0 AND 167),
  -- The decayed peak need seen in that hour, MB/s (WAL per checkpoint_timeout divided by it); finite, as in walrus.state.
  need_mb_per_sec double precision NOT NULL CHECK (need_mb_per_sec >= 0 AND need_mb_per_sec < 'Infinity')
);
COMMENT ON TABLE walrus.forecast_profile IS
  'The decayed peak WAL need (MB/s) per hour of the week in walrus.timezone, learned by every cycle; walrus_reset() clears it.';
SELECT pg_catalog.pg_extension_config_dump('walrus.forecast_profile', '');`,
  ),
  sqlBlock(
    'walrus.statement_sample: the WAL each statement had written at the last cycle (pg_stat_statements, top ones only)',
    `
CREATE TABLE walrus.statement_sample (
  queryid bigint PRIMARY KEY,
  wal_bytes numeric NOT NULL,
  taken_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
COMMENT ON TABLE walrus.statement_sample IS
  'WAL bytes per statement (pg_stat_statements queryid) at the last cycle, to name the statements behind a growth.';
SELECT pg_catalog.pg_extension_config_dump('walrus.statement_sample', '');`,
  ),
  sqlBlock(
    'walrus.settings: every setting in the terms of pg_settings, for psql, monitoring and tools built on pg_settings',
    `
CREATE VIEW walrus.settings AS SELECT * FROM walrus.current_settings();
COMMENT ON VIEW walrus.settings IS
  'Every walrus.* setting with pg_settings'' columns (name, setting, unit, vartype, source, min_val, max_val, enumvals, boot_val, reset_val, short_desc), and valid, error, raw_value: setting is the effective value a cycle uses, raw_value what SHOW gives (masked).';`,
  ),
];
