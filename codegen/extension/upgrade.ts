import { quoteLiteral } from '../compiler/identifiers';
import { EXTENSION } from '../../src/extension';
import { UPGRADE_SCHEMA, type MigrationStep } from '../../src/migrations';
import type { ExtensionSections } from './assemble';

/**
 * The upgrade script migrations/pg_walrus--<from>--<to>.sql for the step that ends at the current version.
 *
 * Nothing in it lists an object of either version: what the old version installed is read from pg_depend at update
 * time, and what the new one installs is the very text of the full script (every section but CREATE SCHEMA). So the
 * script follows src/ as it changes, and an update gives the catalog of a fresh install:
 *
 * 1. The DBA's own privilege changes on the old objects (their ACL against pg_init_privs) and the operator roles
 *    (grantees of walrus_analyze()) are written down; the old tables move to schema walrus_upgrade and lose what
 *    could tie them to old functions (defaults, constraints, indexes, triggers), never a row or a column; every
 *    other old member (routines, types, views, event triggers) is dropped, in whatever order its dependencies allow,
 *    without CASCADE, so nothing outside the extension can go with it.
 * 2. The new version's script runs as it does for CREATE EXTENSION: types, functions, tables, privileges, event
 *    triggers, config-dump registrations and the pg_cron job.
 * 3. The step's declared SQL (src/migrations.ts) runs; the rows are copied by column name, sequences keep their
 *    position, the DBA's privilege changes are replayed and operators granted again the new version's way; the old
 *    tables leave the extension (and pg_extension.extconfig) and are dropped.
 *
 * Whatever cannot be done without losing data (an old table or column the new version lacks and the step does not
 * declare, a row the new constraints refuse, a view of the DBA's over an old table) stops the update, and PostgreSQL
 * rolls all of it back.
 */


const banner = (title: string): string => `-- ${'='.repeat(100)}\n-- ${title}\n-- ${'='.repeat(100)}`;

/** The bookkeeping tables of the update, in the scratch schema; not old tables. */
const BOOKKEEPING = ['privilege_changes', 'operator_roles'];

