// Structural rules over the rendered tree. Each returns the list of problems (empty = fine), so the
// same functions are tested against deliberately broken inputs and run over the real tree.
import { parseAllDocuments } from 'yaml';
import type { FluxKustomization, K8sObject } from './flux-tree';

export interface Located {
  object: K8sObject;
  /** Flux Kustomization that renders it. */
  ks: string;
}

const id = (o: K8sObject) => `${o.kind}/${o.metadata?.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata?.name}`;
const kindIs = (o: K8sObject, kind: string, group?: string) => o.kind === kind && (group === undefined || (o.apiVersion ?? '').startsWith(`${group}/`));

type Dict = Record<string, unknown>;
const isDict = (v: unknown): v is Dict => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Calls visit(key, value, parent) for every key of every nested object. */
export function walk(value: unknown, visit: (key: string, value: unknown, parent: Dict) => void): void {
  if (Array.isArray(value)) value.forEach((v) => walk(v, visit));
  else if (isDict(value))
    for (const [k, v] of Object.entries(value)) {
      visit(k, v, value);
      walk(v, visit);
    }
}

/** Helm values documents handed to HelmReleases through valuesFrom ConfigMaps (parsed). */
export function helmValues(objects: Located[]): { release: string; values: Dict }[] {
  const out: { release: string; values: Dict }[] = [];
  for (const { object: hr } of objects.filter((l) => kindIs(l.object, 'HelmRelease', 'helm.toolkit.fluxcd.io'))) {
    const ns = hr.metadata?.namespace;
    for (const ref of ((hr.spec?.valuesFrom ?? []) as { kind: string; name: string; valuesKey?: string }[])) {
      if (ref.kind !== 'ConfigMap') continue;
      const cm = objects.find((l) => l.object.kind === 'ConfigMap' && l.object.metadata?.name === ref.name && l.object.metadata?.namespace === ns);
      const text = cm?.object.data?.[ref.valuesKey ?? 'values.yaml'];
      if (text === undefined) continue;
      const doc = parseAllDocuments(text)[0];
      const values = doc && !('empty' in doc && doc.empty) ? (doc.toJS() as unknown) : {};
      out.push({ release: id(hr), values: isDict(values) ? values : {} });
    }
    if (isDict(hr.spec?.values)) out.push({ release: id(hr), values: hr.spec.values });
  }
  return out;
}

/** Objects a chart is told to create verbatim (Traefik's extraObjects), seen as part of the tree. */
export function chartExtraObjects(objects: Located[]): Located[] {
  return helmValues(objects).flatMap(({ release, values }) =>
    Array.isArray(values.extraObjects) ? values.extraObjects.filter(isDict).map((o) => ({ object: o as K8sObject, ks: `values of ${release}` })) : [],
  );
}

export function helmReleaseSources(objects: Located[]): string[] {
  const problems: string[] = [];
  const sourceKinds = ['HelmRepository', 'OCIRepository', 'GitRepository', 'HelmChart'];
  for (const { object: hr } of objects.filter((l) => kindIs(l.object, 'HelmRelease', 'helm.toolkit.fluxcd.io'))) {
    const ns = hr.metadata?.namespace;
    if (!ns) problems.push(`${id(hr)}: metadata.namespace is not set`);
    const chart = (hr.spec?.chart as { spec?: { sourceRef?: { kind: string; name: string; namespace?: string } } } | undefined)?.spec;
    const ref = chart?.sourceRef ?? (hr.spec?.chartRef as { kind: string; name: string; namespace?: string } | undefined);
    if (!ref) {
      problems.push(`${id(hr)}: neither spec.chart.spec.sourceRef nor spec.chartRef`);
      continue;
    }
    if (!ref.namespace) problems.push(`${id(hr)}: the source reference has no explicit namespace (Renovate needs it)`);
    const target = objects.find((l) => l.object.kind === ref.kind && l.object.metadata?.name === ref.name && l.object.metadata?.namespace === (ref.namespace ?? ns));
    if (!target) problems.push(`${id(hr)}: source ${ref.kind}/${ref.namespace ?? ns}/${ref.name} does not exist in the tree`);
    else if (!target.object.metadata?.namespace) problems.push(`${id(target.object)}: metadata.namespace is not set`);
  }
  for (const { object } of objects.filter((l) => sourceKinds.includes(l.object.kind ?? '') && (l.object.apiVersion ?? '').startsWith('source.toolkit.fluxcd.io/'))) {
    if (!object.metadata?.namespace) problems.push(`${id(object)}: metadata.namespace is not set`);
  }
  return problems;
}

