import { isRecord } from '../render/local-build';
import type { RenderedObject } from '../render/types';
import { objectMeta } from './builders';
import { crdSchemas } from './crds';
import { currentFluxVersions, fluxSchemas } from './flux';
import { kubernetesSchemas } from './kubernetes';
import type { Schema } from './validator';

export type Scope = 'Namespaced' | 'Cluster';

const CLUSTER_KINDS = new Set([
  '/Namespace',
  '/PersistentVolume',
  '/Node',
  'rbac.authorization.k8s.io/ClusterRole',
  'rbac.authorization.k8s.io/ClusterRoleBinding',
  'storage.k8s.io/StorageClass',
  'networking.k8s.io/IngressClass',
  'scheduling.k8s.io/PriorityClass',
  'apiextensions.k8s.io/CustomResourceDefinition',
  'admissionregistration.k8s.io/MutatingWebhookConfiguration',
  'admissionregistration.k8s.io/ValidatingWebhookConfiguration',
  'apiregistration.k8s.io/APIService',
  'storage.k8s.io/CSIDriver',
  'node.k8s.io/RuntimeClass',
]);

/**
 * Schemas by apiVersion/kind: CRDs found in the rendered tree first (they are what the cluster will
 * enforce), then the schemas shipped with the action.
 */
export class SchemaRegistry {
  private readonly crds = new Map<string, Schema>();
  private readonly scopes = new Map<string, Scope>();

  constructor(objects: readonly RenderedObject[]) {
    for (const o of objects) {
      if (o.kind !== 'CustomResourceDefinition' || o.group !== 'apiextensions.k8s.io') continue;
      const spec = o.object.spec;
      if (!isRecord(spec) || typeof spec.group !== 'string' || !isRecord(spec.names) || typeof spec.names.kind !== 'string') continue;
      const kind = spec.names.kind;
      this.scopes.set(`${spec.group}/${kind}`, spec.scope === 'Cluster' ? 'Cluster' : 'Namespaced');
      for (const v of Array.isArray(spec.versions) ? spec.versions : []) {
        if (!isRecord(v) || typeof v.name !== 'string') continue;
        const schema = isRecord(v.schema) && isRecord(v.schema.openAPIV3Schema) ? (v.schema.openAPIV3Schema as Schema) : undefined;
        if (!schema) continue;
        this.crds.set(`${spec.group}/${v.name}/${kind}`, { ...schema, properties: { ...schema.properties, metadata: objectMeta, status: { 'x-kubernetes-preserve-unknown-fields': true } } });
      }
    }
  }

  lookup(apiVersion: string, kind: string): { schema: Schema; from: 'crd' | 'shipped' } | undefined {
    const key = `${apiVersion}/${kind}`;
    const crd = this.crds.get(key);
    if (crd) return { schema: crd, from: 'crd' };
    const shipped = kubernetesSchemas[key] ?? fluxSchemas[key] ?? crdSchemas[key];
    return shipped ? { schema: shipped, from: 'shipped' } : undefined;
  }

  /** The scope when known (core kinds, Flux kinds, CRDs in the tree); undefined otherwise. */
  scope(group: string, kind: string): Scope | undefined {
    const key = `${group}/${kind}`;
    const crd = this.scopes.get(key);
    if (crd) return crd;
    if (CLUSTER_KINDS.has(key)) return 'Cluster';
    if (`${group}/${kind}` in fluxKinds) return 'Namespaced';
    if (group === 'cert-manager.io' && kind === 'ClusterIssuer') return 'Cluster';
    if (Object.keys(crdSchemas).some((k) => k.startsWith(`${group}/`) && k.endsWith(`/${kind}`))) return 'Namespaced';
    const core = Object.keys(kubernetesSchemas).some((k) => k.endsWith(`/${kind}`) && (group === '' ? k.split('/').length === 2 : k.startsWith(`${group}/`)));
    return core ? 'Namespaced' : undefined;
  }
}

const fluxKinds: Record<string, true> = Object.fromEntries(Object.keys(currentFluxVersions).map((k) => [k, true]));
