import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { generatedFiles } from '../codegen/extension/files';

function firstDifference(committed: string, generated: string): string {
  const a = committed.split('\n');
  const b = generated.split('\n');
  const line = a.findIndex((l, i) => l !== b[i]);
  const at = line === -1 ? Math.min(a.length, b.length) : line;
  return `first difference at line ${at + 1}:\n  committed: ${a[at] ?? '(end of file)'}\n  generated: ${b[at] ?? '(end of file)'}`;
}

describe('generated files', () => {
  const generated = generatedFiles();

  it('are committed as src/ generates them (run `npm run codegen` and commit)', () => {
    expect(generated.size).toBeGreaterThan(0);
    const stale: string[] = [];
    for (const [path, content] of generated) {
      let committed: string;
      try {
        committed = readFileSync(path, 'utf8');
      } catch {
        stale.push(`${path}: missing`);
        continue;
      }
      if (committed !== content) stale.push(`${path}: ${firstDifference(committed, content)}`);
    }
    expect(stale).toEqual([]);
  });

  it('are byte-identical when generated again', () => {
    const again = generatedFiles();
    expect([...again.keys()]).toEqual([...generated.keys()]);
    for (const [path, content] of again) {
      expect(content === generated.get(path), `${path} differs between two runs`).toBe(true);
    }
  });
});