function prelude(step: MigrationStep): string {
  return `
CREATE SCHEMA ${UPGRADE_SCHEMA};
-- The DBA's changes to the old objects' privileges (relative to what the old script granted), replayed at the end.
CREATE TABLE ${UPGRADE_SCHEMA}.privilege_changes (
  kind text NOT NULL,        -- ROUTINE, TABLE, SEQUENCE, TYPE or SCHEMA
  object text NOT NULL,      -- as regprocedure, regclass or regtype printed it, before anything moved
  grantee text NOT NULL,     -- quoted role name, or PUBLIC
  privilege text NOT NULL,
  grantable boolean NOT NULL,
  initially_grantable boolean, -- NULL: the script did not grant it at all
  change text NOT NULL CHECK (change IN ('grant', 'revoke', 'revoke grant option'))
);
-- Roles the old version let run cycles (EXECUTE on walrus_analyze()); the new walrus.grant_operator() decides their rights.
CREATE TABLE ${UPGRADE_SCHEMA}.operator_roles (role name PRIMARY KEY);

DO $upgrade$
DECLARE
  ext oid := (SELECT oid FROM pg_catalog.pg_extension WHERE extname = ${quoteLiteral(EXTENSION.name)});
  scratch oid := ${quoteLiteral(UPGRADE_SCHEMA)}::regnamespace;
  r record;
  pending integer;
  dropped boolean;
  blocker text;
  descriptions text[];
  commands text[];
BEGIN
  -- 1a. Privileges: what each old member's ACL has that its initial privileges (pg_init_privs, what the script
  --     granted) do not, and the reverse. Grantor aside: after the update the owner grants again.
  INSERT INTO ${UPGRADE_SCHEMA}.privilege_changes
  WITH member AS (
    SELECT CASE WHEN p.oid IS NOT NULL THEN 'ROUTINE' WHEN t.oid IS NOT NULL THEN 'TYPE'
                WHEN n.oid IS NOT NULL THEN 'SCHEMA' WHEN c.relkind = 'S' THEN 'SEQUENCE' ELSE 'TABLE' END AS kind,
           CASE WHEN p.oid IS NOT NULL THEN d.objid::regprocedure::text
                WHEN t.oid IS NOT NULL THEN d.objid::regtype::text
                WHEN n.oid IS NOT NULL THEN pg_catalog.quote_ident(n.nspname)
                ELSE d.objid::regclass::text END AS object,
           coalesce(p.proacl, t.typacl, n.nspacl, c.relacl,
                    pg_catalog.acldefault(CASE WHEN p.oid IS NOT NULL THEN 'f' WHEN t.oid IS NOT NULL THEN 'T'
                                               WHEN n.oid IS NOT NULL THEN 'n' WHEN c.relkind = 'S' THEN 's'
                                               ELSE 'r' END::"char",
                                          coalesce(p.proowner, t.typowner, n.nspowner, c.relowner))) AS acl,
           coalesce(i.initprivs,
                    pg_catalog.acldefault(CASE WHEN p.oid IS NOT NULL THEN 'f' WHEN t.oid IS NOT NULL THEN 'T'
                                               WHEN n.oid IS NOT NULL THEN 'n' WHEN c.relkind = 'S' THEN 's'
                                               ELSE 'r' END::"char",
                                          coalesce(p.proowner, t.typowner, n.nspowner, c.relowner))) AS init
      FROM pg_catalog.pg_depend d
      LEFT JOIN pg_catalog.pg_proc p ON d.classid = 'pg_catalog.pg_proc'::regclass AND p.oid = d.objid
      LEFT JOIN pg_catalog.pg_type t ON d.classid = 'pg_catalog.pg_type'::regclass AND t.oid = d.objid
      LEFT JOIN pg_catalog.pg_namespace n ON d.classid = 'pg_catalog.pg_namespace'::regclass AND n.oid = d.objid
      LEFT JOIN pg_catalog.pg_class c ON d.classid = 'pg_catalog.pg_class'::regclass AND c.oid = d.objid
      LEFT JOIN pg_catalog.pg_init_privs i ON i.classoid = d.classid AND i.objoid = d.objid AND i.objsubid = 0
     WHERE d.refclassid = 'pg_catalog.pg_extension'::regclass AND d.refobjid = ext AND d.deptype = 'e'
       AND (p.oid IS NOT NULL OR t.oid IS NOT NULL OR (n.oid IS NOT NULL AND n.oid <> scratch)
            OR c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S'))
  ),
  item AS (
    SELECT m.kind, m.object, a.grantee, a.privilege_type AS privilege, a.is_grantable AS grantable, 'now' AS side
      FROM member m, pg_catalog.aclexplode(m.acl) a
    UNION ALL
    SELECT m.kind, m.object, a.grantee, a.privilege_type, a.is_grantable, 'initially'
      FROM member m, pg_catalog.aclexplode(m.init) a
  ),
  pair AS (
    SELECT kind, object, grantee, privilege,
           bool_or(grantable) FILTER (WHERE side = 'now') AS now_grantable,
           bool_or(grantable) FILTER (WHERE side = 'initially') AS initially_grantable
      FROM item GROUP BY kind, object, grantee, privilege
  )
  SELECT kind, object,
         CASE WHEN grantee = 0 THEN 'PUBLIC' ELSE pg_catalog.quote_ident(pg_catalog.pg_get_userbyid(grantee)) END,
         privilege, coalesce(now_grantable, false), initially_grantable,
         CASE WHEN now_grantable IS NULL THEN 'revoke'
              WHEN initially_grantable IS NULL OR now_grantable THEN 'grant'
              ELSE 'revoke grant option' END
    FROM pair
   WHERE now_grantable IS DISTINCT FROM initially_grantable;

  -- The schema stays, and the new script's GRANTs on it would record its whole ACL as the script's own (initial
  -- privileges, which pg_dump leaves out): take the DBA's changes back for now, they are replayed at the end.
  FOR r IN SELECT * FROM ${UPGRADE_SCHEMA}.privilege_changes WHERE kind = 'SCHEMA' LOOP
    EXECUTE CASE WHEN r.initially_grantable IS NULL
                   THEN pg_catalog.format('REVOKE %s ON SCHEMA %s FROM %s CASCADE', r.privilege, r.object, r.grantee)
                 WHEN r.change = 'grant'
                   THEN pg_catalog.format('REVOKE GRANT OPTION FOR %s ON SCHEMA %s FROM %s CASCADE', r.privilege,
                                          r.object, r.grantee)
                 ELSE pg_catalog.format('GRANT %s ON SCHEMA %s TO %s%s', r.privilege, r.object, r.grantee,
                                        CASE WHEN r.initially_grantable THEN ' WITH GRANT OPTION' ELSE '' END)
            END;
  END LOOP;

  -- 1b. Operators: the new version grants them its own way (the old one may have granted more, or less).
  IF pg_catalog.to_regprocedure('@extschema@.walrus_analyze()') IS NOT NULL THEN
    INSERT INTO ${UPGRADE_SCHEMA}.operator_roles
    SELECT DISTINCT g.rolname
      FROM pg_catalog.pg_proc p, pg_catalog.aclexplode(p.proacl) a
      JOIN pg_catalog.pg_roles g ON g.oid = a.grantee
     WHERE p.oid = '@extschema@.walrus_analyze()'::regprocedure AND a.privilege_type = 'EXECUTE'
       AND a.grantee <> p.proowner AND g.rolname <> 'pg_monitor';
    DELETE FROM ${UPGRADE_SCHEMA}.privilege_changes p
     USING ${UPGRADE_SCHEMA}.operator_roles o WHERE p.grantee = pg_catalog.quote_ident(o.role);
  END IF;

  -- 1c. The old tables (with their indexes and owned sequences) step aside, data untouched.
  FOR r IN
    SELECT c.oid::regclass AS rel, c.relnamespace::regnamespace AS schema, c.relkind
      FROM pg_catalog.pg_depend d JOIN pg_catalog.pg_class c ON c.oid = d.objid
     WHERE d.classid = 'pg_catalog.pg_class'::regclass AND d.refclassid = 'pg_catalog.pg_extension'::regclass
       AND d.refobjid = ext AND d.deptype = 'e' AND c.relkind IN ('r', 'p') AND c.relnamespace <> scratch
     ORDER BY c.relname
  LOOP
    IF r.schema <> 'walrus'::regnamespace THEN
      RAISE EXCEPTION 'pg_walrus: the update expects every table of the extension in schema walrus, not %', r.rel;
    END IF;
    EXECUTE pg_catalog.format('ALTER TABLE %s SET SCHEMA ${UPGRADE_SCHEMA}', r.rel);
  END LOOP;
  FOR r IN
    SELECT c.oid::regclass AS rel
      FROM pg_catalog.pg_depend d JOIN pg_catalog.pg_class c ON c.oid = d.objid
     WHERE d.classid = 'pg_catalog.pg_class'::regclass AND d.refclassid = 'pg_catalog.pg_extension'::regclass
       AND d.refobjid = ext AND d.deptype = 'e' AND c.relkind = 'S' AND c.relnamespace = 'walrus'::regnamespace
  LOOP
    EXECUTE pg_catalog.format('ALTER SEQUENCE %s SET SCHEMA ${UPGRADE_SCHEMA}', r.rel);
  END LOOP;

  -- 1d. What could tie an old table to an old function or type, apart from its columns: the rows stay as they are.
  FOR r IN
    SELECT pg_catalog.format('DROP TRIGGER %I ON %s', t.tgname, t.tgrelid::regclass) AS command
      FROM pg_catalog.pg_trigger t JOIN pg_catalog.pg_class c ON c.oid = t.tgrelid
     WHERE c.relnamespace = scratch AND NOT t.tgisinternal
    UNION ALL
    SELECT pg_catalog.format('DROP POLICY %I ON %s', p.polname, p.polrelid::regclass)
      FROM pg_catalog.pg_policy p JOIN pg_catalog.pg_class c ON c.oid = p.polrelid WHERE c.relnamespace = scratch
  LOOP
    EXECUTE r.command;
  END LOOP;
  FOR r IN
    SELECT pg_catalog.format('ALTER TABLE %s DROP CONSTRAINT IF EXISTS %I', k.conrelid::regclass, k.conname) AS command
      FROM pg_catalog.pg_constraint k JOIN pg_catalog.pg_class c ON c.oid = k.conrelid
     WHERE c.relnamespace = scratch AND k.contype IN ('f', 'c', 'p', 'u', 'x', 't')
     ORDER BY k.contype <> 'f'
  LOOP
    EXECUTE r.command;
  END LOOP;
  FOR r IN
    SELECT pg_catalog.format('DROP INDEX %s', i.indexrelid::regclass) AS command
      FROM pg_catalog.pg_index i JOIN pg_catalog.pg_class c ON c.oid = i.indrelid WHERE c.relnamespace = scratch
  LOOP
    EXECUTE r.command;
  END LOOP;
  FOR r IN
    SELECT pg_catalog.format('ALTER TABLE %s ALTER COLUMN %I %s', a.attrelid::regclass, a.attname,
                             CASE WHEN a.attgenerated <> '' THEN 'DROP EXPRESSION' ELSE 'DROP DEFAULT' END) AS command
      FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
     WHERE c.relnamespace = scratch AND c.relkind IN ('r', 'p') AND a.atthasdef AND NOT a.attisdropped
  LOOP
    EXECUTE r.command;
  END LOOP;

  -- 1e. Every other old member: event triggers, views, routines, types. No CASCADE: drop what nothing depends on,
  --     again and again, until all are gone; what an object outside the extension depends on stops the update.
  LOOP
    pending := 0;
    dropped := false;
    -- Names first, all of them: an object dropped along with an earlier one has none to print afterwards.
    SELECT coalesce(pg_catalog.array_agg(x.description ORDER BY x.rank, x.description), '{}'),
           coalesce(pg_catalog.array_agg(x.command ORDER BY x.rank, x.description), '{}')
      INTO descriptions, commands
      FROM (
      SELECT pg_catalog.pg_describe_object(d.classid, d.objid, 0) AS description,
             CASE WHEN d.classid = 'pg_catalog.pg_event_trigger'::regclass
                    THEN pg_catalog.format('DROP EVENT TRIGGER %I', e.evtname)
                  WHEN d.classid = 'pg_catalog.pg_proc'::regclass
                    THEN pg_catalog.format('DROP ROUTINE %s', d.objid::regprocedure)
                  WHEN d.classid = 'pg_catalog.pg_type'::regclass
                    THEN pg_catalog.format('DROP %s %s', CASE WHEN t.typtype = 'd' THEN 'DOMAIN' ELSE 'TYPE' END,
                                           d.objid::regtype)
                  WHEN c.relkind = 'v' THEN pg_catalog.format('DROP VIEW %s', d.objid::regclass)
                  WHEN c.relkind = 'm' THEN pg_catalog.format('DROP MATERIALIZED VIEW %s', d.objid::regclass)
             END AS command,
             CASE WHEN e.oid IS NOT NULL THEN 0 WHEN c.oid IS NOT NULL THEN 1 WHEN t.oid IS NULL THEN 2 ELSE 3 END AS rank
        FROM pg_catalog.pg_depend d
        LEFT JOIN pg_catalog.pg_event_trigger e ON d.classid = 'pg_catalog.pg_event_trigger'::regclass AND e.oid = d.objid
        LEFT JOIN pg_catalog.pg_type t ON d.classid = 'pg_catalog.pg_type'::regclass AND t.oid = d.objid
        LEFT JOIN pg_catalog.pg_class c ON d.classid = 'pg_catalog.pg_class'::regclass AND c.oid = d.objid
       WHERE d.refclassid = 'pg_catalog.pg_extension'::regclass AND d.refobjid = ext AND d.deptype = 'e'
         AND d.classid <> 'pg_catalog.pg_namespace'::regclass
         AND NOT (c.relkind IS NOT NULL AND (c.relkind IN ('r', 'p', 'S') OR c.relnamespace = scratch))
         -- A table's or view's row type goes with it, an array type with its element type (PostgreSQL 17 and 18
         -- record them as members of their own).
         AND NOT (t.oid IS NOT NULL AND (EXISTS (SELECT FROM pg_catalog.pg_class tr WHERE tr.oid = t.typrelid AND tr.relkind <> 'c')
                                         OR EXISTS (SELECT FROM pg_catalog.pg_type el WHERE el.oid = t.typelem AND el.typarray = t.oid)))
      ) x;
    FOR i IN 1 .. pg_catalog.cardinality(commands) LOOP
      IF commands[i] IS NULL THEN
        RAISE EXCEPTION 'pg_walrus: the update does not know how to replace %', descriptions[i]
          USING HINT = 'Teach codegen/extension/upgrade.ts to drop it.';
      END IF;
      BEGIN
        EXECUTE commands[i];
        dropped := true;
      EXCEPTION
        WHEN undefined_object OR undefined_function OR undefined_table THEN
          NULL; -- it went with an object dropped before it in this pass
        WHEN dependent_objects_still_exist THEN
          pending := pending + 1;
          GET STACKED DIAGNOSTICS blocker = PG_EXCEPTION_DETAIL;
          blocker := descriptions[i] || ': ' || blocker;
      END;
    END LOOP;
    EXIT WHEN pending = 0;
    IF NOT dropped THEN
      RAISE EXCEPTION 'pg_walrus: cannot update: objects outside the extension depend on pg_walrus ${step.from} (%)', blocker
        USING HINT = 'Drop them, run ALTER EXTENSION ${EXTENSION.name} UPDATE, and create them again.';
    END IF;
  END LOOP;
END;
$upgrade$;`.trim();
}

