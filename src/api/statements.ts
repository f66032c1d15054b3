import { sqlFunction } from '../sqlapi';

/** How many statements each cycle remembers, by WAL written: bounded, and deep enough that a burst is in it. */
export const STATEMENTS_KEPT = 200;

const NOT_AVAILABLE_HINT =
  "shared_preload_libraries = ''pg_stat_statements'' in postgresql.conf, restart, then CREATE EXTENSION pg_stat_statements in this database";

/**
 * Which statements write the WAL, from pg_stat_statements when it is installed here. Its view is read where the
 * extension put it, with the caller's rights for query text, so a role without pg_read_all_stats sees
 * <insufficient privilege> exactly as in pg_stat_statements itself.
 */
export const STATEMENT_FUNCTIONS = [
  sqlFunction({
    name: 'walrus.statements_view',
    returns: 'text',
    language: 'plpgsql',
    volatility: 'stable',
    audience: 'monitor',
    doc:
      'The qualified pg_stat_statements view when it is installed in this database and loaded by ' +
      'shared_preload_libraries, else NULL.',
    body: `
DECLARE
  view_name text;
BEGIN
  SELECT format('%I.pg_stat_statements', n.nspname) INTO view_name
    FROM pg_catalog.pg_extension e JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace
   WHERE e.extname = 'pg_stat_statements';
  IF view_name IS NULL THEN
    RETURN NULL;
  END IF;
  -- Installed but not preloaded, the view raises an error on every read (and shared_preload_libraries itself is not
  -- readable by every role): one trial read says.
  BEGIN
    EXECUTE format('SELECT 1 FROM %s LIMIT 1', view_name);
  EXCEPTION WHEN OTHERS THEN
    RETURN NULL;
  END;
  RETURN view_name;
END;`,
  }),
  sqlFunction({
    name: 'walrus_top_wal_queries',
    args: [{ name: 'max_rows', type: 'integer', default: '10' }],
    returns:
      'TABLE (query text, queryid bigint, calls bigint, wal_bytes numeric, wal_bytes_per_call numeric, ' +
      'wal_fpi bigint, share double precision)',
    language: 'plpgsql',
    volatility: 'stable',
    audience: 'monitor',
    doc:
      'The statements that wrote the most WAL since pg_stat_statements was last reset, with their share of all ' +
      'WAL it recorded. Without pg_stat_statements: no rows and one WARNING saying how to enable it.',
    body: `
DECLARE
  view_name text := walrus.statements_view();
BEGIN
  IF view_name IS NULL THEN
    RAISE WARNING 'pg_walrus: pg_stat_statements is not available in database %, so no statement can be named',
      pg_catalog.current_database() USING HINT = '${NOT_AVAILABLE_HINT}.';
    RETURN;
  END IF;
  RETURN QUERY EXECUTE format($q$
    SELECT s.query, s.queryid, s.calls, s.wal_bytes, round(s.wal_bytes / greatest(s.calls, 1), 1), s.wal_fpi,
           (s.wal_bytes / nullif(sum(s.wal_bytes) OVER (), 0))::double precision
      FROM (SELECT query, queryid, sum(calls)::bigint AS calls, sum(wal_bytes) AS wal_bytes, sum(wal_fpi)::bigint AS wal_fpi
              FROM %s GROUP BY query, queryid) s
     ORDER BY s.wal_bytes DESC NULLS LAST LIMIT greatest(coalesce($1, 10), 0) $q$, view_name) USING max_rows;
END;`,
  }),
  sqlFunction({
    name: 'walrus.wal_statements_since_last',
    args: [{ name: 'interval_wal_bytes', type: 'numeric' }],
    returns: 'jsonb',
    language: 'plpgsql',
    volatility: 'volatile',
    audience: 'admin',
    doc:
      'The statements whose WAL grew most since the previous cycle (at most 5: queryid, WAL bytes, share of the ' +
      "interval's WAL), and the new snapshot of the top ${STATEMENTS_KEPT} stored for the next cycle. NULL without " +
      'pg_stat_statements. Query text is never stored: readers resolve it with their own rights.',
    body: `
DECLARE
  view_name text := walrus.statements_view();
  grown jsonb;
BEGIN
  IF view_name IS NULL THEN
    RETURN NULL;
  END IF;
  EXECUTE format($q$
    WITH now_top AS (
      SELECT queryid, sum(wal_bytes) AS wal_bytes FROM %s WHERE queryid IS NOT NULL
       GROUP BY queryid ORDER BY 2 DESC LIMIT ${STATEMENTS_KEPT}
    ), before AS (
      -- A statement missing from a full previous snapshot had at most its smallest entry then; from one that held
      -- every statement, it is new. Either way the delta below is never more than the statement really wrote.
      SELECT CASE WHEN count(*) < ${STATEMENTS_KEPT} THEN 0 ELSE min(wal_bytes) END AS floor_bytes
        FROM walrus.statement_sample
    ), grew AS (
      SELECT t.queryid, t.wal_bytes - coalesce(p.wal_bytes, b.floor_bytes) AS delta
        FROM now_top t CROSS JOIN before b LEFT JOIN walrus.statement_sample p USING (queryid)
       WHERE t.wal_bytes > coalesce(p.wal_bytes, b.floor_bytes)
    )
    -- queryid as text: JSON readers (JavaScript among them) lose the last digits of a 64-bit number.
    SELECT coalesce(jsonb_agg(jsonb_build_object('queryid', queryid::text, 'wal_bytes', delta,
                                                 'share', round(delta / nullif($1, 0), 3)) ORDER BY delta DESC), '[]')
      FROM (SELECT * FROM grew ORDER BY delta DESC LIMIT 5) g $q$, view_name) INTO grown USING interval_wal_bytes;
  DELETE FROM walrus.statement_sample;
  EXECUTE format($q$
    INSERT INTO walrus.statement_sample (queryid, wal_bytes)
    SELECT queryid, sum(wal_bytes) FROM %s WHERE queryid IS NOT NULL GROUP BY queryid ORDER BY 2 DESC LIMIT ${STATEMENTS_KEPT} $q$,
    view_name);
  RETURN grown;
END;`,
  }),
  sqlFunction({
    name: 'walrus.describe_statements',
    args: [{ name: 'statements', type: 'jsonb' }],
    returns: 'jsonb',
    language: 'plpgsql',
    volatility: 'stable',
    audience: 'monitor',
    doc:
      'The statements of a history row with their query text, as far as the caller may see it in pg_stat_statements ' +
      '(<insufficient privilege> without pg_read_all_stats), or as stored when pg_stat_statements is not available.',
    body: `
DECLARE
  view_name text := walrus.statements_view();
  described jsonb;
BEGIN
  IF statements IS NULL OR view_name IS NULL OR jsonb_typeof(statements) <> 'array' THEN
    RETURN statements;
  END IF;
  EXECUTE format($q$
    SELECT jsonb_agg(s.value || jsonb_build_object('query', (SELECT q.query FROM %s q
                                                               WHERE q.queryid = (s.value ->> 'queryid')::bigint
                                                               LIMIT 1)) ORDER BY s.ordinality)
      FROM jsonb_array_elements($1) WITH ORDINALITY AS s $q$, view_name) INTO described USING statements;
  RETURN described;
END;`,
  }),
];
