import { readFileSync } from 'node:fs';
import { EXTENSION } from '../../src/extension';
import { extensionScript } from './assemble';
import { settingsMarkdown } from './settings';

const README = 'README.md';
const BEGIN = '<!-- settings:begin (generated from src/settings.ts by npm run codegen) -->';
const END = '<!-- settings:end -->';

export const scriptPath = `sql/${EXTENSION.name}--${EXTENSION.version}.sql`;

/** Every generated file and its content: the extension script, and the README with its settings table replaced. */
export function generatedFiles(): Map<string, string> {
  const files = new Map<string, string>([[scriptPath, extensionScript()]]);
  const readme = readFileSync(README, 'utf8');
  const start = readme.indexOf(BEGIN);
  const end = readme.indexOf(END);
  if (start >= 0 && end > start) {
    files.set(README, `${readme.slice(0, start + BEGIN.length)}\n${settingsMarkdown(EXTENSION.settings)}\n${readme.slice(end)}`);
  }
  return files;
}
