import { CHANGE_ACTIONS } from '../schema';
import { sqlFunction } from '../sqlapi';

/** A fixed advisory-lock key ("walrus" in ASCII) so concurrent cycles exclude each other cluster-wide. */
export const CYCLE_LOCK_KEY = 0x77616c727573;

/** How many samples to keep: enough for rate statistics over days, small enough never to matter. */
export const SAMPLES_KEPT = 2000;


export const ANALYZE_FUNCTIONS = [
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
  s.max_wal_size_mb := walrus.setting_mb('max_wal_size');
  -- A session sees a reloaded setting only between commands, so one that applied a size itself (two calls of
  -- walrus_analyze() in one psql session) would still read the old value: trust a change applied since it loaded.
  s.max_wal_size_mb := coalesce((SELECT h.new_size_mb FROM walrus.history h
                                  WHERE h.action IN ('increase', 'decrease', 'capped')
                                    AND h."timestamp" > pg_catalog.pg_conf_load_time()
                                  ORDER BY h.id DESC LIMIT 1), s.max_wal_size_mb);
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
                             wal_segment_mb)
  VALUES (s.taken_at, s.requested_checkpoints, s.timed_checkpoints, s.stats_reset, s.wal_lsn, s.checkpoint_timeout_sec,
          s.checkpoint_completion_target, s.max_wal_size_mb, s.min_wal_size_mb, s.wal_segment_mb)
  RETURNING * INTO s;
  DELETE FROM walrus.sample WHERE id <= s.id - ${SAMPLES_KEPT};
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
  SELECT prev.id IS NOT NULL
     AND prev.stats_reset IS NOT DISTINCT FROM cur.stats_reset
     AND cur.requested_checkpoints >= prev.requested_checkpoints
     AND cur.timed_checkpoints >= prev.timed_checkpoints`,
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
    walrus.checkpoint_segments(least(prev.max_wal_size_mb, cur.max_wal_size_mb), cur.wal_segment_mb,
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
    SELECT taken_at, (bytes / 1048576 * checkpoint_timeout_sec / greatest(secs, checkpoint_timeout_sec))::double precision AS mb
      FROM d WHERE secs > 0 AND bytes >= 0
     ORDER BY taken_at DESC LIMIT greatest(intervals, 1)
  )
  SELECT coalesce(array_agg(mb ORDER BY taken_at), '{}') FROM recent`,
  }),
  sqlFunction({
    name: 'walrus.cycle_wal_stats',
    args: [
      { name: 'cfg', type: 'walrus.config' },
      { name: 'cur', type: 'walrus.sample' },
    ],
    returns: 'walrus.wal_stats',
    language: 'sql',
    volatility: 'stable',
    audience: 'monitor',
    doc: 'The WAL statistics a cycle sizes from: this interval, the moving average, the percentile and the recent peak.',
    body: `
  SELECT walrus.wal_stats(walrus.wal_window(cur, cfg.sample_window), (SELECT ema_wal_mb FROM walrus.state),
                          cfg.ema_alpha, cfg.target_percentile, cfg.shrink_intervals)`,
  }),
  sqlFunction({
    name: 'walrus.cycle_input',
    args: [
      { name: 'cfg', type: 'walrus.config' },
      { name: 'cur', type: 'walrus.sample' },
      { name: 'forced', type: 'integer' },
    ],
    returns: 'walrus.cycle_input',
    language: 'sql',
    volatility: 'stable',
    audience: 'monitor',
    doc:
      'Everything decide_cycle() needs: the sample, the settings, the quiet intervals from walrus.state, the ' +
      'rate-limit window computed from persisted history (so limits survive restarts), and the WAL statistics.',
    body: `
  SELECT ROW(
    cur.max_wal_size_mb, forced, walrus.size_floor_mb(cur.wal_segment_mb, cur.min_wal_size_mb),
    cfg.threshold, cfg.max_mb, cfg.shrink_enable, cfg.shrink_factor, cfg.shrink_intervals, cfg.min_size_mb,
    cfg.dry_run, cfg.cooldown_sec, cfg.max_changes_per_hour,
    coalesce((SELECT quiet_intervals FROM walrus.state), 0),
    (SELECT count(*) FROM walrus.history
      WHERE action IN ${CHANGE_ACTIONS} AND "timestamp" > now() - interval '60 minutes')::integer,
    (SELECT extract(epoch FROM now() - max("timestamp"))::double precision FROM walrus.history
      WHERE action IN ${CHANGE_ACTIONS}),
    cfg.algorithm, cfg.additive_increment_mb, cur.checkpoint_completion_target, cur.wal_segment_mb, cfg.headroom,
    cfg.proactive, walrus.cycle_wal_stats(cfg, cur)
  )::walrus.cycle_input`,
  }),
  sqlFunction({
    name: 'walrus.record',
    args: [
      { name: 'action', type: 'text' },
      { name: 'old_size_mb', type: 'integer' },
      { name: 'new_size_mb', type: 'integer' },
      { name: 'forced_checkpoints', type: 'integer' },
      { name: 'checkpoint_timeout_sec', type: 'integer' },
      { name: 'reason', type: 'text' },
      { name: 'metadata', type: 'jsonb' },
    ],
    returns: 'bigint',
    language: 'sql',
    volatility: 'volatile',
    audience: 'admin',
    doc: 'Appends one decision to walrus.history and returns its id.',
    body: `
  INSERT INTO walrus.history (action, old_size_mb, new_size_mb, forced_checkpoints, checkpoint_timeout_sec, reason, metadata)
  VALUES ($1, $2, $3, $4, $5, $6, $7)
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
    ],
    returns: 'void',
    language: 'plpgsql',
    volatility: 'volatile',
    audience: 'admin',
    doc:
      'Sends one event as JSON with pg_notify() (never a NOTIFY statement built from strings). The reason is cut ' +
      'to 1000 characters so the payload stays under the 8000-byte limit. A failure is a WARNING, never an error.',
    body: `
BEGIN
  IF coalesce(channel, '') = '' THEN
    RETURN;
  END IF;
  PERFORM pg_catalog.pg_notify(channel, jsonb_build_object(
    'event', CASE WHEN action IN ('increase', 'decrease', 'capped') THEN 'resize' ELSE action END,
    'action', action, 'old_size_mb', old_size_mb, 'new_size_mb', new_size_mb,
    'reason', left(reason, 1000), 'timestamp', now())::text);
EXCEPTION WHEN OTHERS THEN
  RAISE WARNING 'pg_walrus: could not notify channel %: %', quote_literal(channel), SQLERRM;
END;`,
  }),
  sqlFunction({
    name: 'walrus.save_state',
    args: [
      { name: 'quiet', type: 'integer' },
      { name: 'action', type: 'text' },
      { name: 'ema_wal_mb', type: 'double precision' },
    ],
    returns: 'void',
    language: 'sql',
    volatility: 'volatile',
    audience: 'admin',
    doc: 'Updates walrus.state after a cycle: quiet intervals, counters and the time of the last adjustment.',
    body: `
  INSERT INTO walrus.state AS s (quiet_intervals, cycles, increases, decreases, last_check_time, last_adjustment_time,
                                 ema_wal_mb)
  VALUES (quiet, 1, (action IN ('increase', 'capped'))::int, (action = 'decrease')::int, now(),
          CASE WHEN action IN ('increase', 'capped', 'decrease') THEN now() END, ema_wal_mb)
  ON CONFLICT (singleton) DO UPDATE SET
    quiet_intervals = excluded.quiet_intervals,
    cycles = s.cycles + 1,
    increases = s.increases + excluded.increases,
    decreases = s.decreases + excluded.decreases,
    last_check_time = excluded.last_check_time,
    last_adjustment_time = coalesce(excluded.last_adjustment_time, s.last_adjustment_time),
    ema_wal_mb = excluded.ema_wal_mb`,
  }),
  sqlFunction({
    name: 'walrus_analyze',
    returns: 'jsonb',
    language: 'plpgsql',
    volatility: 'volatile',
    audience: 'admin',
    doc:
      'Runs one pg_walrus cycle now, exactly as the pg_cron job does: samples the checkpoint counters, decides ' +
      '(growth, shrink, rate limits, dry-run), records the decision in walrus.history, applies it and sends a ' +
      'notification. Returns what was observed, decided and applied.',
    body: `
DECLARE
  cfg walrus.config;
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
BEGIN
  IF NOT pg_catalog.pg_try_advisory_xact_lock(${CYCLE_LOCK_KEY}) THEN
    RETURN jsonb_build_object('analyzed', false, 'skipped', true,
      'reason', 'another walrus_analyze() is running; this call did nothing');
  END IF;
  IF pg_catalog.pg_is_in_recovery() THEN
    RETURN jsonb_build_object('analyzed', false, 'skipped', true,
      'reason', 'this server is a standby (in recovery); max_wal_size is managed on the primary');
  END IF;
  cfg := walrus.read_config(true);
  PERFORM walrus.cleanup_history();
  PERFORM walrus.ensure_schedule();
  cur := walrus.take_sample();
  SELECT * INTO prev FROM walrus.sample WHERE id < cur.id ORDER BY id DESC LIMIT 1;
  observed := jsonb_build_object('requested_checkpoints', cur.requested_checkpoints,
    'timed_checkpoints', cur.timed_checkpoints, 'max_wal_size_mb', cur.max_wal_size_mb,
    'checkpoint_timeout_sec', cur.checkpoint_timeout_sec, 'wal_lsn', cur.wal_lsn::text);

  IF NOT cfg.enable THEN
    PERFORM walrus.record('skipped', cur.max_wal_size_mb, cur.max_wal_size_mb, 0, cur.checkpoint_timeout_sec,
      'walrus.enable is off', jsonb_build_object('observed', observed));
    RETURN jsonb_build_object('analyzed', false, 'skipped', true, 'reason', 'walrus.enable is off');
  END IF;

  -- Without a comparable previous sample the cumulative counters say nothing about one interval.
  IF NOT walrus.comparable(prev, cur) THEN
    PERFORM walrus.record('no_change', cur.max_wal_size_mb, cur.max_wal_size_mb, 0, cur.checkpoint_timeout_sec,
      'baseline: first sample, or the statistics were reset', jsonb_build_object('observed', observed, 'baseline', true));
    RETURN jsonb_build_object('analyzed', true, 'baseline', true, 'observed', observed, 'applied', false,
      'reason', 'baseline: first sample, or the statistics were reset; the next cycle compares against it');
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

  input := walrus.cycle_input(cfg, cur, pressure.forced);
  decision := walrus.decide_cycle(input);
  -- A dry-run row shows the size live mode would apply; a skipped row keeps the size it did not change.
  recorded_size := CASE WHEN decision.action = 'skipped' THEN decision.old_size_mb ELSE decision.new_size_mb END;
  -- Recorded before anything is applied: the dblink change commits on its own and survives a rollback here.
  history_id := walrus.record(decision.action, decision.old_size_mb, recorded_size, pressure.forced,
    cur.checkpoint_timeout_sec, decision.reason,
    jsonb_build_object('observed', observed, 'proposed', decision.proposed, 'proposed_size_mb', decision.new_size_mb,
                       'quiet_intervals', decision.quiet_intervals, 'algorithm', cfg.algorithm,
                       'wal_mb_per_interval', to_jsonb(input.wal)));
  IF decision.action = 'capped' THEN
    RAISE WARNING 'pg_walrus: %', decision.reason;
  ELSIF decision.action IN ('dry_run', 'skipped') THEN
    RAISE LOG 'pg_walrus: % (max_wal_size stays % MB): %', decision.action, decision.old_size_mb, decision.reason;
  END IF;
  IF decision.apply THEN
    RAISE LOG 'pg_walrus: resizing max_wal_size from % MB to % MB', decision.old_size_mb, decision.new_size_mb;
    BEGIN
      PERFORM walrus.apply_max_wal_size(decision.new_size_mb, cfg.conninfo);
    EXCEPTION WHEN OTHERS THEN
      failure := walrus.mask_conninfo(SQLERRM);
    END;
  END IF;
  IF failure IS NOT NULL THEN
    UPDATE walrus.history SET action = 'error',
           reason = format('could not apply max_wal_size = %s MB (%s): %s', decision.new_size_mb, decision.reason, failure),
           new_size_mb = decision.old_size_mb,
           metadata = metadata || jsonb_build_object('error', failure, 'intended_size_mb', decision.new_size_mb)
     WHERE id = history_id;
    RAISE WARNING 'pg_walrus: could not apply max_wal_size = % MB: %', decision.new_size_mb, failure
      USING HINT = 'pg_walrus needs dblink and a password-less loopback connection as a superuser (see walrus.conninfo); the next cycle tries again.';
  END IF;
  IF decision.action <> 'no_change' THEN
    PERFORM walrus.notify(cfg.notify_channel, CASE WHEN failure IS NULL THEN decision.action ELSE 'error' END,
      decision.old_size_mb, CASE WHEN failure IS NULL THEN recorded_size ELSE decision.old_size_mb END,
      coalesce(failure, decision.reason));
  END IF;
  -- A failed change leaves the quiet count where decide_cycle put it; the next cycle decides again from scratch.
  PERFORM walrus.save_state(decision.quiet_intervals, CASE WHEN failure IS NULL THEN decision.action ELSE 'error' END,
                            (input.wal).ema_mb);
  RETURN jsonb_build_object('analyzed', true, 'observed', observed, 'decision', to_jsonb(decision),
    'applied', decision.apply AND failure IS NULL)
    || CASE WHEN failure IS NULL THEN '{}'::jsonb ELSE jsonb_build_object('error', failure) END;
END;`,
  }),
];
