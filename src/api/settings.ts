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
