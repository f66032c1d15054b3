import { COUNTS_AS_CHANGE } from '../schema';
import type { CycleInput } from '../logic/cycle';
import type { ForecastState } from '../logic/forecast';
import type { QuietCount } from '../logic/quiet';
import { SETTINGS } from '../settings';
import { row, sqlFunction } from '../sqlapi';
import { JOB_NAME } from './schedule';

/** A fixed advisory-lock key ("walrus" in ASCII) so concurrent cycles exclude each other cluster-wide. */
export const CYCLE_LOCK_KEY = 0x77616c727573;

/**
 * How many samples to keep: a window of walrus.sample_window intervals needs one sample more than it has intervals,
 * so the largest window the setting allows is always full. Enough for rate statistics over days, small enough never
 * to matter.
 */
export const SAMPLES_KEPT = largestSampleWindow() + 1;

function largestSampleWindow(): number {
  const setting = SETTINGS.find((s) => s.name === 'sample_window');
  if (setting?.kind !== 'int') throw new Error('src/settings.ts declares no int setting sample_window');
  return setting.max;
}


export const ANALYZE_FUNCTIONS = [
  sqlFunction({
    name: 'walrus.current_timeline',
    returns: 'integer',
    language: 'sql',
    volatility: 'volatile',
    audience: 'monitor',
    doc:
      'The timeline this server is on: of the WAL it writes on a primary (at once after a promotion, before the ' +
      'end-of-recovery checkpoint), of its last restartpoint on a standby.',
    body: `
  SELECT CASE WHEN pg_catalog.pg_is_in_recovery() THEN (pg_catalog.pg_control_checkpoint()).timeline_id
              ELSE ('x' || pg_catalog."left"(pg_catalog.pg_walfile_name(pg_catalog.pg_current_wal_lsn()), 8))::bit(32)::integer
         END`,
  }),
  sqlFunction({
    name: 'walrus.read_counters',
    returns: 'walrus.sample',
    language: 'plpgsql',
    volatility: 'stable',
    audience: 'monitor',
    doc: 'The checkpoint counters, WAL position and sizing settings as they are now, as an unsaved walrus.sample.',
    body: `
DECLARE
  s walrus.sample;
BEGIN
  -- pg_stat_checkpointer replaced the pg_stat_bgwriter columns in PostgreSQL 17; look the view up at run time.
  -- On every major the requested counter counts each request, also one the checkpointer then skips because an
  -- earlier checkpoint already covered its WAL. PostgreSQL 18's num_done counts completed checkpoints, timed and
  -- requested together, so it cannot tell which requests were skipped: num_requested stays the measure on 17 and 18.
  IF to_regclass('pg_catalog.pg_stat_checkpointer') IS NOT NULL THEN
    EXECUTE 'SELECT num_requested, num_timed, stats_reset FROM pg_catalog.pg_stat_checkpointer'
      INTO s.requested_checkpoints, s.timed_checkpoints, s.stats_reset;
  ELSE
    EXECUTE 'SELECT checkpoints_req, checkpoints_timed, stats_reset FROM pg_catalog.pg_stat_bgwriter'
      INTO s.requested_checkpoints, s.timed_checkpoints, s.stats_reset;
  END IF;
  s.taken_at := clock_timestamp();
  s.wal_lsn := CASE WHEN pg_catalog.pg_is_in_recovery() THEN pg_catalog.pg_last_wal_replay_lsn()
                    ELSE pg_catalog.pg_current_wal_lsn() END;
  -- current_setting() is much cheaper than scanning pg_settings, and its values convert exactly.
  s.checkpoint_timeout_sec := extract(epoch FROM current_setting('checkpoint_timeout')::interval)::integer;
  s.checkpoint_completion_target := current_setting('checkpoint_completion_target')::double precision;
  s.timeline_id := walrus.current_timeline();
  SELECT walrus.size_in_force_now(walrus.setting_mb('max_wal_size'), h.new_size_mb, h."timestamp", h.timeline_id,
                                   pg_catalog.pg_conf_load_time(), s.timeline_id, pg_catalog.pg_is_in_recovery())
    INTO s.max_wal_size_mb
    FROM (SELECT NULL) AS nothing
    LEFT JOIN LATERAL (SELECT new_size_mb, "timestamp", timeline_id FROM walrus.history
                        WHERE walrus.applies_size(action) ORDER BY id DESC LIMIT 1) AS h ON true;
  s.min_wal_size_mb := walrus.setting_mb('min_wal_size');
  s.wal_segment_mb := walrus.setting_mb('wal_segment_size');
  RETURN s;
END;`,
  }),
  sqlFunction({
    name: 'walrus.take_sample',
    returns: 'walrus.sample',
    language: 'plpgsql',
    volatility: 'volatile',
    audience: 'admin',
    doc: 'Stores the current counters as a new walrus.sample row (the baseline for the next cycle) and returns it.',
    body: `
DECLARE
  s walrus.sample;
BEGIN
  -- Statistics are cached per transaction; a cycle must see the counters as they are now.
  PERFORM pg_catalog.pg_stat_clear_snapshot();
  s := walrus.read_counters();
  INSERT INTO walrus.sample (taken_at, requested_checkpoints, timed_checkpoints, stats_reset, wal_lsn,
                             checkpoint_timeout_sec, checkpoint_completion_target, max_wal_size_mb, min_wal_size_mb,
                             wal_segment_mb, timeline_id)
  VALUES (s.taken_at, s.requested_checkpoints, s.timed_checkpoints, s.stats_reset, s.wal_lsn, s.checkpoint_timeout_sec,
          s.checkpoint_completion_target, s.max_wal_size_mb, s.min_wal_size_mb, s.wal_segment_mb, s.timeline_id)
  RETURNING * INTO s;
  -- By rank, not by id arithmetic: a rolled-back insert leaves a gap in the sequence.
  DELETE FROM walrus.sample
   WHERE id < (SELECT id FROM walrus.sample ORDER BY id DESC OFFSET ${SAMPLES_KEPT - 1} LIMIT 1);
  RETURN s;
END;`,
  }),
  sqlFunction({
    name: 'walrus.comparable',
    args: [
      { name: 'prev', type: 'walrus.sample' },
      { name: 'cur', type: 'walrus.sample' },
    ],
    returns: 'boolean',
    language: 'sql',
    volatility: 'immutable',
    audience: 'monitor',
    doc:
      'Whether the counters of two samples can be subtracted: a previous sample exists, the statistics were not ' +
      'reset in between, and no counter went backwards. Otherwise the newer sample is only a baseline.',
    body: `
  SELECT walrus.comparable(prev.id IS NOT NULL, prev.stats_reset IS NOT DISTINCT FROM cur.stats_reset,
                           prev.timeline_id IS NOT DISTINCT FROM cur.timeline_id,
                           coalesce(cur.requested_checkpoints - prev.requested_checkpoints, 0),
                           coalesce(cur.timed_checkpoints - prev.timed_checkpoints, 0))`,
  }),
  sqlFunction({
    name: 'walrus.interval_pressure',
    args: [
      { name: 'prev', type: 'walrus.sample' },
      { name: 'cur', type: 'walrus.sample' },
    ],
    returns: 'walrus.pressure',
    language: 'sql',
    volatility: 'immutable',
    audience: 'monitor',
    doc:
      'The WAL pressure between two samples: requested checkpoints, WAL segments finished, and how many of the ' +
      'requests WAL could have caused (measure_pressure); the size in force is the smaller of the two samples.',
    // LSNs exceed JavaScript's exact integers, so segment numbers are computed here in numeric.
    body: `
  SELECT walrus.measure_pressure(
    cur.requested_checkpoints - prev.requested_checkpoints,
    (floor(pg_catalog.pg_wal_lsn_diff(cur.wal_lsn, '0/0') / (cur.wal_segment_mb::numeric * 1048576))
      - floor(pg_catalog.pg_wal_lsn_diff(prev.wal_lsn, '0/0') / (prev.wal_segment_mb::numeric * 1048576)))::bigint,
    walrus.checkpoint_segments(walrus.size_in_force_during(prev.max_wal_size_mb, cur.max_wal_size_mb), cur.wal_segment_mb,
                               prev.checkpoint_completion_target),
    cur.checkpoint_timeout_sec,
    extract(epoch FROM cur.taken_at - prev.taken_at)::double precision)`,
  }),
  sqlFunction({
    name: 'walrus.wal_window',
    args: [
      { name: 'cur', type: 'walrus.sample' },
      { name: 'intervals', type: 'integer' },
    ],
    returns: 'double precision[]',
    language: 'sql',
    volatility: 'stable',
    audience: 'monitor',
    doc:
      'WAL written per checkpoint_timeout in MB for the last intervals (oldest first), from consecutive samples ' +
      'ending with cur. An interval shorter than checkpoint_timeout counts as a whole one, as for forced checkpoints.',
    body: `
  WITH s AS (
    -- Only the samples the window needs, so the cost does not grow with walrus.sample.
    (SELECT taken_at, wal_lsn, checkpoint_timeout_sec FROM walrus.sample WHERE cur.id IS NULL OR id < cur.id
      ORDER BY id DESC LIMIT greatest(intervals, 1))
    UNION ALL
    SELECT cur.taken_at, cur.wal_lsn, cur.checkpoint_timeout_sec
  ), d AS (
    SELECT taken_at, checkpoint_timeout_sec,
           pg_catalog.pg_wal_lsn_diff(wal_lsn, lag(wal_lsn) OVER (ORDER BY taken_at)) AS bytes,
           extract(epoch FROM taken_at - lag(taken_at) OVER (ORDER BY taken_at)) AS secs
      FROM s
  ), recent AS (
    SELECT taken_at, walrus.wal_per_interval_mb((bytes / 1048576)::double precision, secs::double precision,
                                                checkpoint_timeout_sec) AS mb
      FROM d WHERE bytes IS NOT NULL
  ), measured AS (
    SELECT taken_at, mb FROM recent WHERE mb IS NOT NULL ORDER BY taken_at DESC LIMIT greatest(intervals, 1)
  )
  SELECT coalesce(array_agg(mb ORDER BY taken_at), '{}') FROM measured`,
  }),
  sqlFunction({
    name: 'walrus.cycle_wal_stats',
    args: [
      { name: 'cfg', type: 'walrus.config' },
      { name: 'cur', type: 'walrus.sample' },
      { name: 'intervals', type: 'integer', default: 'NULL' },
    ],
    returns: 'walrus.wal_stats',
    language: 'sql',
    volatility: 'stable',
    audience: 'monitor',
    doc:
      'The WAL statistics a cycle sizes from: this interval, the moving average, the percentile and the recent peak, ' +
      'over the intervals the algorithm needs (or the given number).',
    body: `
  SELECT walrus.wal_stats(
    walrus.wal_window(cur, coalesce(intervals, walrus.window_intervals(cfg.algorithm, cfg.sample_window, cfg.shrink_intervals))),
    (SELECT ema_wal_mb FROM walrus.state), cfg.ema_alpha, cfg.target_percentile, cfg.shrink_intervals)`,
  }),
  sqlFunction({
    name: 'walrus.cycle_input',
    args: [
      { name: 'cfg', type: 'walrus.config' },
      { name: 'cur', type: 'walrus.sample' },
      { name: 'forced', type: 'integer' },
      { name: 'elapsed', type: 'double precision' },
    ],
    returns: 'walrus.cycle_input',
    language: 'sql',
    volatility: 'stable',
    audience: 'monitor',
    doc:
      'Everything decide_cycle() needs: the sample, the settings, the quiet intervals from walrus.state, the ' +
      'rate-limit window computed from persisted history (so limits survive restarts), the WAL statistics, and what ' +
      'the forecast has learned (walrus.forecast_profile and walrus.state), with the hour of the week in walrus.timezone.',
    body: `
  SELECT ${row<CycleInput>('CycleInput', {
    current_mb: 'cur.max_wal_size_mb',
    forced: 'forced',
    floor_mb: 'walrus.size_floor_mb(cur.wal_segment_mb, cur.min_wal_size_mb)',
    threshold: 'cfg.threshold',
    max_mb: 'cfg.max_mb',
    shrink_enable: 'cfg.shrink_enable',
    shrink_factor: 'cfg.shrink_factor',
    shrink_intervals: 'cfg.shrink_intervals',
    min_size_mb: 'cfg.min_size_mb',
    dry_run: 'cfg.dry_run',
    advise_reason: 'walrus.advice(cfg)',
    cooldown_sec: 'cfg.cooldown_sec',
    max_changes_per_hour: 'cfg.max_changes_per_hour',
    quiet: `coalesce((SELECT ${row<QuietCount>('QuietCount', { intervals: 'quiet_intervals', carry_sec: 'quiet_carry_sec' })}
                       FROM walrus.state), ${row<QuietCount>('QuietCount', { intervals: '0', carry_sec: '0' })})`,
    elapsed_sec: 'elapsed',
    timeout_sec: 'cur.checkpoint_timeout_sec',
    changes_last_hour: `(SELECT count(*) FROM walrus.history
      WHERE ${COUNTS_AS_CHANGE} AND "timestamp" > now() - make_interval(secs => walrus.rate_window_sec()))::integer`,
    seconds_since_change: `(SELECT extract(epoch FROM clock_timestamp() - max("timestamp"))::double precision
      FROM walrus.history WHERE ${COUNTS_AS_CHANGE})`,
    algorithm: 'cfg.algorithm',
    additive_increment_mb: 'cfg.additive_increment_mb',
    completion_target: 'cur.checkpoint_completion_target',
    segment_mb: 'cur.wal_segment_mb',
    headroom: 'cfg.headroom',
    proactive: 'cfg.proactive',
    wal: 'walrus.cycle_wal_stats(cfg, cur)',
    // The profile's hours are walrus.timezone's, as walrus.profiles' are: a nightly batch stays at its hour whatever
    // time zone the session that runs the cycle has.
    hour_of_week: '((extract(isodow FROM zoned.t)::integer - 1) * 24 + extract(hour FROM zoned.t)::integer)',
    hour_fraction: "(extract(epoch FROM zoned.t - date_trunc('hour', zoned.t)) / 3600)::double precision",
    // cur is the cycle's stored sample, or, for walrus_recommendation() and walrus_status(), one read now and never
    // stored (its id is NULL, and every stored sample came before it). Compared with a NULL id, the recommendation saw
    // no WAL since the last sample and advised 64 MB where the cycle grew to 224 MB.
    recent_wal_mb: `coalesce((SELECT (pg_catalog.pg_wal_lsn_diff(cur.wal_lsn, s.wal_lsn) / 1048576)::double precision
      FROM walrus.sample s WHERE cur.id IS NULL OR s.id < cur.id ORDER BY s.id DESC LIMIT 1), 0)`,
    interval_wal_mb: `(SELECT (pg_catalog.pg_wal_lsn_diff(cur.wal_lsn, s.wal_lsn) / 1048576 * cur.checkpoint_timeout_sec
      / extract(epoch FROM cur.taken_at - s.taken_at))::double precision
      FROM walrus.sample s WHERE (cur.id IS NULL OR s.id < cur.id)
       AND s.taken_at <= cur.taken_at - make_interval(secs => 0.95 * cur.checkpoint_timeout_sec)
      ORDER BY s.id DESC LIMIT 1)`,
    half_life_sec: 'cfg.half_life_sec',
    stabilization_sec: 'cfg.stabilization_sec',
    lookahead_sec: 'cfg.lookahead_sec',
    // As stored, every hour in its place (a missing one is 0) and nothing trusted: the compiled rules clean each value.
    forecast: `(SELECT ${row<ForecastState>('ForecastState', {
      profile: `ARRAY(SELECT coalesce(p.need_mb_per_sec, 0) FROM generate_series(0, 167) AS h
                       LEFT JOIN walrus.forecast_profile p ON p.hour_of_week = h ORDER BY h)`,
      slot: 'coalesce(st.forecast_slot, -1)',
      learned_sec: 'coalesce(st.forecast_learned_sec, 0)',
      window_peak: 'coalesce(st.forecast_window_peak, 0)',
      window_previous: 'coalesce(st.forecast_window_previous, 0)',
      window_age_sec: 'coalesce(st.forecast_window_age_sec, 0)',
      last_rate: 'coalesce(st.forecast_last_rate, 0)',
    })} FROM (SELECT NULL) AS nothing LEFT JOIN walrus.state st ON true)`,
  })}
    FROM (SELECT walrus.profile_time(cur.taken_at, cfg.timezone) AS t) AS zoned`,
  }),
  sqlFunction({
    name: 'walrus.advice',
    args: [{ name: 'cfg', type: 'walrus.config' }],
    returns: 'text',
    language: 'sql',
    volatility: 'stable',
    audience: 'monitor',
    doc: "Why cycles only advise (walrus.apply = advise, or what stops this server applying), or '' when they apply.",
    body: `
  SELECT walrus.advise_reason(cfg.apply, (c ->> 'possible')::boolean, c ->> 'reason') FROM walrus.apply_check() AS c`,
  }),
  sqlFunction({
    name: 'walrus.apply_recorded',
    args: [
      { name: 'history_id', type: 'bigint' },
      { name: 'old_size_mb', type: 'integer' },
      { name: 'size_mb', type: 'integer' },
      { name: 'max_mb', type: 'integer' },
      { name: 'conninfo', type: 'text' },
    ],
    returns: 'text',
    language: 'plpgsql',
    volatility: 'volatile',
    audience: 'admin',
    doc:
      'Applies a size whose history row is already written. On failure the row becomes an error with libpq\'s own ' +
      'message (passwords masked), a WARNING is raised, and the message is returned; NULL when applied.',
    body: `
DECLARE
  failure text;
  detail text;
BEGIN
  RAISE LOG 'pg_walrus: resizing max_wal_size from % MB to % MB', old_size_mb, size_mb;
  BEGIN
    PERFORM walrus.apply_max_wal_size(size_mb, max_mb, conninfo);
    RETURN NULL;
  EXCEPTION WHEN OTHERS THEN
    -- libpq's own words (wrong password, no such socket, pg_hba rejection) are in the detail; keep them.
    GET STACKED DIAGNOSTICS detail = PG_EXCEPTION_DETAIL;
    failure := walrus.mask_conninfo(SQLERRM || coalesce(': ' || nullif(btrim(detail), ''), ''));
  END;
  UPDATE walrus.history h SET action = 'error',
         reason = format('could not apply max_wal_size = %s MB (%s): %s', apply_recorded.size_mb, h.reason, failure),
         new_size_mb = apply_recorded.old_size_mb,
         metadata = h.metadata || jsonb_build_object('error', failure, 'intended_size_mb', apply_recorded.size_mb)
   WHERE h.id = apply_recorded.history_id;
  RAISE WARNING 'pg_walrus: could not apply max_wal_size = % MB: %', size_mb, failure
    USING HINT = 'pg_walrus needs dblink and a password-less loopback connection as a superuser (see walrus.conninfo); the next cycle tries again.';
  RETURN failure;
END;`,
  }),
  sqlFunction({
    name: 'walrus.record',
    args: [
      { name: 'action', type: 'text' },
      { name: 'old_size_mb', type: 'integer' },
      { name: 'new_size_mb', type: 'integer' },
      { name: 'forced_checkpoints', type: 'bigint' },
      { name: 'checkpoint_timeout_sec', type: 'integer' },
      { name: 'reason', type: 'text' },
      { name: 'metadata', type: 'jsonb' },
      { name: 'profile', type: 'text', default: 'NULL' },
    ],
    returns: 'bigint',
    language: 'sql',
    volatility: 'volatile',
    audience: 'admin',
    doc: 'Appends one decision to walrus.history, with the profile in force and the timeline, and returns its id.',
    body: `
  INSERT INTO walrus.history (action, old_size_mb, new_size_mb, forced_checkpoints, checkpoint_timeout_sec, reason, metadata,
                              timeline_id, profile)
  VALUES ($1, $2, $3, $4, $5, $6, $7, walrus.current_timeline(), $8)
  RETURNING id`,
  }),
  sqlFunction({
    name: 'walrus.notify',
    args: [
      { name: 'channel', type: 'text' },
      { name: 'action', type: 'text' },
      { name: 'old_size_mb', type: 'integer' },
      { name: 'new_size_mb', type: 'integer' },
      { name: 'reason', type: 'text' },
      { name: 'top_statement', type: 'jsonb', default: 'NULL' },
    ],
    returns: 'void',
    language: 'plpgsql',
    volatility: 'volatile',
    audience: 'admin',
    doc:
      'Sends one event as JSON with pg_notify() (never a NOTIFY statement built from strings). The reason is cut ' +
      'to 1000 characters so the payload stays under the 8000-byte limit. The statement that wrote most of a ' +
      'growth\'s WAL is named by queryid and share only: any role may LISTEN, and query text is not for everyone. ' +
      'A failure is a WARNING, never an error.',
    body: `
BEGIN
  IF coalesce(channel, '') = '' THEN
    RETURN;
  END IF;
  PERFORM pg_catalog.pg_notify(channel, (jsonb_build_object(
    'event', walrus.notify_event(action),
    'action', action, 'old_size_mb', old_size_mb, 'new_size_mb', new_size_mb,
    'reason', left(reason, 1000), 'timestamp', now())
    || CASE WHEN top_statement IS NULL THEN '{}'::jsonb
            ELSE jsonb_build_object('top_wal_statement', jsonb_build_object('queryid', top_statement -> 'queryid',
                                                                            'share', top_statement -> 'share')) END)::text);
EXCEPTION WHEN OTHERS THEN
  RAISE WARNING 'pg_walrus: could not notify channel %: %', quote_literal(channel), SQLERRM;
END;`,
  }),
  sqlFunction({
    name: 'walrus.save_state',
    args: [
      { name: 'quiet', type: 'walrus.quiet_count' },
      { name: 'action', type: 'text' },
      { name: 'ema_wal_mb', type: 'double precision' },
      { name: 'forecast', type: 'walrus.forecast_state' },
      { name: 'loaded_profile', type: 'double precision[]' },
    ],
    returns: 'void',
    language: 'plpgsql',
    volatility: 'volatile',
    audience: 'admin',
    doc:
      'Updates walrus.state after a cycle: quiet intervals, counters, the time of the last adjustment, and what the ' +
      'forecast has learned (its scalars here, its profile in walrus.forecast_profile, where only the hours that ' +
      'differ from loaded_profile, the profile as the cycle read it, are written).',
    body: `
DECLARE
  learned double precision[] := (save_state.forecast).profile;
BEGIN
  INSERT INTO walrus.state AS s (quiet_intervals, quiet_carry_sec, cycles, increases, decreases, last_check_time,
                                 last_adjustment_time, ema_wal_mb, forecast_slot, forecast_learned_sec,
                                 forecast_window_peak, forecast_window_previous, forecast_window_age_sec,
                                 forecast_last_rate)
  VALUES ((save_state.quiet).intervals, (save_state.quiet).carry_sec, 1, walrus.is_growth(save_state.action)::int,
          walrus.is_shrink(save_state.action)::int, now(),
          CASE WHEN walrus.is_growth(save_state.action) OR walrus.is_shrink(save_state.action) THEN now() END,
          save_state.ema_wal_mb, (save_state.forecast).slot, (save_state.forecast).learned_sec,
          (save_state.forecast).window_peak, (save_state.forecast).window_previous,
          (save_state.forecast).window_age_sec, (save_state.forecast).last_rate)
  ON CONFLICT (singleton) DO UPDATE SET
    quiet_intervals = excluded.quiet_intervals,
    quiet_carry_sec = excluded.quiet_carry_sec,
    cycles = s.cycles + 1,
    increases = s.increases + excluded.increases,
    decreases = s.decreases + excluded.decreases,
    last_check_time = excluded.last_check_time,
    last_adjustment_time = coalesce(excluded.last_adjustment_time, s.last_adjustment_time),
    ema_wal_mb = excluded.ema_wal_mb,
    forecast_slot = excluded.forecast_slot,
    forecast_learned_sec = excluded.forecast_learned_sec,
    forecast_window_peak = excluded.forecast_window_peak,
    forecast_window_previous = excluded.forecast_window_previous,
    forecast_window_age_sec = excluded.forecast_window_age_sec,
    forecast_last_rate = excluded.forecast_last_rate;
  -- Only the hours that changed, within a cycle the current one: writing all 168 every minute would multiply a cycle's
  -- WAL, and a set-based diff against the table costs more than this loop. An hour without a row reads as 0, so one
  -- that stays 0 needs none; a forged value differs from its clean replacement and is overwritten.
  FOR h IN 0..167 LOOP
    IF learned[h + 1] IS DISTINCT FROM loaded_profile[h + 1] THEN
      INSERT INTO walrus.forecast_profile AS p (hour_of_week, need_mb_per_sec) VALUES (h, learned[h + 1])
      ON CONFLICT (hour_of_week) DO UPDATE SET need_mb_per_sec = excluded.need_mb_per_sec;
    END IF;
  END LOOP;
END;`,
  }),
  sqlFunction({
    name: 'walrus_analyze',
    returns: 'jsonb',
    language: 'plpgsql',
    volatility: 'volatile',
    audience: 'admin',
    // Operators (walrus.grant_operator) run the owner's cycle without any write access to the tables, so the audit
    // trail and the state the job reads can only be written by this function. Their session's SET walrus.* values
    // are ignored: a cycle they start acts on the server's settings, exactly as the job would.
    securityDefiner: true,
    doc:
      'Runs one pg_walrus cycle now, exactly as the pg_cron job does: samples the checkpoint counters, decides ' +
      '(growth, shrink, rate limits, dry-run), records the decision in walrus.history, applies it and sends a ' +
      'notification. Returns what was observed, decided and applied.',
    body: `
DECLARE
  cfg walrus.config;
  channel text;
  cur walrus.sample;
  prev walrus.sample;
  elapsed double precision;
  pressure walrus.pressure;
  input walrus.cycle_input;
  decision walrus.cycle_decision;
  observed jsonb;
  history_id bigint;
  failure text;
  recorded_size integer;
  recorded_in_force integer;
  last_timeline integer;
  failover walrus.failover_decision;
  advice text;
  statements jsonb;
  profile record;
  profile_name text;
  job_missing boolean;
  superuser_session boolean;
BEGIN
  IF NOT pg_catalog.pg_try_advisory_xact_lock(${CYCLE_LOCK_KEY}) THEN
    RETURN jsonb_build_object('analyzed', false, 'recommendation', NULL, 'applied', false, 'skipped', true,
      'reason', 'another walrus_analyze() is running; this call did nothing');
  END IF;
  IF pg_catalog.pg_is_in_recovery() THEN
    RETURN jsonb_build_object('analyzed', false, 'recommendation', NULL, 'applied', false, 'skipped', true,
      'reason', 'this server is a standby (in recovery); max_wal_size is managed on the primary');
  END IF;
  -- Only a superuser's own session may steer a cycle with SET walrus.*; anyone else gets the server's settings.
  superuser_session := coalesce((SELECT r.rolsuper FROM pg_catalog.pg_roles r WHERE r.rolname = session_user), false);
  cfg := walrus.read_config(true, superuser_session);
  -- The same holds for the zone an empty walrus.timezone stands for: an operator's SET TimeZone (or its client's) would
  -- otherwise pick the profile in force and the hour of the week the forecast learns into.
  IF NOT superuser_session AND coalesce(cfg.timezone, '') = '' THEN
    cfg.timezone := coalesce(walrus.server_setting('TimeZone'),
                             (SELECT s.boot_val FROM pg_catalog.pg_settings s WHERE s.name = 'TimeZone'));
  END IF;
  -- walrus.profiles: an invalid profile is ignored with a WARNING; the first one in force overrides the settings.
  FOR profile IN SELECT p.error FROM walrus.profile_list(cfg.profiles) p WHERE p.error IS NOT NULL LOOP
    RAISE WARNING 'pg_walrus: invalid walrus.profiles: %; that profile is ignored', profile.error;
  END LOOP;
  SELECT * INTO profile FROM walrus.active_profile(cfg.profiles, cfg.timezone, clock_timestamp());
  profile_name := profile.name;
  cfg := walrus.with_profile(cfg, profile.overrides);
  -- An empty walrus.notify_channel is the default channel (RESET leaves a placeholder empty): off is its own setting.
  channel := CASE WHEN cfg.notify THEN cfg.notify_channel END;
  PERFORM walrus.cleanup_history(cfg.history_retention_days);
  PERFORM walrus.ensure_schedule(cfg.algorithm);
  job_missing := walrus.cron_installed() AND NOT (walrus.job_info() ->> 'scheduled')::boolean;
  IF job_missing THEN
    RAISE WARNING 'pg_walrus: the pg_cron job ${JOB_NAME} is missing, so no cycle runs on schedule'
      USING HINT = 'SELECT walrus.schedule_job() creates it again.';
  END IF;
  cur := walrus.take_sample();
  SELECT * INTO prev FROM walrus.sample WHERE id < cur.id ORDER BY id DESC LIMIT 1;
  -- Every cycle refreshes the statement snapshot, so the next growth can name what wrote its interval's WAL.
  statements := walrus.wal_statements_since_last(pg_catalog.pg_wal_lsn_diff(cur.wal_lsn, prev.wal_lsn));
  observed := jsonb_build_object('requested_checkpoints', cur.requested_checkpoints,
    'timed_checkpoints', cur.timed_checkpoints, 'max_wal_size_mb', cur.max_wal_size_mb,
    'checkpoint_timeout_sec', cur.checkpoint_timeout_sec, 'wal_lsn', cur.wal_lsn::text);

  SELECT walrus.size_in_force_after(h.action, h.old_size_mb, h.new_size_mb), h.timeline_id
    INTO recorded_in_force, last_timeline
    FROM walrus.history h ORDER BY h.id DESC LIMIT 1;
  -- The first cycle on a new timeline (a promotion) restores the size the cluster had decided: ALTER SYSTEM was not
  -- replicated, the history was. The samples of the old timeline are not comparable, so this cycle is a baseline.
  failover := walrus.decide_failover(last_timeline, cur.timeline_id, recorded_in_force, cur.max_wal_size_mb,
                                     walrus.size_floor_mb(cur.wal_segment_mb, cur.min_wal_size_mb), cfg.max_mb);
  IF failover.failover THEN
    advice := walrus.advice(cfg);
    IF failover.apply AND advice <> '' THEN
      PERFORM walrus.record('advise', cur.max_wal_size_mb, failover.new_size_mb, 0, cur.checkpoint_timeout_sec,
        format('advice, not applied (%s): %s', advice, failover.reason), jsonb_build_object('observed', observed), profile_name);
      PERFORM walrus.notify(channel, 'advise', cur.max_wal_size_mb, failover.new_size_mb, failover.reason);
    ELSE
      history_id := walrus.record('failover', cur.max_wal_size_mb, failover.new_size_mb, 0, cur.checkpoint_timeout_sec,
        failover.reason, jsonb_build_object('observed', observed, 'previous_timeline', last_timeline), profile_name);
      RAISE LOG 'pg_walrus: %', failover.reason;
      IF failover.apply THEN
        failure := walrus.apply_recorded(history_id, cur.max_wal_size_mb, failover.new_size_mb, cfg.max_mb, cfg.conninfo);
      END IF;
      PERFORM walrus.notify(channel, CASE WHEN failure IS NULL THEN 'failover' ELSE 'error' END,
        cur.max_wal_size_mb, CASE WHEN failure IS NULL THEN failover.new_size_mb ELSE cur.max_wal_size_mb END,
        coalesce(failure, failover.reason));
      IF failure IS NULL THEN
        -- The rest of this cycle records the size now in force.
        cur.max_wal_size_mb := failover.new_size_mb;
      END IF;
    END IF;
  -- A size in force that no row explains was changed by hand, or applied by a cycle that died before it committed
  -- its row: recorded now, so the rate limits count it and the history stays a true account.
  ELSIF recorded_in_force IS DISTINCT FROM cur.max_wal_size_mb AND recorded_in_force IS NOT NULL THEN
    PERFORM walrus.record('external_change', recorded_in_force, cur.max_wal_size_mb, 0, cur.checkpoint_timeout_sec,
      format('max_wal_size is %s MB, but the last recorded decision left %s MB: changed outside pg_walrus (ALTER SYSTEM, '
             'a configuration file) or by a cycle that ended before recording it; counted as a change',
             cur.max_wal_size_mb, recorded_in_force),
      jsonb_build_object('observed', observed), profile_name);
    RAISE LOG 'pg_walrus: max_wal_size changed from % MB to % MB outside any recorded decision',
      recorded_in_force, cur.max_wal_size_mb;
  END IF;

  IF NOT cfg.enable THEN
    PERFORM walrus.record('skipped', cur.max_wal_size_mb, cur.max_wal_size_mb, 0, cur.checkpoint_timeout_sec,
      'walrus.enable is off', jsonb_build_object('observed', observed), profile_name);
    RETURN jsonb_build_object('analyzed', false, 'recommendation', NULL, 'applied', false, 'skipped', true,
      'reason', 'walrus.enable is off');
  END IF;

  -- Without a comparable previous sample the cumulative counters say nothing about one interval.
  IF NOT walrus.comparable(prev, cur) THEN
    PERFORM walrus.record('no_change', cur.max_wal_size_mb, cur.max_wal_size_mb, 0, cur.checkpoint_timeout_sec,
      'baseline: first sample, or the statistics were reset (or the server was promoted)',
      jsonb_build_object('observed', observed, 'baseline', true), profile_name);
    RETURN jsonb_build_object('analyzed', true, 'recommendation', NULL, 'baseline', true, 'observed', observed,
      'applied', failover.apply AND failure IS NULL AND coalesce(advice, '') = '',
      'reason', 'baseline: first sample, or the statistics were reset (or the server was promoted); the next cycle compares against it')
      || CASE WHEN failover.failover THEN jsonb_build_object('failover', to_jsonb(failover)) ELSE '{}'::jsonb END
      || CASE WHEN failure IS NULL THEN '{}'::jsonb ELSE jsonb_build_object('error', failure) END;
  END IF;

  elapsed := extract(epoch FROM cur.taken_at - prev.taken_at);
  pressure := walrus.interval_pressure(prev, cur);
  observed := observed || jsonb_build_object('requested_delta', pressure.requested, 'elapsed_sec',
    round(elapsed::numeric, 3), 'forced_per_interval', pressure.forced, 'pressure', to_jsonb(pressure));
  IF pressure.counted > 0 THEN
    RAISE LOG 'pg_walrus: detected % forced checkpoints over % seconds', pressure.counted, round(elapsed::numeric);
  END IF;
  IF pressure.ignored > 0 THEN
    RAISE LOG 'pg_walrus: %', pressure.reason;
  END IF;

  input := walrus.cycle_input(cfg, cur, pressure.forced, elapsed);
  decision := walrus.decide_cycle(input);
  recorded_size := walrus.recorded_new_size(decision.action, decision.old_size_mb, decision.new_size_mb);
  -- Recorded before anything is applied: the dblink change commits on its own and survives a rollback here.
  history_id := walrus.record(decision.action, decision.old_size_mb, recorded_size, pressure.forced,
    cur.checkpoint_timeout_sec, decision.reason,
    jsonb_build_object('observed', observed, 'proposed', decision.proposed, 'proposed_size_mb', decision.new_size_mb,
                       'quiet_intervals', (decision.quiet).intervals, 'algorithm', cfg.algorithm,
                       'wal_mb_per_interval', to_jsonb(input.wal), 'forecast_mb', decision.forecast_mb,
                       'forecast_reason', decision.forecast_reason)
    || CASE WHEN walrus.is_growth(decision.proposed) AND statements IS NOT NULL
            THEN jsonb_build_object('wal_statements', statements) ELSE '{}'::jsonb END, profile_name);
  IF decision.action = 'capped' THEN
    RAISE WARNING 'pg_walrus: %', decision.reason;
  ELSIF decision.action IN ('dry_run', 'advise', 'skipped') THEN
    RAISE LOG 'pg_walrus: % (max_wal_size stays % MB): %', decision.action, decision.old_size_mb, decision.reason;
  END IF;
  IF decision.apply THEN
    failure := walrus.apply_recorded(history_id, decision.old_size_mb, decision.new_size_mb, cfg.max_mb, cfg.conninfo);
  END IF;
  IF walrus.is_notified(decision.action) THEN
    PERFORM walrus.notify(channel, CASE WHEN failure IS NULL THEN decision.action ELSE 'error' END,
      decision.old_size_mb, CASE WHEN failure IS NULL THEN recorded_size ELSE decision.old_size_mb END,
      coalesce(failure, decision.reason),
      CASE WHEN walrus.is_growth(decision.proposed) THEN statements -> 0 END);
  END IF;
  -- What the forecast learned is kept whatever was decided or applied: it is the load's, not the size's.
  PERFORM walrus.save_state(CASE WHEN failure IS NULL THEN decision.quiet ELSE decision.quiet_if_unapplied END,
                            CASE WHEN failure IS NULL THEN decision.action ELSE 'error' END, (input.wal).ema_mb,
                            decision.forecast, (input.forecast).profile);
  -- The keys of the proposal's walrus_analyze(): analyzed, recommendation (what this cycle decided), applied. The
  -- learned state itself (168 hours) is walrus.forecast_profile's to show; forecast_mb and forecast_reason say it.
  RETURN jsonb_build_object('analyzed', true, 'observed', observed, 'recommendation', to_jsonb(decision) - 'forecast',
    'applied', decision.apply AND failure IS NULL)
    || CASE WHEN failure IS NULL THEN '{}'::jsonb ELSE jsonb_build_object('error', failure) END
    || CASE WHEN job_missing THEN jsonb_build_object('job_missing', true) ELSE '{}'::jsonb END;
END;`,
  }),
];
