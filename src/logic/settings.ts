import type { float8, int, int8 } from '../sqltypes';

/**
 * The validation rules of the walrus.* settings, one per kind and shared by every setting: walrus.parse_setting() on
 * the server, and the simulator reading the declared defaults. Total: any text gives a value or an error, never an
 * exception, in both worlds. Numbers are read from their digits, whose count and exponent are checked before anything
 * is converted, so no text can overflow a number type; memory sizes are computed exactly, in decimal.
 *
 * A value may hold 100,000 characters and the server runs these rules on every cycle, so each loop visits a character
 * once, as an element of `[...raw]` (whole characters in both worlds), and compares it with literals or looks it up
 * in a small array: plain comparisons in SQL, no function call per character.
 */

/** The kinds of setting; a secret text setting (a connection string) is validated as `conninfo`. */
export type SettingKind = 'bool' | 'int' | 'real' | 'memory' | 'enum' | 'text' | 'conninfo';

/** What parseSetting() makes of a raw value: exactly one of the two is null. */
export interface ParsedSetting {
  /** The normalised value, which read_config() casts to the setting's type. */
  value: string | null;
  /** What is wrong, ending with the valid values in parentheses: `(valid: ...)`. */
  error: string | null;
}

/**
 * A decimal number by its digits: the significant ones (no leading or trailing zeros, '' for zero) and the decimal
 * exponent of the first, so 0.05 is { digits: '5', scale: -2 }. `ok` is false for text of any other shape.
 */
export interface DecimalDigits {
  ok: boolean;
  negative: boolean;
  digits: string;
  scale: int;
}

/** The bounds of a numeric setting, as given (for messages) and as decimals (null: no bound). */
export interface NumberRange {
  min_value: string | null;
  max_value: string | null;
  min: DecimalDigits | null;
  max: DecimalDigits | null;
  exclusive: boolean;
}

/**
 * Validates one raw value of a setting of the given kind. `min_value` and `max_value` are decimal text (numeric's
 * output, as walrus.setting_declarations() has them), null for no bound; `exclusive` makes them exclusive, also for
 * the double precision the value becomes; `choices` are an enum's values.
 */
export function parseSetting(
  kind: SettingKind,
  raw: string | null,
  min_value: string | null,
  max_value: string | null,
  exclusive: boolean,
  choices: string[] | null,
): ParsedSetting {
  const text: string = raw ?? '';
  if (kind === 'text') {
    return { value: text, error: null };
  }
  if (kind === 'conninfo') {
    // Placeholders are readable by every role and logged on reload: a password never belongs in one.
    return conninfoHasPassword(text) ? { value: null, error: conninfoError() } : { value: text, error: null };
  }
  const chars: string[] = trimmedCharacters(text);
  if (kind === 'enum') {
    const options: string[] = choices ?? [];
    for (const choice of options) {
      if (equalsIgnoringAsciiCase(chars, choice)) {
        return { value: choice, error: null };
      }
    }
    return { value: null, error: `not one of the choices (valid: ${options.join(', ')})` };
  }
  if (kind === 'bool') {
    for (const word of ['on', 'true', 'yes', '1']) {
      if (equalsIgnoringAsciiCase(chars, word)) {
        return { value: 'on', error: null };
      }
    }
    for (const word of ['off', 'false', 'no', '0']) {
      if (equalsIgnoringAsciiCase(chars, word)) {
        return { value: 'off', error: null };
      }
    }
    return { value: null, error: 'not a boolean (valid: on, off, true, false, yes, no, 1, 0)' };
  }
  if (kind === 'memory' || kind === 'int' || kind === 'real') {
    // The bounds are read once, as decimals; a declaration with a bound that is no number is an error, not an open range.
    const range: NumberRange = {
      min_value,
      max_value,
      min: min_value === null ? null : readDecimal(min_value),
      max: max_value === null ? null : readDecimal(max_value),
      exclusive,
    };
    if (kind === 'memory') {
      return parseMemory(chars, range);
    }
    return kind === 'int' ? parseInteger(chars, range) : parseReal(chars, range);
  }
  return {
    value: null,
    error: `not a kind of setting: ${kind} (valid: bool, int, real, memory, enum, text, conninfo)`,
  };
}

// ---------------------------------------------------------------------------------------------------------------------
// Characters

/** Whitespace as PostgreSQL's own setting parser and libpq skip it (isspace in the C locale): ASCII only. */
function asciiSpaces(): string[] {
  return [' ', '\t', '\n', '\r', '\f', '\v'];
}

