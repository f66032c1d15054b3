import type pg from 'pg';
import { beforeEach, describe, expect, it } from 'vitest';
import { compileProgram, loadProgram } from '../codegen/compiler/index';
import { skipIf, withoutExtension } from './helpers/capabilities';
import { connect, createDatabase, cronDatabase } from './helpers/db';
import { installProgram } from './helpers/differential';

/** One plpgsql_check finding. */
interface Finding {
  readonly fn: string;
  readonly level: string;
  readonly sqlstate: string | null;
  readonly message: string;
  readonly lineno: number | null;
  readonly statement: string | null;
  readonly query: string | null;
}

/**
 * Errors that are not errors: statements a function guards at run time and that plpgsql_check, which checks the
 * constant SQL of EXECUTE too, cannot see are never reached on this server. Each entry says why.
 */
const FALSE_POSITIVES: readonly { readonly message: RegExp; readonly why: string }[] = [
  {
    message: /relation "pg_catalog\.pg_stat_checkpointer" does not exist/,
    why: 'the view exists from PostgreSQL 17 on; the function reads it only when to_regclass() finds it',
  },
];

/** The extension's PL/pgSQL functions: everything in schema walrus, and its public walrus* entry points. */
const EXTENSION_FUNCTIONS = `
  SELECT p.oid FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang
  WHERE l.lanname = 'plpgsql'
    AND (p.pronamespace = 'walrus'::regnamespace OR (p.pronamespace = 'public'::regnamespace AND p.proname LIKE 'walrus%'))`;

async function check(client: pg.Client, functions: string): Promise<{ checked: string[]; findings: Finding[] }> {
  const { rows: checked } = await client.query<{ fn: string }>(
    `SELECT oid::regprocedure::text AS fn FROM pg_proc WHERE oid IN (${functions}) ORDER BY 1`,
  );
  // fatal_errors off: every problem of a function, not just its first; all warning classes on, to report them.
  const { rows: findings } = await client.query<Finding>(`
    SELECT f.oid::regprocedure::text AS fn, t.level, t.sqlstate, t.message, t.lineno, t.statement, t.query
    FROM (${functions}) AS f(oid)
    CROSS JOIN LATERAL plpgsql_check_function_tb(f.oid, fatal_errors => false, performance_warnings => true,
                                                  extra_warnings => true, security_warnings => true) AS t
    ORDER BY 1, t.lineno`);
  return { checked: checked.map((r) => r.fn), findings };
}

function describeFinding(f: Finding): string {
  const where = f.lineno === null ? '' : ` line ${f.lineno}${f.statement ? ` (${f.statement})` : ''}`;
  return `${f.fn}${where}: ${f.level} ${f.sqlstate ?? ''} ${f.message}${f.query ? `\n    ${f.query.trim().replace(/\s+/g, ' ')}` : ''}`;
}

/** Fails on errors (known false positives aside) and prints everything else for the reader of the test log. */
function assertNoErrors(label: string, findings: readonly Finding[]): void {
  const errors = findings.filter((f) => f.level === 'error' && !FALSE_POSITIVES.some((p) => p.message.test(f.message)));
  const reported = findings.filter((f) => !errors.includes(f));
  if (reported.length > 0) {
    const lines = reported.map((f) => {
      const known = FALSE_POSITIVES.find((p) => p.message.test(f.message));
      return `  ${describeFinding(f)}${known ? `\n    (false positive: ${known.why})` : ''}`;
    });
    console.info(`plpgsql_check on ${label}: ${reported.length} warning(s) or known false positive(s)\n${lines.join('\n')}`);
  }
  expect(errors.map(describeFinding), `plpgsql_check errors in ${label}`).toEqual([]);
}

describe('plpgsql_check', () => {
  beforeEach(async (ctx) => skipIf(ctx, await withoutExtension('plpgsql_check')));

  it('finds no errors in the extension (checked in the pg_cron database, rolled back)', async () => {
    // The cron database, because several functions run constant SQL against pg_cron's tables, which plpgsql_check
    // verifies; pg_cron can only exist there. A transaction that is rolled back leaves nothing for other tests.
    const client = await connect(cronDatabase());
    try {
      await client.query('BEGIN');
      const { rows } = await client.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_extension WHERE extname = 'pg_walrus'");
      if (rows[0]?.n === 0) await client.query('CREATE EXTENSION pg_walrus');
      await client.query('CREATE EXTENSION IF NOT EXISTS plpgsql_check');
      const { checked, findings } = await check(client, EXTENSION_FUNCTIONS);
      expect(checked).toContain('walrus.decide_growth(integer,integer,integer,integer,integer)');
      expect(checked).toContain('walrus_analyze()');
      assertNoErrors('the extension', findings);
    } finally {
      await client.query('ROLLBACK').catch(() => undefined);
      await client.end();
    }
  });

  it('finds no errors in the compiled fixture functions', async () => {
    const program = loadProgram('tsconfig.json', ['test/fixtures/semantics.ts']);
    const db = await createDatabase('plpgsql_check_fixtures');
    const client = await connect(db.name);
    try {
      const compiled = compileProgram(program);
      await installProgram(client, compiled);
      await client.query('CREATE EXTENSION plpgsql_check');
      const functions = `SELECT p.oid FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang
                         WHERE l.lanname = 'plpgsql' AND p.pronamespace = 'walrus'::regnamespace`;
      const { checked, findings } = await check(client, functions);
      // Every compiled function, and the runtime helpers written in PL/pgSQL.
      const helpers = compiled.runtime.filter((r) => r.sql.includes('LANGUAGE plpgsql')).length;
      expect(helpers).toBeGreaterThan(0);
      expect(checked).toHaveLength(program.functions.size + helpers);
      assertNoErrors('the compiled fixtures', findings);
    } finally {
      await client.end();
      await db.drop();
    }
  });
});
