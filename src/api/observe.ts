import { sqlFunction } from '../sqlapi';
import { JOB_NAME } from './schedule';

/** Read-only functions for DBAs and monitoring (pg_monitor). None of them writes anything. */
export const OBSERVE_FUNCTIONS = [
  sqlFunction({
    name: 'walrus.job_info',
    returns: 'jsonb',
    language: 'plpgsql',
    volatility: 'stable',
    audience: 'monitor',
    // pg_cron's row-level security hides a superuser's job from monitoring roles; this reads only that one job.
    securityDefiner: true,
    doc: `The pg_cron job ${JOB_NAME}: id, schedule, whether it is active, and its last run; or why there is none.`,
    body: `
DECLARE
  job jsonb;
BEGIN
  IF NOT EXISTS (SELECT FROM pg_catalog.pg_extension WHERE extname = 'pg_cron') THEN
    RETURN jsonb_build_object('scheduled', false,
      'reason', 'pg_cron is not installed in this database; run SELECT walrus_analyze() from another scheduler');
  END IF;
  EXECUTE $q$
    SELECT jsonb_build_object('scheduled', true, 'job_id', j.jobid, 'schedule', j.schedule, 'active', j.active,
             'username', j.username, 'last_run_status', r.status, 'last_run_time', r.end_time,
             'last_run_message', left(r.return_message, 500))
      FROM cron.job j
      LEFT JOIN LATERAL (SELECT d.status, d.end_time, d.return_message FROM cron.job_run_details d
                          WHERE d.jobid = j.jobid ORDER BY d.runid DESC LIMIT 1) r ON true
     WHERE j.jobname = $1
     ORDER BY j.jobid LIMIT 1 $q$ INTO job USING '${JOB_NAME}';
  RETURN coalesce(job, jsonb_build_object('scheduled', false,
    'reason', 'no pg_cron job named ${JOB_NAME}; SELECT walrus.schedule_job() creates it'));
END;`,
  }),
  sqlFunction({
    name: 'walrus.patroni_managed',
    returns: 'boolean',
    language: 'plpgsql',
    volatility: 'stable',
    audience: 'monitor',
    doc:
      'Whether Patroni appears to manage this server: it renames the original configuration to ' +
      'postgresql.base.conf and includes it, and its own connections call themselves Patroni.',
    body: `
BEGIN
  IF EXISTS (SELECT FROM pg_catalog.pg_stat_activity WHERE application_name LIKE 'Patroni%') THEN
    RETURN true;
  END IF;
  -- pg_file_settings is for pg_read_all_settings (pg_monitor has it); for anyone else the answer rests on the above.
  IF pg_catalog.has_function_privilege('pg_catalog.pg_show_all_file_settings()', 'EXECUTE') THEN
    RETURN EXISTS (SELECT FROM pg_catalog.pg_file_settings WHERE sourcefile LIKE '%/postgresql.base.conf');
  END IF;
  RETURN false;
END;`,
  }),
  sqlFunction({
    name: 'walrus.restartpoints_requested',
    returns: 'bigint',
    language: 'plpgsql',
    volatility: 'stable',
    audience: 'monitor',
    doc:
      'Restartpoints requested on a standby: pg_stat_checkpointer.restartpoints_req from PostgreSQL 17, the ' +
      'requested-checkpoint counter (which counts them on a standby) before. Reported, never acted on.',
    body: `
DECLARE
  n bigint;
BEGIN
  IF to_regclass('pg_catalog.pg_stat_checkpointer') IS NOT NULL THEN
    EXECUTE 'SELECT restartpoints_req FROM pg_catalog.pg_stat_checkpointer' INTO n;
  ELSE
    EXECUTE 'SELECT checkpoints_req FROM pg_catalog.pg_stat_bgwriter' INTO n;
  END IF;
  RETURN n;
END;`,
  }),
  sqlFunction({
    name: 'walrus.replication_status',
    args: [{ name: 'cur', type: 'walrus.sample' }],
    returns: 'jsonb',
    language: 'sql',
    volatility: 'stable',
    audience: 'monitor',
    doc:
      'This server against the cluster: its timeline, the size the cluster last decided (the replicated history) and ' +
      'the size in force here, and on a standby what a promotion will do and the restartpoint pressure.',
    body: `
  SELECT jsonb_build_object('in_recovery', pg_catalog.pg_is_in_recovery(), 'timeline', cur.timeline_id,
           'local_max_wal_size_mb', cur.max_wal_size_mb, 'cluster_decided_mb', d.size_mb,
           'differs', d.size_mb IS NOT NULL AND d.size_mb <> cur.max_wal_size_mb)
      || CASE WHEN pg_catalog.pg_is_in_recovery()
              THEN jsonb_build_object('at_promotion', walrus.promotion_outlook(cur.max_wal_size_mb, d.size_mb),
                                      'restartpoints_requested', walrus.restartpoints_requested())
              ELSE '{}'::jsonb END
    FROM (SELECT NULL) AS nothing
    LEFT JOIN LATERAL (SELECT walrus.size_in_force_after(h.action, h.old_size_mb, h.new_size_mb) AS size_mb
                         FROM walrus.history h ORDER BY h.id DESC LIMIT 1) AS d ON true`,
  }),
  sqlFunction({
    name: 'walrus.apply_check',
    returns: 'jsonb',
    language: 'sql',
    volatility: 'stable',
    audience: 'monitor',
    doc:
      'Whether cycles can apply a size: a primary, allow_alter_system not off (PostgreSQL 17+), dblink installed, ' +
      'and the role that runs them (the job owner, else the current user) a superuser or granted ALTER SYSTEM on ' +
      'max_wal_size.',
    body: `
  -- MATERIALIZED: inlined, every reference to a column repeated the job lookup (16 calls a cycle, a fifth of its time).
  WITH runner AS MATERIALIZED (
    SELECT coalesce((walrus.job_info() ->> 'username'), current_user) AS name
  ), facts AS MATERIALIZED (
    SELECT EXISTS (SELECT FROM pg_catalog.pg_extension WHERE extname = 'dblink') AS dblink,
           coalesce((SELECT r.rolsuper OR pg_catalog.has_parameter_privilege(r.oid, 'max_wal_size', 'ALTER SYSTEM')
                       FROM pg_catalog.pg_roles r WHERE r.rolname = runner.name), false) AS role_allowed,
           runner.name AS role,
           pg_catalog.pg_is_in_recovery() AS standby,
           -- allow_alter_system exists from PostgreSQL 17 (NULL before: always allowed).
           pg_catalog.current_setting('allow_alter_system', true) IS DISTINCT FROM 'off' AS alter_system,
           walrus.patroni_managed() AS patroni
      FROM runner
  )
  SELECT jsonb_build_object('possible', dblink AND role_allowed AND NOT standby AND alter_system AND NOT patroni,
    'dblink_installed', dblink, 'role', role, 'role_allowed', role_allowed, 'standby', standby,
    'alter_system_allowed', alter_system, 'patroni', patroni,
    'reason', CASE WHEN standby THEN 'this server is a standby: ALTER SYSTEM here is not replicated, and cycles act only on the primary'
                   WHEN patroni THEN 'Patroni manages this server and overrides ALTER SYSTEM from its DCS: apply with patronictl edit-config (walrus_recommendation() has the command)'
                   WHEN NOT alter_system THEN 'allow_alter_system is off: ALTER SYSTEM is disabled on this server, so cycles only record what they would apply'
                   WHEN NOT dblink THEN 'dblink is not installed: CREATE EXTENSION dblink'
                   WHEN NOT role_allowed THEN format('role %s may not ALTER SYSTEM SET max_wal_size', role)
                   ELSE 'ok' END)
  FROM facts`,
  }),
  sqlFunction({
    name: 'walrus_status',
    returns: 'jsonb',
    language: 'plpgsql',
    volatility: 'stable',
    audience: 'monitor',
    doc:
      'The state of pg_walrus in one JSON value: settings in force, current size, quiet intervals, last check and ' +
      'adjustment, rate-limit state, the pg_cron job, whether applying is possible, what the forecast expects, and ' +
      'any invalid settings.',
    body: `
DECLARE
  cfg walrus.config := walrus.profiled_config(walrus.read_config(false));
  now_counters walrus.sample := walrus.read_counters();
  input walrus.cycle_input := walrus.cycle_input(cfg, now_counters, 0, 0);
  -- The stored forecast seen from this hour, exactly as a cycle now would see it (nothing is written).
  decision walrus.cycle_decision := walrus.decide_cycle(input);
  job jsonb := walrus.job_info();
  st walrus.state;
BEGIN
  SELECT * INTO st FROM walrus.state;
  RETURN jsonb_build_object(
    'enabled', cfg.enable,
    'dry_run', cfg.dry_run,
    'current_max_wal_size_mb', now_counters.max_wal_size_mb,
    'configured_maximum_mb', cfg.max_mb,
    'min_size_mb', cfg.min_size_mb,
    'threshold', cfg.threshold,
    'checkpoint_timeout_sec', now_counters.checkpoint_timeout_sec,
    -- The proposal's background worker is the pg_cron job: it exists, is active, and its last run did not fail.
    'worker_running', coalesce((job ->> 'scheduled')::boolean AND (job ->> 'active')::boolean
                               AND (job ->> 'last_run_status') IS DISTINCT FROM 'failed', false),
    'shrink_enabled', cfg.shrink_enable,
    'shrink_factor', cfg.shrink_factor,
    'shrink_intervals', cfg.shrink_intervals,
    'quiet_intervals', coalesce(st.quiet_intervals, 0),
    'last_check_time', st.last_check_time,
    'last_adjustment_time', st.last_adjustment_time,
    'total_adjustments', coalesce(st.increases + st.decreases, 0),
    'total_increases', coalesce(st.increases, 0),
    'total_decreases', coalesce(st.decreases, 0),
    'cycles', coalesce(st.cycles, 0),
    'at_ceiling', walrus.at_ceiling(now_counters.max_wal_size_mb, cfg.max_mb, input.floor_mb),
    'rate_limit', jsonb_build_object(
      'cooldown_sec', cfg.cooldown_sec,
      'cooldown_remaining_sec', walrus.cooldown_remaining_sec(cfg.cooldown_sec, input.seconds_since_change),
      'changes_last_hour', input.changes_last_hour,
      'max_changes_per_hour', cfg.max_changes_per_hour,
      'limit_reached', walrus.rate_limit_reason(input) <> '',
      'reason', nullif(walrus.rate_limit_reason(input), '')),
    'cron_job', job,
    'apply', walrus.apply_check(),
    'advice', nullif(input.advise_reason, ''),
    'forecast_mb', decision.forecast_mb,
    'forecast_reason', decision.forecast_reason,
    'forecast_learned_sec', round(coalesce(st.forecast_learned_sec, 0)::numeric),
    'replication', walrus.replication_status(now_counters),
    'profile', (SELECT jsonb_build_object('active', a.name, 'overrides', a.overrides, 'next', a.next_name,
                                          'next_starts_at', a.next_start,
                                          'errors', coalesce((SELECT jsonb_agg(p.error ORDER BY p.ordinal)
                                                                FROM walrus.profile_list(cfg.profiles) p
                                                               WHERE p.error IS NOT NULL), '[]'::jsonb))
                  FROM walrus.active_profile(cfg.profiles, cfg.timezone, clock_timestamp()) a),
    'invalid_settings', coalesce((SELECT jsonb_agg(jsonb_build_object('name', s.name, 'value', walrus.quote_value(s.raw_value),
                                                                       'error', s.error) ORDER BY s.name)
                                    FROM walrus.setting_report() s WHERE NOT s.valid), '[]'::jsonb));
END;`,
  }),
  sqlFunction({
    name: 'walrus_history',
    args: [
      { name: 'since', type: 'timestamptz', default: 'NULL' },
      { name: 'max_rows', type: 'integer', default: '100' },
      { name: 'only_action', type: 'text', default: 'NULL' },
    ],
    returns:
      'TABLE ("timestamp" timestamptz, action text, old_size_mb integer, new_size_mb integer, ' +
      'forced_checkpoints bigint, reason text, wal_statements jsonb, profile text)',
    language: 'sql',
    volatility: 'stable',
    audience: 'monitor',
    doc:
      'The newest decisions first, at most max_rows of them (default 100), optionally only those since a time ' +
      'or of one action, with the statements that wrote most of a growth\'s WAL (pg_stat_statements; query text ' +
      'as far as the caller may see it). Reads through the timestamp index; never the whole table.',
    body: `
  SELECT h."timestamp", h.action, h.old_size_mb, h.new_size_mb, h.forced_checkpoints, h.reason,
         walrus.describe_statements(h.metadata -> 'wal_statements'), h.profile
    FROM walrus.history h
   WHERE (since IS NULL OR h."timestamp" >= since)
     AND (only_action IS NULL OR h.action = only_action)
   ORDER BY h."timestamp" DESC, h.id DESC
   LIMIT greatest(coalesce(max_rows, 100), 0)`,
  }),
  sqlFunction({
    name: 'walrus_recommendation',
    returns: 'jsonb',
    language: 'plpgsql',
    volatility: 'stable',
    audience: 'monitor',
    doc:
      'What the next cycle would do if it ran now: current and recommended size, action (increase, decrease, none), ' +
      'reason and confidence. Strictly read-only: it writes no row, changes no state and applies nothing.',
    body: `
DECLARE
  cfg walrus.config := walrus.profiled_config(walrus.read_config(false));
  cur walrus.sample := walrus.read_counters();
  prev walrus.sample;
  elapsed double precision;
  pressure walrus.pressure;
  input walrus.cycle_input;
  decision walrus.cycle_decision;
BEGIN
  SELECT * INTO prev FROM walrus.sample ORDER BY id DESC LIMIT 1;
  IF NOT walrus.comparable(prev, cur) THEN
    -- The forecast is the stored profile's, not the counters': it has an answer before any comparable sample.
    decision := walrus.decide_cycle(walrus.cycle_input(cfg, cur, 0, 0));
    RETURN jsonb_build_object('current_size_mb', cur.max_wal_size_mb, 'recommended_size_mb', cur.max_wal_size_mb,
      'action', 'none', 'confidence', 'none',
      'reason', 'no comparable sample yet: the next cycle takes a baseline',
      'forecast_mb', decision.forecast_mb, 'forecast_reason', decision.forecast_reason);
  END IF;
  elapsed := extract(epoch FROM cur.taken_at - prev.taken_at);
  pressure := walrus.interval_pressure(prev, cur);
  input := walrus.cycle_input(cfg, cur, pressure.forced, elapsed);
  decision := walrus.decide_cycle(input);
  RETURN jsonb_build_object(
    'current_size_mb', cur.max_wal_size_mb,
    'recommended_size_mb', decision.new_size_mb,
    'action', walrus.recommendation_action(decision.new_size_mb, cur.max_wal_size_mb),
    'would_record', decision.action,
    'advice', nullif(input.advise_reason, ''),
    -- Where pg_walrus does not apply (advice, HA managers, managed services), these set the recommended size.
    'commands', to_jsonb(walrus.provider_commands(decision.new_size_mb)),
    'forced_checkpoints', pressure.forced,
    'pressure', pressure.reason,
    'reason', decision.reason,
    'forecast_mb', decision.forecast_mb,
    'forecast_reason', decision.forecast_reason,
    'confidence', walrus.confidence(elapsed, cur.checkpoint_timeout_sec));
END;`,
  }),
  sqlFunction({
    name: 'walrus_wal_rate',
    returns: 'jsonb',
    language: 'plpgsql',
    volatility: 'stable',
    audience: 'monitor',
    doc:
      'WAL generation: since the last sample, the moving average, the percentile and the recent peak, in bytes per ' +
      'second and MB per checkpoint_timeout, and how much of the distance that forces a checkpoint the current ' +
      'max_wal_size leaves.',
    body: `
DECLARE
  cfg walrus.config := walrus.profiled_config(walrus.read_config(false));
  cur walrus.sample := walrus.read_counters();
  -- The whole sample window, whatever the algorithm: a report, not a cycle.
  stats walrus.wal_stats := walrus.cycle_wal_stats(cfg, cur, cfg.sample_window);
  ema double precision := (SELECT ema_wal_mb FROM walrus.state);
  per_second double precision := 1048576.0 / cur.checkpoint_timeout_sec;
  distance_mb integer := walrus.checkpoint_segments(cur.max_wal_size_mb, cur.wal_segment_mb,
                                                    cur.checkpoint_completion_target) * cur.wal_segment_mb;
BEGIN
  RETURN jsonb_build_object(
    'checkpoint_timeout_sec', cur.checkpoint_timeout_sec,
    'current_mb_per_interval', round(stats.current_mb::numeric, 3),
    'current_bytes_per_sec', round((stats.current_mb * per_second)::numeric),
    'ema_mb_per_interval', round(ema::numeric, 3),
    'ema_bytes_per_sec', round((ema * per_second)::numeric),
    'percentile', cfg.target_percentile,
    'percentile_mb_per_interval', round(stats.percentile_mb::numeric, 3),
    'percentile_bytes_per_sec', round((stats.percentile_mb * per_second)::numeric),
    'recent_peak_mb_per_interval', round(stats.recent_peak_mb::numeric, 3),
    'intervals_in_window', cardinality(walrus.wal_window(cur, cfg.sample_window)),
    'max_wal_size_mb', cur.max_wal_size_mb,
    'trigger_distance_mb', distance_mb,
    'trigger_usage', round(walrus.trigger_usage(stats.current_mb, cur.checkpoint_completion_target,
                                               cur.max_wal_size_mb, cur.wal_segment_mb)::numeric, 3),
    'size_for_current_mb', walrus.size_for_wal(stats.current_mb, cur.checkpoint_completion_target, cfg.headroom,
                                               cur.wal_segment_mb, 2147483647));
END;`,
  }),
];