/**
 * The characters of a value without the ASCII whitespace around it. U+00A0, U+2003, U+3000 and other Unicode spaces
 * stay: no number syntax accepts them, and PostgreSQL's own parameters do not skip them either.
 */
function trimmedCharacters(text: string): string[] {
  const chars: string[] = [...text];
  const spaces: string[] = asciiSpaces();
  let first: int = 0;
  let end: int = chars.length;
  while (first < end && spaces.includes(chars[first]!)) {
    first++;
  }
  while (end > first && spaces.includes(chars[end - 1]!)) {
    end--;
  }
  return chars.slice(first, end);
}

/** An ASCII capital letter as lower case; any other character as it is (what pg_strcasecmp folds). */
function lowerAscii(c: string): string {
  if (c >= 'A' && c <= 'Z') {
    const at: int = Math.trunc(c.charCodeAt(0)) - 65;
    return 'abcdefghijklmnopqrstuvwxyz'.slice(at, at + 1);
  }
  return c;
}

/** The characters, ASCII letters folded to lower case, spell `word` exactly. */
function equalsIgnoringAsciiCase(chars: string[], word: string): boolean {
  const letters: string[] = [...word];
  if (chars.length !== letters.length) {
    return false;
  }
  for (let i: int = 0; i < chars.length; i++) {
    if (lowerAscii(chars[i]!) !== letters[i]!) {
      return false;
    }
  }
  return true;
}

/** The index after the run of ASCII digits that starts at `from`. */
function digitsEnd(chars: string[], from: int): int {
  let i: int = from;
  while (i < chars.length && chars[i]! >= '0' && chars[i]! <= '9') {
    i++;
  }
  return i;
}

/** The index of the first character from `from` on that is not '0', or `end`. */
function zerosEnd(chars: string[], from: int, end: int): int {
  let i: int = from;
  while (i < end && chars[i] === '0') {
    i++;
  }
  return i;
}

/** The value of one ASCII digit. */
function digitValue(c: string): int {
  return Math.trunc(c.charCodeAt(0)) - 48;
}

// ---------------------------------------------------------------------------------------------------------------------
// Decimal numbers

/** Reals: 0 or a decimal exponent within +-100, far inside double precision, so products of a few stay finite. */
function realExponentLimit(): int {
  return 100;
}

/** Significant digits a real may have: far more than double precision's 17. */
function realDigitsLimit(): int {
  return 1000;
}

/**
 * Reads `[-+]digits[.digits][(e|E)[-+]digits]` with at least one digit before the exponent: what the cast to double
 * precision accepts, but neither Infinity nor NaN. An exponent of more than six digits is taken as +-1,000,000:
 * beyond any limit, and still an int.
 */
function readDecimal(text: string): DecimalDigits {
  return decimalOf(trimmedCharacters(text));
}

function decimalOf(chars: string[]): DecimalDigits {
  const none: DecimalDigits = { ok: false, negative: false, digits: '', scale: 0 };
  let i: int = 0;
  const negative: boolean = chars.length > 0 && chars[0] === '-';
  if (chars.length > 0 && (chars[0] === '-' || chars[0] === '+')) {
    i = 1;
  }
  const intStart: int = i;
  const intEnd: int = digitsEnd(chars, intStart);
  let fracStart: int = intEnd;
  let fracEnd: int = intEnd;
  if (intEnd < chars.length && chars[intEnd] === '.') {
    fracStart = intEnd + 1;
    fracEnd = digitsEnd(chars, fracStart);
  }
  if (intEnd === intStart && fracEnd === fracStart) {
    return none;
  }
  let exponent: int = 0;
  i = fracEnd;
  if (i < chars.length && (chars[i] === 'e' || chars[i] === 'E')) {
    let sign: int = 1;
    i++;
    if (i < chars.length && (chars[i] === '-' || chars[i] === '+')) {
      sign = chars[i] === '-' ? -1 : 1;
      i++;
    }
    const expEnd: int = digitsEnd(chars, i);
    if (expEnd === i) {
      return none;
    }
    const expDigits: int = zerosEnd(chars, i, expEnd);
    if (expEnd - expDigits > 6) {
      exponent = sign * 1000000;
    } else {
      for (let k: int = expDigits; k < expEnd; k++) {
        exponent = exponent * 10 + digitValue(chars[k]!);
      }
      exponent = sign * exponent;
    }
    i = expEnd;
  }
  if (i !== chars.length) {
    return none;
  }
  // The significant digits run from the first non-zero digit to the last, across the decimal point.
  const all: string[] = [...chars.slice(intStart, intEnd), ...chars.slice(fracStart, fracEnd)];
  const leadingZeros: int = zerosEnd(all, 0, all.length);
  let last: int = all.length;
  while (last > leadingZeros && all[last - 1] === '0') {
    last--;
  }
  if (last === leadingZeros) {
    return { ok: true, negative, digits: '', scale: 0 };
  }
  const scale: int = intEnd - intStart - leadingZeros - 1 + exponent;
  return { ok: true, negative, digits: all.slice(leadingZeros, last).join(''), scale };
}

