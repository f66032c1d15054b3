import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clusterInfo, connect, createDatabase, cronDatabase } from './helpers/db';
import { pgbench } from './helpers/pgbench';
import { alterSystem, analyze, collectNotices, installPaused, scalar, setSession } from './helpers/walrus';

/**
 * Which statements write the WAL (pg_stat_statements, preloaded in the test cluster): named in the growth row, in
 * walrus_history() and in the NOTIFY payload, with query text only for roles that may read it.
 */

let client: pg.Client;
let uninstall: (current: pg.Client) => Promise<void>;

beforeAll(async () => {
  ({ client, uninstall } = await installPaused());
  await client.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
});

afterAll(async () => {
  await client.query('DROP EXTENSION IF EXISTS pg_stat_statements');
  await uninstall(client);
});

interface Statement {
  queryid: string;
  wal_bytes: number;
  share: number;
  query?: string;
}

describe('the statements behind a growth', () => {
  it('a pgbench WAL burst from one statement is the top entry of the growth row, its NOTIFY and walrus_history()', async () => {
    await client.query('DROP TABLE IF EXISTS public.walrus_burst; CREATE TABLE public.walrus_burst (id int, pad text)');
    await client.query('SELECT walrus_reset()');
    await alterSystem({ min_wal_size: '32MB', max_wal_size: '32MB' });
    await setSession(client, { 'walrus.cooldown_sec': '0' });
    await client.query('SELECT pg_stat_statements_reset()');
    await analyze(client); // the statement snapshot the interval is measured from

    const dir = await mkdtemp(join(tmpdir(), 'walrus-burst-'));
    const script = join(dir, 'burst.sql');
    await writeFile(script, "INSERT INTO public.walrus_burst SELECT g, repeat('x', 400) FROM generate_series(1, 5000) g;\n");
    await pgbench(clusterInfo(), cronDatabase(), { seconds: 4, clients: 2, script });

    const listener = await connect();
    const payloads: string[] = [];
    listener.on('notification', (n) => payloads.push(n.payload ?? ''));
    await listener.query('LISTEN walrus_events');
    try {
      const grown = await analyze(client);
      expect(['increase', 'capped']).toContain(grown.recommendation?.action);
      const burstId = await scalar<string>(client, "SELECT queryid::text FROM pg_stat_statements WHERE query LIKE 'INSERT INTO public.walrus_burst%' LIMIT 1");
      const row = await scalar<{ wal_statements: Statement[] }>(
        client,
        "SELECT metadata FROM walrus.history WHERE action IN ('increase', 'capped') ORDER BY id DESC LIMIT 1",
      );
      expect(String(row.wal_statements[0]!.queryid)).toBe(burstId);
      expect(row.wal_statements[0]!.share).toBeGreaterThan(0.5);
      // Query text is never stored, only resolved for the reader.
      expect(JSON.stringify(row)).not.toContain('walrus_burst');

      const shown = await scalar<Statement[]>(client, 'SELECT wal_statements FROM walrus_history(max_rows => 1)');
      expect(shown[0]!.query).toContain('INSERT INTO public.walrus_burst');
      await new Promise((resolve) => setTimeout(resolve, 200));
      const resize = payloads.map((p) => JSON.parse(p) as { top_wal_statement?: { queryid: string } }).find((p) => p.top_wal_statement);
      expect(String(resize?.top_wal_statement?.queryid)).toBe(burstId);
      expect(payloads.join('')).not.toContain('walrus_burst');
    } finally {
      await listener.end();
      await client.query('DROP TABLE public.walrus_burst');
    }
  });

  it('walrus_top_wal_queries() shows query text only to roles that may read it', async () => {
    const top = await client.query<{ query: string; share: number }>('SELECT * FROM walrus_top_wal_queries(3)');
    expect(top.rows[0]!.query).toContain('walrus_burst');
    expect(top.rows[0]!.share).toBeGreaterThan(0.5);
    await client.query('DROP ROLE IF EXISTS walrus_viewer; CREATE ROLE walrus_viewer');
    await client.query("SELECT walrus.grant_operator('walrus_viewer')");
    try {
      await client.query('SET ROLE walrus_viewer');
      const hidden = await client.query<{ query: string }>('SELECT * FROM walrus_top_wal_queries(3)');
      await client.query('RESET ROLE');
      expect(hidden.rows.length).toBeGreaterThan(0);
      // The WAL was written by the superuser's statements: their text is not the viewer's to read.
      expect(hidden.rows[0]!.query).toBe('<insufficient privilege>');
      expect(hidden.rows.map((r) => r.query).join('\n')).not.toContain('walrus_burst');
    } finally {
      await client.query('RESET ROLE');
      await client.query('DROP OWNED BY walrus_viewer; DROP ROLE walrus_viewer');
    }
  });

  it('without pg_stat_statements: no rows and one WARNING saying how to enable it, never an error', async () => {
    const db = await createDatabase('walrus_no_pgss');
    const other = await connect(db.name);
    try {
      await other.query('CREATE EXTENSION pg_walrus');
      const notices = collectNotices(other);
      const { rows } = await other.query('SELECT * FROM walrus_top_wal_queries()');
      expect(rows).toEqual([]);
      expect(notices.join('\n')).toContain('pg_stat_statements is not available');
      expect((await analyze(other)).analyzed).toBe(true);
    } finally {
      await other.end();
      await db.drop();
    }
  });
});
