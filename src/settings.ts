import type { SettingKind } from './logic/settings';

/**
 * Every walrus.* setting, declared once. codegen derives from this list the SQL that reads and validates the
 * settings (walrus.setting_report(), walrus.read_config()), the walrus.config composite type, and the README table.
 */

interface Common {
  /** The part after `walrus.`. */
  readonly name: string;
  readonly description: string;
}

export interface BoolSetting extends Common {
  readonly kind: 'bool';
  readonly default: boolean;
}

export interface IntSetting extends Common {
  readonly kind: 'int';
  readonly default: number;
  readonly min: number;
  readonly max: number;
  readonly unit?: 's';
}

export interface RealSetting extends Common {
  readonly kind: 'real';
  readonly default: number;
  readonly min: number;
  readonly max: number;
  /** When true the bounds themselves are invalid (a factor strictly between 0 and 1). */
  readonly exclusive?: boolean;
}

/** A size in MB, written with PostgreSQL's memory units (B, kB, MB, GB, TB; a bare number is MB). */
export interface MemorySetting extends Common {
  readonly kind: 'memory';
  readonly default: string;
  readonly minMb: number;
  readonly maxMb: number;
  /** Also at least 2 x wal_segment_size, below which the server would refuse to start. */
  readonly atLeastTwoSegments?: boolean;
}

export interface TextSetting extends Common {
  readonly kind: 'text';
  readonly default: string;
  /**
   * A libpq connection string: a value with a password in it is invalid (placeholders are readable by every role and
   * logged on reload), and whatever is shown of it is masked.
   */
  readonly secret?: boolean;
}

/** One of a fixed list of words. */
export interface EnumSetting extends Common {
  readonly kind: 'enum';
  readonly default: string;
  readonly values: readonly string[];
}

export type Setting = BoolSetting | IntSetting | RealSetting | MemorySetting | TextSetting | EnumSetting;

/** The largest max_wal_size PostgreSQL accepts, in MB (INT_MAX). */
export const MAX_WAL_SIZE_LIMIT_MB = 2147483647;