const EXACT = /^v?\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/;

export function exactVersions(objects: Located[]): string[] {
  const problems: string[] = [];
  for (const { object } of objects) {
    if (kindIs(object, 'HelmRelease', 'helm.toolkit.fluxcd.io')) {
      const chart = (object.spec?.chart as { spec?: { version?: string } } | undefined)?.spec;
      if (chart && !EXACT.test(String(chart.version ?? ''))) problems.push(`${id(object)}: chart version '${chart.version ?? ''}' is not an exact version`);
    }
    if (kindIs(object, 'OCIRepository', 'source.toolkit.fluxcd.io')) {
      const ref = (object.spec?.ref ?? {}) as { tag?: string; digest?: string; semver?: string };
      if (!ref.digest && !EXACT.test(String(ref.tag ?? ''))) problems.push(`${id(object)}: ref '${ref.tag ?? ref.semver ?? ''}' is not an exact tag or digest`);
    }
  }
  return problems;
}

export function plainSecrets(objects: Located[]): string[] {
  return objects
    .filter((l) => l.object.kind === 'Secret' && l.object.apiVersion === 'v1')
    .filter((l) => Object.keys(l.object.data ?? {}).length > 0 || Object.keys(l.object.stringData ?? {}).length > 0)
    .filter((l) => !('sops' in l.object))
    .map((l) => `${id(l.object)} (${l.ks}): a Secret with data in git; use a BitwardenSecret`);
}

/** Every namespace an object lives in or a reference points to must be created by the tree. */
export function namespacesCreated(objects: Located[]): string[] {
  const created = new Set(objects.filter((l) => l.object.kind === 'Namespace').map((l) => l.object.metadata?.name));
  const problems: string[] = [];
  const need = (ns: string | undefined, what: string) => {
    if (ns && !created.has(ns)) problems.push(`${what}: namespace '${ns}' is not created by the tree`);
  };
  for (const { object, ks } of objects) {
    need(object.metadata?.namespace, `${id(object)} (${ks})`);
    const spec = (object.spec ?? {}) as Dict;
    if (kindIs(object, 'HelmRelease', 'helm.toolkit.fluxcd.io')) {
      need(spec.targetNamespace as string | undefined, `${id(object)} targetNamespace`);
      need(spec.storageNamespace as string | undefined, `${id(object)} storageNamespace`);
    }
    if (kindIs(object, 'Kustomization', 'kustomize.toolkit.fluxcd.io')) need(spec.targetNamespace as string | undefined, `${id(object)} targetNamespace`);
    const replicateTo = object.metadata?.annotations?.['replicator.v1.mittwald.de/replicate-to'];
    for (const ns of (replicateTo ?? '').split(',').map((s) => s.trim()).filter(Boolean)) need(ns, `${id(object)} replicate-to`);
  }
  return problems;
}

export const METALLB_RANGE = '192.168.10.200-192.168.10.250';

function ipToNumber(ip: string): number {
  const parts = ip.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) return NaN;
  return parts.reduce((n, p) => n * 256 + p, 0);
}

export function metallbPool(objects: Located[]): string[] {
  const problems: string[] = [];
  const pools = objects.filter((l) => kindIs(l.object, 'IPAddressPool', 'metallb.io'));
  if (pools.length !== 1) problems.push(`expected exactly one MetalLB IPAddressPool, found ${pools.length}`);
  for (const { object } of pools) {
    const addresses = (object.spec?.addresses ?? []) as string[];
    if (addresses.length !== 1 || addresses[0] !== METALLB_RANGE) problems.push(`${id(object)}: addresses ${JSON.stringify(addresses)} are not exactly ${METALLB_RANGE}`);
    const adverts = objects.filter((l) => kindIs(l.object, 'L2Advertisement', 'metallb.io') && ((l.object.spec?.ipAddressPools ?? []) as string[]).includes(object.metadata?.name ?? ''));
    if (adverts.length === 0) problems.push(`${id(object)}: no L2Advertisement announces it`);
  }
  // Every fixed LoadBalancer address requested anywhere must come from the pool.
  const [low, high] = METALLB_RANGE.split('-').map(ipToNumber) as [number, number];
  const everything = [...objects.map((l) => l.object as unknown), ...helmValues(objects).map((v) => v.values as unknown)];
  for (const doc of everything)
    walk(doc, (key, value) => {
      if ((key === 'metallb.io/loadBalancerIPs' || key === 'loadBalancerIP') && typeof value === 'string')
        for (const ip of value.split(',').map((s) => s.trim())) {
          const n = ipToNumber(ip);
          if (!(n >= low && n <= high)) problems.push(`LoadBalancer address '${ip}' is outside the MetalLB pool ${METALLB_RANGE}`);
        }
    });
  return problems;
}

