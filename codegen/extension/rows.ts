import { qualified, quoteIdent } from '../compiler/identifiers';
import type { ProgramInfo } from '../compiler/index';
import { compositeRows, rowMarker } from '../../src/sqlapi';

/**
 * Expands the row<T>() placeholders of a glue body into `ROW(...)::walrus.t`, with the fields in the order the
 * TypeScript interface declares them (the compiled composite type's order). A field the interface lacks, or one it
 * has that the glue does not set, stops codegen: a positional ROW would silently shift every later field.
 */
export function expandRows(where: string, body: string, program: ProgramInfo): string {
  return body.replace(/\/\*walrus:row:(\d+)\*\//g, (_marker, index: string) => {
    const spec = compositeRows()[Number(index)];
    if (!spec || rowMarker(Number(index)) !== _marker) throw new Error(`${where}: unknown row placeholder ${_marker}`);
    const iface = program.interfaces.get(spec.iface);
    if (!iface) throw new Error(`${where}: row<${spec.iface}>: no interface ${spec.iface} among the compiled logic files`);
    const declared = iface.fields.map((f) => f.name);
    const given = Object.keys(spec.fields);
    const missing = declared.filter((f) => !given.includes(f));
    const extra = given.filter((f) => !declared.includes(f));
    if (missing.length > 0 || extra.length > 0) {
      throw new Error(
        `${where}: row<${spec.iface}> does not match interface ${spec.iface}:` +
          `${missing.length > 0 ? ` missing ${missing.join(', ')};` : ''}${extra.length > 0 ? ` not in the interface ${extra.join(', ')};` : ''}`,
      );
    }
    // Nested rows inside a field's expression are expanded too.
    const values = declared.map((f) => `${expandRows(where, spec.fields[f]!, program)} /* ${quoteIdent(f)} */`);
    return `ROW(\n    ${values.join(',\n    ')}\n  )::${qualified(iface.sqlName)}`;
  });
}