function copyRows(step: MigrationStep): string {
  const declared = JSON.stringify({ tables: step.tables ?? {}, droppedTables: step.droppedTables ?? [] });
  return `
DO $upgrade$
DECLARE
  declared jsonb := ${quoteLiteral(declared)};
  scratch oid := ${quoteLiteral(UPGRADE_SCHEMA)}::regnamespace;
  t record;
  spec jsonb;
  target regclass;
  problem text;
  column_list text;
  expression_list text;
BEGIN
  FOR t IN
    SELECT c.oid, c.relname FROM pg_catalog.pg_class c
     WHERE c.relnamespace = scratch AND c.relkind IN ('r', 'p') AND c.relname <> ALL (${sqlTextArray(BOOKKEEPING)})
     ORDER BY c.relname
  LOOP
    CONTINUE WHEN declared -> 'droppedTables' ? t.relname;
    spec := coalesce(declared -> 'tables' -> t.relname, '{}');
    target := pg_catalog.to_regclass(pg_catalog.format('walrus.%I', t.relname));
    IF target IS NULL THEN
      RAISE EXCEPTION 'pg_walrus: table walrus.% is not in version ${step.to}; its rows would be lost', t.relname
        USING HINT = 'Declare it in src/migrations.ts: droppedTables, or a rename in beforeCopy.';
    END IF;
    SELECT pg_catalog.string_agg(pg_catalog.quote_ident(a.attname), ', ') INTO problem
      FROM pg_catalog.pg_attribute a
     WHERE a.attrelid = t.oid AND a.attnum > 0 AND NOT a.attisdropped
       AND NOT coalesce(spec -> 'droppedColumns' ? a.attname, false)
       AND NOT EXISTS (SELECT FROM pg_catalog.pg_attribute n
                        WHERE n.attrelid = target AND n.attname = a.attname AND NOT n.attisdropped);
    IF problem IS NOT NULL THEN
      RAISE EXCEPTION 'pg_walrus: %: version ${step.to} has no column %; its values would be lost', target, problem
        USING HINT = 'Declare it in src/migrations.ts: droppedColumns, or a column expression that keeps it.';
    END IF;
    SELECT pg_catalog.string_agg(pg_catalog.quote_ident(k), ', ') INTO problem
      FROM pg_catalog.jsonb_object_keys(coalesce(spec -> 'columns', '{}')) k
     WHERE NOT EXISTS (SELECT FROM pg_catalog.pg_attribute n
                        WHERE n.attrelid = target AND n.attname = k AND n.attnum > 0 AND NOT n.attisdropped);
    IF problem IS NOT NULL THEN
      RAISE EXCEPTION 'pg_walrus: %: src/migrations.ts fills columns the table does not have: %', target, problem;
    END IF;
    -- Columns of both versions by name (assignment casts convert changed types), declared expressions for the others;
    -- a new column neither covers gets its DEFAULT.
    SELECT pg_catalog.string_agg(pg_catalog.quote_ident(n.attname), ', ' ORDER BY n.attnum),
           pg_catalog.string_agg(coalesce(spec -> 'columns' ->> n.attname, 'old.' || pg_catalog.quote_ident(n.attname)),
                                 ', ' ORDER BY n.attnum)
      INTO column_list, expression_list
      FROM pg_catalog.pg_attribute n
     WHERE n.attrelid = target AND n.attnum > 0 AND NOT n.attisdropped AND n.attgenerated = ''
       AND (spec -> 'columns' ? n.attname
            OR EXISTS (SELECT FROM pg_catalog.pg_attribute a
                        WHERE a.attrelid = t.oid AND a.attname = n.attname AND NOT a.attisdropped));
    IF column_list IS NOT NULL THEN
      EXECUTE pg_catalog.format('INSERT INTO %s (%s) OVERRIDING SYSTEM VALUE SELECT %s FROM ${UPGRADE_SCHEMA}.%I AS old',
                                target, column_list, expression_list, t.relname);
    END IF;
  END LOOP;
  -- Sequences go on where they were, so new ids never collide with kept ones.
  FOR t IN SELECT c.relname FROM pg_catalog.pg_class c WHERE c.relnamespace = scratch AND c.relkind = 'S' LOOP
    target := pg_catalog.to_regclass(pg_catalog.format('walrus.%I', t.relname));
    IF target IS NOT NULL THEN
      EXECUTE pg_catalog.format('SELECT pg_catalog.setval(%L, last_value, is_called) FROM ${UPGRADE_SCHEMA}.%I',
                                target, t.relname);
    END IF;
  END LOOP;
END;
$upgrade$;`.trim();
}

