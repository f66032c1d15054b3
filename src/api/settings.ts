import { sqlFunction } from '../sqlapi';

/**
 * Setting walrus.* values the way a DBA sets a real parameter: validated at once by the rules every cycle applies
 * (walrus.parse_setting through the declarations of src/settings.ts), written with ALTER SYSTEM, reloaded.
 *
 * Both functions are SECURITY DEFINER: ALTER SYSTEM must run over a loopback dblink connection, and dblink refuses
 * password-less connections to non-superusers. EXECUTE is revoked from PUBLIC as on every function, and inside, the
 * session's login role (session_user; a SECURITY DEFINER function cannot see the role that called it, and SET ROLE
 * cannot raise session_user) must be a superuser or hold ALTER SYSTEM on that very parameter. So delegating takes
 * two grants: EXECUTE on the function, and GRANT ALTER SYSTEM ON PARAMETER walrus.x for each setting.
 */
export const SETTING_FUNCTIONS = [
  sqlFunction({
    name: 'walrus_set',
    args: [
      { name: 'name', type: 'text' },
      { name: 'value', type: 'text' },
    ],
    returns: 'text',
    language: 'plpgsql',
    volatility: 'volatile',
    audience: 'admin',
    securityDefiner: true,
    doc:
      'Sets a walrus.* setting server-wide, like ALTER SYSTEM SET plus pg_reload_conf(), in any session: validates ' +
      'the value first by the rules every cycle uses (an invalid value is an error naming the setting, the value and ' +
      'the valid range, and nothing is written). NULL removes the setting (ALTER SYSTEM RESET). For superusers, and ' +
      'for roles with EXECUTE on this function whose login role holds ALTER SYSTEM on that parameter. Returns the value.',
    body: `
DECLARE
  wanted text := lower(btrim(name));
  setting walrus.setting_declaration;
  checked record;
  caller_is_superuser boolean := coalesce((SELECT r.rolsuper FROM pg_catalog.pg_roles r WHERE r.rolname = session_user), false);
BEGIN
  IF NOT starts_with(wanted, 'walrus.') THEN
    wanted := 'walrus.' || wanted;
  END IF;
  SELECT * INTO setting FROM walrus.setting_declarations() AS d WHERE d.name = wanted;
  IF setting.name IS NULL THEN
    RAISE EXCEPTION 'pg_walrus: unrecognized setting %', walrus.quote_value(name)
      USING ERRCODE = 'undefined_object',
            DETAIL = 'Valid names: ' || (SELECT string_agg(d.name, ', ' ORDER BY d.ord) FROM walrus.setting_declarations() AS d) || '.';
  END IF;
  -- has_parameter_privilege() is true for superusers; session_user because current_user is this function's owner.
  IF NOT has_parameter_privilege(session_user, setting.name, 'ALTER SYSTEM') THEN
    RAISE EXCEPTION 'pg_walrus: permission denied to set %', setting.name
      USING ERRCODE = 'insufficient_privilege',
            HINT = format('A superuser can run GRANT ALTER SYSTEM ON PARAMETER %s TO %I.', setting.name, session_user);
  END IF;
  IF value IS NOT NULL THEN
    checked := walrus.evaluate_setting(setting, value);
    IF checked.error IS NOT NULL THEN
      -- shown is masked for a connection string and cut short when long: the message never carries a password.
      RAISE EXCEPTION 'pg_walrus: invalid value % for %: %', walrus.quote_value(checked.shown), setting.name, checked.error
        USING ERRCODE = 'invalid_parameter_value', DETAIL = 'Nothing was written.';
    END IF;
  END IF;
  -- The connection string a cycle would use: the server's, never one this session SET, unless the session belongs to
  -- a superuser (as for walrus_analyze()).
  PERFORM walrus.alter_system(setting.name, value, (walrus.read_config(false, caller_is_superuser)).conninfo);
  RETURN value;
END;`,
  }),
  sqlFunction({
    name: 'walrus_reset_setting',
    args: [{ name: 'name', type: 'text' }],
    returns: 'void',
    language: 'plpgsql',
    volatility: 'volatile',
    audience: 'admin',
    securityDefiner: true,
    doc:
      'Removes a walrus.* setting from postgresql.auto.conf (ALTER SYSTEM RESET) and reloads: walrus_set(name, NULL), ' +
      'with the same privileges.',
    body: `
BEGIN
  PERFORM @extschema@.walrus_set(name, NULL);
END;`,
  }),
];

