/** Byte and time units shared by the simulator and the benchmarks. */
export const MB = 1024 * 1024;
export const HOUR = 3600;
export const DAY = 24 * HOUR;

const MEMORY_UNITS_MB: Readonly<Record<string, number>> = { B: 1 / MB, kB: 1 / 1024, MB: 1, GB: 1024, TB: 1024 * 1024 };

/**
 * A PostgreSQL memory value ('4GB', '512MB', a bare number is MB) in whole MB, rounded as walrus.parse_setting
 * stores it. Throws on anything else: a declaration the simulator cannot read is a bug to fix, not to guess around.
 */
export function parseMemoryMb(text: string): number {
  const match = /^\s*([0-9]+(?:\.[0-9]+)?)\s*(B|kB|MB|GB|TB)?\s*$/.exec(text);
  if (match === null) throw new Error(`not a memory value: ${JSON.stringify(text)}`);
  return Math.round(Number(match[1]) * MEMORY_UNITS_MB[match[2] ?? 'MB']!);
}
