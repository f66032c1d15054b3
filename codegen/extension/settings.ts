import { PINNED_SEARCH_PATH, quoteIdent, quoteLiteral } from '../compiler/identifiers';
import { defaultText, settingKind, type Setting } from '../../src/settings';

/**
 * SQL assembled from the setting declarations in src/settings.ts: everything per setting (names, defaults, ranges, the
 * typed config fields) is generated here. The rules live elsewhere, written once: walrus.parse_setting() is compiled
 * from src/logic/settings.ts, and its SQL glue (walrus.setting_mb, walrus.mask_conninfo, ...) is declared in
 * src/api/settings.ts.
 */

/** The field of walrus.config that holds a setting's typed value: memory sizes are stored in MB. */
export function configField(s: Setting): { name: string; type: string } {
  switch (s.kind) {
    case 'bool':
      return { name: s.name, type: 'boolean' };
    case 'int':
      return { name: s.name, type: 'integer' };
    case 'real':
      return { name: s.name, type: 'double precision' };
    case 'memory':
      return { name: `${s.name}_mb`, type: 'integer' };
    case 'text':
    case 'enum':
      return { name: s.name, type: 'text' };
  }
}

/** The declared bounds, as walrus.setting_declarations() lists them (the two-WAL-segment floor is applied there). */
function bounds(s: Setting): { min: string | null; max: string | null } {
  switch (s.kind) {
    case 'int':
    case 'real':
      return { min: String(s.min), max: String(s.max) };
    case 'memory':
      return { min: String(s.minMb), max: String(s.maxMb) };
    default:
      return { min: null, max: null };
  }
}

/** From the normalised text of walrus.parse_setting() to the typed config field. */
export const CASTS: Record<Setting['kind'], string> = {
  bool: '::boolean',
  int: '::integer',
  real: '::double precision',
  memory: '::numeric::integer',
  text: '',
  enum: '',
};

const lit = (v: string | null): string => (v === null ? 'NULL' : quoteLiteral(v));

/** The functions settingsSql() creates, and who may run them (nobody else can). */
export const SETTINGS_FUNCTIONS: readonly { readonly signature: string; readonly audience: 'admin' | 'monitor' }[] = [
  { signature: 'walrus.setting_declarations()', audience: 'monitor' },
  { signature: 'walrus.setting_structure_error(text, text)', audience: 'monitor' },
  { signature: 'walrus.evaluate_setting(walrus.setting_declaration, text)', audience: 'monitor' },
  // SECURITY DEFINER: whether a walrus.* value comes from the configuration files, for walrus.settings' source.
  { signature: 'walrus.config_file_has(text, text)', audience: 'monitor' },
  { signature: 'walrus.current_settings()', audience: 'monitor' },
  // Monitoring roles read the session's values; the server's (session_values = false) need server_setting().
  { signature: 'walrus.setting_report(boolean)', audience: 'monitor' },
  { signature: 'walrus.read_config(boolean, boolean)', audience: 'monitor' },
];

/** pg_settings' vartype of each kind: memory sizes are integers in MB, as max_wal_size is. */
export const VARTYPES: Record<Setting['kind'], string> = {
  bool: 'bool',
  int: 'integer',
  real: 'real',
  memory: 'integer',
  text: 'string',
  enum: 'enum',
};

/** SQLSTATE of the exception that rolls back current_settings()'s RESETs; raised and caught there, never seen. */
const RESET_PROBE_SQLSTATE = 'WR001';

