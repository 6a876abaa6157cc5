import { readdirSync, statSync } from 'node:fs';
import { extname, join, resolve } from 'node:path';
import { isRecord, KUSTOMIZATION_FILES } from '../render/local-build';
import type { CheckContext } from './context';

/**
 * YAML errors in every file of the tree (used or not), and files with Kubernetes objects that no
 * Kustomization reaches: Flux never applies them, which is rarely what the author meant.
 */
export function checkFiles(ctx: CheckContext): void {
  const { render } = ctx;
  const files = render.files;
  const treeDir = resolve(render.repoRoot, render.path);
  const paths = new Set([...listYaml(treeDir), ...render.usedFiles]);
  for (const path of [...paths].sort()) {
    const file = files.tryGet(path);
    if (!file) continue;
    for (const p of file.problems) ctx.add({ rule: p.rule, severity: 'error', file: file.rel, line: p.line, message: p.message });
    if (render.usedFiles.has(path) || file.problems.length > 0) continue;
    if (KUSTOMIZATION_FILES.includes(path.slice(path.lastIndexOf('/') + 1))) continue;
    const objectDoc = file.docs.find((d) => isRecord(d.value) && typeof d.value.apiVersion === 'string' && typeof d.value.kind === 'string' && !String(d.value.apiVersion).startsWith('kustomize.config.k8s.io/'));
    if (!objectDoc) continue;
    const v = objectDoc.value as Record<string, unknown>;
    ctx.add({ rule: 'unreferenced-file', severity: 'warning', file: file.rel, line: objectDoc.line, message: `${String(v.kind)} in ${file.rel} is not referenced by any Kustomization: Flux never applies it` });
  }
}

function listYaml(dir: string): string[] {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return [];
  }
  const out: string[] = [];
  for (const name of entries) {
    if (name.startsWith('.') || name === 'node_modules') continue;
    const p = join(dir, name);
    const st = statSync(p);
    if (st.isDirectory()) out.push(...listYaml(p));
    else if (extname(name) === '.yaml' || extname(name) === '.yml') out.push(p);
  }
  return out;
}