export const SETTINGS: readonly Setting[] = [
  {
    name: 'enable',
    kind: 'bool',
    default: true,
    description: 'Run the analysis cycle. When off, walrus_analyze() only reports that it is disabled.',
  },
  {
    name: 'max',
    kind: 'memory',
    default: '4GB',
    minMb: 2,
    maxMb: MAX_WAL_SIZE_LIMIT_MB,
    atLeastTwoSegments: true,
    description: 'Upper bound for max_wal_size; growth is capped here with a WARNING.',
  },
  {
    name: 'threshold',
    kind: 'int',
    default: 2,
    min: 1,
    max: 1000,
    description: 'Forced checkpoints per checkpoint_timeout interval that trigger growth (forecast grows on any forced checkpoint the WAL caused).',
  },
  {
    name: 'shrink_enable',
    kind: 'bool',
    default: true,
    description: 'Shrink max_wal_size after walrus.shrink_intervals consecutive quiet intervals.',
  },
  {
    name: 'shrink_factor',
    kind: 'real',
    default: 0.75,
    min: 0,
    max: 1,
    exclusive: true,
    description:
      'multiplicative and additive: a shrink multiplies max_wal_size by this factor (never below what the quiet ' +
      'intervals needed); adaptive and percentile shrink only when that saves at least this step.',
  },
  {
    name: 'shrink_intervals',
    kind: 'int',
    default: 5,
    min: 1,
    max: 1000,
    description: 'Consecutive quiet intervals (forced checkpoints below the threshold) before a shrink (not forecast: see walrus.stabilization_sec).',
  },
  {
    name: 'min_size',
    kind: 'memory',
    default: '1GB',
    minMb: 2,
    maxMb: MAX_WAL_SIZE_LIMIT_MB,
    atLeastTwoSegments: true,
    description: 'Shrinking never goes below this size (nor below min_wal_size or two WAL segments).',
  },
  {
    name: 'dry_run',
    kind: 'bool',
    default: false,
    description: 'Decide and record (action dry_run) but never run ALTER SYSTEM.',
  },
  {
    name: 'cooldown_sec',
    kind: 'int',
    default: 300,
    min: 0,
    max: 86400,
    unit: 's',
    description:
      'Minimum seconds between two changes (dry-run decisions count as changes), with 5% slack so that a cycle ' +
      'started a moment early by the scheduler is not held back.',
  },
  {
    name: 'max_changes_per_hour',
    kind: 'int',
    default: 4,
    min: 0,
    max: 1000,
    description: 'Changes allowed in any rolling 60 minutes; 0 stops all automatic changes.',
  },
  {
    name: 'history_retention_days',
    kind: 'int',
    default: 30,
    min: 0,
    max: 3650,
    description: 'Each cycle deletes walrus.history rows, and the pg_cron job\'s own runs in cron.job_run_details, older than this; 0 keeps them forever.',
  },
  {
    name: 'notify_channel',
    kind: 'text',
    default: 'walrus_events',
    description: 'NOTIFY channel for every change, dry-run, skip and error (empty means the default; walrus.notify = off sends none).',
  },
  {
    name: 'notify',
    kind: 'bool',
    default: true,
    description: 'Send every change, dry-run, skip and error to walrus.notify_channel with pg_notify(); off sends nothing.',
  },
  {
    name: 'algorithm',
    kind: 'enum',
    default: 'forecast',
    values: ['multiplicative', 'additive', 'adaptive', 'percentile', 'forecast'],
    description:
      'Sizing rule: multiplicative (pg_walsizer: current x (forced + 1)), additive (current + forced x ' +
      'walrus.additive_increment), adaptive (moving average of WAL per interval), percentile (walrus.target_percentile ' +
      'of WAL per interval over walrus.sample_window) or forecast (the measured need, grown on any forced checkpoint and ' +
      'within a cycle of a step up, pre-sized before the peaks of a learned hour-of-week profile, shrunk only after ' +
      'walrus.stabilization_sec).',
  },
  {
    name: 'additive_increment',
    kind: 'memory',
    default: '512MB',
    minMb: 1,
    maxMb: MAX_WAL_SIZE_LIMIT_MB,
    description: 'additive: growth per forced checkpoint.',
  },
  {
    name: 'ema_alpha',
    kind: 'real',
    default: 0.2,
    min: 0,
    max: 1,
    exclusive: true,
    description: 'adaptive: weight of the newest interval in the moving average of WAL per interval.',
  },
  {
    name: 'target_percentile',
    kind: 'real',
    default: 95,
    min: 1,
    max: 100,
    description: 'percentile: which percentile of WAL per interval over the sample window to size for.',
  },
  {
    name: 'sample_window',
    kind: 'int',
    default: 288,
    min: 2,
    max: 2000,
    description: 'percentile: how many recent intervals the percentile is taken over (288 is a day at 5-minute intervals).',
  },
  {
    name: 'headroom',
    kind: 'real',
    default: 1.25,
    min: 1,
    max: 10,
    description:
      'Margin over the measured WAL per interval: adaptive and percentile size for WAL x headroom, and no algorithm ' +
      'shrinks below what the quiet intervals needed with it.',
  },
  {
    name: 'proactive',
    kind: 'bool',
    default: true,
    description:
      'adaptive and percentile: grow before any forced checkpoint, once an interval used 90% of the WAL that forces one.',
  },
  {
    name: 'profiles',
    kind: 'text',
    default: '',
    description:
      'Time-based profiles, a JSON array: [{"name": "batch", "days": ["Mon", ...], "start_hour": 22, "end_hour": 6, ' +
      '"max_size": "32GB", "threshold": 5}]. The first profile whose window holds the current hour (walrus.timezone) ' +
      'overrides max_size, min_size, threshold, shrink_enable, algorithm and dry_run for that cycle; a window that ' +
      'wraps midnight belongs to the day it starts on. An invalid profile is ignored with a WARNING; the others apply.',
  },
  {
    name: 'timezone',
    kind: 'text',
    default: '',
    description:
      "The time zone of walrus.profiles' hours and of the forecast's hour-of-week profile, a name from pg_timezone_names. " +
      "Empty: the server's timezone setting.",
  },
  {
    name: 'apply',
    kind: 'enum',
    default: 'auto',
    values: ['auto', 'advise'],
    description:
      'auto: apply decisions with ALTER SYSTEM when this server allows it, else advise. advise: never apply; record ' +
      'each decision as advice (action advise) with ready-to-run commands in walrus_recommendation(), for managed ' +
      'services and HA managers such as Patroni that own the configuration.',
  },
  {
    name: 'half_life_sec',
    kind: 'int',
    default: 604800,
    min: 86400,
    max: 31536000,
    unit: 's',
    description:
      'forecast: half-life of the hour-of-week profile. Each week an hour comes round again, its old peak is multiplied ' +
      'by 0.5 ^ (one week / this) before new measurements count, so a weekly peak stays learned and a one-off fades ' +
      '(604800, a week: to half in a week).',
  },
  {
    name: 'stabilization_sec',
    kind: 'int',
    default: 3600,
    min: 0,
    max: 604800,
    unit: 's',
    description:
      'forecast: a shrink never goes below the largest need seen over this window (between half of it and all of it), ' +
      'nor below the forecast and what keeps the last day to two excursions; 0 shrinks on the current need alone.',
  },
  {
    name: 'lookahead_sec',
    kind: 'int',
    default: 1800,
    min: 0,
    max: 86400,
    unit: 's',
    description:
      'forecast: pre-size this long before an hour whose need, yesterday or a week ago, stood out from its day; 0 turns ' +
      'pre-sizing off.',
  },
  {
    name: 'conninfo',
    kind: 'text',
    default: '',
    secret: true,
    description:
      'libpq connection string for the loopback dblink connection that runs ALTER SYSTEM. Empty: derived from ' +
      'unix_socket_directories, port, the current database and the current user. Never a password: a value with one ' +
      'is invalid; use a password file (passfile=, ~/.pgpass) or a service file (service=).',
  },
];

/** The kind walrus.parse_setting() (src/logic/settings.ts) validates a setting as: a secret text is a connection string. */
export function settingKind(s: Setting): SettingKind {
  return s.kind === 'text' && s.secret ? 'conninfo' : s.kind;
}

/**
 * A setting's bounds as walrus.setting_declarations() passes them to walrus.parse_setting(): numeric text, null for
 * none. A memory setting that must hold two WAL segments starts at twice `segmentMb` when that is more.
 */
export function settingBounds(s: Setting, segmentMb: number): { min: string | null; max: string | null } {
  switch (s.kind) {
    case 'int':
    case 'real':
      return { min: String(s.min), max: String(s.max) };
    case 'memory':
      return { min: String(s.atLeastTwoSegments ? Math.max(s.minMb, 2 * segmentMb) : s.minMb), max: String(s.maxMb) };
    default:
      return { min: null, max: null };
  }
}

/** A setting's default as text, as the server holds it (booleans as on and off). */
export function defaultText(s: Setting): string {
  return s.kind === 'bool' ? (s.default ? 'on' : 'off') : String(s.default);
}