/** -1, 0 or 1 as a is below, equal to or above b. */
function compareDecimals(a: DecimalDigits, b: DecimalDigits): int {
  const signA: int = a.digits === '' ? 0 : a.negative ? -1 : 1;
  const signB: int = b.digits === '' ? 0 : b.negative ? -1 : 1;
  if (signA !== signB) {
    return signA < signB ? -1 : 1;
  }
  if (signA === 0) {
    return 0;
  }
  // Same sign: the larger exponent is the larger magnitude; at equal exponents, the digits decide as text (no
  // trailing zeros, so a prefix is the smaller).
  let magnitude: int = 0;
  if (a.scale !== b.scale) {
    magnitude = a.scale < b.scale ? -1 : 1;
  } else if (a.digits !== b.digits) {
    magnitude = a.digits < b.digits ? -1 : 1;
  }
  return signA * magnitude;
}

/** numeric's text for the number: no exponent, no trailing zeros after the point, `0` for zero. */
function decimalText(d: DecimalDigits): string {
  if (d.digits === '') {
    return '0';
  }
  const digits: string[] = [...d.digits];
  const intDigits: int = d.scale + 1;
  const out: string[] = [];
  if (d.negative) {
    out.push('-');
  }
  if (intDigits <= 0) {
    out.push('0', '.');
    for (let k: int = intDigits; k < 0; k++) {
      out.push('0');
    }
    return `${out.join('')}${d.digits}`;
  }
  for (let k: int = 0; k < intDigits; k++) {
    out.push(k < digits.length ? digits[k]! : '0');
  }
  if (digits.length > intDigits) {
    out.push('.');
    for (let k: int = intDigits; k < digits.length; k++) {
      out.push(digits[k]!);
    }
  }
  return out.join('');
}

/**
 * The value is outside [min, max] (each bound optional), or, when exclusive, touches a bound as the decimal value or
 * as the double precision it becomes: 0.99999999999999999 is 1 there.
 */
function outOfRange(value: DecimalDigits, range: NumberRange): boolean {
  if (range.min !== null && compareDecimals(value, range.min) < 0) {
    return true;
  }
  if (range.max !== null && compareDecimals(value, range.max) > 0) {
    return true;
  }
  if (range.exclusive) {
    const double: float8 = Number(decimalText(value));
    if (range.min_value !== null && double <= Number(range.min_value)) {
      return true;
    }
    if (range.max_value !== null && double >= Number(range.max_value)) {
      return true;
    }
  }
  return false;
}

/** Both bounds are absent or numbers. */
function boundsValid(range: NumberRange): boolean {
  return (range.min === null || range.min.ok) && (range.max === null || range.max.ok);
}

// ---------------------------------------------------------------------------------------------------------------------
// The numeric kinds

/** `[-+]digits`: at most 18 digits after leading zeros, so no int8 can overflow before the range check. */
function parseInteger(chars: string[], bounds: NumberRange): ParsedSetting {
  const range: string = `valid: ${bounds.min_value ?? ''} to ${bounds.max_value ?? ''}`;
  if (!boundsValid(bounds)) {
    return { value: null, error: `the declared range is not a number (${range})` };
  }
  let i: int = 0;
  if (chars.length > 0 && (chars[0] === '-' || chars[0] === '+')) {
    i = 1;
  }
  const end: int = digitsEnd(chars, i);
  if (end === i || end !== chars.length) {
    return { value: null, error: `not an integer (${range})` };
  }
  if (end - zerosEnd(chars, i, end) > 18) {
    return { value: null, error: `out of range (${range})` };
  }
  const value: DecimalDigits = decimalOf(chars);
  if (outOfRange(value, bounds)) {
    return { value: null, error: `out of range (${range})` };
  }
  return { value: decimalText(value), error: null };
}