function epilogue(): string {
  return `
DO $upgrade$
DECLARE
  ext oid := (SELECT oid FROM pg_catalog.pg_extension WHERE extname = ${quoteLiteral(EXTENSION.name)});
  scratch oid := ${quoteLiteral(UPGRADE_SCHEMA)}::regnamespace;
  r record;
  found_it boolean;
  detail text;
  -- What the script granted, as pg_dump must see it: the initial privileges of a fresh install.
  initial pg_catalog.pg_init_privs[] := ARRAY(
    SELECT i FROM pg_catalog.pg_init_privs i JOIN pg_catalog.pg_depend d ON d.classid = i.classoid AND d.objid = i.objoid
     WHERE d.refclassid = 'pg_catalog.pg_extension'::regclass AND d.refobjid = ext AND d.deptype = 'e');
BEGIN
  -- The DBA's grants and revocations, on the objects of the same name and signature that still exist.
  FOR r IN SELECT * FROM ${UPGRADE_SCHEMA}.privilege_changes ORDER BY change DESC, kind, object, grantee, privilege LOOP
    found_it := CASE r.kind WHEN 'ROUTINE' THEN pg_catalog.to_regprocedure(r.object) IS NOT NULL
                            WHEN 'TYPE' THEN pg_catalog.to_regtype(r.object) IS NOT NULL
                            WHEN 'SCHEMA' THEN pg_catalog.to_regnamespace(r.object) IS NOT NULL
                            ELSE pg_catalog.to_regclass(r.object) IS NOT NULL END;
    IF NOT found_it THEN
      RAISE WARNING 'pg_walrus: % % is gone, so its % % for % is not carried over', lower(r.kind), r.object, r.change,
        r.privilege, r.grantee;
    ELSIF r.change = 'grant' THEN
      EXECUTE pg_catalog.format('GRANT %s ON %s %s TO %s%s', r.privilege, r.kind, r.object, r.grantee,
                                CASE WHEN r.grantable THEN ' WITH GRANT OPTION' ELSE '' END);
    ELSE
      EXECUTE pg_catalog.format('REVOKE %s%s ON %s %s FROM %s',
                                CASE WHEN r.change = 'revoke grant option' THEN 'GRANT OPTION FOR ' ELSE '' END,
                                r.privilege, r.kind, r.object, r.grantee);
    END IF;
  END LOOP;
  IF pg_catalog.to_regprocedure('walrus.grant_operator(name)') IS NOT NULL THEN
    FOR r IN SELECT role FROM ${UPGRADE_SCHEMA}.operator_roles ORDER BY role LOOP
      EXECUTE 'SELECT walrus.grant_operator($1)' USING r.role;
    END LOOP;
  END IF;
  -- Inside an extension script every GRANT also becomes an initial privilege, which pg_dump leaves out as the
  -- extension's own; these grants are the DBA's, so the initial privileges go back to what the script granted.
  DELETE FROM pg_catalog.pg_init_privs i
   USING pg_catalog.pg_depend d
   WHERE d.classid = i.classoid AND d.objid = i.objoid AND d.refclassid = 'pg_catalog.pg_extension'::regclass
     AND d.refobjid = ext AND d.deptype = 'e';
  INSERT INTO pg_catalog.pg_init_privs SELECT * FROM pg_catalog.unnest(initial);

  -- The old tables leave the extension (and pg_extension.extconfig, which a plain DROP would leave pointing at
  -- nothing) and go. A view of the DBA's over one of them stops the update rather than go with it.
  FOR r IN
    SELECT c.oid::regclass AS rel, CASE WHEN c.relkind = 'S' THEN 'SEQUENCE' ELSE 'TABLE' END AS kind
      FROM pg_catalog.pg_class c
      JOIN pg_catalog.pg_depend d ON d.classid = 'pg_catalog.pg_class'::regclass AND d.objid = c.oid
                                 AND d.refclassid = 'pg_catalog.pg_extension'::regclass AND d.refobjid = ext
                                 AND d.deptype = 'e'
     WHERE c.relnamespace = scratch AND c.relkind IN ('r', 'p', 'S')
  LOOP
    EXECUTE pg_catalog.format('ALTER EXTENSION ${EXTENSION.name} DROP %s %s', r.kind, r.rel);
  END LOOP;
  FOR r IN
    SELECT c.oid::regclass AS rel, c.relname AS name FROM pg_catalog.pg_class c
     WHERE c.relnamespace = scratch AND c.relkind IN ('r', 'p')
  LOOP
    BEGIN
      EXECUTE pg_catalog.format('DROP TABLE %s', r.rel);
    EXCEPTION WHEN dependent_objects_still_exist THEN
      GET STACKED DIAGNOSTICS detail = PG_EXCEPTION_DETAIL;
      RAISE EXCEPTION 'pg_walrus: cannot update: objects outside the extension depend on table walrus.% (%)',
        pg_catalog.quote_ident(r.name), detail
        USING HINT = 'Drop them, run ALTER EXTENSION ${EXTENSION.name} UPDATE, and create them again over the new table.';
    END;
  END LOOP;
  FOR r IN SELECT c.oid::regclass AS rel FROM pg_catalog.pg_class c WHERE c.relnamespace = scratch AND c.relkind = 'S' LOOP
    EXECUTE pg_catalog.format('DROP SEQUENCE %s', r.rel);
  END LOOP;
END;
$upgrade$;
DROP SCHEMA ${UPGRADE_SCHEMA};`.trim();
}

