import { sqlFunction } from '../sqlapi';

/** walrus_doctor(): the facts each check needs, judged by the compiled functions of src/logic/doctor.ts. */
export const DOCTOR_FUNCTIONS = [
  sqlFunction({
    name: 'walrus_doctor',
    returns: 'TABLE ("check" text, status text, detail text, fix text)',
    language: 'plpgsql',
    volatility: 'stable',
    audience: 'monitor',
    doc:
      'One row per check of what silently stops pg_walrus from helping: pg_cron and the job, applying, settings, ' +
      'the cap, WAL held by replication slots, the archiver or wal_keep_size, the cadence, pressure at the cap, ' +
      'and a standby that differs from the cluster; status ok, warn or fail, and the command that fixes it.',
    body: `
DECLARE
  cfg walrus.config := walrus.read_config(false);
  cur walrus.sample := walrus.read_counters();
  job jsonb := walrus.job_info();
  applying jsonb := walrus.apply_check();
  recovery boolean := pg_catalog.pg_is_in_recovery();
  wal_now pg_lsn := CASE WHEN pg_catalog.pg_is_in_recovery() THEN pg_catalog.pg_last_wal_replay_lsn()
                         ELSE pg_catalog.pg_current_wal_lsn() END;
  invalid text;
  slots text;
  retained_mb double precision;
  archiver_failing boolean;
  last_failed text;
  at_cap integer;
  cluster_mb integer;
BEGIN
  SELECT coalesce(string_agg(format('%s = %s (%s)', s.name, walrus.quote_value(s.raw_value), s.error), '; '
                             ORDER BY s.name), '')
    INTO invalid FROM walrus.setting_report() s WHERE NOT s.valid;
  SELECT coalesce(max(r.mb), 0),
         coalesce(string_agg(format('%s (%s MB%s)', r.slot_name, round(r.mb), CASE WHEN r.active THEN '' ELSE ', inactive' END),
                             ', ' ORDER BY r.mb DESC) FILTER (WHERE r.mb > cur.max_wal_size_mb), '')
    INTO retained_mb, slots
    FROM (SELECT slot_name, active, pg_catalog.pg_wal_lsn_diff(wal_now, restart_lsn) / 1048576 AS mb
            FROM pg_catalog.pg_replication_slots WHERE restart_lsn IS NOT NULL) r;
  SELECT a.last_failed_time IS NOT NULL AND (a.last_archived_time IS NULL OR a.last_failed_time > a.last_archived_time),
         a.last_failed_wal
    INTO archiver_failing, last_failed FROM pg_catalog.pg_stat_archiver a;
  SELECT count(*) FILTER (WHERE h.forced_checkpoints >= cfg.threshold
                            AND walrus.at_ceiling(h.old_size_mb, cfg.max_mb,
                                                  walrus.size_floor_mb(cur.wal_segment_mb, cur.min_wal_size_mb)))
    INTO at_cap FROM (SELECT * FROM walrus.history ORDER BY id DESC LIMIT 12) h;
  SELECT walrus.size_in_force_after(h.action, h.old_size_mb, h.new_size_mb) INTO cluster_mb
    FROM walrus.history h ORDER BY h.id DESC LIMIT 1;

  RETURN QUERY SELECT f."check", f.status, f.detail, f.fix FROM unnest(ARRAY[
    walrus.cron_finding(walrus.cron_installed(), coalesce(pg_catalog.current_setting('cron.database_name', true), ''),
                        pg_catalog.current_database()),
    walrus.job_finding(walrus.cron_installed(), coalesce((job ->> 'scheduled')::boolean, false),
                       coalesce((job ->> 'active')::boolean, false), job ->> 'last_run_status', job ->> 'last_run_message'),
    walrus.apply_finding(recovery, (applying ->> 'dblink_installed')::boolean, applying ->> 'role',
                         (applying ->> 'role_allowed')::boolean, (applying ->> 'alter_system_allowed')::boolean,
                         (applying ->> 'patroni')::boolean, cfg.apply),
    walrus.settings_finding(invalid),
    walrus.cap_finding(cur.max_wal_size_mb, cfg.max_mb, cur.min_wal_size_mb),
    walrus.slots_finding(retained_mb, cur.max_wal_size_mb, slots),
    walrus.archiver_finding(pg_catalog.current_setting('archive_mode'), coalesce(archiver_failing, false), last_failed),
    walrus.wal_keep_finding(walrus.setting_mb('wal_keep_size'), cur.max_wal_size_mb),
    walrus.cadence_finding(cur.checkpoint_timeout_sec, walrus.cron_seconds_supported()),
    walrus.pressure_at_cap_finding(at_cap, cfg.max_mb),
    walrus.standby_finding(recovery, cur.max_wal_size_mb, cluster_mb)
  ]) AS f;
END;`,
  }),
  sqlFunction({
    name: 'walrus_status_report',
    returns: 'TABLE (section text, name text, value text, hint text)',
    language: 'sql',
    volatility: 'stable',
    audience: 'monitor',
    doc:
      'walrus_status() for psql: one row per fact (section, name, value), then one row per walrus_doctor() check ' +
      'that needs attention, with the command that fixes it as the hint.',
    body: `
  WITH s AS (SELECT @extschema@.walrus_status() AS j),
  facts AS (
    SELECT 1 AS part, 'pg_walrus' AS section, e.key AS name, e.value AS v, NULL::text AS hint
      FROM s, jsonb_each(s.j) AS e WHERE jsonb_typeof(e.value) NOT IN ('object', 'array')
    UNION ALL
    SELECT 2, e.key, n.key, n.value, NULL
      FROM s, jsonb_each(s.j) AS e, jsonb_each(e.value) AS n WHERE jsonb_typeof(e.value) = 'object'
    UNION ALL
    SELECT 3, 'invalid_settings', x ->> 'name', x -> 'error', NULL
      FROM s, jsonb_array_elements(s.j -> 'invalid_settings') AS x
    UNION ALL
    SELECT 4, 'attention', d."check", to_jsonb(d.status || ': ' || d.detail), d.fix
      FROM @extschema@.walrus_doctor() AS d WHERE d.status <> 'ok'
  )
  SELECT section, name, CASE WHEN jsonb_typeof(v) = 'string' THEN v #>> '{}' ELSE v::text END, hint
    FROM facts ORDER BY part, section, name`,
  }),
];
