import {
  Node,
  Project,
  ts,
  type FunctionDeclaration,
  type InterfaceDeclaration,
  type SourceFile,
  type TypeChecker,
  type TypeNode,
} from 'ts-morph';
import {
  describeNode,
  diagnosticsOf,
  duplicateDeclaration,
  fail,
  formatDiagnostic,
  functionWithoutBody,
  missingReturnType,
  optionalProperty,
  relativePath,
  unsupportedFunctionKind,
  unsupportedInterface,
  unsupportedInterfaceMember,
  unsupportedParameter,
  unsupportedTopLevel,
  type Diagnostic,
} from './diagnostics';
import { snakeCase } from './identifiers';
import { FAILED_TYPE, isSqlTypeAlias, mapTypeNode, type DeclaredType, type TypeScope } from './types';

export interface FieldInfo {
  readonly name: string;
  readonly declared: DeclaredType;
}

export interface InterfaceInfo {
  readonly name: string;
  readonly sqlName: string;
  readonly fields: readonly FieldInfo[];
  readonly doc: string;
  readonly node: InterfaceDeclaration;
}

export interface ParamInfo {
  readonly name: string;
  readonly sqlName: string;
  readonly declared: DeclaredType;
}

export interface FunctionInfo {
  readonly name: string;
  readonly sqlName: string;
  readonly params: readonly ParamInfo[];
  readonly returns: DeclaredType;
  readonly doc: string;
  /** `file:line`, named in a comment above the generated function. */
  readonly origin: string;
  readonly node: FunctionDeclaration;
}

/** Everything the compiler knows about the TypeScript sources it was given, and what it rejected in them. */
export class ProgramInfo implements TypeScope {
  readonly interfaces = new Map<string, InterfaceInfo>();
  readonly functions = new Map<string, FunctionInfo>();
  /** Problems found while reading declarations; compiling the bodies adds its own. */
  readonly diagnostics: Diagnostic[] = [];
  /** Declarations that were reported: their uses are not reported again. */
  readonly rejected = new Set<Node>();
  readonly checker: TypeChecker;
  private readonly aliases = new Map<string, TypeNode>();
  private readonly functionNodes = new Map<FunctionDeclaration, FunctionInfo>();
  private readonly interfaceNodes = new Map<string, InterfaceDeclaration>();

  /**
   * @param project the project the files belong to
   * @param files the files to compile
   * @param checked the files TypeScript's type check reports on: the compiled files and what they import
   */
  constructor(
    readonly project: Project,
    readonly files: readonly SourceFile[],
    private readonly checked: readonly SourceFile[] = files,
  ) {
    this.checker = project.getTypeChecker();
    const functions: FunctionDeclaration[] = [];
    for (const file of files) {
      for (const statement of file.getStatements()) {
        this.guard(statement, () => {
          if (Node.isTypeAliasDeclaration(statement)) {
            const target = statement.getTypeNode();
            if (target) this.aliases.set(statement.getName(), target);
          } else if (Node.isInterfaceDeclaration(statement)) {
            const name = statement.getName();
            if (this.interfaceNodes.has(name)) fail(duplicateDeclaration(statement.getNameNode(), 'interface', name));
            this.interfaceNodes.set(name, statement);
            this.interfaces.set(name, { name, sqlName: snakeCase(name), fields: [], doc: '', node: statement });
          } else if (Node.isFunctionDeclaration(statement)) {
            functions.push(statement);
          } else if (!Node.isImportDeclaration(statement) && !Node.isExportDeclaration(statement) && !Node.isEmptyStatement(statement)) {
            this.rejected.add(statement);
            for (const d of Node.isVariableStatement(statement) ? statement.getDeclarations() : []) this.rejected.add(d);
            fail(unsupportedTopLevel(statement, describeNode(statement)));
          }
        });
      }
    }
    // Interfaces may refer to each other, so their fields are read once every name is known.
    for (const [name, node] of this.interfaceNodes) {
      this.interfaces.set(name, this.readInterface(node));
    }
    // Every alias must map, used or not: a logic file holds only the subset. (A use reports the same diagnostic
    // again; compile() keeps one.)
    for (const [name, target] of this.aliases) if (!isSqlTypeAlias(name)) this.declaredType(target);
    // Module-private helpers are compiled too: exported or not, a function is part of the logic it serves.
    const sqlNames = new Set<string>();
    for (const fn of functions) {
      const info = this.readFunction(fn);
      if (!info) continue;
      if (sqlNames.has(info.sqlName)) {
        this.rejected.add(fn);
        this.report(duplicateDeclaration(fn.getNameNode() ?? fn, 'function', info.sqlName));
        continue;
      }
      sqlNames.add(info.sqlName);
      this.functions.set(info.name, info);
      this.functionNodes.set(fn, info);
    }
  }

