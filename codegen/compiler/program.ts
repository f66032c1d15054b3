import {
  Node,
  Project,
  type FunctionDeclaration,
  type InterfaceDeclaration,
  type SourceFile,
  type TypeChecker,
  type TypeNode,
} from 'ts-morph';
import { relativePath, unsupported } from './diagnostics';
import { snakeCase } from './identifiers';
import { mapTypeNode, type DeclaredType, type TypeScope } from './types';

export interface FieldInfo {
  readonly name: string;
  readonly declared: DeclaredType;
}

export interface InterfaceInfo {
  readonly name: string;
  readonly sqlName: string;
  readonly fields: readonly FieldInfo[];
  readonly doc: string;
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

/** Everything the compiler knows about the TypeScript sources it was given. */
export class ProgramInfo implements TypeScope {
  readonly interfaces = new Map<string, InterfaceInfo>();
  readonly functions = new Map<string, FunctionInfo>();
  private readonly aliases = new Map<string, TypeNode>();
  private readonly functionNodes = new Map<FunctionDeclaration, FunctionInfo>();

  constructor(
    readonly files: readonly SourceFile[],
    readonly checker: TypeChecker,
  ) {
    for (const file of files) {
      for (const alias of file.getTypeAliases()) {
        this.aliases.set(alias.getName(), alias.getTypeNodeOrThrow());
      }
      for (const iface of file.getInterfaces()) {
        this.interfaces.set(iface.getName(), { name: iface.getName(), sqlName: '', fields: [], doc: '' });
      }
    }
    // Interfaces may refer to each other, so their fields are read once every name is known.
    for (const file of files) {
      for (const iface of file.getInterfaces()) {
        this.interfaces.set(iface.getName(), this.readInterface(iface));
      }
      // Module-private helpers are compiled too: exported or not, a function is part of the logic it serves.
      for (const fn of file.getFunctions()) {
        const info = this.readFunction(fn);
        if (this.functions.has(info.name)) {
          throw unsupported(fn, 'function', `\`${info.name}\` is defined twice; SQL functions share one namespace`);
        }
        this.functions.set(info.name, info);
        this.functionNodes.set(fn, info);
      }
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

  private readInterface(iface: InterfaceDeclaration): InterfaceInfo {
    if (iface.getTypeParameters().length > 0 || iface.getExtends().length > 0) {
      throw unsupported(iface, 'interface', 'generic or extending interfaces have no composite-type mapping');
    }
    const fields = iface.getMembers().map((member): FieldInfo => {
      if (!Node.isPropertySignature(member)) {
        throw unsupported(member, 'interface member', 'only plain properties map to composite-type fields');
      }
      if (member.hasQuestionToken()) {
        throw unsupported(member, 'optional property', 'use `T | null`; SQL has no absent fields');
      }
      return { name: member.getName(), declared: mapTypeNode(member.getTypeNodeOrThrow(), this) };
    });
    return { name: iface.getName(), sqlName: snakeCase(iface.getName()), fields, doc: docOf(iface) };
  }

  private readFunction(fn: FunctionDeclaration): FunctionInfo {
    const name = fn.getNameOrThrow();
    if (fn.isAsync() || fn.isGenerator() || fn.getTypeParameters().length > 0) {
      throw unsupported(fn, 'function', 'async, generator and generic functions are outside the subset');
    }
    const returnNode = fn.getReturnTypeNode();
    if (!returnNode) {
      throw unsupported(fn, 'function', `\`${name}\` needs a declared return type`);
    }
    const params = fn.getParameters().map((p): ParamInfo => {
      const typeNode = p.getTypeNode();
      if (!typeNode || p.isOptional() || p.isRestParameter() || !Node.isIdentifier(p.getNameNode())) {
        throw unsupported(p, 'parameter', 'parameters need a name and a type, and cannot be optional or rest');
      }
      return { name: p.getName(), sqlName: snakeCase(p.getName()), declared: mapTypeNode(typeNode, this) };
    });
    const { line } = fn.getSourceFile().getLineAndColumnAtPos(fn.getStart());
    return {
      name,
      sqlName: snakeCase(name),
      params,
      returns: mapTypeNode(returnNode, this),
      doc: docOf(fn),
      origin: `${relativePath(fn.getSourceFile().getFilePath())}:${line}`,
      node: fn,
    };
  }
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
  return new ProgramInfo(sources, project.getTypeChecker());
}

/** Loads in-memory sources (used by the diagnostic tests), with src/sqltypes.ts available for imports. */
export function programFromText(files: Record<string, string>, sqltypesPath: string): ProgramInfo {
  const project = new Project({ useInMemoryFileSystem: false, compilerOptions: { strict: true } });
  project.addSourceFileAtPath(sqltypesPath);
  const sources = Object.entries(files).map(([path, text]) => project.createSourceFile(path, text, { overwrite: true }));
  return new ProgramInfo(sources, project.getTypeChecker());
}
