import type { Node } from 'ts-morph';

/** A construct outside the supported subset, reported at its TypeScript source position. */
export class CompileError extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    readonly column: number,
    readonly construct: string,
    readonly detail: string,
  ) {
    super(`${file}:${line}:${column}: ${construct}: ${detail}`);
    this.name = 'CompileError';
  }
}

/** Builds a CompileError for `node`; the path is made relative to the working directory so messages are stable. */
export function unsupported(node: Node, construct: string, detail: string): CompileError {
  const source = node.getSourceFile();
  const { line, column } = source.getLineAndColumnAtPos(node.getStart());
  const file = relativePath(source.getFilePath());
  return new CompileError(file, line, column, construct, detail);
}

export function relativePath(path: string): string {
  const cwd = process.cwd().replace(/\\/g, '/');
  return path.startsWith(`${cwd}/`) ? path.slice(cwd.length + 1) : path;
}
