import type { Statement } from 'ts-morph';
import { FunctionContext } from './context';
import { unsupported } from './diagnostics';
import { qualified, quoteIdent } from './identifiers';
import { printCompositeType, printFunction, signature } from './printer';
import type { FunctionInfo, InterfaceInfo, ProgramInfo } from './program';
import { printRuntime, type RuntimeHelper } from './runtime';
import { SCHEMA } from './identifiers';
import { compileExpression } from './visitors/expressions';
import { compileStatement } from './visitors/statements';

export { loadProgram, programFromText, ProgramInfo } from './program';
export { CompileError } from './diagnostics';

export interface CompiledFunction {
  readonly info: FunctionInfo;
  readonly signature: string;
  readonly sql: string;
}

export interface CompiledProgram {
  /** CREATE TYPE blocks, dependencies first. */
  readonly types: readonly string[];
  /** The runtime helpers the functions use. */
  readonly runtime: readonly { readonly sql: string; readonly signature: string }[];
  readonly functions: readonly CompiledFunction[];
}

export function compileProgram(program: ProgramInfo): CompiledProgram {
  const used = new Set<RuntimeHelper>();
  const functions = [...program.functions.values()].map((info) => compileFunction(program, info, used));
  return { types: orderedTypes(program).map(printType), runtime: printRuntime(used, SCHEMA), functions };
}

function compileFunction(program: ProgramInfo, info: FunctionInfo, used: Set<RuntimeHelper>): CompiledFunction {
  const ctx = new FunctionContext(program, info, used, compileExpression, compileStatement);
  const statements: Statement[] = info.node.getStatements() as Statement[];
  if (statements.length === 0) throw unsupported(info.node, 'function', 'an empty function returns nothing');
  const body = ctx.statements(statements);
  const nullable = info.params.some((p) => p.declared.nullable);
  const text = {
    qualifiedName: qualified(info.sqlName),
    params: info.params.map((p) => ({ name: quoteIdent(p.sqlName), type: p.declared.type })),
    returns: info.returns.type,
    // Pure logic: same inputs, same answer, no side effects. STRICT mirrors TypeScript, which forbids null for
    // non-nullable parameters, so SQL never runs the body with a null the JavaScript could not receive.
    attributes: `IMMUTABLE${nullable ? '' : ' STRICT'} PARALLEL SAFE`,
    declarations: ctx.declarations,
    body,
    origin: `${info.origin} (${info.name})`,
    doc: info.doc,
  };
  return { info, signature: signature(text), sql: printFunction(text) };
}

function orderedTypes(program: ProgramInfo): InterfaceInfo[] {
  const done = new Set<string>();
  const ordered: InterfaceInfo[] = [];
  const visit = (iface: InterfaceInfo): void => {
    if (done.has(iface.name)) return;
    done.add(iface.name);
    for (const field of iface.fields) {
      const t = field.declared.type.kind === 'array' ? field.declared.type.element : field.declared.type;
      if (t.kind === 'composite') visit(program.interfaces.get(t.name)!);
    }
    ordered.push(iface);
  };
  [...program.interfaces.values()].forEach(visit);
  return ordered;
}

function printType(iface: InterfaceInfo): string {
  return printCompositeType(
    qualified(iface.sqlName),
    iface.fields.map((f) => ({ name: quoteIdent(f.name), type: f.declared.type })),
    'TypeScript interface ' + iface.name,
    iface.doc,
  );
}
