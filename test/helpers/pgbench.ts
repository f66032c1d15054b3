import { join } from 'node:path';
import { run } from '../cluster/exec';
import type { ClusterInfo } from '../cluster/provider';

/*
 * pgbench against a cluster's socket, for the calibration test and the live benchmark. No test-runner dependency.
 * The cluster's client programs: Debian's pgbench 15 also drives the npm builds of 16-18, which ship none.
 */

function connectionArgs(info: ClusterInfo, database: string): string[] {
  return ['-h', info.host, '-p', String(info.port), '-U', info.user, database];
}

/** pgbench -i at a small scale: the standard TPC-B-like tables. */
export async function pgbenchInit(info: ClusterInfo, database: string, scale: number): Promise<void> {
  await run(join(info.clientBinDir, 'pgbench'), ['-i', '-q', '-s', String(scale), ...connectionArgs(info, database)]);
}

export interface PgbenchRun {
  readonly seconds: number;
  /** Transactions per second to aim at (-R); unthrottled when omitted. */
  readonly rate?: number;
  readonly clients?: number;
  readonly threads?: number;
  /** A custom transaction script file (-f) instead of the built-in TPC-B-like one. */
  readonly script?: string;
}

export interface PgbenchResult {
  readonly transactions: number;
  readonly tps: number;
}

export async function pgbench(info: ClusterInfo, database: string, load: PgbenchRun): Promise<PgbenchResult> {
  const args = [
    ...['-T', String(load.seconds), '-c', String(load.clients ?? 2), '-j', String(load.threads ?? 1), '-n'],
    ...(load.rate === undefined ? [] : ['-R', String(load.rate)]),
    ...(load.script === undefined ? [] : ['-f', load.script]),
    ...connectionArgs(info, database),
  ];
  const { stdout } = await run(join(info.clientBinDir, 'pgbench'), args);
  const transactions = /number of transactions actually processed: (\d+)/.exec(stdout);
  const tps = /tps = ([0-9.]+) \(without initial connection time\)/.exec(stdout);
  if (transactions === null || tps === null) throw new Error(`unexpected pgbench output:\n${stdout}`);
  return { transactions: Number(transactions[1]), tps: Number(tps[1]) };
}
