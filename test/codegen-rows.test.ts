import { describe, expect, it } from 'vitest';
import { programFromText } from '../codegen/compiler/index';
import { expandRows } from '../codegen/extension/rows';
import { row } from '../src/sqlapi';

/** Glue builds composites by field name; codegen orders them as the interface declares and refuses any mismatch. */

const program = programFromText(
  { 'src/logic/pair.ts': "import type { int } from '../sqltypes';\nexport interface Pair { first: int; second: int; }\n" },
  'src/sqltypes.ts',
);

interface Pair {
  first: number;
  second: number;
}

describe('row<T>() in glue bodies', () => {
  it('puts the fields in the order the interface declares, whatever order the glue wrote them in', () => {
    const body = `SELECT ${row<Pair>('Pair', { second: 'b', first: 'a' })}`;
    expect(expandRows('test', body, program)).toBe('SELECT ROW(\n    a /* first */,\n    b /* second */\n  )::walrus.pair');
  });

  it('fails on a missing or an extra field instead of shifting the others', () => {
    const missing = `SELECT ${row<{ first: number }>('Pair', { first: 'a' })}`;
    expect(() => expandRows('walrus.f', missing, program)).toThrow('walrus.f: row<Pair> does not match interface Pair: missing second;');
    const extra = `SELECT ${row<Pair & { third: number }>('Pair', { first: 'a', second: 'b', third: 'c' })}`;
    expect(() => expandRows('walrus.f', extra, program)).toThrow('not in the interface third;');
    const unknown = `SELECT ${row<Pair>('Triple', { first: 'a', second: 'b' })}`;
    expect(() => expandRows('walrus.f', unknown, program)).toThrow('no interface Triple');
  });
});
