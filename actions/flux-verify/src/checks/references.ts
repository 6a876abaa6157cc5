import { isRecord } from '../render/local-build';
import type { RenderedObject } from '../render/types';
import { describe, fieldLine, objectKey, type CheckContext } from './context';

const SOURCE = 'source.toolkit.fluxcd.io';

/** HelmRelease and HelmChart references: chart sources, chartRef, valuesFrom. */
export function checkReferences(ctx: CheckContext): void {
  for (const o of ctx.render.objects) {
    if (o.group === 'helm.toolkit.fluxcd.io' && o.kind === 'HelmRelease') checkHelmRelease(ctx, o);
    if (o.group === SOURCE && o.kind === 'HelmChart') {
      const spec = isRecord(o.object.spec) ? o.object.spec : {};
      if (isRecord(spec.sourceRef)) sourceExists(ctx, o, spec.sourceRef, o.namespace, ['spec', 'sourceRef'], false);
    }
  }
}

function checkHelmRelease(ctx: CheckContext, o: RenderedObject): void {
  const spec = isRecord(o.object.spec) ? o.object.spec : {};
  const chartSpec = isRecord(spec.chart) && isRecord(spec.chart.spec) ? spec.chart.spec : undefined;
  if (chartSpec && isRecord(chartSpec.sourceRef)) sourceExists(ctx, o, chartSpec.sourceRef, o.namespace, ['spec', 'chart', 'spec', 'sourceRef'], true);
  if (isRecord(spec.chartRef)) sourceExists(ctx, o, spec.chartRef, o.namespace, ['spec', 'chartRef'], true);
  if (!chartSpec && !isRecord(spec.chartRef)) {
    ctx.add({ rule: 'helmrelease-chart-missing', severity: 'error', file: o.origin.file, line: fieldLine(ctx.render.files, o, ['spec']), kustomization: o.kustomization, message: `${describe(o)} has neither spec.chart nor spec.chartRef` });
  }
  const valuesFrom = Array.isArray(spec.valuesFrom) ? spec.valuesFrom : [];
  valuesFrom.forEach((ref, i) => {
    if (!isRecord(ref) || typeof ref.name !== 'string' || ref.optional === true) return;
    const kind = ref.kind === 'Secret' ? 'Secret' : 'ConfigMap';
    const key = typeof ref.valuesKey === 'string' ? ref.valuesKey : 'values.yaml';
    const keys = dataKeys(ctx, kind, o.namespace ?? 'default', ref.name);
    const line = fieldLine(ctx.render.files, o, ['spec', 'valuesFrom', i]);
    if (!keys) {
      ctx.add({ rule: 'values-from-missing', severity: 'error', file: o.origin.file, line, kustomization: o.kustomization, message: `${describe(o)} takes values from ${kind}/${ref.name}, which nothing in namespace ${o.namespace ?? 'default'} creates (a kustomize generator adds a hash suffix unless disableNameSuffixHash is set)` });
    } else if (!keys.has(key)) {
      ctx.add({ rule: 'values-from-missing', severity: 'error', file: o.origin.file, line, kustomization: o.kustomization, message: `${describe(o)} takes key '${key}' from ${kind}/${ref.name}, which has only ${[...keys].map((k) => `'${k}'`).join(', ') || 'no keys'}` });
    }
  });
}

function sourceExists(ctx: CheckContext, o: RenderedObject, ref: Record<string, unknown>, namespace: string | undefined, path: string[], crossNamespace: boolean): void {
  const kind = String(ref.kind ?? '');
  const name = String(ref.name ?? '');
  const ns = crossNamespace && typeof ref.namespace === 'string' ? ref.namespace : (namespace ?? 'default');
  if (ctx.index.has(objectKey(SOURCE, kind, ns, name))) return;
  ctx.add({
    rule: 'source-ref-missing',
    severity: 'error',
    file: o.origin.file,
    line: fieldLine(ctx.render.files, o, path),
    kustomization: o.kustomization,
    message: `${describe(o)} refers to ${kind}/${ns}/${name}, which nothing in the tree defines`,
  });
}

/** Keys a ConfigMap/Secret will have in the cluster, or undefined when nothing creates it. */
export function dataKeys(ctx: CheckContext, kind: 'ConfigMap' | 'Secret', namespace: string, name: string): Set<string> | undefined {
  const found = ctx.index.get(objectKey('', kind, namespace, name));
  if (found) {
    const keys = new Set<string>();
    for (const field of ['data', 'stringData', 'binaryData']) {
      const v = found.object[field];
      if (isRecord(v)) for (const k of Object.keys(v)) keys.add(k);
    }
    return keys;
  }
  if (kind !== 'Secret') return undefined;
  for (const o of ctx.render.objects) {
    if (o.kind !== 'BitwardenSecret' || o.namespace !== namespace) continue;
    const spec = isRecord(o.object.spec) ? o.object.spec : {};
    if (spec.secretName !== name) continue;
    return new Set((Array.isArray(spec.map) ? spec.map : []).filter(isRecord).map((m) => String(m.secretKeyName)));
  }
  return undefined;
}