/** dependsOn targets exist and form no cycle; returns the problems found. */
export function dependencyGraph(kustomizations: Pick<FluxKustomization, 'name' | 'namespace' | 'dependsOn'>[]): string[] {
  const problems: string[] = [];
  const names = new Map<string, string[]>();
  for (const k of kustomizations) {
    const key = `${k.namespace}/${k.name}`;
    if (names.has(key)) problems.push(`Kustomization ${key} is declared twice`);
    names.set(key, k.dependsOn.map((d) => `${k.namespace}/${d}`));
  }
  for (const [key, deps] of names) for (const dep of deps) if (!names.has(dep)) problems.push(`Kustomization ${key} depends on ${dep}, which does not exist`);
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const visit = (key: string) => {
    if (state.get(key) === 'done') return;
    if (state.get(key) === 'visiting') {
      problems.push(`dependency cycle: ${[...stack.slice(stack.indexOf(key)), key].join(' -> ')}`);
      return;
    }
    state.set(key, 'visiting');
    stack.push(key);
    for (const dep of names.get(key) ?? []) if (names.has(dep)) visit(dep);
    stack.pop();
    state.set(key, 'done');
  };
  for (const key of names.keys()) visit(key);
  return problems;
}

/** StorageClass, IngressClass, issuer and Traefik middleware references resolve to objects of the tree. */
export function clusterReferences(objects: Located[], builtIn: { storageClasses: string[] } = { storageClasses: ['local-path'] }): string[] {
  const all = [...objects, ...chartExtraObjects(objects)];
  const names = (kind: string) => new Set(all.filter((l) => l.object.kind === kind).map((l) => l.object.metadata?.name));
  const storageClasses = new Set([...names('StorageClass'), ...builtIn.storageClasses]);
  const ingressClasses = names('IngressClass');
  const clusterIssuers = names('ClusterIssuer');
  const issuers = new Set(all.filter((l) => l.object.kind === 'Issuer').map((l) => `${l.object.metadata?.namespace}/${l.object.metadata?.name}`));
  const middlewares = new Set(all.filter((l) => l.object.kind === 'Middleware').map((l) => `${l.object.metadata?.namespace}-${l.object.metadata?.name}@kubernetescrd`));
  const problems: string[] = [];
  const docs = [...all.map((l) => ({ where: `${id(l.object)} (${l.ks})`, doc: l.object as unknown, ns: l.object.metadata?.namespace })), ...helmValues(objects).map((v) => ({ where: `values of ${v.release}`, doc: v.values as unknown, ns: v.release.split('/')[1] }))];
  for (const { where, doc, ns } of docs)
    walk(doc, (key, value, parent) => {
      if (typeof value !== 'string' || value === '') return;
      if ((key === 'storageClassName' || key === 'storageClass') && !storageClasses.has(value)) problems.push(`${where}: StorageClass '${value}' is not defined`);
      if (key === 'ingressClassName' && !ingressClasses.has(value)) problems.push(`${where}: IngressClass '${value}' is not defined`);
      if (key === 'cert-manager.io/cluster-issuer' && !clusterIssuers.has(value)) problems.push(`${where}: ClusterIssuer '${value}' is not defined`);
      if (key === 'cert-manager.io/issuer' && !issuers.has(`${ns}/${value}`)) problems.push(`${where}: Issuer '${value}' is not defined in ${ns}`);
      if (key === 'name' && isDict(parent) && 'kind' in parent && parent.group === 'cert-manager.io') {
        const ok = parent.kind === 'ClusterIssuer' ? clusterIssuers.has(value) : issuers.has(`${ns}/${value}`);
        if (!ok) problems.push(`${where}: issuerRef ${String(parent.kind)} '${value}' is not defined`);
      }
      if (key === 'traefik.ingress.kubernetes.io/router.middlewares')
        for (const ref of value.split(',').map((s) => s.trim()).filter(Boolean)) if (!middlewares.has(ref)) problems.push(`${where}: Traefik middleware '${ref}' is not defined`);
    });
  // Entry-point middlewares in Traefik's values.
  for (const { release, values } of helmValues(objects))
    walk(values, (key, value) => {
      if (key === 'middlewares' && Array.isArray(value))
        for (const ref of value) if (typeof ref === 'string' && ref.endsWith('@kubernetescrd') && !middlewares.has(ref)) problems.push(`values of ${release}: Traefik middleware '${ref}' is not defined`);
    });
  return problems;
}