  hasInterface(name: string): boolean {
    return this.interfaces.has(name);
  }

  aliasTarget(name: string): TypeNode | undefined {
    return this.aliases.get(name);
  }

  /** The compiled function a call's callee refers to, following imports. */
  functionFor(declaration: Node): FunctionInfo | undefined {
    return Node.isFunctionDeclaration(declaration) ? this.functionNodes.get(declaration) : undefined;
  }

  /** TypeScript's own diagnostics for the checked files (syntax, types, strictness), as compiler diagnostics. */
  typeScriptDiagnostics(): Diagnostic[] {
    const program = this.project.getProgram().compilerObject;
    const seen = new Set<string>();
    const result: Diagnostic[] = [];
    for (const file of this.checked) {
      for (const d of ts.getPreEmitDiagnostics(program, file.compilerNode)) {
        if (d.category !== ts.DiagnosticCategory.Error) continue;
        const diagnostic = fromTypeScript(d);
        const key = formatDiagnostic(diagnostic);
        if (!seen.has(key)) result.push(diagnostic);
        seen.add(key);
      }
    }
    return result;
  }

  report(diagnostic: Diagnostic): void {
    this.diagnostics.push(diagnostic);
  }

  /** Runs `body`, recording what it throws as diagnostics; returns `fallback` then. */
  private guard<T>(node: Node, body: () => T, fallback?: T): T | undefined {
    try {
      return body();
    } catch (error) {
      this.diagnostics.push(...diagnosticsOf(error, node));
      return fallback;
    }
  }

  /** A declared type, or FAILED_TYPE with the diagnostic recorded. */
  private declaredType(node: TypeNode): DeclaredType {
    return this.guard(node, () => mapTypeNode(node, this), FAILED_TYPE) ?? FAILED_TYPE;
  }

  private readInterface(iface: InterfaceDeclaration): InterfaceInfo {
    // A generic or extending interface is reported once; its members are still read so uses of its fields work.
    const shape = iface.getTypeParameters().length > 0 || iface.getExtends().length > 0;
    if (shape) this.report(unsupportedInterface(iface));
    const fields: FieldInfo[] = [];
    for (const member of iface.getMembers()) {
      const typeNode = Node.isPropertySignature(member) ? member.getTypeNode() : undefined;
      if (!Node.isPropertySignature(member) || !typeNode) {
        this.report(unsupportedInterfaceMember(member));
        continue;
      }
      if (member.hasQuestionToken()) this.report(optionalProperty(member));
      const declared = shape ? (this.quietly(() => mapTypeNode(typeNode, this)) ?? FAILED_TYPE) : this.declaredType(typeNode);
      fields.push({ name: member.getName(), declared });
    }
    return { name: iface.getName(), sqlName: snakeCase(iface.getName()), fields, doc: docOf(iface), node: iface };
  }

  private quietly<T>(body: () => T): T | undefined {
    try {
      return body();
    } catch {
      return undefined;
    }
  }

