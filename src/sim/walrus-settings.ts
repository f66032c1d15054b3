import { SETTINGS, type Setting } from '../settings';
import { parseMemoryMb } from './units';

/**
 * The walrus.* settings the cycle reads, with their defaults taken from the declarations in src/settings.ts, so the
 * simulator runs exactly what an untuned installation runs. Field names follow CycleInput.
 */
export interface WalrusSettings {
  readonly threshold: number;
  readonly max_mb: number;
  readonly shrink_enable: boolean;
  readonly shrink_factor: number;
  readonly shrink_intervals: number;
  readonly min_size_mb: number;
  readonly dry_run: boolean;
  readonly cooldown_sec: number;
  readonly max_changes_per_hour: number;
  readonly algorithm: string;
  readonly additive_increment_mb: number;
  readonly ema_alpha: number;
  readonly target_percentile: number;
  readonly sample_window: number;
  readonly headroom: number;
  readonly proactive: boolean;
  readonly half_life_sec: number;
  readonly stabilization_sec: number;
  readonly lookahead_sec: number;
  /** walrus.profiles' JSON text; its hours are the simulation's clock (it starts on a Monday at 00:00). */
  readonly profiles: string;
}

function declared<K extends Setting['kind']>(name: string, kind: K): Extract<Setting, { kind: K }> {
  const setting = SETTINGS.find((s) => s.name === name);
  if (setting === undefined) throw new Error(`walrus.${name} is not declared in src/settings.ts`);
  if (setting.kind !== kind) throw new Error(`walrus.${name} is declared as ${setting.kind}, the simulator expects ${kind}`);
  return setting as Extract<Setting, { kind: K }>;
}

export function walrusDefaults(): WalrusSettings {
  return {
    threshold: declared('threshold', 'int').default,
    max_mb: parseMemoryMb(declared('max', 'memory').default),
    shrink_enable: declared('shrink_enable', 'bool').default,
    shrink_factor: declared('shrink_factor', 'real').default,
    shrink_intervals: declared('shrink_intervals', 'int').default,
    min_size_mb: parseMemoryMb(declared('min_size', 'memory').default),
    dry_run: declared('dry_run', 'bool').default,
    cooldown_sec: declared('cooldown_sec', 'int').default,
    max_changes_per_hour: declared('max_changes_per_hour', 'int').default,
    algorithm: declared('algorithm', 'enum').default,
    additive_increment_mb: parseMemoryMb(declared('additive_increment', 'memory').default),
    ema_alpha: declared('ema_alpha', 'real').default,
    target_percentile: declared('target_percentile', 'real').default,
    sample_window: declared('sample_window', 'int').default,
    headroom: declared('headroom', 'real').default,
    proactive: declared('proactive', 'bool').default,
    half_life_sec: declared('half_life_sec', 'int').default,
    stabilization_sec: declared('stabilization_sec', 'int').default,
    lookahead_sec: declared('lookahead_sec', 'int').default,
    profiles: declared('profiles', 'text').default,
  };
}

/** Every walrus.algorithm, as the declaration lists them. */
export function algorithms(): readonly string[] {
  return declared('algorithm', 'enum').values;
}

/** The benchmark's policy name for an algorithm with every other setting default: `walrus` for the default one. */
export function algorithmPolicy(algorithm: string): string {
  return algorithm === walrusDefaults().algorithm ? 'walrus' : `walrus-${algorithm}`;
}
