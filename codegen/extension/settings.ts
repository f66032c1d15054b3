import { quoteIdent, quoteLiteral } from '../compiler/identifiers';
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

/** From the normalised text of walrus.parse_setting() to the typed config field. */
const CASTS: Record<Setting['kind'], string> = {
  bool: '::boolean',
  int: '::integer',
  real: '::double precision',
  memory: '::numeric::integer',
  text: '',
  enum: '',
};

const lit = (v: string | null): string => (v === null ? 'NULL' : quoteLiteral(v));

const PARSE_SETTING = String.raw`
-- walrus.parse_setting: the validation rules of each setting kind, shared by every setting.
CREATE FUNCTION walrus.parse_setting(kind text, raw text, min_value numeric, max_value numeric, exclusive boolean,
                                     choices text[], OUT value text, OUT error text)
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
AS $function$
DECLARE
  parts text[];
  number numeric;
  range_text text;
BEGIN
  IF kind = 'text' THEN
    value := coalesce(raw, '');
    RETURN;
  END IF;
  IF kind = 'enum' THEN
    value := CASE WHEN lower(btrim(raw)) = ANY (choices) THEN lower(btrim(raw)) END;
    IF value IS NULL THEN
      error := format('not one of the choices (valid: %s)', array_to_string(choices, ', '));
    END IF;
    RETURN;
  END IF;
  IF kind = 'bool' THEN
    value := CASE lower(btrim(raw))
      WHEN 'on' THEN 'on' WHEN 'true' THEN 'on' WHEN 'yes' THEN 'on' WHEN '1' THEN 'on'
      WHEN 'off' THEN 'off' WHEN 'false' THEN 'off' WHEN 'no' THEN 'off' WHEN '0' THEN 'off'
    END;
    IF value IS NULL THEN
      error := 'not a boolean (valid: on, off, true, false, yes, no, 1, 0)';
    END IF;
    RETURN;
  END IF;
  IF kind = 'memory' THEN
    range_text := format('valid: %s MB to %s MB; units B, kB, MB, GB, TB, a bare number is MB', min_value, max_value);
    parts := regexp_match(raw, '^\s*([0-9]+(?:\.[0-9]+)?)\s*(B|kB|MB|GB|TB)?\s*$');
    IF parts IS NULL THEN
      error := format('not a memory size (%s)', range_text);
      RETURN;
    END IF;
    number := round(parts[1]::numeric * CASE coalesce(parts[2], 'MB')
      WHEN 'B' THEN 1.0 / 1048576 WHEN 'kB' THEN 1.0 / 1024 WHEN 'MB' THEN 1 WHEN 'GB' THEN 1024 ELSE 1048576 END);
  ELSIF kind = 'int' THEN
    range_text := format('valid: %s to %s', min_value, max_value);
    IF raw !~ '^\s*[-+]?[0-9]{1,30}\s*$' THEN
      error := format('not an integer (%s)', range_text);
      RETURN;
    END IF;
    number := btrim(raw)::numeric;
  ELSE
    range_text := format(CASE WHEN exclusive THEN 'valid: strictly between %s and %s' ELSE 'valid: %s to %s' END,
                         min_value, max_value);
    IF raw !~ '^\s*[-+]?([0-9]{1,30}(\.[0-9]*)?|\.[0-9]+)([eE][-+]?[0-9]{1,3})?\s*$' THEN
      error := format('not a number (%s)', range_text);
      RETURN;
    END IF;
    number := btrim(raw)::numeric;
  END IF;
  IF number < min_value OR number > max_value OR (exclusive AND (number = min_value OR number = max_value)) THEN
    error := format('out of range (%s)', range_text);
    RETURN;
  END IF;
  value := number::text;
END;
$function$;
COMMENT ON FUNCTION walrus.parse_setting(text, text, numeric, numeric, boolean, text[]) IS
  'Validates one walrus.* value of the given kind: the normalised value, or NULL and an error naming the valid range.';

-- walrus.setting_mb: a server memory setting in MB, the unit pg_walrus sizes in.
CREATE FUNCTION walrus.setting_mb(name text) RETURNS integer
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
  SELECT (pg_catalog.pg_size_bytes(current_setting(name)) / 1048576)::integer
$$;
COMMENT ON FUNCTION walrus.setting_mb(text) IS 'A server memory setting (max_wal_size, wal_segment_size, ...) in MB.';

-- walrus.mask_conninfo: what may be shown of a connection string: everything but its password.
CREATE FUNCTION walrus.mask_conninfo(conninfo text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
  SELECT regexp_replace(regexp_replace(conninfo,
    '(password\s*=\s*)(''([^''\\]|\\.)*''|\S+)', '\1********', 'gi'),
    '(://[^:/@]*:)[^@]*@', '\1********@', 'g')
$$;
COMMENT ON FUNCTION walrus.mask_conninfo(text) IS 'A connection string with any password replaced by ********.';
`.trim();

