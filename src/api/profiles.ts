import { sqlFunction } from '../sqlapi';

/** The settings a profile may override: its field, the walrus.* setting whose rules validate it, the config field. */
export const OVERRIDES: readonly { readonly field: string; readonly setting: string; readonly config: string }[] = [
  { field: 'max_size', setting: 'walrus.max', config: 'max_mb' },
  { field: 'min_size', setting: 'walrus.min_size', config: 'min_size_mb' },
  { field: 'threshold', setting: 'walrus.threshold', config: 'threshold' },
  { field: 'shrink_enable', setting: 'walrus.shrink_enable', config: 'shrink_enable' },
  { field: 'algorithm', setting: 'walrus.algorithm', config: 'algorithm' },
  { field: 'dry_run', setting: 'walrus.dry_run', config: 'dry_run' },
];

export const DAYS = 'Mon, Tue, Wed, Thu, Fri, Sat, Sun';

const overrideRows = OVERRIDES.map((o) => `('${o.field}', '${o.setting}', '${o.config}')`).join(', ');

/**
 * walrus.profiles: the JSON is read and checked here (which profile, which field, which value); which hours a window
 * covers, the day names and what counts as an overlap are compiled rules (src/logic/profiles.ts). Each value a
 * profile overrides is checked by the very rules of the setting it overrides.
 */
