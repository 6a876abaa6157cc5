import { checkDependencies } from './checks/graph';
import { checkFiles } from './checks/files';
import { checkNames } from './checks/names';
import { checkObjects } from './checks/objects';
import { checkReferences } from './checks/references';
import { checkSchemas, type MissingSchema } from './checks/schema';
import { objectKey, type CheckContext } from './checks/context';
import { renderTree, type RenderOptions, type RenderResult } from './render/tree';
import type { Finding, RenderedObject, Severity } from './render/types';
import { SchemaRegistry } from './schema/registry';

export type KustomizationResult = 'ok' | 'warning' | 'error' | 'external';

export interface VerifyReport {
  render: RenderResult;
  /** Every finding, errors first, then by file and line. */
  findings: Finding[];
  /** Kinds that had no schema (listed, never counted as valid). */
  missingSchemas: MissingSchema[];
  /** Result per Flux Kustomization id. */
  results: Map<string, KustomizationResult>;
  counts: { errors: number; warnings: number; notices: number; kustomizations: number; resources: number };
  timings: RenderResult['timings'] & { checksMs: number };
}

const RANK: Record<Severity, number> = { error: 0, warning: 1, notice: 2 };

/** Render the tree and run every check: the whole dry-run. */
export async function verifyTree(options: RenderOptions): Promise<VerifyReport> {
  const render = await renderTree(options);
  return checkRendered(render);
}

/** The checks alone, on a tree rendered earlier. */
export function checkRendered(render: RenderResult): VerifyReport {
  const started = Date.now();
  const findings: Finding[] = [...render.findings];
  const index = new Map<string, RenderedObject>();
  for (const o of render.objects) {
    const key = objectKey(o.group, o.kind, o.namespace, o.name);
    if (!index.has(key)) index.set(key, o);
  }
  const ctx: CheckContext = { render, registry: new SchemaRegistry(render.objects), index, add: (f) => findings.push(f) };
  checkFiles(ctx);
  checkDependencies(ctx);
  checkReferences(ctx);
  checkObjects(ctx);
  checkNames(ctx);
  const missingSchemas = checkSchemas(ctx);
  const unique = dedupe(findings).sort(
    (a, b) => RANK[a.severity] - RANK[b.severity] || (a.file ?? '').localeCompare(b.file ?? '') || (a.line ?? 0) - (b.line ?? 0) || a.rule.localeCompare(b.rule),
  );
  const results = new Map<string, KustomizationResult>();
  for (const k of render.kustomizations) {
    // a skipped Kustomization (changed-only verification) has no result
    if (k.state !== 'skipped') results.set(k.id, k.state === 'external' ? 'external' : k.state === 'rendered' ? 'ok' : 'error');
  }
  for (const f of unique) {
    if (!f.kustomization || !results.has(f.kustomization)) continue;
    const current = results.get(f.kustomization)!;
    if (f.severity === 'error') results.set(f.kustomization, 'error');
    else if (f.severity === 'warning' && current === 'ok') results.set(f.kustomization, 'warning');
  }
  return {
    render,
    findings: unique,
    missingSchemas,
    results,
    counts: {
      errors: unique.filter((f) => f.severity === 'error').length,
      warnings: unique.filter((f) => f.severity === 'warning').length,
      notices: unique.filter((f) => f.severity === 'notice').length,
      kustomizations: render.kustomizations.length,
      resources: render.objects.length,
    },
    timings: { ...render.timings, checksMs: Date.now() - started, totalMs: render.timings.totalMs + (Date.now() - started) },
  };
}

function dedupe(findings: Finding[]): Finding[] {
  const seen = new Set<string>();
  return findings.filter((f) => {
    const key = `${f.rule}|${f.file}|${f.line}|${f.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
