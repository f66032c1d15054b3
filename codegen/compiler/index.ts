import type { Statement } from 'ts-morph';
import { FunctionContext } from './context';
import {
  CompileError,
  circularType,
  diagnosticsOf,
  emptyFunction,
  formatDiagnostic,
  internalError,
  sortDiagnostics,
  type Diagnostic,
  type Location,
} from './diagnostics';
import { PINNED_SEARCH_PATH, qualified, quoteIdent } from './identifiers';
import { printCompositeType, printFunction, signature } from './printer';
import type { FunctionInfo, InterfaceInfo, ProgramInfo } from './program';
import { printRuntime, type RuntimeHelper } from './runtime';
import { SCHEMA } from './identifiers';
import { compileExpression } from './visitors/expressions';
import { compileStatement } from './visitors/statements';

export { loadProgram, programFromText, ProgramInfo, TextPrograms } from './program';
export { CompileError, formatDiagnostic, type Diagnostic } from './diagnostics';

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

export interface CompileResult {
  /** Every problem found: TypeScript's type check first in each place, then the compiler's. */
  readonly diagnostics: readonly Diagnostic[];
  /** The output, when there is no diagnostic. */
  readonly output?: CompiledProgram;
}

const NOWHERE: Location = { file: '(program)', line: 1, column: 1 };

/**
 * Type-checks the program with TypeScript and compiles it, collecting every diagnostic instead of stopping at the
 * first. Never throws: whatever the input, the answer is an output or diagnostics.
 */
export function compile(program: ProgramInfo): CompileResult {
  const diagnostics: Diagnostic[] = [];
  let output: CompiledProgram | undefined;
  let failures = 0;
  try {
    diagnostics.push(...program.typeScriptDiagnostics(), ...program.diagnostics);
    const used = new Set<RuntimeHelper>();
    const functions: CompiledFunction[] = [];
    for (const info of program.functions.values()) {
      try {
        const ctx = new FunctionContext(program, info, used, diagnostics, compileExpression, compileStatement);
        const compiled = ctx.guard(info.node, () => compileFunction(ctx, info), undefined);
        failures += ctx.failureCount;
        if (compiled) functions.push(compiled);
      } catch (error) {
        diagnostics.push(...diagnosticsOf(error, info.node));
      }
    }
    const types = orderedTypes(program, diagnostics).map(printType);
    output = { types, runtime: printRuntime(used, SCHEMA), functions };
  } catch (error) {
    diagnostics.push(...diagnosticsOf(error, program.files[0] ?? NOWHERE));
  }
  if (failures > 0 && diagnostics.length === 0) {
    // A failed value must come from a reported problem; never let one through as SQL.
    diagnostics.push(internalError(program.files[0] ?? NOWHERE, 'a rejected construct was compiled without a diagnostic'));
  }
  if (diagnostics.length === 0) return { diagnostics, output: output! };
  const unique = new Map(diagnostics.map((d) => [formatDiagnostic(d), d]));
  return { diagnostics: sortDiagnostics([...unique.values()]) };
}

/** Like compile(), for callers that want an exception: a CompileError carrying every diagnostic. */
export function compileProgram(program: ProgramInfo): CompiledProgram {
  const result = compile(program);
  if (!result.output) throw new CompileError(result.diagnostics);
  return result.output;
}

function compileFunction(ctx: FunctionContext, info: FunctionInfo): CompiledFunction {
  const statements: Statement[] = info.node.getStatements() as Statement[];
  if (statements.length === 0) ctx.diagnostics.push(emptyFunction(info.node));
  const body = ctx.statements(statements);
  const nullable = info.params.some((p) => p.declared.nullable);
  const text = {
    qualifiedName: qualified(info.sqlName),
    params: info.params.map((p) => ({ name: quoteIdent(p.sqlName), type: p.declared.type })),
    returns: info.returns.type,
    // Pure logic: same inputs, same answer, no side effects. STRICT mirrors TypeScript, which forbids null for
    // non-nullable parameters, so SQL never runs the body with a null the JavaScript could not receive.
    attributes: `IMMUTABLE${nullable ? '' : ' STRICT'} PARALLEL SAFE ${PINNED_SEARCH_PATH}`,
    declarations: ctx.declarations,
    body,
    origin: `${info.origin} (${info.name})`,
    doc: info.doc,
  };
  return { info, signature: signature(text), sql: printFunction(text) };
}

/** Interfaces in dependency order, as CREATE TYPE needs them; an interface that contains itself is reported. */
function orderedTypes(program: ProgramInfo, diagnostics: Diagnostic[]): InterfaceInfo[] {
  const done = new Set<string>();
  const visiting = new Set<string>();
  const ordered: InterfaceInfo[] = [];
  const visit = (iface: InterfaceInfo): void => {
    if (done.has(iface.name)) return;
    visiting.add(iface.name);
    for (const field of iface.fields) {
      const t = field.declared.type.kind === 'array' ? field.declared.type.element : field.declared.type;
      if (t.kind !== 'composite') continue;
      if (visiting.has(t.name)) {
        diagnostics.push(circularType(iface.node.getNameNode(), iface.name));
        continue;
      }
      const inner = program.interfaces.get(t.name);
      if (inner) visit(inner);
    }
    visiting.delete(iface.name);
    done.add(iface.name);
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
