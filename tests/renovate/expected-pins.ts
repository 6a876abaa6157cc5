// Every pinned version in the repository, found by reading the files directly (not through
// Renovate), so that a Renovate extraction can be checked against it: a pin Renovate does not
// see is a pin that silently never gets updated.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { parseAllDocuments } from 'yaml';

export interface ExpectedPin {
  /** What kind of pin, for the failure message. */
  kind: string;
  /** Repository-relative path, '/' separated (Renovate's packageFile). */
  file: string;
  /** Names Renovate may report (depName or packageName); empty = any name in that file. */
  names: string[];
  currentValue?: string;
  currentDigest?: string;
}

export interface ExtractedDep {
  manager: string;
  packageFile: string;
  depName?: string;
  packageName?: string;
  currentValue?: string;
  currentDigest?: string;
  datasource?: string;
  skipReason?: string;
}

const VERSION_LIKE = /^(?:[~^<>=!]+\s*)?v?\d+(?:\.\d+)*(?:[-+.][\w.+-]*)?$/;
const SKIP_DIRS = new Set(['node_modules', '.git', '.cache', 'dist', '.terraform', 'coverage', 'fixtures']);

function walk(root: string, dir: string, accept: (rel: string) => boolean, out: string[] = []): string[] {
  let entries: string[];
  try {
    entries = readdirSync(join(root, dir));
  } catch {
    return out;
  }
  for (const name of entries.sort()) {
    if (SKIP_DIRS.has(name)) continue;
    const rel = dir ? `${dir}/${name}` : name;
    const st = statSync(join(root, rel));
    if (st.isDirectory()) walk(root, rel, accept, out);
    else if (accept(rel)) out.push(rel);
  }
  return out;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function yamlDocs(root: string, file: string): unknown[] {
  const docs = parseAllDocuments(readFileSync(join(root, file), 'utf8'));
  if (!Array.isArray(docs)) return [];
  return docs.filter((d) => d.errors.length === 0).map((d) => d.toJS() as unknown);
}

/** `repo[:tag][@digest]` as Renovate's docker extraction names it. */
export function splitImage(ref: string): { name: string; tag?: string; digest?: string } {
  const [withoutDigest = '', digest] = ref.split('@');
  const slash = withoutDigest.lastIndexOf('/');
  const colon = withoutDigest.lastIndexOf(':');
  if (colon > slash) return { name: withoutDigest.slice(0, colon), tag: withoutDigest.slice(colon + 1), ...(digest ? { digest } : {}) };
  return { name: withoutDigest, ...(digest ? { digest } : {}) };
}

function imageNames(name: string): string[] {
  // Renovate reports the name as written; accept the usual registry spellings of the same image.
  const bare = name.replace(/^(docker\.io|index\.docker\.io)\//, '');
  return [...new Set([name, bare, bare.replace(/^library\//, '')])];
}

function collectImages(node: unknown, file: string, inManifest: boolean, out: ExpectedPin[]): void {
  if (Array.isArray(node)) {
    for (const item of node) collectImages(item, file, inManifest, out);
    return;
  }
  if (!isObject(node)) return;
  for (const [key, value] of Object.entries(node)) {
    if (key === 'image' && typeof value === 'string' && inManifest && !value.includes('${')) {
      const { name, tag, digest } = splitImage(value);
      if (tag || digest) out.push({ kind: 'container image', file, names: imageNames(name), ...(tag ? { currentValue: tag } : {}), ...(digest ? { currentDigest: digest } : {}) });
    } else if (key === 'image' && isObject(value) && typeof value.repository === 'string' && (typeof value.tag === 'string' || typeof value.tag === 'number')) {
      const registry = typeof value.registry === 'string' ? `${value.registry}/` : '';
      const tag = String(value.tag);
      if (!tag.includes('${')) {
        const { tag: t, digest } = splitImage(`x:${tag}`);
        out.push({ kind: 'container image (Helm values)', file, names: imageNames(`${registry}${value.repository}`), ...(t ? { currentValue: t } : {}), ...(digest ? { currentDigest: digest } : {}) });
      }
    } else {
      collectImages(value, file, inManifest, out);
    }
  }
}

function scanKubernetes(root: string, out: ExpectedPin[]): void {
  for (const file of walk(root, 'kubernetes', (f) => /\.ya?ml$/.test(f))) {
    const text = readFileSync(join(root, file), 'utf8');
    // The bootstrap's generated header, when gotk-components.yaml is committed.
    for (const m of text.matchAll(/^#\s*Flux Version:\s*(v\S+)/gm)) out.push({ kind: 'Flux', file, names: ['fluxcd/flux2'], currentValue: m[1] });
    for (const doc of yamlDocs(root, file)) {
      if (!isObject(doc)) continue;
      const kind = doc.kind;
      const spec = isObject(doc.spec) ? doc.spec : {};
      const manifest = typeof doc.apiVersion === 'string' && typeof kind === 'string';
      if (kind === 'HelmRelease') {
        const chart = isObject(spec.chart) && isObject(spec.chart.spec) ? spec.chart.spec : undefined;
        if (chart && typeof chart.chart === 'string' && chart.version !== undefined) {
          out.push({ kind: 'HelmRelease chart', file, names: [chart.chart], currentValue: String(chart.version) });
        }
      }
      if (kind === 'OCIRepository' && typeof spec.url === 'string' && isObject(spec.ref)) {
        const name = spec.url.replace(/^oci:\/\//, '');
        if (typeof spec.ref.tag === 'string' || typeof spec.ref.digest === 'string') {
          out.push({
            kind: 'OCIRepository',
            file,
            names: [name],
            ...(typeof spec.ref.tag === 'string' ? { currentValue: spec.ref.tag } : {}),
            ...(typeof spec.ref.digest === 'string' ? { currentDigest: spec.ref.digest } : {}),
          });
        }
      }
      if (kind === 'GitRepository' && isObject(spec.ref) && typeof spec.ref.tag === 'string') {
        out.push({ kind: 'GitRepository tag', file, names: [], currentValue: spec.ref.tag });
      }
      // The one place the Flux version is pinned (kubernetes/clusters/production/flux-system/).
      if (!manifest && file.includes('/flux-system/') && typeof doc.version === 'string' && VERSION_LIKE.test(doc.version)) {
        out.push({ kind: 'Flux', file, names: ['fluxcd/flux2'], currentValue: doc.version });
      }
      collectImages(doc, file, manifest, out);
    }
  }
}

/** The text between the braces of every `<keyword> {` block, nested blocks included. */
function hclBlocks(text: string, keyword: string): string[] {
  const blocks: string[] = [];
  const re = new RegExp(`\\b${keyword}\\s*\\{`, 'g');
  for (const m of text.matchAll(re)) {
    let depth = 0;
    const start = (m.index ?? 0) + m[0].length - 1;
    for (let i = start; i < text.length; i++) {
      if (text[i] === '{') depth++;
      else if (text[i] === '}' && --depth === 0) {
        blocks.push(text.slice(start + 1, i));
        break;
      }
    }
  }
  return blocks;
}

function hclEntries(block: string): { source: string; version?: string }[] {
  const entries: { source: string; version?: string }[] = [];
  for (const body of block.matchAll(/[\w-]+\s*=\s*\{([^{}]*)\}/g)) {
    const source = /\bsource\s*=\s*"([^"]+)"/.exec(body[1] ?? '')?.[1];
    const version = /\bversion\s*=\s*"([^"]+)"/.exec(body[1] ?? '')?.[1];
    if (source) entries.push({ source, ...(version ? { version } : {}) });
  }
  return entries;
}

function stripHclComments(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:"])(#|\/\/).*$/gm, '$1');
}

function scanTerraform(root: string, out: ExpectedPin[]): void {
  for (const file of walk(root, 'terraform', (f) => f.endsWith('.tf'))) {
    const text = stripHclComments(readFileSync(join(root, file), 'utf8'));
    for (const block of hclBlocks(text, 'required_providers')) {
      for (const { source, version } of hclEntries(block)) {
        if (version) out.push({ kind: 'Terraform provider', file, names: [source, source.replace(/^registry\.terraform\.io\//, '')], currentValue: version });
      }
    }
    for (const m of text.matchAll(/\brequired_version\s*=\s*"([^"]+)"/g)) {
      out.push({ kind: 'Terraform version', file, names: ['hashicorp/terraform'], currentValue: m[1] });
    }
  }
}

function scanPacker(root: string, out: ExpectedPin[]): void {
  for (const file of walk(root, 'packer', (f) => f.endsWith('.pkr.hcl'))) {
    const text = stripHclComments(readFileSync(join(root, file), 'utf8'));
    for (const block of hclBlocks(text, 'required_plugins')) {
      for (const { source, version } of hclEntries(block)) {
        if (!version) continue;
        // Packer's naming rule: github.com/<org>/<name> is the repository <org>/packer-plugin-<name>.
        const m = /^github\.com\/([^/]+)\/([^/]+)$/.exec(source);
        const names = m ? [`${m[1]}/packer-plugin-${m[2]}`, source] : [source];
        out.push({ kind: 'Packer plugin', file, names, currentValue: version });
      }
    }
  }
}

function scanAnsible(root: string, out: ExpectedPin[]): void {
  const isVarsFile = (f: string) => /\/(defaults|vars|group_vars|host_vars)\/.*\.ya?ml$/.test(f);
  for (const file of walk(root, 'ansible', isVarsFile)) {
    for (const doc of yamlDocs(root, file)) {
      if (!isObject(doc)) continue;
      for (const [key, value] of Object.entries(doc)) {
        if (/(^|_)version$/.test(key) && typeof value === 'string' && VERSION_LIKE.test(value)) {
          out.push({ kind: `Ansible variable ${key}`, file, names: [], currentValue: value });
        }
      }
    }
  }
}

function scanWorkflows(root: string, out: ExpectedPin[]): void {
  for (const file of walk(root, '.github/workflows', (f) => /\.ya?ml$/.test(f))) {
    const text = readFileSync(join(root, file), 'utf8');
    for (const m of text.matchAll(/^\s*-?\s*uses:\s*([^\s@#]+)@([0-9a-f]{40})(?:\s*#\s*(\S+))?/gm)) {
      if (m[1]?.startsWith('./')) continue;
      const name = m[1] ?? '';
      const repo = name.split('/').slice(0, 2).join('/');
      out.push({ kind: 'GitHub Action', file, names: [name, repo], currentDigest: m[2], ...(m[3] ? { currentValue: m[3] } : {}) });
    }
    for (const doc of yamlDocs(root, file)) {
      if (!isObject(doc)) continue;
      const envBlocks: unknown[] = [doc.env];
      const jobs = isObject(doc.jobs) ? Object.values(doc.jobs) : [];
      for (const job of jobs) {
        if (!isObject(job)) continue;
        envBlocks.push(job.env);
        const container = typeof job.container === 'string' ? job.container : isObject(job.container) ? job.container.image : undefined;
        if (typeof container === 'string' && !container.includes('${{')) {
          const { name, tag, digest } = splitImage(container);
          if (tag || digest) out.push({ kind: 'job container image', file, names: imageNames(name), ...(tag ? { currentValue: tag } : {}), ...(digest ? { currentDigest: digest } : {}) });
        }
        for (const step of Array.isArray(job.steps) ? job.steps : []) {
          if (!isObject(step) || !isObject(step.with)) continue;
          for (const [key, value] of Object.entries(step.with)) {
            if (/version$/.test(key.replace(/_/g, '-')) && typeof value === 'string' && VERSION_LIKE.test(value)) {
              out.push({ kind: `tool version (${key})`, file, names: [], currentValue: value });
            }
          }
        }
      }
      for (const env of envBlocks) {
        if (!isObject(env)) continue;
        for (const [key, value] of Object.entries(env)) {
          if (/_VERSION$/.test(key) && typeof value === 'string' && VERSION_LIKE.test(value)) {
            out.push({ kind: `tool version (${key})`, file, names: [], currentValue: value });
          }
        }
      }
    }
  }
}

function scanNpm(root: string, out: ExpectedPin[]): void {
  const manifests = ['package.json', ...walk(root, 'actions', (f) => /^actions\/[^/]+\/package\.json$/.test(f))];
  const workspaceNames = new Set<string>();
  const parsed = manifests.map((file) => ({ file, json: JSON.parse(readFileSync(join(root, file), 'utf8')) as Record<string, unknown> }));
  for (const { json } of parsed) if (typeof json.name === 'string') workspaceNames.add(json.name);
  for (const { file, json } of parsed) {
    for (const field of ['dependencies', 'devDependencies', 'optionalDependencies']) {
      const deps = json[field];
      if (!isObject(deps)) continue;
      for (const [name, range] of Object.entries(deps)) {
        if (workspaceNames.has(name) || typeof range !== 'string') continue;
        out.push({ kind: `npm ${field}`, file, names: [name], currentValue: range });
      }
    }
  }
}

function scanScripts(root: string, out: ExpectedPin[]): void {
  for (const file of walk(root, 'scripts', (f) => /\.m?[jt]s$/.test(f))) {
    const text = readFileSync(join(root, file), 'utf8');
    for (const m of text.matchAll(/\b[A-Z][A-Z0-9_]*_VERSION\s*=\s*['"]([^'"]+)['"]/g)) {
      if (VERSION_LIKE.test(m[1] ?? '')) out.push({ kind: 'pinned tool version', file, names: [], currentValue: m[1] });
    }
  }
}

/** Every `# renovate: datasource=… depName=…` annotation: each must yield a dependency of that name. */
function scanAnnotations(root: string, out: ExpectedPin[]): void {
  const files = walk(root, '', (f) => /\.(ya?ml|hcl|tf|m?[jt]s|sh)$/.test(f) && !f.startsWith('tests/'));
  for (const file of files) {
    const text = readFileSync(join(root, file), 'utf8');
    // A real comment: the marker starts the line or follows a value, and nothing but key=value
    // options follows the name (a pattern quoted inside source code is not an annotation).
    for (const m of text.matchAll(/(?:^|[ \t])(?:#|\/\/)[ \t]*renovate:[ \t]*datasource=[^\s'"`]+[ \t]+depName=([^\s'"`]+)(?:[ \t]+\w+=[^\s'"`]+)*[ \t]*$/gm)) {
      out.push({ kind: 'renovate annotation', file, names: [m[1] ?? ''] });
    }
  }
}

/** Every pinned version in the tree under `root`. */
export function expectedPins(root: string): ExpectedPin[] {
  const out: ExpectedPin[] = [];
  scanKubernetes(root, out);
  scanTerraform(root, out);
  scanPacker(root, out);
  scanAnsible(root, out);
  scanWorkflows(root, out);
  scanNpm(root, out);
  scanScripts(root, out);
  scanAnnotations(root, out);
  return out.map((p) => ({ ...p, file: p.file.split(sep).join('/') }));
}

/** Flatten Renovate's `--report-type=file` report. */
export function extractedDeps(report: unknown): ExtractedDep[] {
  const deps: ExtractedDep[] = [];
  const repos = isObject(report) && isObject(report.repositories) ? Object.values(report.repositories) : [];
  for (const repo of repos) {
    const packageFiles = isObject(repo) && isObject(repo.packageFiles) ? repo.packageFiles : {};
    for (const [manager, files] of Object.entries(packageFiles)) {
      for (const pf of Array.isArray(files) ? files : []) {
        if (!isObject(pf)) continue;
        for (const d of Array.isArray(pf.deps) ? pf.deps : []) {
          if (!isObject(d)) continue;
          deps.push({
            manager,
            packageFile: String(pf.packageFile),
            ...(typeof d.depName === 'string' ? { depName: d.depName } : {}),
            ...(typeof d.packageName === 'string' ? { packageName: d.packageName } : {}),
            ...(typeof d.currentValue === 'string' ? { currentValue: d.currentValue } : {}),
            ...(typeof d.currentDigest === 'string' ? { currentDigest: d.currentDigest } : {}),
            ...(typeof d.datasource === 'string' ? { datasource: d.datasource } : {}),
            ...(typeof d.skipReason === 'string' ? { skipReason: d.skipReason } : {}),
          });
        }
      }
    }
  }
  return deps;
}

/** Does Renovate's extraction hold this pin as an updatable dependency (no skipReason)? */
export function isSeen(pin: ExpectedPin, deps: ExtractedDep[]): boolean {
  return deps.some(
    (d) =>
      d.packageFile === pin.file &&
      d.skipReason === undefined &&
      (pin.names.length === 0 || pin.names.includes(d.depName ?? '') || pin.names.includes(d.packageName ?? '')) &&
      (pin.currentValue === undefined || d.currentValue === pin.currentValue) &&
      (pin.currentDigest === undefined || d.currentDigest === pin.currentDigest),
  );
}

export function describePin(pin: ExpectedPin): string {
  const version = [pin.currentValue, pin.currentDigest].filter(Boolean).join(' @ ');
  return `${pin.file}: ${pin.kind} ${pin.names[0] ?? '(any name)'}${version ? ` ${version}` : ''}`;
}

export function relativeTo(root: string, path: string): string {
  return relative(root, path).split(sep).join('/');
}
