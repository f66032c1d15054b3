import { execFileSync, spawn } from 'node:child_process';

/** OS account that owns the server files; initdb and postgres refuse to run as root. */
export const SERVER_OS_USER = 'postgres';

export function isRoot(): boolean {
  return process.getuid?.() === 0;
}

export interface RunOptions {
  readonly cwd?: string;
  /**
   * Own process group: a terminal Ctrl-C then reaches only vitest, whose cleanup stops the servers,
   * instead of racing it with a postmaster shutting itself down.
   */
  readonly detached?: boolean;
}

export interface RunResult {
  readonly stdout: string;
  readonly stderr: string;
}

export class CommandError extends Error {
  constructor(
    message: string,
    readonly output: string,
  ) {
    super(message);
    this.name = 'CommandError';
  }
}

export function run(cmd: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      cwd: options.cwd,
      detached: options.detached ?? false,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (code === 0) {
        resolve({ stdout, stderr });
        return;
      }
      const output = `${stdout}${stderr}`.trim();
      const status = signal === null ? `exit code ${String(code)}` : `signal ${signal}`;
      reject(new CommandError(`${[cmd, ...args].join(' ')} failed (${status})\n${output}`, output));
    });
  });
}

function asServerUser(cmd: string, args: readonly string[]): [string, string[]] {
  return isRoot() ? ['runuser', ['-u', SERVER_OS_USER, '--', cmd, ...args]] : [cmd, [...args]];
}

/**
 * Runs cmd as the server's OS user. cwd defaults to '/' because the postgres user may not be allowed
 * into the caller's working directory, which makes initdb and pg_ctl fail.
 */
export function runAsServerUser(cmd: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  const [file, argv] = asServerUser(cmd, args);
  return run(file, argv, { cwd: '/', ...options });
}

/** For process 'exit' handlers, where nothing asynchronous runs any more. */
export function runAsServerUserSync(cmd: string, args: readonly string[]): void {
  const [file, argv] = asServerUser(cmd, args);
  execFileSync(file, argv, { cwd: '/', stdio: 'ignore' });
}

let serverIds: { uid: number; gid: number } | undefined;

export function serverUserIds(): { uid: number; gid: number } {
  const id = (flag: string): number =>
    Number(execFileSync('id', [flag, SERVER_OS_USER], { encoding: 'utf8' }).trim());
  serverIds ??= { uid: id('-u'), gid: id('-g') };
  return serverIds;
}
