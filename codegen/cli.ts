/**
 * `npm run codegen` writes the generated files; `npm run codegen -- --check` only compares and fails when the
 * committed files differ from what src/ generates (CI and a test run it).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { CompileError } from './compiler/index';
import { generatedFiles } from './extension/files';

function main(): number {
  const check = process.argv.includes('--check');
  let files: Map<string, string>;
  try {
    files = generatedFiles();
  } catch (error) {
    if (error instanceof CompileError) {
      console.error(`codegen: ${error.message}`);
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
