/**
 * `npm run codegen` writes the generated files; `npm run codegen -- --check` only compares and fails when the
 * committed files differ from what src/ generates (CI and a test run it). Either way, every diagnostic of the
 * TypeScript check and of the compiler is printed, and any makes the exit status 1.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { CompileError, formatDiagnostic } from './compiler/index';
import { generatedFiles } from './extension/files';

function main(): number {
  const check = process.argv.includes('--check');
  let files: Map<string, string>;
  try {
    files = generatedFiles();
  } catch (error) {
    if (error instanceof CompileError) {
      for (const d of error.diagnostics) console.error(formatDiagnostic(d));
      const n = error.diagnostics.length;
      console.error(`codegen: ${n} error${n === 1 ? '' : 's'}; nothing written`);
      return 1;
    }
    throw error;
  }
  const stale: string[] = [];
  for (const [path, content] of files) {
    let current: string | undefined;
    try {
      current = readFileSync(path, 'utf8');
    } catch {
      current = undefined;
    }
    if (current === content) continue;
    if (check) stale.push(path);
    else {
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, content);
      console.log(`codegen: wrote ${path}`);
    }
  }
  if (stale.length > 0) {
    console.error(`codegen: out of date (run \`npm run codegen\` and commit): ${stale.join(', ')}`);
    return 1;
  }
  if (check) console.log(`codegen: ${files.size} generated files are up to date`);
  return 0;
}

process.exitCode = main();
