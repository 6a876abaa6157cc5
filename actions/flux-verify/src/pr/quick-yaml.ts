/**
 * A reader for the plain block YAML that Flux Kustomization files are written in (nested maps and
 * lists, plain or simply quoted scalars), ten times cheaper than the full parser on a cold start,
 * which matters because changed-only mode reads every Kustomization definition before it decides
 * what to build. Anything outside that subset (anchors, tags, flow collections, block scalars,
 * escapes, multi-line scalars...) returns undefined and the caller uses the full YAML parser.
 * Scalars are returned as strings, except null.
 */

type Value = string | null | Value[] | { [key: string]: Value };

interface Line {
  indent: number;
  text: string;
}

class Unsupported extends Error {}

const KEY = /^([A-Za-z0-9_][A-Za-z0-9_./-]*):(?: (.*))?$/;

function scalar(raw: string): string | null {
  const v = raw.trim();
  if (v === '' || v === '~' || v === 'null' || v === 'Null' || v === 'NULL') return null;
  const first = v[0]!;
  if (first === '"') {
    if (v.length < 2 || !v.endsWith('"') || v.slice(1, -1).includes('"') || v.includes('\\')) throw new Unsupported();
    return v.slice(1, -1);
  }
  if (first === "'") {
    if (v.length < 2 || !v.endsWith("'") || v.slice(1, -1).includes("'")) throw new Unsupported();
    return v.slice(1, -1);
  }
  if ('&*!{}[]|>%@`,?:-#'.includes(first) && !(first === '-' && v.length > 1 && v[1] !== ' ')) throw new Unsupported();
  if (v.includes(': ') || v.includes(' #') || v.endsWith(':')) throw new Unsupported();
  return v;
}

function stripComment(text: string): string {
  if (text.startsWith('#')) return '';
  const hash = text.indexOf(' #');
  if (hash < 0) return text;
  // a '#' inside quotes is not a comment: leave such lines to the full parser
  if (/["']/.test(text.slice(0, hash))) throw new Unsupported();
  return text.slice(0, hash);
}

function parseBlock(lines: Line[], start: number, indent: number): [Value, number] {
  const first = lines[start]!;
  if (first.indent !== indent) throw new Unsupported();
  if (first.text === '-' || first.text.startsWith('- ')) {
    const list: Value[] = [];
    let i = start;
    while (i < lines.length && lines[i]!.indent === indent && (lines[i]!.text === '-' || lines[i]!.text.startsWith('- '))) {
      const rest = lines[i]!.text.slice(1).trimStart();
      const inner = indent + (lines[i]!.text.length - rest.length);
      if (rest === '') {
        if (i + 1 < lines.length && lines[i + 1]!.indent > indent) {
          const [v, next] = parseBlock(lines, i + 1, lines[i + 1]!.indent);
          list.push(v);
          i = next;
        } else {
          list.push(null);
          i++;
        }
      } else if (KEY.test(rest)) {
        // "- key: value" opens a map whose keys sit at the column of the first key (each line is read once)
        lines[i] = { indent: inner, text: rest };
        const [v, next] = parseBlock(lines, i, inner);
        list.push(v);
        i = next;
      } else {
        list.push(scalar(rest));
        i++;
      }
    }
    return [list, i];
  }
  const map: { [key: string]: Value } = {};
  let i = start;
  while (i < lines.length && lines[i]!.indent === indent) {
    const m = KEY.exec(lines[i]!.text);
    if (!m) throw new Unsupported();
    const key = m[1]!;
    if (key in map) throw new Unsupported();
    const rest = m[2];
    if (rest !== undefined && rest.trim() !== '') {
      map[key] = scalar(rest);
      i++;
      if (i < lines.length && lines[i]!.indent > indent) throw new Unsupported(); // a multi-line scalar
    } else if (i + 1 < lines.length && lines[i + 1]!.indent > indent) {
      const [v, next] = parseBlock(lines, i + 1, lines[i + 1]!.indent);
      map[key] = v;
      i = next;
    } else if (i + 1 < lines.length && lines[i + 1]!.indent === indent && lines[i + 1]!.text.startsWith('- ')) {
      // a list at the same indentation as its key
      const [v, next] = parseBlock(lines, i + 1, indent);
      map[key] = v;
      i = next;
    } else {
      map[key] = null;
      i++;
    }
  }
  return [map, i];
}

/** The documents of a file, or undefined when it is not in the supported subset. */
export function quickParseDocuments(text: string): Record<string, unknown>[] | undefined {
  if (text.includes('\t') || text.includes('\r') || text.includes('\\')) return undefined;
  const docs: Line[][] = [[]];
  try {
    for (const raw of text.split('\n')) {
      if (raw === '---' || /^---\s+$/.test(raw)) {
        docs.push([]);
        continue;
      }
      if (raw.startsWith('---') || raw.startsWith('...') || raw.startsWith('%')) return undefined;
      const stripped = stripComment(raw).replace(/\s+$/, '');
      if (stripped.trim() === '') continue;
      const body = stripped.trimStart();
      docs[docs.length - 1]!.push({ indent: stripped.length - body.length, text: body });
    }
    const out: Record<string, unknown>[] = [];
    for (const lines of docs) {
      if (lines.length === 0) continue;
      const [value, next] = parseBlock(lines, 0, lines[0]!.indent);
      if (next !== lines.length || value === null || Array.isArray(value) || typeof value !== 'object') return undefined;
      out.push(value);
    }
    return out;
  } catch (err) {
    if (err instanceof Unsupported || err instanceof RangeError) return undefined;
    throw err;
  }
}
