import { PINNED_SEARCH_PATH, quoteIdent, quoteLiteral } from '../compiler/identifiers';
import type { Setting } from '../../src/settings';

/**
 * SQL derived from the setting declarations in src/settings.ts. The per-kind parsing rules live once, in
 * walrus.parse_setting(); everything per setting (names, defaults, ranges, the typed config fields) is generated.
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

export function defaultText(s: Setting): string {
  return s.kind === 'bool' ? (s.default ? 'on' : 'off') : String(s.default);
}

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

/** The kind walrus.parse_setting() validates a setting as: a secret text setting is a connection string. */
export function parseKind(s: Setting): string {
  return s.kind === 'text' && s.secret ? 'conninfo' : s.kind;
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

/** The bounds walrus.parse_setting() puts on numbers before it casts anything (tests restate the rules with them). */
export const PARSE_LIMITS = {
  realExponent: 100,
  realDigits: 1000,
  intDigits: 18,
  memoryDigits: 20,
  memoryFractionDigits: 30,
  shownCharacters: 60,
  shownLimit: 80,
} as const;

/**
 * Whitespace around a value: ASCII only, what PostgreSQL's own setting parser and libpq skip (isspace). `\s` would
 * also match Unicode spaces (U+00A0, U+2003, U+3000...), which no cast to a number accepts.
 */
const WS = String.raw`[ \t\n\r\f\v]`;

/**
 * The keyword `password` as libpq reads it in a key=value string and, percent-decoded, in a URI query; any letter may
 * be percent-encoded there. Matched case-insensitively and anywhere, so `sslpassword` (the client key's pass phrase)
 * counts too.
 */
const PASSWORD_KEYWORD = [...'password']
  .map((c) => `(?:${c}|%${c.charCodeAt(0).toString(16)})`)
  .join('');

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

/** The keyword and `=` of a key=value password; what makes a walrus.conninfo value invalid. */
const PASSWORD_ASSIGNMENT = `${PASSWORD_KEYWORD}${WS}*=`;

/** A value shown in a message: the first characters of a long one, and its length. */
const SHOWN_VALUE_CHARACTERS = PARSE_LIMITS.shownCharacters;
const SHOWN_VALUE_LIMIT = PARSE_LIMITS.shownLimit;

/**
 * Reals must be 0 or have a decimal exponent within +-REAL_EXPONENT_LIMIT: far inside double precision, so that the
 * cast never fails and products of a few settings and measurements neither underflow nor overflow (PostgreSQL raises
 * an error on float8 underflow).
 */
const REAL_EXPONENT_LIMIT = PARSE_LIMITS.realExponent;
/** Significant digits a real may have: far more than double precision's 17, and numeric holds them exactly. */
const REAL_DIGITS = PARSE_LIMITS.realDigits;
/** Integer digits (without leading zeros) beyond which an int or memory value is out of any range. */
const INT_DIGITS = PARSE_LIMITS.intDigits;
const MEMORY_DIGITS = PARSE_LIMITS.memoryDigits;
/** Fraction digits kept of a memory size: enough that rounding to whole MB never changes (2^-21 has 21 digits). */
const MEMORY_FRACTION_DIGITS = PARSE_LIMITS.memoryFractionDigits;

const CONNINFO_ERROR =
  'contains a password, which every role can read with SHOW and the server logs on reload (valid: a connection ' +
  "string without one; keep the password in a password file, passfile= or ~/.pgpass of the server's operating-system " +
  'user, or in a service file, service= and pg_service.conf)';

const PARSE_SETTING = String.raw`
-- walrus.parse_setting: the validation rules of each setting kind, shared by every setting. Total: any text gives
-- either a value that casts to the setting's type (see read_config) or an error naming the valid range.
CREATE FUNCTION walrus.parse_setting(kind text, raw text, min_value numeric, max_value numeric, exclusive boolean,
                                     choices text[], OUT value text, OUT error text)
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE ${PINNED_SEARCH_PATH}
AS $function$
DECLARE
  trimmed text := regexp_replace(raw, '^${WS}+|${WS}+$', '', 'g');
  parts text[];
  digits text;
  scale integer;
  number numeric;
  range_text text;
BEGIN
  IF kind = 'text' THEN
    value := coalesce(raw, '');
    RETURN;
  END IF;
  IF kind = 'conninfo' THEN
    -- Placeholders are readable by every role and logged on reload: a password never belongs in one.
    IF raw ~* ${quoteLiteral(PASSWORD_ASSIGNMENT)} OR raw ~* ${quoteLiteral(URI_PASSWORD)} THEN
      error := ${quoteLiteral(CONNINFO_ERROR)};
    ELSE
      value := coalesce(raw, '');
    END IF;
    RETURN;
  END IF;
  IF kind = 'enum' THEN
    value := CASE WHEN lower(trimmed) = ANY (choices) THEN lower(trimmed) END;
    IF value IS NULL THEN
      error := format('not one of the choices (valid: %s)', array_to_string(choices, ', '));
    END IF;
    RETURN;
  END IF;
  IF kind = 'bool' THEN
    value := CASE lower(trimmed)
      WHEN 'on' THEN 'on' WHEN 'true' THEN 'on' WHEN 'yes' THEN 'on' WHEN '1' THEN 'on'
      WHEN 'off' THEN 'off' WHEN 'false' THEN 'off' WHEN 'no' THEN 'off' WHEN '0' THEN 'off'
    END;
    IF value IS NULL THEN
      error := 'not a boolean (valid: on, off, true, false, yes, no, 1, 0)';
    END IF;
    RETURN;
  END IF;
  -- Numbers: the shape is checked on the text, and digits are counted before anything is cast, so that no length or
  -- exponent can overflow numeric or double precision.
  IF kind = 'memory' THEN
    range_text := format('valid: %s MB to %s MB; units B, kB, MB, GB, TB, a bare number is MB', min_value, max_value);
    parts := regexp_match(trimmed, '^([0-9]+)(?:\.([0-9]+))?${WS}*(B|kB|MB|GB|TB)?$');
    IF parts IS NULL THEN
      error := format('not a memory size (%s)', range_text);
      RETURN;
    END IF;
    digits := ltrim(parts[1], '0');
    IF length(digits) > ${MEMORY_DIGITS} THEN
      error := format('out of range (%s)', range_text);
      RETURN;
    END IF;
    number := round((coalesce(nullif(digits, ''), '0') || '.' || left(coalesce(parts[2], '0'), ${MEMORY_FRACTION_DIGITS}))::numeric
      * CASE coalesce(parts[3], 'MB')
          WHEN 'B' THEN 1.0 / 1048576 WHEN 'kB' THEN 1.0 / 1024 WHEN 'MB' THEN 1 WHEN 'GB' THEN 1024 ELSE 1048576 END);
  ELSIF kind = 'int' THEN
    range_text := format('valid: %s to %s', min_value, max_value);
    parts := regexp_match(trimmed, '^([-+]?)([0-9]+)$');
    IF parts IS NULL THEN
      error := format('not an integer (%s)', range_text);
      RETURN;
    END IF;
    digits := ltrim(parts[2], '0');
    IF length(digits) > ${INT_DIGITS} THEN
      error := format('out of range (%s)', range_text);
      RETURN;
    END IF;
    number := (parts[1] || coalesce(nullif(digits, ''), '0'))::numeric;
  ELSE
    range_text := format(CASE WHEN exclusive THEN 'valid: strictly between %s and %s' ELSE 'valid: %s to %s' END,
                         min_value, max_value);
    -- sign, integer digits, fraction digits, exponent
    parts := regexp_match(trimmed, '^([-+]?)([0-9]*)(?:\.([0-9]*))?(?:[eE]([-+]?)([0-9]+))?$');
    IF parts IS NULL OR parts[2] || coalesce(parts[3], '') = '' THEN
      error := format('not a number (%s)', range_text);
      RETURN;
    END IF;
    digits := parts[2] || coalesce(parts[3], '');
    -- The decimal exponent of the first significant digit, from the digit counts alone.
    scale := length(parts[2]) - (length(digits) - length(ltrim(digits, '0'))) - 1;
    digits := rtrim(ltrim(digits, '0'), '0');
    IF digits = '' THEN
      number := 0;
    ELSE
      IF length(ltrim(coalesce(parts[5], '0'), '0')) > 6 THEN
        scale := scale + CASE WHEN parts[4] = '-' THEN -1000000 ELSE 1000000 END;
      ELSE
        scale := scale + CASE WHEN parts[4] = '-' THEN -1 ELSE 1 END * coalesce(nullif(ltrim(parts[5], '0'), ''), '0')::integer;
      END IF;
      IF scale > ${REAL_EXPONENT_LIMIT} THEN
        error := format('out of range (%s)', range_text);
        RETURN;
      END IF;
      IF scale < -${REAL_EXPONENT_LIMIT} THEN
        error := format('out of range (%s, and not below 1e-${REAL_EXPONENT_LIMIT} in magnitude)', range_text);
        RETURN;
      END IF;
      IF length(digits) > ${REAL_DIGITS} THEN
        error := format('not a number (%s; at most ${REAL_DIGITS} significant digits)', range_text);
        RETURN;
      END IF;
      number := trim_scale((parts[1] || '0.' || digits || 'e' || (scale + 1))::numeric);
    END IF;
  END IF;
  -- An exclusive bound holds for the double precision the value becomes, too: 0.99999999999999999 is 1 there.
  IF number < min_value OR number > max_value
     OR (exclusive AND (number::double precision <= min_value::double precision
                        OR number::double precision >= max_value::double precision)) THEN
    error := format('out of range (%s)', range_text);
    RETURN;
  END IF;
  value := number::text;
END;
$function$;
COMMENT ON FUNCTION walrus.parse_setting(text, text, numeric, numeric, boolean, text[]) IS
  'Validates one walrus.* value of the given kind: the normalised value, or NULL and an error naming the valid range. Never raises an error.';

-- walrus.setting_mb: a server memory setting in MB, the unit pg_walrus sizes in.
CREATE FUNCTION walrus.setting_mb(name text) RETURNS integer
LANGUAGE sql STABLE PARALLEL SAFE ${PINNED_SEARCH_PATH}
AS $$
  SELECT (pg_catalog.pg_size_bytes(pg_catalog.current_setting(name)) / 1048576)::integer
$$;
COMMENT ON FUNCTION walrus.setting_mb(text) IS 'A server memory setting (max_wal_size, wal_segment_size, ...) in MB.';

-- walrus.mask_conninfo: what may be shown of a connection string, or of a message that may quote one: everything but
-- its passwords (key=value, quoted or with backslash escapes; URI user information; URI query parameters).
CREATE FUNCTION walrus.mask_conninfo(conninfo text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE ${PINNED_SEARCH_PATH}
AS $$
  SELECT pg_catalog.regexp_replace(pg_catalog.regexp_replace(conninfo,
    ${quoteLiteral(`(${PASSWORD_KEYWORD}${WS}*=${WS}*)${CONNINFO_VALUE}`)}, '\1********', 'gi'),
    ${quoteLiteral(URI_PASSWORD)}, '\1********@', 'g')
$$;
COMMENT ON FUNCTION walrus.mask_conninfo(text) IS 'A connection string, or a message, with any password replaced by ********.';

-- walrus.quote_value: a value as a message shows it, quoted, and cut short when long.
CREATE FUNCTION walrus.quote_value(value text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE ${PINNED_SEARCH_PATH}
AS $$
  SELECT CASE WHEN pg_catalog.length(value) <= ${SHOWN_VALUE_LIMIT} THEN pg_catalog.quote_nullable(value)
    ELSE pg_catalog.quote_literal(pg_catalog."left"(value, ${SHOWN_VALUE_CHARACTERS}))
         || pg_catalog.format('... (%s characters)', pg_catalog.length(value)) END
$$;
COMMENT ON FUNCTION walrus.quote_value(text) IS
  'A value quoted for a message; one longer than ${SHOWN_VALUE_LIMIT} characters is cut to its first ${SHOWN_VALUE_CHARACTERS}, followed by its length.';

-- walrus.server_setting: a parameter as a fresh session of the current user in this database sees it, whatever this
-- session did (SET, connection options): the precedence PostgreSQL applies at connection time.
CREATE FUNCTION walrus.server_setting(name text) RETURNS text
LANGUAGE sql STABLE ${PINNED_SEARCH_PATH}
AS $$
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
  LIMIT 1
$$;
COMMENT ON FUNCTION walrus.server_setting(text) IS
  'A parameter as a new session of the current user in this database would see it, ignoring SET and connection options: ALTER ROLE IN DATABASE, ALTER ROLE, ALTER DATABASE, ALTER ROLE ALL, then the configuration files (NULL: not set). Reads pg_file_settings, so it needs a superuser.';
`.trim();

/** The functions settingsSql() creates, and who may run them (nobody else can). */
export const SETTINGS_FUNCTIONS: readonly { readonly signature: string; readonly audience: 'admin' | 'monitor' }[] = [
  { signature: 'walrus.parse_setting(text, text, numeric, numeric, boolean, text[])', audience: 'monitor' },
  { signature: 'walrus.mask_conninfo(text)', audience: 'monitor' },
  { signature: 'walrus.quote_value(text)', audience: 'monitor' },
  { signature: 'walrus.setting_mb(text)', audience: 'monitor' },
  { signature: 'walrus.setting_declarations()', audience: 'monitor' },
  { signature: 'walrus.evaluate_setting(walrus.setting_declaration, text)', audience: 'monitor' },
  // SECURITY DEFINER: whether a walrus.* value comes from the configuration files, for walrus.settings' source.
  { signature: 'walrus.config_file_has(text, text)', audience: 'monitor' },
  { signature: 'walrus.current_settings()', audience: 'monitor' },
  // Monitoring roles read the session's values; the server's (session_values = false) need server_setting().
  { signature: 'walrus.setting_report(boolean)', audience: 'monitor' },
  { signature: 'walrus.read_config(boolean, boolean)', audience: 'monitor' },
  // pg_file_settings is for superusers only.
  { signature: 'walrus.server_setting(text)', audience: 'admin' },
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
      lit(parseKind(s)),
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

-- walrus.evaluate_setting: one raw value of a setting as every reader sees it: the rules of walrus.parse_setting(),
-- an empty value meaning the default (RESET leaves a placeholder empty), connection strings masked.
CREATE FUNCTION walrus.evaluate_setting(setting walrus.setting_declaration, raw text,
                                        OUT shown text, OUT value text, OUT error text)
LANGUAGE sql IMMUTABLE PARALLEL SAFE ${PINNED_SEARCH_PATH}
AS $$
  SELECT CASE WHEN setting.secret THEN walrus.mask_conninfo(r.raw) ELSE r.raw END,
         CASE WHEN setting.secret THEN walrus.mask_conninfo(coalesce(p.value, q.value))
              ELSE coalesce(p.value, q.value) END,
         p.error
  FROM (SELECT nullif(raw, '') AS raw) AS r
  CROSS JOIN LATERAL walrus.parse_setting(setting.kind, coalesce(r.raw, setting.default_value),
                                          setting.min_value, setting.max_value, setting.exclusive, setting.choices) AS p
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
    IF NOT setting.valid AND warn THEN
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

  return [PARSE_SETTING, declarations, report, current, configType, readConfigSql];
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
