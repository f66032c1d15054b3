import { sqlFunction } from '../sqlapi';

/** How pg_walrus changes max_wal_size: ALTER SYSTEM cannot run inside a function, so it goes over dblink. */
export const APPLY_FUNCTIONS = [
  sqlFunction({
    name: 'walrus.loopback_conninfo',
    returns: 'text',
    language: 'sql',
    volatility: 'stable',
    audience: 'admin',
    doc: 'The libpq connection string pg_walrus uses to reach its own database when walrus.conninfo is empty.',
    // The server process has no PGHOST/PGPORT, so every part is named; libpq values are quoted with \\ and \'.
    body: `
  SELECT format('host=%s port=%s dbname=%s user=%s',
    walrus.conninfo_quote(coalesce(nullif(btrim(split_part(current_setting('unix_socket_directories'), ',', 1)), ''),
                                   '127.0.0.1')),
    walrus.conninfo_quote(current_setting('port')),
    walrus.conninfo_quote(current_database()),
    walrus.conninfo_quote(current_user))`,
  }),
  sqlFunction({
    name: 'walrus.conninfo_quote',
    args: [{ name: 'value', type: 'text' }],
    returns: 'text',
    language: 'sql',
    volatility: 'immutable',
    audience: 'admin',
    doc: 'A value quoted for a libpq key=value connection string.',
    body: `
  SELECT '''' || replace(replace(value, '\\', '\\\\'), '''', '\\''') || ''''`,
  }),
  sqlFunction({
    name: 'walrus.alter_system',
    args: [
      { name: 'parameter', type: 'text' },
      { name: 'value', type: 'text' },
      { name: 'conninfo', type: 'text' },
    ],
    returns: 'void',
    language: 'plpgsql',
    volatility: 'volatile',
    audience: 'admin',
    doc:
      'Runs ALTER SYSTEM SET parameter = value (RESET when value is NULL) over a loopback dblink connection, then ' +
      'reloads the configuration. The only way pg_walrus writes postgresql.auto.conf: ALTER SYSTEM cannot run inside a ' +
      'function. Not transactional: the change survives a rollback of the caller. The caller validates the value.',
    body: `
DECLARE
  dblink_schema name;
  connection CONSTANT text := 'pg_walrus_alter_system';
BEGIN
  -- PostgreSQL 17+: the DBA forbade ALTER SYSTEM; trying over dblink would only fail with a vaguer message.
  IF pg_catalog.current_setting('allow_alter_system', true) = 'off' THEN
    RAISE EXCEPTION 'allow_alter_system is off, so ALTER SYSTEM SET % cannot run on this server', parameter
      USING HINT = format('Set %s in postgresql.conf (or your configuration management), or turn allow_alter_system on.', parameter);
  END IF;
  SELECT n.nspname INTO dblink_schema
    FROM pg_catalog.pg_extension e JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace
   WHERE e.extname = 'dblink';
  IF dblink_schema IS NULL THEN
    RAISE EXCEPTION 'dblink is not installed in database %', current_database()
      USING HINT = 'CREATE EXTENSION dblink lets pg_walrus run ALTER SYSTEM; until then cycles only record their decisions.';
  END IF;
  -- A named connection, because a placeholder needs two statements in one session; one left open by an earlier
  -- failure in this session is closed first.
  EXECUTE format('SELECT %1$I.dblink_disconnect($1) FROM %1$I.dblink_get_connections() AS c(names) WHERE $1 = ANY (c.names)',
                 dblink_schema) USING connection;
  EXECUTE format('SELECT %I.dblink_connect($1, $2)', dblink_schema)
    USING connection, coalesce(nullif(conninfo, ''), walrus.loopback_conninfo());
  BEGIN
    -- PostgreSQL 15 accepts ALTER SYSTEM SET (and RESET) of a placeholder such as walrus.max only once the session
    -- knows the name: set it in that session first.
    IF strpos(parameter, '.') > 0 THEN
      EXECUTE format('SELECT %I.dblink_exec($1, $2)', dblink_schema)
        USING connection, format('SET %I = %L', parameter, coalesce(value, ''));
    END IF;
    EXECUTE format('SELECT %I.dblink_exec($1, $2)', dblink_schema)
      USING connection, CASE WHEN value IS NULL THEN format('ALTER SYSTEM RESET %I', parameter)
                             ELSE format('ALTER SYSTEM SET %I = %L', parameter, value) END;
  EXCEPTION WHEN OTHERS THEN
    -- dblink connections outlive the transaction: close this one, then report the error as it came.
    EXECUTE format('SELECT %I.dblink_disconnect($1)', dblink_schema) USING connection;
    RAISE;
  END;
  EXECUTE format('SELECT %I.dblink_disconnect($1)', dblink_schema) USING connection;
  PERFORM pg_catalog.pg_reload_conf();
END;`,
  }),
  sqlFunction({
    name: 'walrus.apply_max_wal_size',
    args: [
      { name: 'size_mb', type: 'integer' },
      { name: 'max_mb', type: 'integer' },
      { name: 'conninfo', type: 'text' },
    ],
    returns: 'void',
    language: 'plpgsql',
    volatility: 'volatile',
    audience: 'admin',
    doc:
      'Runs ALTER SYSTEM SET max_wal_size over a loopback dblink connection (walrus.alter_system), then reloads the ' +
      'configuration. Refuses a size outside [floor, walrus.max]; raises an error (never a password) when it cannot apply.',
    body: `
DECLARE
  floor_mb integer;
BEGIN
  -- The last line of defence: below two WAL segments the server would refuse to start after a restart.
  floor_mb := walrus.size_floor_mb(walrus.setting_mb('wal_segment_size'), walrus.setting_mb('min_wal_size'));
  IF size_mb IS NULL OR size_mb < floor_mb THEN
    RAISE EXCEPTION 'pg_walrus: refusing to set max_wal_size to % MB, below the floor of % MB', size_mb, floor_mb;
  END IF;
  -- And above: no decision, however it was reached, writes more than walrus.max.
  IF size_mb > greatest(max_mb, floor_mb) THEN
    RAISE EXCEPTION 'pg_walrus: refusing to set max_wal_size to % MB, above walrus.max = % MB', size_mb, max_mb;
  END IF;
  PERFORM walrus.alter_system('max_wal_size', format('%sMB', size_mb), conninfo);
END;`,
  }),
];