export const PROFILE_FUNCTIONS = [
  sqlFunction({
    name: 'walrus.profile_list',
    args: [{ name: 'profiles', type: 'text' }],
    returns:
      'TABLE (ordinal integer, name text, days integer[], start_hour integer, end_hour integer, overrides jsonb, error text)',
    language: 'plpgsql',
    volatility: 'stable',
    audience: 'monitor',
    doc:
      'Every profile of a walrus.profiles value in order: its window, its overrides as walrus.config fields, and ' +
      'what is wrong with it (NULL when valid). Never raises an error: an invalid profile is reported, not used.',
    body: `
DECLARE
  doc jsonb;
  item jsonb;
  position bigint;
  bad text;
  field record;
  checked record;
  earlier record;
  valid_days integer[];
  valid_windows jsonb := '[]';
BEGIN
  IF coalesce(btrim(profiles), '') = '' THEN
    RETURN;
  END IF;
  BEGIN
    doc := profiles::jsonb;
  EXCEPTION WHEN OTHERS THEN
    ordinal := 0; name := NULL; error := format('walrus.profiles is not valid JSON (%s)', SQLERRM);
    RETURN NEXT;
    RETURN;
  END;
  IF jsonb_typeof(doc) <> 'array' THEN
    ordinal := 0; name := NULL;
    error := format('walrus.profiles must be a JSON array of profiles, not a JSON %s', jsonb_typeof(doc));
    RETURN NEXT;
    RETURN;
  END IF;
  FOR item, position IN SELECT e.value, e.ordinality FROM jsonb_array_elements(doc) WITH ORDINALITY AS e LOOP
    ordinal := position; days := NULL; start_hour := NULL; end_hour := NULL; overrides := '{}'; error := NULL;
    name := CASE WHEN jsonb_typeof(item -> 'name') = 'string' THEN item ->> 'name' ELSE format('#%s', position) END;
    IF jsonb_typeof(item) <> 'object' THEN
      error := format('profile #%s: not a JSON object', position);
      RETURN NEXT;
      CONTINUE;
    END IF;
    SELECT string_agg(quote_literal(k), ', ') INTO bad FROM jsonb_object_keys(item) AS k WHERE NOT walrus.is_profile_field(k);
    IF bad IS NOT NULL THEN
      error := format('profile %L: unknown field %s (valid: name, days, start_hour, end_hour, max_size, min_size, '
                      'threshold, shrink_enable, algorithm, dry_run)', name, bad);
    ELSIF jsonb_typeof(item -> 'days') IS DISTINCT FROM 'array' OR jsonb_array_length(item -> 'days') = 0 THEN
      error := format('profile %L: field days: value %s is not a list of days (valid: a JSON array of %s)',
                      name, walrus.quote_value(coalesce(item ->> 'days', 'missing')), '${DAYS}');
    ELSE
      SELECT string_agg(quote_literal(d), ', ') FILTER (WHERE walrus.day_number(lower(d)) = 0),
             array_agg(DISTINCT walrus.day_number(lower(d)))
        INTO bad, valid_days FROM jsonb_array_elements_text(item -> 'days') AS d;
      IF bad IS NOT NULL OR EXISTS (SELECT FROM jsonb_array_elements(item -> 'days') x WHERE jsonb_typeof(x) <> 'string') THEN
        error := format('profile %L: field days: %s is not a day (valid: %s)', name, coalesce(bad, 'a non-string'), '${DAYS}');
      END IF;
      days := valid_days;
    END IF;
    IF error IS NULL THEN
      FOR field IN SELECT f.key, f.low, f.high FROM (VALUES ('start_hour', 0, 23), ('end_hour', 0, 24)) AS f(key, low, high) LOOP
        IF jsonb_typeof(item -> field.key) IS DISTINCT FROM 'number' OR (item ->> field.key) !~ '^[0-9]{1,2}$' THEN
          error := format('profile %L: field %s: value %s is not a whole hour (valid: %s to %s)', name, field.key,
                          walrus.quote_value(coalesce(item ->> field.key, 'missing')), field.low, field.high);
          EXIT;
        END IF;
      END LOOP;
    END IF;
    IF error IS NULL THEN
      start_hour := (item ->> 'start_hour')::integer;
      end_hour := (item ->> 'end_hour')::integer;
      bad := walrus.window_error(start_hour, end_hour);
      IF bad <> '' THEN
        error := format('profile %L: %s', name, bad);
      END IF;
    END IF;
    IF error IS NULL THEN
      -- Each override by the rules of the setting it overrides: a number is MB for sizes, as in the proposal.
      FOR checked IN
        SELECT o.field AS key, o.config, e.value, e.error
          FROM (VALUES ${overrideRows}) AS o(field, setting, config)
          JOIN walrus.setting_declarations() AS d ON d.name = o.setting
          CROSS JOIN LATERAL walrus.evaluate_setting(d, item ->> o.field) AS e
         WHERE item ? o.field
      LOOP
        IF checked.error IS NOT NULL OR item ->> checked.key IS NULL THEN
          error := format('profile %L: field %s: value %s is %s', name, checked.key,
                          walrus.quote_value(coalesce(item ->> checked.key, 'null')), coalesce(checked.error, 'null'));
          EXIT;
        END IF;
        overrides := overrides || jsonb_build_object(checked.config, checked.value);
      END LOOP;
    END IF;
    IF error IS NULL THEN
      SELECT w INTO earlier FROM jsonb_array_elements(valid_windows) AS w
       WHERE walrus.windows_overlap(ARRAY(SELECT jsonb_array_elements_text(w -> 'days')::integer), (w ->> 'start')::integer,
                                    (w ->> 'end')::integer, days, start_hour, end_hour)
       LIMIT 1;
      IF FOUND THEN
        error := format('profile %L: its window overlaps profile %L, which comes first and wins', name, earlier.w ->> 'name');
      ELSE
        valid_windows := valid_windows || jsonb_build_array(jsonb_build_object('name', name, 'days', to_jsonb(days),
                                                                              'start', start_hour, 'end', end_hour));
      END IF;
    END IF;
    RETURN NEXT;
  END LOOP;
END;`,
  }),
  sqlFunction({
    name: 'walrus.profile_zone',
    args: [{ name: 'zone', type: 'text' }],
    returns: 'text',
    language: 'plpgsql',
    volatility: 'stable',
    audience: 'monitor',
    doc:
      "The time zone of walrus.profiles' hours: walrus.timezone when PostgreSQL knows it, else the server's " +
      'timezone setting. Tried on a timestamp, not looked up in pg_timezone_names, which reads every zone file.',
    body: `
BEGIN
  IF coalesce(zone, '') <> '' THEN
    BEGIN
      PERFORM now() AT TIME ZONE zone;
      RETURN zone;
    EXCEPTION WHEN OTHERS THEN
      NULL;
    END;
  END IF;
  RETURN pg_catalog.current_setting('timezone');
END;`,
  }),
  sqlFunction({
    name: 'walrus.profile_time',
    args: [
      { name: 'at_time', type: 'timestamptz' },
      { name: 'zone', type: 'text' },
    ],
    returns: 'timestamp',
    language: 'sql',
    volatility: 'stable',
    audience: 'monitor',
    doc: "The local time of walrus.profiles' hours: in the named zone, or the server's timezone when it is empty or unknown.",
    body: `
  SELECT at_time AT TIME ZONE walrus.profile_zone(zone)`,
  }),
  sqlFunction({
    name: 'walrus.active_profile',
    args: [
      { name: 'profiles', type: 'text' },
      { name: 'zone', type: 'text' },
      { name: 'at_time', type: 'timestamptz' },
    ],
    returns: 'TABLE (name text, overrides jsonb, next_name text, next_start timestamptz)',
    language: 'sql',
    volatility: 'stable',
    audience: 'monitor',
    doc:
      'The first valid profile in force at at_time (none: NULL), its overrides, and the profile that starts next ' +
      'with when, in walrus.timezone.',
    body: `
  WITH local AS (SELECT walrus.profile_time(at_time, zone) AS t),
  now_is AS (SELECT extract(isodow FROM t)::integer AS day, extract(hour FROM t)::integer AS hour, t FROM local),
  valid AS (SELECT p.*, (row_number() OVER (ORDER BY p.ordinal) - 1)::integer AS k
                FROM walrus.profile_list(profiles) p WHERE p.error IS NULL),
  -- Which one is in force is the compiled rule the simulator runs too.
  chosen AS (SELECT walrus.profile_in_force(ARRAY(SELECT ROW(v.days, v.start_hour, v.end_hour)::walrus.profile_window
                                                   FROM valid v ORDER BY v.ordinal), (n.day - 1) * 24 + n.hour) AS k
               FROM now_is n),
  active AS (SELECT v.name, v.overrides FROM valid v JOIN chosen c ON c.k = v.k),
  upcoming AS (SELECT v.name, walrus.hours_until_start(v.days, v.start_hour, v.end_hour, n.day, n.hour) AS hours, n.t
                 FROM valid v, now_is n)
  SELECT a.name, coalesce(a.overrides, '{}'::jsonb), u.name,
         (date_trunc('hour', u.t) + make_interval(hours => u.hours)) AT TIME ZONE walrus.profile_zone(zone)
    FROM (SELECT 1) AS one
    LEFT JOIN active a ON true
    LEFT JOIN LATERAL (SELECT * FROM upcoming WHERE hours > 0 ORDER BY hours LIMIT 1) u ON true`,
  }),
  sqlFunction({
    name: 'walrus.with_profile',
    args: [
      { name: 'cfg', type: 'walrus.config' },
      { name: 'overrides', type: 'jsonb' },
    ],
    returns: 'walrus.config',
    language: 'sql',
    volatility: 'immutable',
    audience: 'monitor',
    doc: "The settings with a profile's overrides (already validated, as walrus.config fields) in place.",
    body: `
  SELECT jsonb_populate_record(cfg, coalesce(overrides, '{}'::jsonb))`,
  }),
  sqlFunction({
    name: 'walrus.profiled_config',
    args: [{ name: 'cfg', type: 'walrus.config' }],
    returns: 'walrus.config',
    language: 'sql',
    volatility: 'stable',
    audience: 'monitor',
    doc: 'The settings as a cycle would use them now: with the overrides of the walrus.profiles profile in force.',
    body: `
  SELECT walrus.with_profile(cfg, (SELECT a.overrides FROM walrus.active_profile(cfg.profiles, cfg.timezone, clock_timestamp()) a))`,
  }),
];