export function settingsSql(settings: readonly Setting[]): string[] {
  const rows = settings.map((s, i) => {
    const { min, max } = bounds(s);
    return `(${[
      String(i + 1),
      lit(s.name),
      lit(settingKind(s)),
      lit(VARTYPES[s.kind]),
      lit(defaultText(s)),
      lit(s.kind === 'memory' ? 'MB' : s.kind === 'int' ? (s.unit ?? null) : null),
      min === null ? 'NULL' : min,
      max === null ? 'NULL' : max,
      s.kind === 'real' && s.exclusive ? 'true' : 'false',
      s.kind === 'memory' && s.atLeastTwoSegments ? 'true' : 'false',
      s.kind === 'text' && s.secret ? 'true' : 'false',
      s.kind === 'enum' ? `ARRAY[${s.values.map(quoteLiteral).join(', ')}]::text[]` : 'NULL::text[]',
      lit(s.description),
    ].join(', ')})`;
  });
  const declarations = `
-- walrus.setting_declaration: one walrus.* setting as src/settings.ts declares it; min_value already includes the
-- two-WAL-segment floor where it applies.
CREATE TYPE walrus.setting_declaration AS (
  ord integer, name text, kind text, vartype text, default_value text, unit text, min_value numeric,
  max_value numeric, exclusive boolean, secret boolean, choices text[], description text
);

-- walrus.setting_declarations: every walrus.* setting, in declaration order; generated from src/settings.ts.
CREATE FUNCTION walrus.setting_declarations() RETURNS SETOF walrus.setting_declaration
LANGUAGE sql STABLE PARALLEL SAFE ${PINNED_SEARCH_PATH}
AS $$
  SELECT d.ord, 'walrus.' || d.setting, d.kind, d.vartype, d.default_text, d.unit_text,
         -- Below two WAL segments the server would refuse to start, whatever the declared minimum says.
         (CASE WHEN d.two_segments THEN greatest(d.low, 2 * walrus.setting_mb('wal_segment_size'))
               ELSE d.low END)::numeric,
         d.high::numeric, d.exclusive, d.secret, d.choices, d.doc
  FROM (VALUES
    ${rows.join(',\n    ')}
  ) AS d(ord, setting, kind, vartype, default_text, unit_text, low, high, exclusive, two_segments, secret, choices, doc)
  ORDER BY d.ord
$$;
COMMENT ON FUNCTION walrus.setting_declarations() IS
  'Every walrus.* setting as declared in src/settings.ts: kind, pg_settings vartype, default, unit, range (with the two-WAL-segment floor), choices, description.';

-- walrus.setting_structure_error: what is wrong inside a text setting that has a structure of its own (the JSON of
-- walrus.profiles, the zone name of walrus.timezone), or NULL. PL/pgSQL, so that it may name functions created later.
CREATE FUNCTION walrus.setting_structure_error(name text, raw text) RETURNS text
LANGUAGE plpgsql STABLE ${PINNED_SEARCH_PATH}
AS $function$
BEGIN
  IF name = 'walrus.profiles' THEN
    RETURN (SELECT string_agg(p.error, '; ' ORDER BY p.ordinal) FROM walrus.profile_list(raw) p WHERE p.error IS NOT NULL);
  END IF;
  IF name = 'walrus.timezone' AND coalesce(raw, '') <> '' AND walrus.profile_zone(raw) IS DISTINCT FROM raw THEN
    RETURN format('%s is not a time zone (valid: a name from pg_timezone_names, or empty for the server''s timezone)',
                  walrus.quote_value(raw));
  END IF;
  RETURN NULL;
END;
$function$;
COMMENT ON FUNCTION walrus.setting_structure_error(text, text) IS
  'What is wrong inside walrus.profiles or walrus.timezone (NULL when nothing is).';

-- walrus.evaluate_setting: one raw value of a setting as every reader sees it: the rules of walrus.parse_setting(),
-- an empty value meaning the default (RESET leaves a placeholder empty), connection strings masked.
CREATE FUNCTION walrus.evaluate_setting(setting walrus.setting_declaration, raw text,
                                        OUT shown text, OUT value text, OUT error text)
LANGUAGE sql STABLE PARALLEL SAFE ${PINNED_SEARCH_PATH}
AS $$
  SELECT CASE WHEN setting.secret THEN walrus.mask_conninfo(r.raw) ELSE r.raw END,
         CASE WHEN setting.secret THEN walrus.mask_conninfo(coalesce(p.value, q.value))
              ELSE coalesce(p.value, q.value) END,
         coalesce(p.error, walrus.setting_structure_error(setting.name, r.raw))
  FROM (SELECT nullif(raw, '') AS raw) AS r
  CROSS JOIN LATERAL walrus.parse_setting(setting.kind, coalesce(r.raw, setting.default_value), setting.min_value::text,
                                          setting.max_value::text, setting.exclusive, setting.choices) AS p
  CROSS JOIN LATERAL walrus.parse_setting(setting.kind, setting.default_value, NULL, NULL, false, setting.choices) AS q
$$;
COMMENT ON FUNCTION walrus.evaluate_setting(walrus.setting_declaration, text) IS
  'One raw value of a walrus.* setting: as shown (connection strings masked), the effective value (the default when empty or invalid) and the error, by the rules of walrus.parse_setting(). Never raises an error.';`.trim();

  const report = `
-- walrus.setting_report: every walrus.* setting with its raw and effective value.
-- session_values: the values this session sees (SET included); false: those a new session of the current user would
-- see (walrus.server_setting), which no SET in a calling session can forge.
CREATE FUNCTION walrus.setting_report(session_values boolean DEFAULT true)
RETURNS TABLE (name text, raw_value text, effective_value text, default_value text, unit text,
               min_value numeric, max_value numeric, valid boolean, error text, description text)
LANGUAGE plpgsql STABLE ${PINNED_SEARCH_PATH}
AS $function$
DECLARE
  raw_values text[];
BEGIN
  -- Two statements, not one CASE: a role without walrus.server_setting() may still read the session's values.
  IF session_values THEN
    raw_values := ARRAY(SELECT pg_catalog.current_setting(d.name, true) FROM walrus.setting_declarations() AS d ORDER BY d.ord);
  ELSE
    raw_values := ARRAY(SELECT walrus.server_setting(d.name) FROM walrus.setting_declarations() AS d ORDER BY d.ord);
  END IF;
  RETURN QUERY
  SELECT d.name, e.shown, e.value, d.default_value, d.unit, d.min_value, d.max_value, e.error IS NULL, e.error,
         d.description
  FROM walrus.setting_declarations() AS d
  CROSS JOIN LATERAL walrus.evaluate_setting(d, raw_values[d.ord]) AS e
  ORDER BY d.ord;
END;
$function$;
COMMENT ON FUNCTION walrus.setting_report(boolean) IS
  'Every walrus.* setting: raw value, effective value, default, unit, range, validity and error. session_values => false: the values a new session of the current user would see, ignoring SET (needs walrus.server_setting).';`.trim();

  const current = `
-- walrus.config_file_has: whether the configuration files (postgresql.conf, its includes, postgresql.auto.conf) give a
-- walrus.* setting exactly this value. SECURITY DEFINER because pg_file_settings is for superusers; it answers only
-- for walrus.* names, whose values every role can read with SHOW anyway, and only yes or no.
CREATE FUNCTION walrus.config_file_has(name text, value text) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER ${PINNED_SEARCH_PATH}
AS $$
  SELECT coalesce((
    SELECT f.setting = config_file_has.value
      FROM pg_catalog.pg_file_settings AS f
     WHERE f.applied AND f.error IS NULL
       AND pg_catalog.lower(f.name) = pg_catalog.lower(config_file_has.name)
       AND pg_catalog.starts_with(pg_catalog.lower(config_file_has.name), 'walrus.')
     ORDER BY f.seqno DESC
     LIMIT 1), false)
$$;
COMMENT ON FUNCTION walrus.config_file_has(text, text) IS
  'Whether the last line of the configuration files that sets this walrus.* parameter gives it exactly this value (false for any other name).';

-- walrus.current_settings: the rows of the walrus.settings view, in pg_settings' terms.
CREATE FUNCTION walrus.current_settings()
RETURNS TABLE (name text, setting text, unit text, vartype text, source text, min_val text, max_val text,
               enumvals text[], boot_val text, reset_val text, short_desc text, valid boolean, error text,
               raw_value text)
LANGUAGE plpgsql VOLATILE ${PINNED_SEARCH_PATH}
AS $function$
DECLARE
  current_values text[];
  reset_values text[];
  setting_name text;
BEGIN
  current_values := ARRAY(SELECT pg_catalog.current_setting(d.name, true) FROM walrus.setting_declarations() AS d ORDER BY d.ord);
  -- What RESET would give: the value this session started with (configuration files as last reloaded, ALTER DATABASE,
  -- ALTER ROLE, connection options). Read after a RESET in a subtransaction that is then rolled back, so the
  -- session keeps its own values: PostgreSQL keeps no other record of a placeholder's source.
  BEGIN
    FOR setting_name IN SELECT d.name FROM walrus.setting_declarations() AS d ORDER BY d.ord LOOP
      -- A name this session has never seen stays unknown to it: RESET would define it.
      IF pg_catalog.current_setting(setting_name, true) IS NOT NULL THEN
        EXECUTE pg_catalog.format('RESET %I', setting_name);
      END IF;
    END LOOP;
    reset_values := ARRAY(SELECT pg_catalog.current_setting(d.name, true) FROM walrus.setting_declarations() AS d ORDER BY d.ord);
    RAISE EXCEPTION USING ERRCODE = '${RESET_PROBE_SQLSTATE}';
  EXCEPTION WHEN SQLSTATE '${RESET_PROBE_SQLSTATE}' THEN
    NULL;
  END;
  RETURN QUERY
  SELECT d.name, cur.value, d.unit, d.vartype,
         CASE WHEN c.raw IS DISTINCT FROM r.raw THEN 'session'
              WHEN nullif(r.raw, '') IS NULL THEN 'default'
              -- The value a session starts with comes from the most specific place that sets it: ALTER ROLE ... IN
              -- DATABASE, ALTER ROLE, ALTER DATABASE, ALTER ROLE ALL, the configuration files. Anything else set it
              -- at connection (options=-c, PGOPTIONS) or on the server's command line: 'client'.
              ELSE coalesce(
                (SELECT s.source FROM (
                   SELECT CASE WHEN g.setdatabase <> 0 AND g.setrole <> 0 THEN 1 WHEN g.setrole <> 0 THEN 2
                               WHEN g.setdatabase <> 0 THEN 3 ELSE 4 END AS rank,
                          CASE WHEN g.setdatabase <> 0 AND g.setrole <> 0 THEN 'database user'
                               WHEN g.setrole <> 0 THEN 'user' WHEN g.setdatabase <> 0 THEN 'database'
                               ELSE 'global' END AS source,
                          pg_catalog.substr(e.entry, pg_catalog.strpos(e.entry, '=') + 1) AS value
                     FROM pg_catalog.pg_db_role_setting AS g
                     CROSS JOIN LATERAL pg_catalog.unnest(g.setconfig) AS e(entry)
                    WHERE g.setdatabase IN (0, (SELECT b.oid FROM pg_catalog.pg_database AS b
                                                 WHERE b.datname = pg_catalog.current_database()))
                      AND g.setrole IN (0, (SELECT o.oid FROM pg_catalog.pg_roles AS o WHERE o.rolname = session_user))
                      AND pg_catalog.lower(pg_catalog.split_part(e.entry, '=', 1)) = pg_catalog.lower(d.name)
                 ) AS s WHERE s.value = r.raw ORDER BY s.rank LIMIT 1),
                CASE WHEN walrus.config_file_has(d.name, r.raw) THEN 'configuration file' END,
                'client') END,
         d.min_value::text, d.max_value::text, d.choices, dflt.value, rst.value, d.description,
         cur.error IS NULL, cur.error, cur.shown
  FROM walrus.setting_declarations() AS d
  CROSS JOIN LATERAL (SELECT current_values[d.ord] AS raw) AS c
  CROSS JOIN LATERAL (SELECT reset_values[d.ord] AS raw) AS r
  CROSS JOIN LATERAL walrus.evaluate_setting(d, c.raw) AS cur
  CROSS JOIN LATERAL walrus.evaluate_setting(d, r.raw) AS rst
  CROSS JOIN LATERAL walrus.evaluate_setting(d, NULL) AS dflt
  ORDER BY d.ord;
END;
$function$;
COMMENT ON FUNCTION walrus.current_settings() IS
  'Every walrus.* setting in pg_settings'' terms (name, setting, unit, vartype, source, min_val, max_val, enumvals, boot_val, reset_val, short_desc) plus valid, error and the raw value (masked); the rows of the walrus.settings view.';`.trim();

  const fields = settings.map(configField);
  const configType = `
-- walrus.config: the effective settings, typed; generated from src/settings.ts.
CREATE TYPE walrus.config AS (
${fields.map((f) => `  ${quoteIdent(f.name)} ${f.type}`).join(',\n')}
);`.trim();

  const readConfigSql = `
-- walrus.read_config: the effective settings, warning once about each invalid value; generated from src/settings.ts.
CREATE FUNCTION walrus.read_config(warn boolean DEFAULT true, session_values boolean DEFAULT true)
RETURNS walrus.config
LANGUAGE plpgsql STABLE ${PINNED_SEARCH_PATH}
AS $function$
DECLARE
  cfg walrus.config;
  setting record;
BEGIN
  FOR setting IN SELECT * FROM walrus.setting_report(session_values) LOOP
    -- An invalid profile does not invalidate the others: walrus_analyze() warns about each one it ignores.
    IF NOT setting.valid AND warn AND setting.name <> 'walrus.profiles' THEN
      -- raw_value comes masked from setting_report(), so no password can reach the log; long values are cut short.
      RAISE WARNING 'pg_walrus: invalid value % for %: %; using the default %',
        walrus.quote_value(setting.raw_value), setting.name, setting.error, quote_literal(setting.default_value);
    END IF;
    -- Every effective value casts: parse_setting() only calls valid what does (a valid conninfo has no password to mask).
    CASE setting.name
${settings
  .map((s) => {
    const f = configField(s);
    return `      WHEN ${lit(`walrus.${s.name}`)} THEN cfg.${quoteIdent(f.name)} := setting.effective_value${CASTS[s.kind]};`;
  })
  .join('\n')}
    END CASE;
  END LOOP;
  RETURN cfg;
END;
$function$;
COMMENT ON FUNCTION walrus.read_config(boolean, boolean) IS
  'The effective walrus.* settings as one typed value; invalid values raise a WARNING (when warn) and fall back to the default. session_values => false reads the values a new session of the current user would see, ignoring SET.';`.trim();

  return [declarations, report, current, configType, readConfigSql];
}
/** The README's settings table, between markers, so documentation cannot drift from the declarations. */
export function settingsMarkdown(settings: readonly Setting[]): string {
  const range = (s: Setting): string => {
    switch (s.kind) {
      case 'int':
        return `${s.min} .. ${s.max}${s.unit ? ` ${s.unit}` : ''}`;
      case 'real':
        return s.exclusive ? `strictly between ${s.min} and ${s.max}` : `${s.min} .. ${s.max}`;
      case 'memory':
        return `${s.atLeastTwoSegments ? '2 x wal_segment_size' : `${s.minMb} MB`} .. ${s.maxMb} MB`;
      case 'bool':
        return 'on / off';
      case 'text':
        return 'text';
      case 'enum':
        return s.values.join(' / ');
    }
  };
  const rows = settings.map(
    (s) => `| \`walrus.${s.name}\` | ${s.kind} | \`${defaultText(s) || "''"}\` | ${range(s)} | ${s.description} |`,
  );
  return ['| setting | kind | default | valid values | what it does |', '| --- | --- | --- | --- | --- |', ...rows].join('\n');
}