// ---------------------------------------------------------------------------------------------------------------------
// The glue of the generated settings SQL (codegen/extension/settings.ts): emitted before it, as its SQL-language
// functions call these. The rules themselves (walrus.parse_setting, the password rule) are compiled from
// src/logic/settings.ts.

/** A SQL string literal (standard_conforming_strings is on in every supported server, so only quotes double). */
const literal = (text: string): string => `'${text.replace(/'/g, "''")}'`;

/**
 * Whitespace around a value: ASCII only, what PostgreSQL's own setting parser and libpq skip (isspace). `\s` would
 * also match Unicode spaces (U+00A0, U+2003, U+3000...).
 */
const WS = String.raw`[ \t\n\r\f\v]`;

/**
 * The keyword `password` as libpq reads it in a key=value string and, percent-decoded, in a URI query: any letter may
 * be percent-encoded there. Matched case-insensitively and anywhere, so `sslpassword` counts too. The same rule as
 * conninfoHasPassword() in src/logic/settings.ts, which decides validity; this one finds what to hide.
 */
const PASSWORD_KEYWORD = [...'password'].map((c) => `(?:${c}|%${c.charCodeAt(0).toString(16)})`).join('');

/**
 * A value after `password =` as libpq reads it: a single-quoted string with backslash escapes (to the end when the
 * quote is never closed), or up to the next unescaped ASCII whitespace. Backslash escapes outside quotes too.
 */
const CONNINFO_VALUE = String.raw`(?:'(?:[^'\\]|\\(?:.|$))*'?|(?:[^ \t\n\r\f\v\\]|\\(?:.|$))+)`;

/**
 * The password of a URI's user information (`scheme://user:password@`): from the first colon to the `@`, further
 * `@`-separated pieces included, because a password with an unencoded `@` is still a password to whoever wrote it.
 */
const URI_PASSWORD = String.raw`(://[^:@/]*:)[^@]*@(?:[^@/?# \t\n\r\f\v]*@)*`;

/** A value shown in a message: one longer than `limit` characters is cut to its first `characters`, and its length. */
export const SHOWN_VALUE = { characters: 60, limit: 80 } as const;

export const SETTING_SQL = [
  sqlFunction({
    name: 'walrus.setting_mb',
    args: [{ name: 'name', type: 'text' }],
    returns: 'integer',
    language: 'sql',
    volatility: 'stable',
    parallelSafe: true,
    audience: 'monitor',
    doc: 'A server memory setting (max_wal_size, wal_segment_size, ...) in MB, the unit pg_walrus sizes in.',
    body: `
  SELECT (pg_catalog.pg_size_bytes(pg_catalog.current_setting(name)) / 1048576)::integer`,
  }),
  sqlFunction({
    name: 'walrus.mask_conninfo',
    args: [{ name: 'conninfo', type: 'text' }],
    returns: 'text',
    language: 'sql',
    volatility: 'immutable',
    parallelSafe: true,
    audience: 'monitor',
    // Regular expressions, which the compiled subset does not have: PostgreSQL's find the longest match where
    // JavaScript's take the first alternative, so the text replaced would differ between the two worlds.
    doc:
      'A connection string, or a message that may quote one, with any password replaced by ********: key=value ' +
      '(quoted or with backslash escapes, the keyword possibly percent-encoded), URI user information.',
    body: `
  SELECT pg_catalog.regexp_replace(pg_catalog.regexp_replace(conninfo,
    ${literal(`(${PASSWORD_KEYWORD}${WS}*=${WS}*)${CONNINFO_VALUE}`)}, '\\1********', 'gi'),
    ${literal(URI_PASSWORD)}, '\\1********@', 'g')`,
  }),
  sqlFunction({
    name: 'walrus.quote_value',
    args: [{ name: 'value', type: 'text' }],
    returns: 'text',
    language: 'sql',
    volatility: 'immutable',
    parallelSafe: true,
    audience: 'monitor',
    doc: `A value quoted for a message; one longer than ${SHOWN_VALUE.limit} characters is cut to its first ${SHOWN_VALUE.characters}, followed by its length.`,
    body: `
  SELECT CASE WHEN pg_catalog.length(value) <= ${SHOWN_VALUE.limit} THEN pg_catalog.quote_nullable(value)
    ELSE pg_catalog.quote_literal(pg_catalog."left"(value, ${SHOWN_VALUE.characters}))
         || pg_catalog.format('... (%s characters)', pg_catalog.length(value)) END`,
  }),
  sqlFunction({
    name: 'walrus.server_setting',
    args: [{ name: 'name', type: 'text' }],
    returns: 'text',
    language: 'sql',
    volatility: 'stable',
    // pg_file_settings is for superusers only.
    audience: 'admin',
    doc:
      'A parameter as a new session of the current user in this database would see it, ignoring SET and connection ' +
      'options: ALTER ROLE IN DATABASE, ALTER ROLE, ALTER DATABASE, ALTER ROLE ALL, then the configuration files ' +
      '(NULL: not set). Reads pg_file_settings, so it needs a superuser.',
    body: `
  SELECT v.value FROM (
    -- ALTER ROLE r IN DATABASE d SET > ALTER ROLE r SET > ALTER DATABASE d SET > ALTER ROLE ALL SET
    SELECT CASE WHEN s.setdatabase <> 0 AND s.setrole <> 0 THEN 1 WHEN s.setrole <> 0 THEN 2
                WHEN s.setdatabase <> 0 THEN 3 ELSE 4 END AS rank,
           c.position AS seq, pg_catalog.substr(c.entry, pg_catalog.strpos(c.entry, '=') + 1) AS value
      FROM pg_catalog.pg_db_role_setting s
      CROSS JOIN LATERAL pg_catalog.unnest(s.setconfig) WITH ORDINALITY AS c(entry, position)
     WHERE s.setdatabase IN (0, (SELECT d.oid FROM pg_catalog.pg_database d WHERE d.datname = pg_catalog.current_database()))
       AND s.setrole IN (0, (SELECT r.oid FROM pg_catalog.pg_roles r WHERE r.rolname = current_user))
       AND pg_catalog.lower(pg_catalog.split_part(c.entry, '=', 1)) = pg_catalog.lower(server_setting.name)
    UNION ALL
    -- postgresql.conf, its includes and postgresql.auto.conf (ALTER SYSTEM): the last line that applies wins.
    SELECT 5, f.seqno, f.setting
      FROM pg_catalog.pg_file_settings f
     WHERE f.applied AND f.error IS NULL AND pg_catalog.lower(f.name) = pg_catalog.lower(server_setting.name)
  ) AS v
  ORDER BY v.rank, v.seq DESC
  LIMIT 1`,
  }),
];

