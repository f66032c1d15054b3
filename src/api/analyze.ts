import { sqlFunction } from '../sqlapi';

/** A fixed advisory-lock key ("walrus" in ASCII) so concurrent cycles exclude each other cluster-wide. */
export const CYCLE_LOCK_KEY = 0x77616c727573;

/** How many samples to keep: enough for rate statistics over days, small enough never to matter. */
export const SAMPLES_KEPT = 2000;

export const ANALYZE_FUNCTIONS = [
  sqlFunction({
    name: 'walrus.take_sample',
    returns: 'walrus.sample',
    language: 'plpgsql',
    volatility: 'volatile',
    audience: 'admin',
    doc: 'Stores the checkpoint counters, WAL position and sizing settings as a new walrus.sample row.',
    body: `
DECLARE
  s walrus.sample;
BEGIN
  -- Statistics are cached per transaction; a cycle must see the counters as they are now.
  PERFORM pg_catalog.pg_stat_clear_snapshot();
  -- pg_stat_checkpointer replaced the pg_stat_bgwriter columns in PostgreSQL 17; look the view up at run time.
  IF to_regclass('pg_catalog.pg_stat_checkpointer') IS NOT NULL THEN
    EXECUTE 'SELECT num_requested, num_timed, stats_reset FROM pg_catalog.pg_stat_checkpointer'
      INTO s.requested_checkpoints, s.timed_checkpoints, s.stats_reset;
  ELSE
    EXECUTE 'SELECT checkpoints_req, checkpoints_timed, stats_reset FROM pg_catalog.pg_stat_bgwriter'
      INTO s.requested_checkpoints, s.timed_checkpoints, s.stats_reset;
  END IF;
  INSERT INTO walrus.sample (requested_checkpoints, timed_checkpoints, stats_reset, wal_lsn, checkpoint_timeout_sec,
                             checkpoint_completion_target, max_wal_size_mb, min_wal_size_mb, wal_segment_mb)
  VALUES (s.requested_checkpoints, s.timed_checkpoints, s.stats_reset, pg_catalog.pg_current_wal_lsn(),
          (SELECT setting::integer FROM pg_catalog.pg_settings WHERE name = 'checkpoint_timeout'),
          current_setting('checkpoint_completion_target')::double precision,
          (SELECT setting::integer FROM pg_catalog.pg_settings WHERE name = 'max_wal_size'),
          (SELECT setting::integer FROM pg_catalog.pg_settings WHERE name = 'min_wal_size'),
          (pg_size_bytes(current_setting('wal_segment_size')) / 1048576)::integer)
  RETURNING * INTO s;
  DELETE FROM walrus.sample WHERE id <= s.id - ${SAMPLES_KEPT};
  RETURN s;
END;`,
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
    name: 'walrus_analyze',
    returns: 'jsonb',
    language: 'plpgsql',
    volatility: 'volatile',
    audience: 'admin',
    doc:
      'Runs one pg_walrus cycle now, exactly as the pg_cron job does: samples the checkpoint counters, decides, ' +
      'records the decision in walrus.history and applies it. Returns what was observed, decided and applied.',
    body: `
DECLARE
  cfg walrus.config;
  cur walrus.sample;
  prev walrus.sample;
  elapsed double precision;
  delta bigint;
  forced integer;
  decision walrus.growth_decision;
  observed jsonb;
  history_id bigint;
  failure text;
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
  IF NOT cfg.enable THEN
    RETURN jsonb_build_object('analyzed', false, 'skipped', true, 'reason', 'walrus.enable is off');
  END IF;
  PERFORM walrus.ensure_schedule();

  cur := walrus.take_sample();
  SELECT * INTO prev FROM walrus.sample WHERE id < cur.id ORDER BY id DESC LIMIT 1;
  observed := jsonb_build_object('requested_checkpoints', cur.requested_checkpoints,
    'timed_checkpoints', cur.timed_checkpoints, 'max_wal_size_mb', cur.max_wal_size_mb,
    'checkpoint_timeout_sec', cur.checkpoint_timeout_sec, 'wal_lsn', cur.wal_lsn::text);

  -- Without a comparable previous sample the cumulative counters say nothing about one interval.
  IF prev.id IS NULL OR prev.stats_reset IS DISTINCT FROM cur.stats_reset
     OR cur.requested_checkpoints < prev.requested_checkpoints OR cur.timed_checkpoints < prev.timed_checkpoints THEN
    PERFORM walrus.record('no_change', cur.max_wal_size_mb, cur.max_wal_size_mb, 0, cur.checkpoint_timeout_sec,
      'baseline: first sample, or the statistics were reset', jsonb_build_object('observed', observed, 'baseline', true));
    RETURN jsonb_build_object('analyzed', true, 'baseline', true, 'observed', observed, 'applied', false,
      'reason', 'baseline: first sample, or the statistics were reset; the next cycle compares against it');
  END IF;

  elapsed := extract(epoch FROM cur.taken_at - prev.taken_at);
  delta := cur.requested_checkpoints - prev.requested_checkpoints;
  forced := walrus.forced_per_interval(delta, cur.checkpoint_timeout_sec, elapsed);
  observed := observed || jsonb_build_object('requested_delta', delta, 'elapsed_sec', round(elapsed::numeric, 3),
    'forced_per_interval', forced);
  IF delta > 0 THEN
    RAISE LOG 'pg_walrus: detected % forced checkpoints over % seconds', delta, round(elapsed::numeric);
  END IF;

  decision := walrus.decide_growth(cur.max_wal_size_mb, forced, cfg.threshold, cfg.max_mb,
                                   walrus.size_floor_mb(cur.wal_segment_mb, cur.min_wal_size_mb));
  -- Recorded before anything is applied: the dblink change commits on its own and survives a rollback here.
  history_id := walrus.record(decision.action, decision.old_size_mb, decision.new_size_mb, forced,
    cur.checkpoint_timeout_sec, decision.reason, jsonb_build_object('observed', observed));
  IF decision.action = 'no_change' THEN
    RETURN jsonb_build_object('analyzed', true, 'observed', observed, 'decision', to_jsonb(decision), 'applied', false);
  END IF;
  IF decision.action = 'capped' THEN
    RAISE WARNING 'pg_walrus: %', decision.reason;
  END IF;

  RAISE LOG 'pg_walrus: resizing max_wal_size from % MB to % MB', decision.old_size_mb, decision.new_size_mb;
  BEGIN
    PERFORM walrus.apply_max_wal_size(decision.new_size_mb, cfg.conninfo);
  EXCEPTION WHEN OTHERS THEN
    failure := walrus.mask_conninfo(SQLERRM);
  END;
  IF failure IS NOT NULL THEN
    UPDATE walrus.history SET action = 'error',
           reason = format('could not apply max_wal_size = %s MB (%s): %s', decision.new_size_mb, decision.reason, failure),
           new_size_mb = decision.old_size_mb,
           metadata = metadata || jsonb_build_object('error', failure, 'intended_size_mb', decision.new_size_mb)
     WHERE id = history_id;
    RAISE WARNING 'pg_walrus: could not apply max_wal_size = % MB: %', decision.new_size_mb, failure
      USING HINT = 'pg_walrus needs dblink and a password-less loopback connection as a superuser (see walrus.conninfo); the next cycle tries again.';
    RETURN jsonb_build_object('analyzed', true, 'observed', observed, 'decision', to_jsonb(decision), 'applied', false,
      'error', failure);
  END IF;
  RETURN jsonb_build_object('analyzed', true, 'observed', observed, 'decision', to_jsonb(decision), 'applied', true);
END;`,
  }),
];
