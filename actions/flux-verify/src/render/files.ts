import { existsSync, readFileSync, statSync } from 'node:fs';
import { relative, sep } from 'node:path';
import { isMap, isPair, isScalar, isSeq, LineCounter, parseAllDocuments, type Document, type Node as YamlNode } from 'yaml';

/**
 * Every YAML file the verification reads, parsed once with line positions. Parsing keeps the
 * document tree so that a finding about `spec.template.spec.containers[0].image` can point at the
 * line that holds it, not just at the top of the object.
 */

export interface YamlProblem {
  rule: 'yaml-syntax' | 'yaml-duplicate-key';
  line: number;
  message: string;
}

export interface SourceDoc {
  /** Position of the document in its file, from 0. */
  index: number;
  /** First line of the document's content (1-based). */
  line: number;
  value: unknown;
  doc: Document.Parsed;
}

export interface SourceFile {
  /** Absolute path. */
  path: string;
  /** Path relative to the repository root, with '/' separators (what annotations need). */
  rel: string;
  docs: SourceDoc[];
  problems: YamlProblem[];
  lines: LineCounter;
  text: string;
}

export class FileStore {
  private readonly files = new Map<string, SourceFile>();

  constructor(readonly repoRoot: string) {}

  /** Repository-relative '/'-separated path of an absolute path. */
  rel(path: string): string {
    return relative(this.repoRoot, path).split(sep).join('/');
  }

  has(path: string): boolean {
    return this.files.has(path);
  }

  get(path: string): SourceFile {
    let file = this.files.get(path);
    if (!file) {
      file = parseFile(path, readFileSync(path, 'utf8'), this.rel(path));
      this.files.set(path, file);
    }
    return file;
  }

  /** Like get, but undefined when the path is not a readable regular file. */
  tryGet(path: string): SourceFile | undefined {
    if (this.files.has(path)) return this.files.get(path);
    if (!existsSync(path) || !statSync(path).isFile()) return undefined;
    return this.get(path);
  }

  all(): SourceFile[] {
    return [...this.files.values()];
  }

  /** The line of a field inside a document: the deepest existing key on the path. */
  /** The first line at or after a document's start that contains `needle`. */
  findLine(file: SourceFile, docIndex: number, needle: string): number | undefined {
    const start = file.docs[docIndex]?.line ?? 1;
    const end = file.docs[docIndex + 1]?.line ?? Number.MAX_SAFE_INTEGER;
    const lines = file.text.split('\n');
    for (let i = start - 1; i < lines.length && i + 1 < end; i++) if (lines[i]!.includes(needle)) return i + 1;
    return undefined;
  }

  lineOf(file: SourceFile, docIndex: number, path: readonly (string | number)[]): number {
    const d = file.docs[docIndex];
    if (!d) return 1;
    let node: unknown = d.doc.contents;
    let line = d.line;
    for (const segment of path) {
      if (isMap(node)) {
        const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(segment));
        if (!pair) break;
        line = lineAt(file, (pair.key as YamlNode).range?.[0]) ?? line;
        node = pair.value;
      } else if (isSeq(node) && typeof segment === 'number') {
        const item = node.items[segment] as YamlNode | undefined;
        if (!item) break;
        line = lineAt(file, item.range?.[0]) ?? line;
        node = item;
      } else break;
    }
    return line;
  }
}

function lineAt(file: SourceFile, offset: number | undefined): number | undefined {
  return offset === undefined ? undefined : file.lines.linePos(offset).line;
}

export function parseFile(path: string, text: string, rel: string): SourceFile {
  const lines = new LineCounter();
  const parsed = parseAllDocuments(text, { lineCounter: lines, uniqueKeys: true, merge: true, prettyErrors: false });
  const docs: SourceDoc[] = [];
  const problems: YamlProblem[] = [];
  // an empty file parses to an EmptyStream, which is not an array
  const list = Array.isArray(parsed) ? parsed : [];
  list.forEach((doc, index) => {
    for (const error of doc.errors) {
      const line = lines.linePos(error.pos[0]).line;
      const duplicate = error.code === 'DUPLICATE_KEY';
      problems.push({
        rule: duplicate ? 'yaml-duplicate-key' : 'yaml-syntax',
        line,
        message: duplicate ? `duplicate key: ${firstLine(error.message)}` : firstLine(error.message),
      });
    }
    let value: unknown = null;
    if (doc.errors.length === 0) {
      try {
        value = doc.toJS({ maxAliasCount: 1000 });
      } catch (err) {
        problems.push({ rule: 'yaml-syntax', line: 1, message: err instanceof Error ? err.message : String(err) });
      }
    }
    const start = doc.contents?.range?.[0] ?? doc.range[0];
    docs.push({ index, line: lines.linePos(start).line, value, doc });
  });
  return { path, rel, docs, problems, lines, text };
}

function firstLine(message: string): string {
  return (message.split('\n')[0] ?? message).replace(/ at line \d+, column \d+:?$/, '');
}
