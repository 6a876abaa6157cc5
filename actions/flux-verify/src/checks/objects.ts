import { isRecord } from '../render/local-build';
import type { RenderedObject } from '../render/types';
import { currentFluxVersions } from '../schema/flux';
import { describe, fieldLine, type CheckContext } from './context';

const BUILTIN_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

/** Kubernetes API versions that no longer exist (removed in the release named). */
const REMOVED_APIS: Record<string, string> = {
  'extensions/v1beta1': '1.22',
  'networking.k8s.io/v1beta1': '1.22',
  'policy/v1beta1': '1.25',
  'batch/v1beta1': '1.25',
  'autoscaling/v2beta1': '1.25',
  'autoscaling/v2beta2': '1.26',
  'rbac.authorization.k8s.io/v1beta1': '1.22',
  'apiextensions.k8s.io/v1beta1': '1.22',
  'admissionregistration.k8s.io/v1beta1': '1.22',
  'storage.k8s.io/v1beta1': '1.22',
  'scheduling.k8s.io/v1beta1': '1.22',
  'apps/v1beta1': '1.16',
  'apps/v1beta2': '1.16',
};

/** API versions Flux 2.9 or the cluster will not serve; objects using them are not schema-checked. */
export function outdatedApi(o: RenderedObject): string | undefined {
  const apiVersion = String(o.object.apiVersion);
  const version = apiVersion.slice(apiVersion.indexOf('/') + 1);
  const current = currentFluxVersions[`${o.group}/${o.kind}`];
  if (current && version !== current) return `${o.kind} ${apiVersion} is deprecated; Flux 2.9 serves ${o.group}/${current} (migrate with \`flux migrate\`)`;
  const removed = REMOVED_APIS[apiVersion];
  if (removed) return `${apiVersion} ${o.kind} was removed in Kubernetes ${removed}; K3s v1.36 does not serve it`;
  return undefined;
}

export function checkObjects(ctx: CheckContext): void {
  const { registry, render } = ctx;
  const namespaces = new Set(BUILTIN_NAMESPACES);
  for (const o of render.objects) {
    if (o.group === '' && o.kind === 'Namespace') namespaces.add(o.name);
    if (o.group === 'helm.toolkit.fluxcd.io' && o.kind === 'HelmRelease') {
      const spec = isRecord(o.object.spec) ? o.object.spec : {};
      if (isRecord(spec.install) && spec.install.createNamespace === true) namespaces.add(typeof spec.targetNamespace === 'string' ? spec.targetNamespace : (o.namespace ?? 'default'));
    }
  }
  const seen = new Map<string, RenderedObject>();
  for (const o of render.objects) {
    const scope = registry.scope(o.group, o.kind);
    // the same object from two Kustomizations: both apply it, each prunes it when it changes
    const key = `${o.group}/${o.kind}/${scope === 'Cluster' ? '' : (o.namespace ?? '')}/${o.name}`;
    const first = seen.get(key);
    const isFluxKs = o.group === 'kustomize.toolkit.fluxcd.io' && o.kind === 'Kustomization';
    if (first && first.kustomization !== o.kustomization && !isFluxKs) {
      ctx.add({ rule: 'object-duplicate', severity: 'error', file: o.origin.file, line: o.origin.line, kustomization: o.kustomization, message: `${describe(o)} is also applied by Kustomization ${first.kustomization} (${first.origin.file}:${first.origin.line}); two owners fight over it and pruning one deletes it` });
    } else if (!first) seen.set(key, o);

    if (scope !== 'Cluster' && o.namespace !== undefined && !namespaces.has(o.namespace)) {
      ctx.add({ rule: 'namespace-missing', severity: 'error', file: o.origin.file, line: fieldLine(render.files, o, ['metadata', 'namespace']), kustomization: o.kustomization, message: `${describe(o)} is in namespace '${o.namespace}', which nothing in the tree creates` });
    }
    if (scope === 'Namespaced' && o.namespace === undefined) {
      ctx.add({ rule: 'namespace-unset', severity: 'error', file: o.origin.file, line: o.origin.line, kustomization: o.kustomization, message: `${o.kind}/${o.name} is namespaced but has no namespace (set metadata.namespace, kustomize namespace: or the Kustomization's targetNamespace)` });
    }
    if (o.group === '' && o.kind === 'Secret') checkSecret(ctx, o);
    if (o.group === 'helm.toolkit.fluxcd.io' && o.kind === 'HelmRelease') {
      const spec = isRecord(o.object.spec) ? o.object.spec : {};
      const creates = isRecord(spec.install) && spec.install.createNamespace === true;
      for (const field of ['targetNamespace', 'storageNamespace'] as const) {
        const ns = spec[field];
        if (typeof ns === 'string' && !namespaces.has(ns) && !(creates && field === 'targetNamespace')) {
          ctx.add({ rule: 'namespace-missing', severity: 'error', file: o.origin.file, line: fieldLine(render.files, o, ['spec', field]), kustomization: o.kustomization, message: `${describe(o)} installs into ${field} '${ns}', which nothing in the tree creates (set install.createNamespace or add the Namespace)` });
        }
      }
    }
    const outdated = outdatedApi(o);
    if (outdated) ctx.add({ rule: 'api-deprecated', severity: 'error', file: o.origin.file, line: fieldLine(render.files, o, ['apiVersion']), kustomization: o.kustomization, message: outdated });
  }
}

function checkSecret(ctx: CheckContext, o: RenderedObject): void {
  const sops = o.object.sops;
  if (isRecord(sops) && typeof sops.mac === 'string' && sops.mac.startsWith('ENC[')) {
    const ks = ctx.render.kustomizations.find((k) => k.id === o.kustomization);
    const spec = ks && isRecord(ks.object.spec) ? ks.object.spec : {};
    if (ks && !isRecord(spec.decryption)) {
      ctx.add({ rule: 'sops-without-decryption', severity: 'error', file: o.origin.file, line: fieldLine(ctx.render.files, o, ['sops']), kustomization: o.kustomization, message: `Secret ${o.namespace ? `${o.namespace}/` : ''}${o.name} is SOPS-encrypted but Kustomization ${ks.id} has no spec.decryption: Flux would apply the ciphertext` });
    }
    return;
  }
  for (const field of ['data', 'stringData']) {
    const v = o.object[field];
    if (isRecord(v) && Object.keys(v).length > 0) {
      ctx.add({
        rule: 'secret-plaintext',
        severity: 'error',
        file: o.origin.file,
        line: fieldLine(ctx.render.files, o, [field]),
        kustomization: o.kustomization,
        message: `Secret ${o.namespace ? `${o.namespace}/` : ''}${o.name} has plaintext ${field} in git; create it from Bitwarden with a BitwardenSecret (or encrypt it with SOPS)`,
      });
      return;
    }
  }
}
