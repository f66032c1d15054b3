import { DAYS, OVERRIDES } from '../api/profiles';
import { SHOWN_VALUE } from '../api/settings';
import { dayNumber, isProfileField, windowError, windowsOverlap, type ProfileWindow } from '../logic/profiles';
import { parseSetting } from '../logic/settings';
import { defaultText, SETTINGS, settingBounds, settingKind } from '../settings';
import type { WalrusSettings } from './walrus-settings';

/**
 * walrus.profiles as walrus.profile_list() reads it (src/api/profiles.ts), for the simulator. The compiler has no JSON,
 * so the walk over the document is written twice, here over JSON.parse and there over jsonb; every rule it applies is
 * the compiled one (day names, fields, windows, overlaps, the setting rules of each override), and the messages are
 * the server's word for word. test/profiles.test.ts compares both on the same texts.
 *
 * Known differences, in texts nobody writes on purpose: jsonb keeps a number's decimal text (1.0, -0), JSON.parse only
 * its value, so an hour written 1.0 is refused by the server and read as 1 here; invalid JSON is reported with
 * JSON.parse's words after the same first words.
 */

/** A profile that passed every check: where it holds and what it overrides, as walrus.config fields. */
export interface SimProfile {
  readonly name: string;
  readonly window: ProfileWindow;
  readonly overrides: Partial<WalrusSettings>;
}

export interface ReadProfiles {
  /** The valid profiles in their order: profileInForce() indexes this list. */
  readonly profiles: readonly SimProfile[];
  /** One message per invalid profile, as the cycle's WARNING has it. */
  readonly errors: readonly string[];
}

/** PostgreSQL's quote_literal(): backslashes make an E'' string. */
function quoteLiteral(value: string): string {
  const quoted = `'${value.replace(/'/g, "''").replace(/\\/g, '\\\\')}'`;
  return value.includes('\\') ? `E${quoted}` : quoted;
}

/** walrus.quote_value(): long values cut, in characters. */
function quoteValue(value: string): string {
  const chars = [...value];
  if (chars.length <= SHOWN_VALUE.limit) return quoteLiteral(value);
  return `${quoteLiteral(chars.slice(0, SHOWN_VALUE.characters).join(''))}... (${chars.length} characters)`;
}

/** The order jsonb keeps an object's keys in: shorter first, then by bytes. */
function jsonbKeys(object: Record<string, unknown>): string[] {
  const bytes = (k: string): Buffer => Buffer.from(k, 'utf8');
  return Object.keys(object).sort((a, b) => bytes(a).length - bytes(b).length || Buffer.compare(bytes(a), bytes(b)));
}

