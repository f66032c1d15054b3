import { sqlFunction } from '../sqlapi';
import { JOB_NAME } from './schedule';

/** Maintenance for superusers and the roles they grant (walrus.grant_operator). */
export const ADMIN_FUNCTIONS = [
  sqlFunction({
    name: 'walrus.cleanup_history',
    args: [{ name: 'retention_days', type: 'integer', default: 'NULL' }],
    returns: 'bigint',
    language: 'plpgsql',
    volatility: 'volatile',
    audience: 'admin',
    doc:
      'Deletes walrus.history rows older than retention_days, by default walrus.history_retention_days (0 keeps ' +
      'everything), and the pg_cron job\'s own runs in cron.job_run_details as old; returns the count of history rows.',
    body: `
DECLARE
  days integer := coalesce(retention_days, (walrus.read_config(false)).history_retention_days);
  deleted bigint;
BEGIN
  IF days <= 0 THEN
    RETURN 0;
  END IF;
  DELETE FROM walrus.history WHERE "timestamp" < now() - make_interval(days => days);
  GET DIAGNOSTICS deleted = ROW_COUNT;
  IF walrus.cron_installed() THEN
    -- pg_cron logs every run and never purges its log: at forecast's minute cadence, 1440 rows a day. Only this job's
    -- rows go. (EXECUTE: pg_cron may be installed after pg_walrus.)
    BEGIN
      EXECUTE 'DELETE FROM cron.job_run_details d USING cron.job j
                WHERE d.jobid = j.jobid AND j.jobname = $1 AND d.end_time < now() - make_interval(days => $2)'
        USING '${JOB_NAME}', days;
    EXCEPTION WHEN insufficient_privilege OR undefined_table OR undefined_column THEN
      -- An owner without rights on pg_cron's tables (pg_tle), or a pg_cron without the run log: the history is enough.
      NULL;
    END;
  END IF;
  RETURN deleted;
END;`,
  }),
  sqlFunction({
    name: 'walrus_reset',
    returns: 'boolean',
    language: 'plpgsql',
    volatility: 'volatile',
    audience: 'admin',
    doc:
      'Clears history, samples, counters and what the forecast has learned, and takes a fresh baseline sample, so ' +
      'the next cycle compares against now instead of treating the cumulative checkpoint counter as one interval.',
    body: `
BEGIN
  DELETE FROM walrus.history;
  DELETE FROM walrus.sample;
  DELETE FROM walrus.state;
  DELETE FROM walrus.forecast_profile;
  PERFORM walrus.take_sample();
  RETURN true;
END;`,
  }),
  sqlFunction({
    name: 'walrus.grant_operator',
    args: [{ name: 'grantee', type: 'name' }],
    returns: 'void',
    language: 'plpgsql',
    volatility: 'volatile',
    audience: 'admin',
    doc:
      'Lets a role run cycles: EXECUTE on walrus_analyze() (which runs the owner\'s cycle with the server\'s settings) ' +
      'and everything pg_monitor may read. Never write access to the tables, never the admin functions ' +
      '(walrus_reset, walrus.grant_operator, walrus.schedule_job), never PUBLIC.',
    body: `
DECLARE
  fn regprocedure;
BEGIN
  IF grantee IS NULL OR lower(grantee) = 'public' THEN
    RAISE EXCEPTION 'pg_walrus: walrus.grant_operator needs a role, not %', coalesce(quote_literal(grantee), 'NULL')
      USING HINT = 'Operators run cycles with the owner''s rights; that is never for PUBLIC.';
  END IF;
  IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = grantee) THEN
    RAISE EXCEPTION 'pg_walrus: role % does not exist', quote_ident(grantee);
  END IF;
  EXECUTE format('GRANT USAGE ON SCHEMA walrus TO %I', grantee);
  EXECUTE format('GRANT SELECT ON ALL TABLES IN SCHEMA walrus TO %I', grantee);
  -- What pg_monitor may execute (read-only), plus the cycle itself.
  FOR fn IN
    SELECT p.oid::regprocedure FROM pg_catalog.pg_proc p
      JOIN pg_catalog.pg_depend d ON d.classid = 'pg_catalog.pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e'
      JOIN pg_catalog.pg_extension e ON e.oid = d.refobjid AND e.extname = 'pg_walrus'
     WHERE p.prokind = 'f'
       AND (p.oid = '@extschema@.walrus_analyze()'::regprocedure
            OR pg_catalog.has_function_privilege('pg_monitor', p.oid, 'EXECUTE'))
  LOOP
    EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO %I', fn, grantee);
  END LOOP;
END;`,
  }),
];
