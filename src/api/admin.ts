import { sqlFunction } from '../sqlapi';

/** Maintenance for superusers and the roles they grant (walrus.grant_operator). */
export const ADMIN_FUNCTIONS = [
  sqlFunction({
    name: 'walrus.cleanup_history',
    returns: 'bigint',
    language: 'plpgsql',
    volatility: 'volatile',
    audience: 'admin',
    doc: 'Deletes walrus.history rows older than walrus.history_retention_days (0 keeps everything); returns the count.',
    body: `
DECLARE
  days integer := (walrus.read_config(false)).history_retention_days;
  deleted bigint;
BEGIN
  IF days = 0 THEN
    RETURN 0;
  END IF;
  DELETE FROM walrus.history WHERE "timestamp" < now() - make_interval(days => days);
  GET DIAGNOSTICS deleted = ROW_COUNT;
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
      'Clears history, samples and counters, and takes a fresh baseline sample, so the next cycle compares ' +
      'against now instead of treating the cumulative checkpoint counter as one interval.',
    body: `
BEGIN
  DELETE FROM walrus.history;
  DELETE FROM walrus.sample;
  DELETE FROM walrus.state;
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
      'Lets a role run cycles (walrus_analyze, walrus_reset, walrus.cleanup_history): EXECUTE on the functions and ' +
      'write access to the tables. Applying still needs superuser or ALTER SYSTEM on max_wal_size for that role.',
    body: `
DECLARE
  fn regprocedure;
BEGIN
  EXECUTE format('GRANT USAGE ON SCHEMA walrus TO %I', grantee);
  EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA walrus TO %I', grantee);
  EXECUTE format('GRANT USAGE ON ALL SEQUENCES IN SCHEMA walrus TO %I', grantee);
  FOR fn IN
    SELECT p.oid::regprocedure FROM pg_catalog.pg_proc p
      JOIN pg_catalog.pg_depend d ON d.classid = 'pg_catalog.pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e'
      JOIN pg_catalog.pg_extension e ON e.oid = d.refobjid AND e.extname = 'pg_walrus'
     WHERE p.prokind = 'f' AND p.prorettype <> 'pg_catalog.event_trigger'::regtype
  LOOP
    EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO %I', fn, grantee);
  END LOOP;
END;`,
  }),
];