/** The functions settingsSql() creates; all are read-only and safe for monitoring roles. */
export const SETTINGS_FUNCTION_SIGNATURES = [
  'walrus.parse_setting(text, text, numeric, numeric, boolean, text[])',
  'walrus.mask_conninfo(text)',
  'walrus.setting_mb(text)',
  'walrus.setting_report()',
  'walrus.read_config(boolean)',
];

export function settingsSql(settings: readonly Setting[]): string[] {
  const rows = settings.map((s) => {
    const { min, max } = bounds(s);
    return `(${[
      lit(s.name),
      lit(s.kind),
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

  const report = `
-- walrus.setting_report: every walrus.* setting with its raw and effective value; generated from src/settings.ts.
CREATE FUNCTION walrus.setting_report()
RETURNS TABLE (name text, raw_value text, effective_value text, default_value text, unit text,
               min_value numeric, max_value numeric, valid boolean, error text, description text)
LANGUAGE sql STABLE
AS $$
  SELECT 'walrus.' || d.name,
         CASE WHEN d.secret THEN walrus.mask_conninfo(r.raw) ELSE r.raw END,
         CASE WHEN d.secret THEN walrus.mask_conninfo(coalesce(p.value, q.value)) ELSE coalesce(p.value, q.value) END,
         d.default_value, d.unit, b.min_value, d.max_value, p.error IS NULL, p.error, d.description
  FROM (VALUES
    ${rows.join(',\n    ')}
  ) AS d(name, kind, default_value, unit, min_value, max_value, exclusive, two_segments, secret, choices, description)
  -- An empty value is what RESET leaves behind for a placeholder: it means "not set".
  CROSS JOIN LATERAL (SELECT nullif(current_setting('walrus.' || d.name, true), '') AS raw) AS r
  -- Below two WAL segments the server would refuse to start, whatever the declared minimum says.
  CROSS JOIN LATERAL (SELECT CASE WHEN d.two_segments
      THEN greatest(d.min_value, 2 * walrus.setting_mb('wal_segment_size'))
      ELSE d.min_value END AS min_value) AS b
  CROSS JOIN LATERAL walrus.parse_setting(d.kind, coalesce(r.raw, d.default_value), b.min_value, d.max_value,
                                          d.exclusive, d.choices) AS p
  CROSS JOIN LATERAL walrus.parse_setting(d.kind, d.default_value, NULL, NULL, false, d.choices) AS q
$$;
COMMENT ON FUNCTION walrus.setting_report() IS
  'Every walrus.* setting: raw value, effective value, default, unit, range, validity and error.';`.trim();

  const fields = settings.map(configField);
  const configType = `
-- walrus.config: the effective settings, typed; generated from src/settings.ts.
CREATE TYPE walrus.config AS (
${fields.map((f) => `  ${quoteIdent(f.name)} ${f.type}`).join(',\n')}
);`.trim();

  const readConfigSql = `
-- walrus.read_config: the effective settings, warning once about each invalid value; generated from src/settings.ts.
CREATE FUNCTION walrus.read_config(warn boolean DEFAULT true)
RETURNS walrus.config
LANGUAGE plpgsql STABLE
AS $function$
DECLARE
  cfg walrus.config;
  setting record;
BEGIN
  FOR setting IN SELECT * FROM walrus.setting_report() LOOP
    IF NOT setting.valid AND warn THEN
      -- raw_value comes masked from setting_report(), so no password can reach the log.
      RAISE WARNING 'pg_walrus: invalid value % for %: %; using the default %',
        quote_literal(setting.raw_value), setting.name, setting.error, setting.default_value;
    END IF;
    CASE setting.name
${settings
  .map((s) => {
    const f = configField(s);
    const cast = CASTS[s.kind];
    const source = s.kind === 'text' && s.secret ? `nullif(current_setting(${lit(`walrus.${s.name}`)}, true), '')` : 'setting.effective_value';
    const value = s.kind === 'text' && s.secret ? `coalesce(${source}, ${lit(s.default)})` : `${source}${cast}`;
    return `      WHEN ${lit(`walrus.${s.name}`)} THEN cfg.${quoteIdent(f.name)} := ${value};`;
  })
  .join('\n')}
    END CASE;
  END LOOP;
  RETURN cfg;
END;
$function$;
COMMENT ON FUNCTION walrus.read_config(boolean) IS
  'The effective walrus.* settings as one typed value; invalid values raise a WARNING and fall back to the default.';`.trim();

  return [PARSE_SETTING, report, configType, readConfigSql];
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
