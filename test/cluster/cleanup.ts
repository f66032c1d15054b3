import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { runAsServerUserSync } from './exec';
import type { ClusterInfo } from './provider';

export type RunDir = Pick<ClusterInfo, 'runDir' | 'binDir'>;

/**
 * Stops every server found under the run dir (standbys a test forgot included) and deletes it.
 * Synchronous so it can run from a process 'exit' handler after Ctrl-C.
 */
export function destroyRunDirSync(info: RunDir): void {
  for (const dataDir of dataDirsUnder(info.runDir, 3)) {
    try {
      runAsServerUserSync(join(info.binDir, 'pg_ctl'), ['-D', dataDir, '-m', 'immediate', '-w', 'stop']);
    } catch {
      // A stale postmaster.pid of a server that is already gone: nothing left to stop.
    }
  }
  rmSync(info.runDir, { recursive: true, force: true });
  liveRunDirs.delete(info.runDir);
}

function dataDirsUnder(dir: string, depth: number): string[] {
  if (existsSync(join(dir, 'postmaster.pid'))) return [dir];
  if (depth === 0 || !existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .flatMap((entry) => dataDirsUnder(join(dir, entry.name), depth - 1));
}

/**
 * Run dirs created by this process get removed on exit whatever happens: vitest answers Ctrl-C with
 * process.exit() without calling globalSetup teardowns, and only 'exit' handlers still run then.
 * Prepended because vitest's own 'exit' handler calls process.exit() again, which ends the process
 * before any later 'exit' listener runs.
 */
const liveRunDirs = new Map<string, RunDir>();

let exitHookInstalled = false;

export function trackRunDir(dirs: RunDir): void {
  if (!exitHookInstalled) process.prependOnceListener('exit', destroyLiveRunDirs);
  exitHookInstalled = true;
  liveRunDirs.set(dirs.runDir, dirs);
}

function destroyLiveRunDirs(): void {
  for (const dirs of [...liveRunDirs.values()]) destroyRunDirSync(dirs);
}
