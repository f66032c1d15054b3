/**
 * When only vitest's main process gets a signal (kill -INT <pid> rather than Ctrl-C, which reaches the
 * whole process group), a forks-pool worker is orphaned and spins on its dead IPC channel forever.
 * Leave with the parent instead. SIGKILL because vitest replaces process.exit in workers with a throw;
 * nothing is lost, the main process's exit hook already removed the cluster.
 * Guarded because this file runs once per test file.
 */
const registered = Symbol.for('pg_walrus.exitWithParent');
const marks = globalThis as typeof globalThis & { [registered]?: true };

if (process.connected && marks[registered] === undefined) {
  marks[registered] = true;
  process.once('disconnect', () => process.kill(process.pid, 'SIGKILL'));
}
