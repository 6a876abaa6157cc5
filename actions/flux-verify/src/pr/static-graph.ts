import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, extname, join, posix, relative, resolve, sep } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { isRecord, KUSTOMIZATION_FILES } from '../render/local-build';
import type { KustomizationInputs } from './changed-only';
import { quickParseDocuments } from './quick-yaml';

/**
 * The Flux Kustomization graph read from the SOURCE files, without building anything: which
 * Kustomizations exist, where each is defined, which files each one's build reads. Changed-only mode
 * needs this before rendering, to decide what to build. It is deliberately conservative: whatever it
 * cannot resolve statically (a variable in spec.path, a remote base) makes that Kustomization
 * `opaque`, and an opaque Kustomization is always built.
 */

const FLUX_KS = 'kustomize.toolkit.fluxcd.io/';
const FLUX_SOURCE = 'source.toolkit.fluxcd.io/';
/** Keys of a kustomization file that only list content; any other key transforms what it lists. */
const LISTING_KEYS = new Set(['apiVersion', 'kind', 'resources']);

export interface StaticGraph {
  kustomizations: KustomizationInputs[];
  /** Files that hold ConfigMaps/Secrets named by some postBuild.substituteFrom: cluster settings. */
  settingsFiles: string[];
  /** Every file below the tree and the cluster entry (repository-relative). */
  files: string[];
  /** Files that hold nothing but Flux Kustomizations, with their names. */
  definitionFiles: Map<string, string[]>;
}

interface Doc {
  file: string;
  value: Record<string, unknown>;
}

/** Repository-relative '/' path. */
function relTo(root: string, abs: string): string {
  return relative(root, abs).split(sep).join('/');
}

/** Every file and directory below `dir` (absolute paths; directories without a trailing '/'). */
function listTree(dir: string, files: Set<string>, dirs: Set<string>): void {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  dirs.add(dir);
  for (const e of entries) {
    if (e.name.startsWith('.') || e.name === 'node_modules') continue;
    const p = join(dir, e.name);
    if (e.isDirectory()) listTree(p, files, dirs);
    else if (e.isFile()) files.add(p);
  }
}

/**
 * Texts and parsed documents shared by the scans of one run: the base revision is mostly the
 * working tree, so its scan reads and parses only what the pull request changed.
 */
export class ScanCache {
  private readonly texts = new Map<string, string>();
  private readonly parsed = new Map<string, Record<string, unknown>[]>();

  read(path: string): string {
    let text = this.texts.get(path);
    if (text === undefined) {
      text = readFileSync(path, 'utf8');
      this.texts.set(path, text);
    }
    return text;
  }

  docs(file: string, text: string): Doc[] {
    let values = this.parsed.get(text);
    if (!values) values = quickParseDocuments(text);
    if (!values) {
      try {
        values = parseAllDocuments(text)
          .filter((d) => d.errors.length === 0)
          .map((d) => d.toJS() as unknown)
          .filter(isRecord);
      } catch {
        values = [];
      }
      this.parsed.set(text, values);
    }
    return values.map((value) => ({ file, value }));
  }
}

/**
 * A revision's files without a checkout: every file (absolute, as if checked out at the scan's
 * root) and a reader. The base revision is the working tree with the changed files read from git.
 */
export interface RevisionFiles {
  files: Iterable<string>;
  read(path: string): string;
}

/** What the scan knows about the revision's files, so that resolving a reference costs no syscall. */
class Tree {
  readonly files = new Set<string>();
  readonly dirs = new Set<string>();
  private readonly roots: string[];
  /** Every file of the revision is listed: nothing else exists. */
  private readonly complete: boolean;

  constructor(roots: string[], revision?: RevisionFiles) {
    this.roots = roots.map((r) => (r.endsWith(sep) ? r : r + sep));
    this.complete = revision !== undefined;
    if (!revision) {
      for (const r of roots) listTree(r, this.files, this.dirs);
      return;
    }
    for (const f of revision.files) {
      this.files.add(f);
      for (let d = dirname(f); !this.dirs.has(d) && d !== dirname(d); d = dirname(d)) this.dirs.add(d);
    }
  }

  inRoots(p: string): boolean {
    return this.roots.some((r) => p.startsWith(r));
  }

  kind(p: string): 'file' | 'dir' | undefined {
    if (this.files.has(p)) return 'file';
    if (this.dirs.has(p)) return 'dir';
    if (this.complete || this.inRoots(p) || this.roots.includes(`${p}${sep}`) || !existsSync(p)) return undefined;
    const st = statSync(p);
    return st.isDirectory() ? 'dir' : st.isFile() ? 'file' : undefined;
  }

  kustomizationFile(dir: string): string | undefined {
    const found = KUSTOMIZATION_FILES.map((f) => join(dir, f)).filter((f) => this.kind(f) === 'file');
    return found.length === 1 ? found[0] : undefined;
  }
}

/**
 * Files and directories a kustomize directory reads: its kustomization file and every local path
 * that file names (resources, components, patches, generator files...), followed into referenced
 * directories. A directory without a kustomization file is read whole (Flux generates one listing
 * every manifest below it). Directories end with '/'.
 *
 * Kustomization files are read as text, not parsed: every token that names an existing path counts
 * (a key that happens to name a directory only adds an input, which is the safe direction).
 */