/** SQLSTATE of the exception that rolls back current_settings()'s RESETs; raised and caught there, never seen. */
const RESET_PROBE_SQLSTATE = 'WR001';

/**
 * How every reader sees the settings: one raw value judged by the compiled parser (evaluate_setting), the report of
 * them all (setting_report, which walrus.read_config() types), and the rows of the walrus.settings view. Emitted after
 * walrus.setting_declarations(), the per-setting data codegen generates from src/settings.ts, which they read.
 */
export const SETTING_READERS = [
  sqlFunction({
    name: 'walrus.setting_structure_error',
    args: [
      { name: 'name', type: 'text' },
      { name: 'raw', type: 'text' },
    ],
    returns: 'text',
    // PL/pgSQL, so that it may name the profile functions, which are created later.
    language: 'plpgsql',
    volatility: 'stable',
    audience: 'monitor',
    doc: 'What is wrong inside walrus.profiles or walrus.timezone (NULL when nothing is).',
    body: `
BEGIN
  IF name = 'walrus.profiles' THEN
    RETURN (SELECT string_agg(p.error, '; ' ORDER BY p.ordinal) FROM walrus.profile_list(raw) p WHERE p.error IS NOT NULL);
  END IF;
  IF name = 'walrus.timezone' AND coalesce(raw, '') <> '' AND walrus.profile_zone(raw) IS DISTINCT FROM raw THEN
    RETURN format('%s is not a time zone (valid: a name from pg_timezone_names, or empty for the server''s timezone)',
                  walrus.quote_value(raw));
  END IF;
  RETURN NULL;
END;`,
  }),
  sqlFunction({
    name: 'walrus.evaluate_setting',
    args: [
      { name: 'setting', type: 'walrus.setting_declaration' },
      { name: 'raw', type: 'text' },
      { name: 'shown', type: 'text', out: true },
      { name: 'value', type: 'text', out: true },
      { name: 'error', type: 'text', out: true },
    ],
    returns: 'record',
    language: 'sql',
    volatility: 'stable',
    parallelSafe: true,
    audience: 'monitor',
    doc:
      'One raw value of a walrus.* setting: as shown (connection strings masked), the effective value (the default ' +
      'when empty or invalid) and the error, by the rules of walrus.parse_setting(). Never raises an error.',
    // An empty value is the default (RESET leaves a placeholder empty), which codegen parsed once: only a memory
    // setting's default is parsed here again, because the server's two-WAL-segment floor may reject it. Parsing the
    // 32 defaults on every read was half the cost of a cycle.
    body: `
  SELECT CASE WHEN setting.secret THEN walrus.mask_conninfo(r.raw) ELSE r.raw END,
         CASE WHEN setting.secret THEN walrus.mask_conninfo(coalesce(p.value, setting.default_effective))
              ELSE coalesce(p.value, setting.default_effective) END,
         -- An unset value is the default, and no default has a structure error.
         coalesce(p.error, CASE WHEN r.raw IS NOT NULL THEN walrus.setting_structure_error(setting.name, r.raw) END)
  FROM (SELECT nullif(raw, '') AS raw) AS r
  LEFT JOIN LATERAL (
    SELECT parsed.value, parsed.error
      FROM walrus.parse_setting(setting.kind, coalesce(r.raw, setting.default_value), setting.min_value::text,
                                setting.max_value::text, setting.exclusive, setting.choices) AS parsed
     WHERE r.raw IS NOT NULL OR setting.kind = 'memory') AS p ON true`,
  }),
  sqlFunction({
    name: 'walrus.setting_report',
    args: [{ name: 'session_values', type: 'boolean', default: 'true' }],
    returns:
      'TABLE (name text, raw_value text, effective_value text, default_value text, unit text, min_value numeric, ' +
      'max_value numeric, valid boolean, error text, description text)',
    language: 'plpgsql',
    volatility: 'stable',
    // Monitoring roles read the session's values; the server's (session_values = false) need server_setting().
    audience: 'monitor',
    doc:
      'Every walrus.* setting: raw value, effective value, default, unit, range, validity and error. session_values ' +
      '=> false: the values a new session of the current user would see, ignoring SET (needs walrus.server_setting).',
    body: `
DECLARE
  -- Read once: the declarations are a VALUES list planned anew on every call.
  declared walrus.setting_declaration[] := ARRAY(SELECT d FROM walrus.setting_declarations() AS d ORDER BY d.ord);
  raw_values text[];
BEGIN
  -- Two statements, not one CASE: a role without walrus.server_setting() may still read the session's values.
  IF session_values THEN
    raw_values := ARRAY(SELECT pg_catalog.current_setting(d.name, true) FROM pg_catalog.unnest(declared) AS d ORDER BY d.ord);
  ELSE
    raw_values := ARRAY(SELECT walrus.server_setting(d.name) FROM pg_catalog.unnest(declared) AS d ORDER BY d.ord);
  END IF;
  RETURN QUERY
  SELECT d.name, e.shown, e.value, d.default_value, d.unit, d.min_value, d.max_value, e.error IS NULL, e.error,
         d.description
  FROM pg_catalog.unnest(declared) AS d
  CROSS JOIN LATERAL walrus.evaluate_setting(d, raw_values[d.ord]) AS e
  ORDER BY d.ord;
END;`,
  }),
  sqlFunction({
    name: 'walrus.config_file_has',
    args: [
      { name: 'name', type: 'text' },
      { name: 'value', type: 'text' },
    ],
    returns: 'boolean',
    language: 'sql',
    volatility: 'stable',
    // pg_file_settings is for superusers. It answers only for walrus.* names, whose values every role can read with
    // SHOW anyway, and only yes or no.
    securityDefiner: true,
    audience: 'monitor',
    doc:
      'Whether the last line of the configuration files that sets this walrus.* parameter gives it exactly this value ' +
      '(false for any other name).',
    body: `
  SELECT coalesce((
    SELECT f.setting = config_file_has.value
      FROM pg_catalog.pg_file_settings AS f
     WHERE f.applied AND f.error IS NULL
       AND pg_catalog.lower(f.name) = pg_catalog.lower(config_file_has.name)
       AND pg_catalog.starts_with(pg_catalog.lower(config_file_has.name), 'walrus.')
     ORDER BY f.seqno DESC
     LIMIT 1), false)`,
  }),
  sqlFunction({
    name: 'walrus.current_settings',
    returns:
      'TABLE (name text, setting text, unit text, vartype text, source text, min_val text, max_val text, ' +
      'enumvals text[], boot_val text, reset_val text, short_desc text, valid boolean, error text, raw_value text)',
    language: 'plpgsql',
    volatility: 'volatile',
    audience: 'monitor',
    doc:
      "Every walrus.* setting in pg_settings' terms (name, setting, unit, vartype, source, min_val, max_val, " +
      'enumvals, boot_val, reset_val, short_desc) plus valid, error and the raw value (masked); the rows of the ' +
      'walrus.settings view.',
    body: `
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
END;`,
  }),
];