/**
 * `[-+]digits[.digits][e[-+]digits]`: 0, or a decimal exponent within +-100 and at most 1000 significant digits,
 * normalised as numeric prints it (1e-5 is 0.00001).
 */
function parseReal(chars: string[], bounds: NumberRange): ParsedSetting {
  const range: string = bounds.exclusive
    ? `valid: strictly between ${bounds.min_value ?? ''} and ${bounds.max_value ?? ''}`
    : `valid: ${bounds.min_value ?? ''} to ${bounds.max_value ?? ''}`;
  if (!boundsValid(bounds)) {
    return { value: null, error: `the declared range is not a number (${range})` };
  }
  const value: DecimalDigits = decimalOf(chars);
  if (!value.ok) {
    return { value: null, error: `not a number (${range})` };
  }
  if (value.digits !== '') {
    if (value.scale > realExponentLimit()) {
      return { value: null, error: `out of range (${range})` };
    }
    if (value.scale < -realExponentLimit()) {
      return { value: null, error: `out of range (${range}, and not below 1e-${realExponentLimit()} in magnitude)` };
    }
    if (value.digits.length > realDigitsLimit()) {
      return { value: null, error: `not a number (${range}; at most ${realDigitsLimit()} significant digits)` };
    }
  }
  if (outOfRange(value, bounds)) {
    return { value: null, error: `out of range (${range})` };
  }
  return { value: decimalText(value), error: null };
}

/**
 * `digits[.digits][spaces][B|kB|MB|GB|TB]`, a bare number being MB, as whole MB rounded half up: at most 20 integer
 * digits after leading zeros and the first 30 of the fraction (enough that rounding to whole MB never changes).
 */
function parseMemory(chars: string[], bounds: NumberRange): ParsedSetting {
  const range: string = `valid: ${bounds.min_value ?? ''} MB to ${bounds.max_value ?? ''} MB; units B, kB, MB, GB, TB, a bare number is MB`;
  if (!boundsValid(bounds)) {
    return { value: null, error: `the declared range is not a number (${range})` };
  }
  const intEnd: int = digitsEnd(chars, 0);
  if (intEnd === 0) {
    return { value: null, error: `not a memory size (${range})` };
  }
  let fracEnd: int = intEnd;
  if (intEnd < chars.length && chars[intEnd] === '.') {
    fracEnd = digitsEnd(chars, intEnd + 1);
    if (fracEnd === intEnd + 1) {
      return { value: null, error: `not a memory size (${range})` };
    }
  }
  const spaces: string[] = asciiSpaces();
  let i: int = fracEnd;
  while (i < chars.length && spaces.includes(chars[i]!)) {
    i++;
  }
  // Multiplying by 1024 or 1048576, or dividing: 1/1024 is 5^10 / 10^10, 1/1048576 is 5^20 / 10^20.
  const unit: string = chars.length - i > 2 ? '?' : chars.slice(i).join('');
  let multiplier: int = 1;
  let fives: int = 0;
  if (unit === 'TB') {
    multiplier = 1048576;
  } else if (unit === 'GB') {
    multiplier = 1024;
  } else if (unit === 'kB') {
    fives = 10;
  } else if (unit === 'B') {
    fives = 20;
  } else if (unit !== 'MB' && unit !== '') {
    return { value: null, error: `not a memory size (${range})` };
  }
  const intStart: int = zerosEnd(chars, 0, intEnd);
  if (intEnd - intStart > 20) {
    return { value: null, error: `out of range (${range})` };
  }
  // The number's digits without the point, least significant first, and how many of them are the fraction.
  const fracStop: int = fracEnd > intEnd + 31 ? intEnd + 31 : fracEnd;
  let digits: int[] = [];
  for (let k: int = fracStop - 1; k >= intStart; k--) {
    if (k !== intEnd) {
      digits.push(digitValue(chars[k]!));
    }
  }
  let fraction: int = fracStop > intEnd ? fracStop - intEnd - 1 : 0;
  if (multiplier > 1) {
    digits = timesSmall(digits, multiplier);
  }
  for (let k: int = 0; k < fives; k += 10) {
    digits = timesSmall(digits, 9765625);
    fraction += 10;
  }
  // Rounded half up: the first fraction digit decides.
  const roundUp: boolean = fraction > 0 && fraction <= digits.length && digits[fraction - 1]! >= 5;
  let whole: int[] = digits.slice(fraction);
  if (roundUp) {
    whole = timesSmallPlus(whole, 1, 1);
  }
  let top: int = whole.length;
  while (top > 0 && whole[top - 1] === 0) {
    top--;
  }
  const out: string[] = [];
  for (let k: int = top - 1; k >= 0; k--) {
    out.push(`${whole[k]!}`);
  }
  const mb: string = top === 0 ? '0' : out.join('');
  if (outOfRange(readDecimal(mb), bounds)) {
    return { value: null, error: `out of range (${range})` };
  }
  return { value: mb, error: null };
}

