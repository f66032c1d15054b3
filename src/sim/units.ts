import { parseSetting } from '../logic/settings';

/** Byte and time units shared by the simulator and the benchmarks. */
export const MB = 1024 * 1024;
export const HOUR = 3600;
export const DAY = 24 * HOUR;

/**
 * A PostgreSQL memory value ('4GB', '512MB', a bare number is MB) in whole MB, by the rules walrus.parse_setting()
 * applies on the server (src/logic/settings.ts, compiled). Throws on anything else: a declaration the simulator cannot
 * read is a bug to fix, not to guess around.
 */
export function parseMemoryMb(text: string): number {
  const parsed = parseSetting('memory', text, null, null, false, null);
  if (parsed.value === null) throw new Error(`not a memory value: ${JSON.stringify(text)}: ${parsed.error}`);
  return Number(parsed.value);
}