  private readFunction(fn: FunctionDeclaration): FunctionInfo | undefined {
    const name = fn.getName();
    if (!name || !fn.hasBody()) {
      this.rejected.add(fn);
      this.report(functionWithoutBody(fn));
      return undefined;
    }
    // Types in the signature of an async, generator or generic function (Promise<T>, T) follow from its kind: not
    // reported again.
    const kind = fn.isAsync() || fn.isGenerator() || fn.getTypeParameters().length > 0;
    if (kind) this.report(unsupportedFunctionKind(fn));
    const declaredType = (node: TypeNode): DeclaredType =>
      kind ? (this.quietly(() => mapTypeNode(node, this)) ?? FAILED_TYPE) : this.declaredType(node);
    const returnNode = fn.getReturnTypeNode();
    if (!returnNode) this.report(missingReturnType(fn, name));
    const sqlNames = new Set<string>();
    const params = fn.getParameters().map((p, i): ParamInfo => {
      const typeNode = p.getTypeNode();
      const nameNode = p.getNameNode();
      const paramName = Node.isIdentifier(nameNode) ? nameNode.getText() : `param${i + 1}`;
      if (!typeNode || p.isOptional() || p.isRestParameter() || !Node.isIdentifier(nameNode)) {
        this.report(unsupportedParameter(p));
        return { name: paramName, sqlName: snakeCase(paramName), declared: FAILED_TYPE };
      }
      const sqlName = snakeCase(paramName);
      if (sqlNames.has(sqlName)) this.report(duplicateDeclaration(p, 'parameter', sqlName));
      sqlNames.add(sqlName);
      return { name: paramName, sqlName, declared: declaredType(typeNode) };
    });
    const { line } = fn.getSourceFile().getLineAndColumnAtPos(fn.getStart());
    return {
      name,
      sqlName: snakeCase(name),
      params,
      returns: returnNode ? declaredType(returnNode) : FAILED_TYPE,
      doc: docOf(fn),
      origin: `${relativePath(fn.getSourceFile().getFilePath())}:${line}`,
      node: fn,
    };
  }
}

/** A TypeScript diagnostic in the compiler's form: position in the file, TypeScript's code and message. */
function fromTypeScript(d: ts.Diagnostic): Diagnostic {
  const message = ts.flattenDiagnosticMessageText(d.messageText, ' ');
  if (!d.file || d.start === undefined) {
    return { file: d.file ? relativePath(d.file.fileName) : '(typescript)', line: 1, column: 1, source: 'ts', code: d.code, message };
  }
  const { line, character } = d.file.getLineAndCharacterOfPosition(d.start);
  return { file: relativePath(d.file.fileName), line: line + 1, column: character + 1, source: 'ts', code: d.code, message };
}

function docOf(node: FunctionDeclaration | InterfaceDeclaration): string {
  return node
    .getJsDocs()
    .map((d) => d.getDescription().trim())
    .join('\n')
    .replace(/\s*\n\s*/g, ' ')
    .trim();
}

/** Loads the given files with the project's tsconfig, so the checker sees exactly what `tsc` sees. */
export function loadProgram(tsconfig: string, files: readonly string[]): ProgramInfo {
  const project = new Project({ tsConfigFilePath: tsconfig, skipAddingFilesFromTsConfig: true });
  const sources = files.map((f) => project.addSourceFileAtPath(f));
  project.resolveSourceFileDependencies();
  // The type check covers what the compiled files import too (src/sqltypes.ts and any other module).
  return new ProgramInfo(project, sources, project.getSourceFiles());
}

/** The options of tsconfig.json that matter to checking a logic file, for sources given as text. */
const TEXT_OPTIONS: ts.CompilerOptions = {
  strict: true,
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.ESNext,
  moduleResolution: ts.ModuleResolutionKind.Bundler,
  lib: ['lib.es2022.d.ts'],
  types: [],
  noEmit: true,
};

/**
 * Programs compiled from text, with src/sqltypes.ts available for imports. One instance serves many programs (the
 * tests compile hundreds): TypeScript's lib files are parsed once. Each program replaces the files of the previous
 * one, so a ProgramInfo is valid until the next call.
 */
export class TextPrograms {
  private readonly project: Project;
  private current: SourceFile[] = [];

  constructor(sqltypesPath: string) {
    this.project = new Project({ compilerOptions: TEXT_OPTIONS });
    this.project.addSourceFileAtPath(sqltypesPath);
  }

  program(files: Record<string, string>): ProgramInfo {
    for (const file of this.current) this.project.removeSourceFile(file);
    this.current = Object.entries(files).map(([path, text]) => this.project.createSourceFile(path, text, { overwrite: true }));
    return new ProgramInfo(this.project, this.current);
  }
}

/** A program from in-memory sources, with src/sqltypes.ts available for imports. */
export function programFromText(files: Record<string, string>, sqltypesPath: string): ProgramInfo {
  return new TextPrograms(sqltypesPath).program(files);
}