function sqlTextArray(values: readonly string[]): string {
  return `ARRAY[${values.map(quoteLiteral).join(', ')}]`;
}

/** The update script from step.from to step.to (the current version), around the current script's sections. */
export function upgradeScript(step: MigrationStep, sections: ExtensionSections): string {
  if (step.to !== EXTENSION.version) throw new Error(`upgradeScript: step ${step.from} -> ${step.to} does not end at ${EXTENSION.version}`);
  return [
    `-- ${EXTENSION.name} ${step.from} -> ${step.to}: generated by \`npm run codegen\` from src/ (the step in src/migrations.ts and`,
    `-- the sections of sql/${EXTENSION.name}--${step.to}.sql). Do not edit this file; see "Upgrades" in codegen/README.md.`,
    `\\echo Use "ALTER EXTENSION ${EXTENSION.name} UPDATE TO '${step.to}'" to load this file. \\quit`,
    '',
    banner(`1. Set ${step.from} aside: note the DBA's privilege changes and the operators, move the tables, drop the rest`),
    prelude(step),
    '',
    banner(`2. Version ${step.to}, as CREATE EXTENSION installs it (every section of the script but CREATE SCHEMA)`),
    sections.body,
    ...(step.beforeCopy ? [banner(`3a. Declared in src/migrations.ts: before the rows are copied`), step.beforeCopy.trim(), ''] : []),
    banner(`3. The rows of ${step.from}'s tables, by column name (src/migrations.ts declares the rest)`),
    copyRows(step),
    '',
    ...(step.afterCopy ? [banner(`3b. Declared in src/migrations.ts: after the rows are copied`), step.afterCopy.trim(), ''] : []),
    banner(`4. The DBA's privilege changes and the operators again; the old tables go`),
    epilogue(),
    '',
  ].join('\n');
}
