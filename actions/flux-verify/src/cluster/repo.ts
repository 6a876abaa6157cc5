import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join, relative, resolve, sep } from 'node:path';
import { LineCounter, parseAllDocuments, stringify } from 'yaml';

/** A Flux object defined in the repository, with where it is defined. */
export interface RepoObject {
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string;
  /** Path as the annotations need it: relative to the working directory (the repository root). */
  file: string;
  line: number;
  doc: Record<string, unknown>;
}

const FLUX_GROUP = /^[a-z]+\.toolkit\.fluxcd\.io\//;
const SKIP_DIRS = new Set(['node_modules', '.git', 'dist']);

function yamlFiles(dir: string): string[] {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  return entries
    .sort((a, b) => a.name.localeCompare(b.name))
    .flatMap((e) => {
      const path = join(dir, e.name);
      if (e.isDirectory()) return SKIP_DIRS.has(e.name) ? [] : yamlFiles(path);
      return /\.ya?ml$/.test(e.name) ? [path] : [];
    });
}

/** Every document of the given files, with the line its `kind` (or first key) is on. YAML errors are skipped: the dry-run mode reports them. */
function documents(file: string, cwd: string): { doc: Record<string, unknown>; line: number; file: string }[] {
  const text = readFileSync(file, 'utf8');
  const counter = new LineCounter();
  const found: { doc: Record<string, unknown>; line: number; file: string }[] = [];
  for (const d of parseAllDocuments(text, { lineCounter: counter, uniqueKeys: false })) {
    if (d.errors.length > 0) continue;
    const value = d.toJS() as unknown;
    if (value === null || typeof value !== 'object' || Array.isArray(value)) continue;
    const range = d.contents?.range;
    found.push({ doc: value as Record<string, unknown>, line: range ? counter.linePos(range[0]).line : 1, file: relative(cwd, file) || file });
  }
  return found;
}

/** The Flux objects (kinds of *.toolkit.fluxcd.io) defined under a directory. */
export function loadFluxObjects(root: string, cwd = process.cwd()): RepoObject[] {
  const files = statSafe(root)?.isDirectory() ? yamlFiles(root) : [];
  return files.flatMap((file) =>
    documents(file, cwd).flatMap(({ doc, line, file: rel }) => {
      const apiVersion = typeof doc.apiVersion === 'string' ? doc.apiVersion : '';
      const kind = typeof doc.kind === 'string' ? doc.kind : '';
      const metadata = (doc.metadata ?? {}) as { name?: unknown; namespace?: unknown };
      if (!FLUX_GROUP.test(apiVersion) || typeof metadata.name !== 'string') return [];
      return [
        {
          apiVersion,
          kind,
          name: metadata.name,
          namespace: typeof metadata.namespace === 'string' ? metadata.namespace : undefined,
          file: rel,
          line,
          doc,
        },
      ];
    }),
  );
}

/** True when `file` lies inside `dir`. */
export function isInside(file: string, dir: string): boolean {
  const f = resolve(file);
  const d = resolve(dir) + sep;
  return f.startsWith(d);
}

/**
 * The sync objects of the bootstrap (the GitRepository and Kustomizations in flux-system/),
 * not the controllers' manifests (gotk-components.yaml) nor kustomize's own kustomization.yaml.
 */
export function syncObjects(fluxSystemDir: string, cwd = process.cwd()): RepoObject[] {
  const files = yamlFiles(fluxSystemDir).filter((f) => !['kustomization.yaml', 'kustomization.yml', 'gotk-components.yaml'].includes(basename(f)));
  const objects: RepoObject[] = [];
  for (const file of files) {
    for (const { doc, line, file: rel } of documents(file, cwd)) {
      const apiVersion = typeof doc.apiVersion === 'string' ? doc.apiVersion : '';
      const metadata = (doc.metadata ?? {}) as { name?: unknown; namespace?: unknown };
      if (!/^(source|kustomize)\.toolkit\.fluxcd\.io\//.test(apiVersion) || typeof metadata.name !== 'string') continue;
      objects.push({
        apiVersion,
        kind: String(doc.kind),
        name: metadata.name,
        namespace: typeof metadata.namespace === 'string' ? metadata.namespace : 'flux-system',
        file: rel,
        line,
        doc,
      });
    }
  }
  return objects;
}

/** A multi-document YAML of the given objects, for `kubectl apply -f`. */
export function toYamlStream(objects: readonly RepoObject[]): string {
  return objects.map((o) => stringify(o.doc)).join('---\n');
}

function statSafe(path: string) {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}