/** jsonb's text of a value (`->` printed). */
function jsonbText(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(jsonbText).join(', ')}]`;
  if (value !== null && typeof value === 'object') {
    const o = value as Record<string, unknown>;
    return `{${jsonbKeys(o).map((k) => `${JSON.stringify(k)}: ${jsonbText(o[k])}`).join(', ')}}`;
  }
  return JSON.stringify(value);
}

/** What `->>` gives: a string's text, null for JSON null or a missing key, jsonb's text otherwise. */
function fieldText(value: unknown): string | null {
  if (value === undefined || value === null) return null;
  return typeof value === 'string' ? value : jsonbText(value);
}

/**
 * walrus.evaluate_setting() for one declared setting, with the bounds walrus.setting_declarations() gives it: an empty
 * value (or none) is the default.
 */
function evaluate(name: string, raw: string | null, segmentMb: number): { value: string | null; error: string | null } {
  const s = SETTINGS.find((d) => `walrus.${d.name}` === name);
  if (s === undefined) throw new Error(`${name} is not declared in src/settings.ts`);
  const range = settingBounds(s, segmentMb);
  return parseSetting(
    settingKind(s),
    raw === null || raw === '' ? defaultText(s) : raw,
    range.min,
    range.max,
    s.kind === 'real' && s.exclusive === true,
    s.kind === 'enum' ? [...s.values] : null,
  );
}

/** A normalised setting value as the walrus.config field holds it. */
function typed(config: string, value: string): WalrusSettings[keyof WalrusSettings] {
  if (config === 'shrink_enable' || config === 'dry_run') return value === 'on';
  if (config === 'algorithm') return value;
  return Number(value);
}

function checkProfile(item: unknown, position: number, segmentMb: number, earlier: readonly SimProfile[]): SimProfile | string {
  const object = item !== null && typeof item === 'object' && !Array.isArray(item) ? (item as Record<string, unknown>) : null;
  const name = object !== null && typeof object.name === 'string' ? object.name : `#${position}`;
  if (object === null) return `profile #${position}: not a JSON object`;
  const quoted = quoteLiteral(name);
  const unknown = jsonbKeys(object).filter((k) => !isProfileField(k));
  if (unknown.length > 0) {
    return (
      `profile ${quoted}: unknown field ${unknown.map(quoteLiteral).join(', ')} (valid: name, days, start_hour, end_hour, ` +
      'max_size, min_size, threshold, shrink_enable, algorithm, dry_run)'
    );
  }
  const dayList = object.days;
  if (!Array.isArray(dayList) || dayList.length === 0) {
    return `profile ${quoted}: field days: value ${quoteValue(fieldText(dayList) ?? 'missing')} is not a list of days (valid: a JSON array of ${DAYS})`;
  }
  const texts = dayList.map(fieldText);
  const bad = texts.filter((d): d is string => d !== null && dayNumber(d.toLowerCase()) === 0);
  if (bad.length > 0 || dayList.some((d) => typeof d !== 'string')) {
    return `profile ${quoted}: field days: ${bad.length > 0 ? bad.map(quoteLiteral).join(', ') : 'a non-string'} is not a day (valid: ${DAYS})`;
  }
  const days = [...new Set(texts.map((d) => dayNumber(d!.toLowerCase())))].sort((a, b) => a - b);
  for (const [key, low, high] of [['start_hour', 0, 23], ['end_hour', 0, 24]] as const) {
    const value = object[key];
    if (typeof value !== 'number' || !/^[0-9]{1,2}$/.test(jsonbText(value))) {
      return `profile ${quoted}: field ${key}: value ${quoteValue(fieldText(value) ?? 'missing')} is not a whole hour (valid: ${low} to ${high})`;
    }
  }
  const window: ProfileWindow = { days, start_hour: object.start_hour as number, end_hour: object.end_hour as number };
  const wrong = windowError(window.start_hour, window.end_hour);
  if (wrong !== '') return `profile ${quoted}: ${wrong}`;
  const overrides: Record<string, unknown> = {};
  for (const o of OVERRIDES) {
    if (!Object.hasOwn(object, o.field)) continue;
    const raw = fieldText(object[o.field]);
    const checked = evaluate(o.setting, raw, segmentMb);
    if (checked.error !== null || raw === null) {
      return `profile ${quoted}: field ${o.field}: value ${quoteValue(raw ?? 'null')} is ${checked.error ?? 'null'}`;
    }
    overrides[o.config] = typed(o.config, checked.value!);
  }
  const overlapped = earlier.find((e) =>
    windowsOverlap(e.window.days, e.window.start_hour, e.window.end_hour, days, window.start_hour, window.end_hour),
  );
  if (overlapped !== undefined) {
    return `profile ${quoted}: its window overlaps profile ${quoteLiteral(overlapped.name)}, which comes first and wins`;
  }
  return { name, window, overrides: overrides as Partial<WalrusSettings> };
}

/** The valid profiles of a walrus.profiles value and what is wrong with the others; `segmentMb` sets the size floor. */
export function readProfiles(text: string, segmentMb: number): ReadProfiles {
  // btrim(): spaces only.
  if (/^ *$/.test(text)) return { profiles: [], errors: [] };
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (error) {
    return { profiles: [], errors: [`walrus.profiles is not valid JSON (${(error as Error).message})`] };
  }
  if (!Array.isArray(doc)) {
    const kind = doc === null ? 'null' : typeof doc === 'object' ? 'object' : typeof doc;
    return { profiles: [], errors: [`walrus.profiles must be a JSON array of profiles, not a JSON ${kind}`] };
  }
  const profiles: SimProfile[] = [];
  const errors: string[] = [];
  doc.forEach((item, i) => {
    const checked = checkProfile(item, i + 1, segmentMb, profiles);
    if (typeof checked === 'string') errors.push(checked);
    else profiles.push(checked);
  });
  return { profiles, errors };
}
