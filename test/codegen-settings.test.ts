import { describe, expect, it } from 'vitest';
import { declarationsSql } from '../codegen/extension/settings';
import type { Setting } from '../src/settings';

/** codegen parses each declared default once, with the compiled parser's TypeScript source, instead of every cycle. */
describe('setting declarations as codegen emits them', () => {
  const base = { name: 'example', description: 'an example' } as const;

  it('stores the default as the parser reads it', () => {
    const sql = declarationsSql([{ ...base, kind: 'memory', default: '2GB', minMb: 2, maxMb: 1048576 } as Setting]);
    expect(sql).toContain("'2GB', '2048', 'MB'");
  });

  it('refuses a default the parser refuses, naming the setting', () => {
    const bad = { ...base, kind: 'enum', default: 'sometimes', values: ['on', 'off'] } as unknown as Setting;
    expect(() => declarationsSql([bad])).toThrow(/"sometimes" of walrus\.example is invalid: not one of the choices/);
  });
});