/** Digits (least significant first) times a small multiplier. */
function timesSmall(digits: int[], multiplier: int): int[] {
  return timesSmallPlus(digits, multiplier, 0);
}

/** Digits (least significant first) times a small multiplier, plus a small addend. */
function timesSmallPlus(digits: int[], multiplier: int, addend: int): int[] {
  const out: int[] = [];
  let carry: int8 = addend;
  for (const d of digits) {
    const product: int8 = d * multiplier + carry;
    const next: int8 = Math.floor(product / 10);
    out.push(product - next * 10);
    carry = next;
  }
  while (carry > 0) {
    const next: int8 = Math.floor(carry / 10);
    out.push(carry - next * 10);
    carry = next;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------------
// Connection strings

function conninfoError(): string {
  const why: string = 'contains a password, which every role can read with SHOW and the server logs on reload';
  const passfile: string = "a password file, passfile= or ~/.pgpass of the server's operating-system user";
  return `${why} (valid: a connection string without one; keep the password in ${passfile}, or in a service file, service= and pg_service.conf)`;
}

/**
 * A connection string holds a password: a `password` keyword before `=` (key=value), or the user information of a
 * URI with a colon (`scheme://user:password@`).
 */
export function conninfoHasPassword(conninfo: string): boolean {
  const chars: string[] = [...conninfo];
  return passwordKeyword(chars) || uriPassword(chars);
}

/**
 * `password`, then ASCII whitespace, then `=`, anywhere: libpq's keyword in a key=value string and, percent-decoded, in
 * a URI query, where any letter may be percent-encoded (`p%61ssword`). Letters in either case, so `PASSWORD` and
 * `sslpassword` (the client key's pass phrase) count too.
 */
function passwordKeyword(chars: string[]): boolean {
  const lower: string[] = [...'password'];
  const upper: string[] = [...'PASSWORD'];
  // The two hex digits of each letter's code: p is %70, a %61, s %73, w %77, o %6f, r %72, d %64.
  const high: string[] = [...'76777676'];
  const low: string[] = [...'01337f24'];
  const lowUpper: string[] = [...'01337F24'];
  const spaces: string[] = asciiSpaces();
  for (let start: int = 0; start < chars.length; start++) {
    let i: int = start;
    let k: int = 0;
    while (k < 8 && i < chars.length) {
      const c: string = chars[i]!;
      if (c === lower[k] || c === upper[k]) {
        i++;
      } else if (
        c === '%' &&
        i + 2 < chars.length &&
        chars[i + 1] === high[k] &&
        (chars[i + 2] === low[k] || chars[i + 2] === lowUpper[k])
      ) {
        i += 3;
      } else {
        break;
      }
      k++;
    }
    if (k === 8) {
      while (i < chars.length && spaces.includes(chars[i]!)) {
        i++;
      }
      if (i < chars.length && chars[i] === '=') {
        return true;
      }
    }
  }
  return false;
}

/**
 * `://`, then characters other than `:`, `@` and `/`, then `:`, and an `@` somewhere after it: the password of a URI's
 * user information, even one with an unencoded `@` in it.
 */
function uriPassword(chars: string[]): boolean {
  let authority: boolean = false;
  let colon: boolean = false;
  let i: int = 0;
  while (i < chars.length) {
    const c: string = chars[i]!;
    if (colon && c === '@') {
      return true;
    }
    if (authority && (c === ':' || c === '@' || c === '/')) {
      // A colon ends the user name: whatever follows up to an `@` is a password (and stays one).
      if (c === ':') {
        colon = true;
      }
      authority = false;
    }
    if (c === ':' && i + 2 < chars.length && chars[i + 1] === '/' && chars[i + 2] === '/') {
      authority = true;
      i += 3;
    } else {
      i++;
    }
  }
  return false;
}
