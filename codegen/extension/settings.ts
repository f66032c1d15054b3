import { PINNED_SEARCH_PATH, quoteIdent, quoteLiteral } from '../compiler/identifiers';
import { parseSetting } from '../../src/logic/settings';
import { defaultText, settingBounds, settingKind, type Setting } from '../../src/settings';

/**
 * The SQL that has one part per setting, generated from the declarations in src/settings.ts: the declarations as
 * data (walrus.setting_declarations()) and the typed config with its reader (walrus.read_config()). No rule is
 * written here: walrus.parse_setting() is compiled from src/logic/settings.ts, and the functions that read settings
 * through it (walrus.evaluate_setting, walrus.setting_report, ...) are declared in src/api/settings.ts.
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

/** The functions the generated SQL creates, and who may run them (nobody else can). */
export const SETTINGS_FUNCTIONS: readonly { readonly signature: string; readonly audience: 'admin' | 'monitor' }[] = [
  { signature: 'walrus.setting_declarations()', audience: 'monitor' },
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

/**
 * A declared default as the compiled parser reads it, parsed here once instead of on every read. A default the parser
 * refuses is a mistake in src/settings.ts, caught when the extension is generated.
 */
function effectiveDefault(s: Setting): string {
  const parsed = parseSetting(settingKind(s), defaultText(s), null, null, false, s.kind === 'enum' ? [...s.values] : null);
  if (parsed.value === null) {
    throw new Error(`src/settings.ts: the default ${JSON.stringify(defaultText(s))} of walrus.${s.name} is invalid: ${parsed.error}`);
  }
  return parsed.value;
}

/** walrus.setting_declaration and walrus.setting_declarations(): every setting's declaration as data. */
export function declarationsSql(settings: readonly Setting[]): string {
  const rows = settings.map((s, i) => {
    // The two-WAL-segment floor depends on the server: setting_declarations() applies it.
    const { min, max } = settingBounds(s, 0);
    return `(${[
      String(i + 1),
      lit(s.name),
      lit(settingKind(s)),
      lit(VARTYPES[s.kind]),
      lit(defaultText(s)),
      lit(effectiveDefault(s)),
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
  return `
-- walrus.setting_declaration: one walrus.* setting as src/settings.ts declares it; min_value already includes the
-- two-WAL-segment floor where it applies; default_effective is the default as walrus.parse_setting() reads it.
CREATE TYPE walrus.setting_declaration AS (
  ord integer, name text, kind text, vartype text, default_value text, default_effective text, unit text,
  min_value numeric, max_value numeric, exclusive boolean, secret boolean, choices text[], description text
);

-- walrus.setting_declarations: every walrus.* setting, in declaration order; generated from src/settings.ts.
CREATE FUNCTION walrus.setting_declarations() RETURNS SETOF walrus.setting_declaration
LANGUAGE sql STABLE PARALLEL SAFE ${PINNED_SEARCH_PATH}
AS $$
  SELECT d.ord, 'walrus.' || d.setting, d.kind, d.vartype, d.default_text, d.default_effective, d.unit_text,
         -- Below two WAL segments the server would refuse to start, whatever the declared minimum says.
         (CASE WHEN d.two_segments THEN greatest(d.low, 2 * walrus.setting_mb('wal_segment_size'))
               ELSE d.low END)::numeric,
         d.high::numeric, d.exclusive, d.secret, d.choices, d.doc
  FROM (VALUES
    ${rows.join(',\n    ')}
  ) AS d(ord, setting, kind, vartype, default_text, default_effective, unit_text, low, high, exclusive, two_segments,
         secret, choices, doc)
  ORDER BY d.ord
$$;
COMMENT ON FUNCTION walrus.setting_declarations() IS
  'Every walrus.* setting as declared in src/settings.ts: kind, pg_settings vartype, default, unit, range (with the two-WAL-segment floor), choices, description.';`.trim();
}

/** walrus.config and walrus.read_config(): the effective settings as one typed value, a field per setting. */
export function configSql(settings: readonly Setting[]): string[] {
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

  return [configType, readConfigSql];
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