/** Images carry an explicit tag (or digest) that is not `latest`. */
export function pinnedImages(objects: Located[]): string[] {
  const problems: string[] = [];
  const check = (where: string, image: string) => {
    const ref = image.split('@')[0] ?? '';
    const tag = /:([^/:]+)$/.exec(ref)?.[1];
    if (!image.includes('@') && !tag) problems.push(`${where}: image '${image}' has no tag`);
    if (tag === 'latest') problems.push(`${where}: image '${image}' uses the latest tag`);
  };
  for (const { object, ks } of objects)
    walk(object, (key, value) => {
      if ((key === 'image' || key === 'imageName') && typeof value === 'string') check(`${id(object)} (${ks})`, value);
    });
  for (const { release, values } of helmValues(objects))
    walk(values, (key, value) => {
      if ((key === 'tag' || key === 'version') && value === 'latest') problems.push(`values of ${release}: '${key}: latest'`);
      if (key === 'image' && typeof value === 'string') check(`values of ${release}`, value);
    });
  return problems;
}

/** The same object rendered by two Flux Kustomizations: both would fight over it. */
export function ownedOnce(objects: Located[]): string[] {
  const owners = new Map<string, string>();
  const problems: string[] = [];
  for (const { object, ks } of objects) {
    const key = `${(object.apiVersion ?? '').split('/')[0]}|${id(object)}`;
    const other = owners.get(key);
    if (other && other !== ks) problems.push(`${id(object)} is rendered by both ${other} and ${ks}`);
    owners.set(key, ks);
  }
  return problems;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** BitwardenSecrets read the replicated access token and map well-formed secret ids. */
export function bitwardenSecrets(objects: Located[], tokenLabel: string): string[] {
  const problems: string[] = [];
  const namespaces = new Map(objects.filter((l) => l.object.kind === 'Namespace').map((l) => [l.object.metadata?.name, l.object]));
  for (const { object } of objects.filter((l) => kindIs(l.object, 'BitwardenSecret', 'k8s.bitwarden.com'))) {
    const spec = (object.spec ?? {}) as { organizationId?: string; secretName?: string; authToken?: { secretName?: string; secretKey?: string }; map?: { bwSecretId?: string; secretKeyName?: string }[] };
    if (!UUID.test(spec.organizationId ?? '')) problems.push(`${id(object)}: organizationId '${spec.organizationId ?? ''}' is not a UUID`);
    if (!spec.secretName) problems.push(`${id(object)}: no secretName`);
    if (spec.authToken?.secretName !== 'bw-auth-token' || spec.authToken?.secretKey !== 'token') problems.push(`${id(object)}: authToken must be bw-auth-token/token (the replicated access token)`);
    if (!spec.map?.length) problems.push(`${id(object)}: empty map`);
    for (const entry of spec.map ?? []) if (!UUID.test(entry.bwSecretId ?? '')) problems.push(`${id(object)}: bwSecretId '${entry.bwSecretId ?? ''}' is not a UUID`);
    const ns = namespaces.get(object.metadata?.namespace);
    if (ns?.metadata?.labels?.[tokenLabel] !== 'true') problems.push(`${id(object)}: namespace '${object.metadata?.namespace}' lacks the label ${tokenLabel}="true" that brings it the access token`);
  }
  return problems;
}