function inputsOfDir(root: string, tree: Tree, read: (path: string) => string, dir: string, acc: Inputs, seen = new Set<string>()): void {
  if (seen.has(dir)) return;
  seen.add(dir);
  const kfile = tree.kustomizationFile(dir);
  if (!kfile) {
    acc.paths.add(`${relTo(root, dir)}/`);
    return;
  }
  acc.paths.add(relTo(root, kfile));
  let text: string;
  try {
    text = read(kfile);
  } catch {
    acc.opaque = true;
    return;
  }
  for (const m of text.matchAll(/^([A-Za-z][\w-]*)\s*:/gm)) if (!LISTING_KEYS.has(m[1]!)) acc.transformFiles.add(relTo(root, kfile));
  for (const token of text.split(/[\s"'[\],{}#]+/)) {
    if (token === '' || token === '-' || token.endsWith(':')) continue;
    if (token.includes('://') || token.includes('?ref=')) {
      acc.opaque = true;
      continue;
    }
    // generator entries may be `key=path`
    for (const candidate of new Set([token, token.replace(/^[^=]*=/, '')])) {
      if (candidate === '') continue;
      const p = resolve(dir, candidate);
      const kind = tree.kind(p);
      if (kind === 'dir') inputsOfDir(root, tree, read, p, acc, seen);
      else if (kind === 'file') acc.paths.add(relTo(root, p));
    }
  }
}

interface Inputs {
  paths: Set<string>;
  transformFiles: Set<string>;
  opaque: boolean;
}

function covered(inputs: Iterable<string>, file: string): boolean {
  for (const i of inputs) if (i.endsWith('/') ? file.startsWith(i) : file === i) return true;
  return false;
}

/**
 * Read the Flux Kustomizations of a repository revision. `treePath` and `cluster` are
 * repository-relative; Flux resolves `spec.path` against the repository root.
 */
export function scanStaticGraph(repoRoot: string, treePath: string, cluster: string, revision?: RevisionFiles, cache = new ScanCache()): StaticGraph {
  const root = resolve(repoRoot);
  const tree = new Tree([resolve(root, treePath), resolve(root, cluster)], revision);
  const read = revision ? (p: string) => revision.read(p) : (p: string) => cache.read(p);
  const files = [...tree.files].filter((f) => tree.inRoots(f) && (extname(f) === '.yaml' || extname(f) === '.yml'));
  const ksDocs: Doc[] = [];
  const sourceFiles = new Set<string>();
  const texts = new Map<string, string>();
  const definitionFiles = new Map<string, string[]>();
  for (const f of files) {
    const text = read(f);
    texts.set(f, text);
    if (text.includes(FLUX_KS)) {
      const docs = cache.docs(f, text);
      const isKs = (d: Doc) => String(d.value.apiVersion ?? '').startsWith(FLUX_KS) && d.value.kind === 'Kustomization';
      for (const d of docs) if (isKs(d)) ksDocs.push(d);
      if (docs.length > 0 && docs.every(isKs)) definitionFiles.set(relTo(root, f), docs.map((d) => String(isRecord(d.value.metadata) ? d.value.metadata.name : '')));
    }
    if (text.includes(FLUX_SOURCE)) sourceFiles.add(relTo(root, f));
  }

  const settingsNames = new Set<string>();
  const kustomizations: KustomizationInputs[] = [];
  for (const d of ksDocs) {
    const meta = isRecord(d.value.metadata) ? d.value.metadata : {};
    const spec = isRecord(d.value.spec) ? d.value.spec : {};
    const name = String(meta.name ?? '');
    const namespace = typeof meta.namespace === 'string' ? meta.namespace : undefined;
    const acc: Inputs = { paths: new Set(), transformFiles: new Set(), opaque: false };
    const rawPath = typeof spec.path === 'string' ? spec.path : '.';
    const sourceRef = isRecord(spec.sourceRef) ? spec.sourceRef : {};
    const ownRepo = sourceRef.kind === undefined || (sourceRef.kind === 'GitRepository' && sourceRef.name === 'flux-system');
    if (rawPath.includes('${') || name.includes('${')) acc.opaque = true;
    else if (ownRepo) {
      const dir = resolve(root, posix.normalize(rawPath.replace(/^\.?\/+/, '')) || '.');
      if (tree.kind(dir) === 'dir') {
        inputsOfDir(root, tree, read, dir, acc);
        const components = Array.isArray(spec.components) ? spec.components : [];
        for (const c of components) if (typeof c === 'string') inputsOfDir(root, tree, read, resolve(dir, c), acc);
      }
    }
    const postBuild = isRecord(spec.postBuild) ? spec.postBuild : {};
    for (const ref of Array.isArray(postBuild.substituteFrom) ? postBuild.substituteFrom : []) if (isRecord(ref) && typeof ref.name === 'string') settingsNames.add(ref.name);
    const deps = Array.isArray(spec.dependsOn) ? spec.dependsOn.filter(isRecord) : [];
    const inputs = [...acc.paths];
    kustomizations.push({
      id: `${namespace ?? ''}/${name}`,
      name,
      definedIn: relTo(root, d.file),
      inputs,
      dependsOn: deps.map((x) => `${typeof x.namespace === 'string' ? x.namespace : (namespace ?? '')}/${String(x.name)}`),
      transformFiles: [...acc.transformFiles],
      providesSources: [...sourceFiles].some((f) => covered(inputs, f)),
      opaque: acc.opaque,
    });
  }

  const settingsFiles: string[] = [];
  if (settingsNames.size > 0) {
    for (const [f, text] of texts) {
      if (!/^kind:\s*(ConfigMap|Secret)\b/m.test(text) || ![...settingsNames].some((n) => text.includes(n))) continue;
      const hit = cache.docs(f, text).some((d) => (d.value.kind === 'ConfigMap' || d.value.kind === 'Secret') && isRecord(d.value.metadata) && settingsNames.has(String(d.value.metadata.name)));
      if (hit) settingsFiles.push(relTo(root, f));
    }
  }
  return { kustomizations, settingsFiles: settingsFiles.sort(), files: [...tree.files].filter((f) => tree.inRoots(f)).map((f) => relTo(root, f)), definitionFiles };
}
