import { readFileSync } from 'node:fs';
import * as diagnostics from '../compiler/diagnostics';
import { CompileError, isDiagnosticFactory, missingGeneratedMarkers, type Diagnostic, type Location } from '../compiler/diagnostics';
import { EXTENSION } from '../../src/extension';
import { MIGRATIONS, type MigrationStep } from '../../src/migrations';
import { extensionScript, extensionSections } from './assemble';
import { exporterQueriesPath, exporterQueriesYaml } from './monitoring';
import { metaJson, metaJsonPath, pgTleInstaller, pgTlePath } from './packaging';
import { settingsMarkdown } from './settings';
import { upgradeScript } from './upgrade';

/** A section of a hand-written Markdown file that codegen owns: the text between its two markers. */
interface Section {
  readonly file: string;
  readonly begin: string;
  readonly end: string;
  readonly content: () => string;
}

const SECTIONS: readonly Section[] = [
  {
    file: 'README.md',
    begin: '<!-- settings:begin (generated from src/settings.ts by npm run codegen) -->',
    end: '<!-- settings:end -->',
    content: () => settingsMarkdown(EXTENSION.settings),
  },
  {
    file: 'codegen/README.md',
    begin: '<!-- diagnostics:begin (generated from codegen/compiler/diagnostics.ts by npm run codegen) -->',
    end: '<!-- diagnostics:end -->',
    content: () => diagnosticsMarkdown(),
  },
];

/** The extension version, major.minor of package.json's version (src/extension.ts derives it). */
function extensionVersion(): string {
  if (!/^\d+\.\d+$/.test(EXTENSION.version)) {
    throw new Error(`extension version ${JSON.stringify(EXTENSION.version)} is not major.minor; check package.json's "version"`);
  }
  return EXTENSION.version;
}

export const scriptPath = `sql/${EXTENSION.name}--${extensionVersion()}.sql`;
export const controlPath = `${EXTENSION.name}.control`;

/**
 * The step of src/migrations.ts that ends at the current version, after checking that the steps form one chain
 * (each starts where the previous ended). Bumping package.json's version without declaring its step stops codegen:
 * every release needs an update script. Older steps' scripts are committed and never regenerated.
 */
export function currentMigration(): MigrationStep {
  const version = extensionVersion();
  MIGRATIONS.forEach((step, i) => {
    const previous = MIGRATIONS[i - 1];
    if (previous !== undefined && previous.to !== step.from) {
      throw new Error(`src/migrations.ts: step ${step.from} -> ${step.to} does not start where ${previous.from} -> ${previous.to} ends`);
    }
  });
  const last = MIGRATIONS[MIGRATIONS.length - 1];
  if (last === undefined || last.to !== version) {
    throw new Error(
      `src/migrations.ts: no step ends at ${version} (package.json's version): add { from: '${last?.to ?? '?'}', to: '${version}', ... }`,
    );
  }
  return last;
}

export const migrationPath = (step: MigrationStep): string => `migrations/${EXTENSION.name}--${step.from}--${step.to}.sql`;

/** The extension's one-line description: the control file's comment, pg_tle's description, PGXN's abstract. */
export const EXTENSION_COMMENT = 'Automatic max_wal_size management (TypeScript compiled to PL/pgSQL)';

/** The control file: PostgreSQL reads default_version from it to pick the script CREATE EXTENSION runs. */
export function controlFile(): string {
  return [
    `# ${EXTENSION.name} extension`,
    `comment = '${EXTENSION_COMMENT}'`,
    `default_version = '${extensionVersion()}'`,
    'relocatable = false',
    'schema = public',
    'superuser = true',
    '',
  ].join('\n');
}

/**
 * `text` with what stands between the section's markers replaced by `content`. Markers that are missing (or out of
 * order) are a diagnostic, not a silent skip: the generated text would otherwise stop being updated unnoticed.
 */
export function replaceSection(file: string, text: string, begin: string, end: string, content: string): string {
  const start = text.indexOf(begin);
  const stop = start >= 0 ? text.indexOf(end, start + begin.length) : -1;
  if (start < 0) throw new CompileError(missingGeneratedMarkers({ file, line: 1, column: 1 }, begin));
  if (stop < 0) throw new CompileError(missingGeneratedMarkers(locationOf(file, text, start), end));
  return `${text.slice(0, start + begin.length)}\n${content}\n${text.slice(stop)}`;
}

function locationOf(file: string, text: string, index: number): Location {
  const lines = text.slice(0, index).split('\n');
  return { file, line: lines.length, column: lines[lines.length - 1]!.length + 1 };
}

/** The table of compiler diagnostics in codegen/README.md, from the factories themselves. */
export function diagnosticsMarkdown(): string {
  const cell = (s: string): string => s.replace(/\|/g, '\\|');
  const rows = Object.entries(diagnostics)
    .filter(([, value]) => isDiagnosticFactory(value))
    .map(([name, value]) => ({ name, factory: value as diagnostics.DiagnosticFactory<unknown[]> }))
    .sort((a, b) => a.factory.code - b.factory.code)
    .map(({ name, factory }) => `| PGW${factory.code} | \`${name}\` | ${cell(factory.construct)} | ${cell(factory.why)} |`);
  return ['| code | factory | rejects | why |', '| --- | --- | --- | --- |', ...rows].join('\n');
}

/**
 * Every generated file and its content: the extension script, the update script from the previous version, the
 * control file, the pg_tle installer that wraps the script, META.json for PGXN, the postgres_exporter query file,
 * and the Markdown files with their generated sections replaced. Problems are collected, so one CompileError names
 * all of them.
 */
export function generatedFiles(): Map<string, string> {
  const files = new Map<string, string>();
  const problems: Diagnostic[] = [];
  const attempt = (body: () => void): void => {
    try {
      body();
    } catch (error) {
      if (!(error instanceof CompileError)) throw error;
      problems.push(...error.diagnostics);
    }
  };
  attempt(() => {
    const sections = extensionSections();
    files.set(scriptPath, extensionScript(sections));
    const step = currentMigration();
    files.set(migrationPath(step), upgradeScript(step, sections));
  });
  files.set(controlPath, controlFile());
  const script = files.get(scriptPath);
  if (script !== undefined) files.set(pgTlePath, pgTleInstaller(script, extensionVersion(), EXTENSION_COMMENT));
  files.set(metaJsonPath, metaJson(scriptPath, EXTENSION_COMMENT));
  files.set(exporterQueriesPath, exporterQueriesYaml());
  for (const section of SECTIONS) {
    attempt(() => {
      const text = files.get(section.file) ?? readFileSync(section.file, 'utf8');
      files.set(section.file, replaceSection(section.file, text, section.begin, section.end, section.content()));
    });
  }
  if (problems.length > 0) throw new CompileError(problems);
  return files;
}
