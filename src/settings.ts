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
  /** May hold a password: shown masked, never logged. */
  readonly secret?: boolean;
}

export type Setting = BoolSetting | IntSetting | RealSetting | MemorySetting | TextSetting;

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
    description: 'Forced checkpoints per checkpoint_timeout interval that trigger growth.',
  },
  {
    name: 'conninfo',
    kind: 'text',
    default: '',
    secret: true,
    description:
      'libpq connection string for the loopback dblink connection that runs ALTER SYSTEM. Empty: derived from ' +
      'unix_socket_directories, port, the current database and the current user.',
  },
];
