import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';

/**
 * A loopback Kubernetes API server that speaks enough of the real wire protocol for the REAL
 * kubectl: legacy discovery (/api, /apis, /api/v1, /apis/<g>/<v>), GET/LIST with label selectors,
 * server-side apply (application/apply-patch+yaml), JSON merge patches (kubectl annotate) and
 * CRDs that add their group to discovery once created, like the real API server. Status changes
 * are scripted by a `controller` callback run before every request, so objects evolve over time
 * while kubectl polls.
 */

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    generation?: number;
    resourceVersion?: string;
    uid?: string;
    creationTimestamp?: string;
    [key: string]: unknown;
  };
  spec?: Record<string, unknown>;
  status?: Record<string, unknown>;
  [key: string]: unknown;
}

export interface ResourceType {
  group: string;
  version: string;
  /** Plural resource name, e.g. 'deployments'. */
  resource: string;
  kind: string;
  namespaced: boolean;
  shortNames?: string[];
  singular?: string;
}

export interface RequestRecord {
  method: string;
  path: string;
  query: string;
  contentType: string;
  accept: string;
  body: string;
}

export interface KubeServerOptions {
  /** Objects present from the start. */
  objects?: KubeObject[];
  /** Runs before every request: the scripted "controllers" that move statuses along. */
  controller?: (server: KubeServer, now: number) => void;
  /** Answer every request with this HTTP status (e.g. 401 for a bad token). */
  failWith?: { status: number; reason: string; message: string };
  /** Answer the first `times` list requests whose path contains `path` with 503 (an API server restarting). */
  flaky?: { path: string; times: number };
}

const BUILTIN: ResourceType[] = [
  { group: '', version: 'v1', resource: 'namespaces', kind: 'Namespace', namespaced: false, shortNames: ['ns'] },
  { group: '', version: 'v1', resource: 'configmaps', kind: 'ConfigMap', namespaced: true, shortNames: ['cm'] },
  { group: '', version: 'v1', resource: 'secrets', kind: 'Secret', namespaced: true },
  { group: '', version: 'v1', resource: 'serviceaccounts', kind: 'ServiceAccount', namespaced: true, shortNames: ['sa'] },
  { group: '', version: 'v1', resource: 'services', kind: 'Service', namespaced: true, shortNames: ['svc'] },
  { group: 'apps', version: 'v1', resource: 'deployments', kind: 'Deployment', namespaced: true, shortNames: ['deploy'] },
  {
    group: 'apiextensions.k8s.io',
    version: 'v1',
    resource: 'customresourcedefinitions',
    kind: 'CustomResourceDefinition',
    namespaced: false,
    shortNames: ['crd', 'crds'],
  },
];

export class KubeServer {
  readonly requests: RequestRecord[] = [];
  private readonly objects = new Map<string, KubeObject>();
  private revision = 100;
  private server?: Server;
  url = '';
  private readonly options: KubeServerOptions;

  constructor(options: KubeServerOptions = {}) {
    this.options = options;
    for (const object of options.objects ?? []) {
      const copy = structuredClone(object);
      if (copy.kind === 'CustomResourceDefinition' && !copy.status) copy.status = { conditions: [{ type: 'Established', status: 'True', reason: 'InitialNamesAccepted' }] };
      this.put(copy);
    }
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        try {
          this.handle(req, res, Buffer.concat(chunks).toString('utf8'));
        } catch (err) {
          send(res, 500, status(500, 'InternalError', err instanceof Error ? err.message : String(err)));
        }
      });
    });
    await new Promise<void>((done) => this.server!.listen(0, '127.0.0.1', done));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async close(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((done) => this.server!.close(() => done()));
  }

  /** Write a kubeconfig for this server into dir and return its path. */
  kubeconfig(dir: string, name = 'kubeconfig'): string {
    const path = join(dir, name);
    writeFileSync(
      path,
      [
        'apiVersion: v1',
        'kind: Config',
        'clusters:',
        '- name: loopback',
        '  cluster:',
        `    server: ${this.url}`,
        'users:',
        '- name: tester',
        '  user:',
        '    token: loopback-test-token',
        'contexts:',
        '- name: loopback',
        '  context: {cluster: loopback, user: tester}',
        'current-context: loopback',
        '',
      ].join('\n'),
      { mode: 0o600 },
    );
    return path;
  }

  /** Every resource type the server serves now: the built-ins and those of stored CRDs. */
  resourceTypes(): ResourceType[] {
    const types = [...BUILTIN];
    for (const crd of this.list('apiextensions.k8s.io', 'customresourcedefinitions')) {
      const spec = crd.spec as { group: string; names: { plural: string; kind: string; singular?: string; shortNames?: string[] }; scope: string; versions: { name: string; served?: boolean }[] };
      for (const v of spec.versions ?? []) {
        if (v.served === false) continue;
        types.push({
          group: spec.group,
          version: v.name,
          resource: spec.names.plural,
          kind: spec.names.kind,
          singular: spec.names.singular,
          namespaced: spec.scope === 'Namespaced',
          shortNames: spec.names.shortNames,
        });
      }
    }
    return types;
  }

  get(group: string, resource: string, namespace: string | undefined, name: string): KubeObject | undefined {
    return this.objects.get(key(group, resource, namespace, name));
  }

  list(group: string, resource: string, namespace?: string): KubeObject[] {
    const prefix = `${group}/${resource}/`;
    return [...this.objects.entries()]
      .filter(([k, o]) => k.startsWith(prefix) && (namespace === undefined || o.metadata.namespace === namespace))
      .map(([, o]) => o)
      .sort((a, b) => `${a.metadata.namespace ?? ''}/${a.metadata.name}`.localeCompare(`${b.metadata.namespace ?? ''}/${b.metadata.name}`));
  }

  /** Store an object as is (fills in uid, resourceVersion, generation when missing). */
  put(object: KubeObject): KubeObject {
    const type = this.typeOfObject(object);
    const resource = type?.resource ?? `${object.kind.toLowerCase()}s`;
    const group = object.apiVersion.includes('/') ? object.apiVersion.split('/')[0]! : '';
    object.metadata.uid ??= `uid-${resource}-${object.metadata.name}`;
    object.metadata.generation ??= 1;
    object.metadata.creationTimestamp ??= new Date().toISOString();
    object.metadata.resourceVersion = String(++this.revision);
    this.objects.set(key(group, resource, object.metadata.namespace, object.metadata.name), object);
    return object;
  }

  /** Set status fields of a stored object (by kind name as the tests know it). */
  setStatus(group: string, resource: string, namespace: string | undefined, name: string, status: Record<string, unknown>): void {
    const object = this.get(group, resource, namespace, name);
    if (!object) throw new Error(`no ${resource} ${namespace ?? ''}/${name}`);
    object.status = status;
    object.metadata.resourceVersion = String(++this.revision);
  }

  /** Requests that changed something (apply, patch, create, delete). */
  writes(): RequestRecord[] {
    return this.requests.filter((r) => r.method !== 'GET');
  }

  private typeOfObject(object: KubeObject): ResourceType | undefined {
    const [group, version] = object.apiVersion.includes('/') ? object.apiVersion.split('/') : ['', object.apiVersion];
    return this.resourceTypes().find((t) => t.group === group && t.version === version && t.kind === object.kind);
  }

  private handle(req: IncomingMessage, res: ServerResponse, body: string): void {
    const url = new URL(req.url ?? '/', 'http://localhost');
    this.requests.push({
      method: req.method ?? 'GET',
      path: url.pathname,
      query: url.search,
      contentType: req.headers['content-type'] ?? '',
      accept: req.headers.accept ?? '',
      body,
    });
    if (this.options.failWith) {
      const f = this.options.failWith;
      send(res, f.status, status(f.status, f.reason, f.message));
      return;
    }
    const flaky = this.options.flaky;
    if (flaky && flaky.times > 0 && req.method === 'GET' && url.pathname.includes(flaky.path)) {
      flaky.times--;
      send(res, 503, status(503, 'ServiceUnavailable', 'the server is currently unable to handle the request'));
      return;
    }
    this.options.controller?.(this, Date.now());
    const path = url.pathname.replace(/\/+$/, '');

    if (path === '/version') {
      send(res, 200, { major: '1', minor: '32', gitVersion: 'v1.32.0-loopback', platform: 'linux/amd64' });
      return;
    }
    if (path === '/api') {
      send(res, 200, { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: '127.0.0.1' }] });
      return;
    }
    if (path === '/apis') {
      const groups = new Map<string, Set<string>>();
      for (const t of this.resourceTypes()) if (t.group !== '') (groups.get(t.group) ?? groups.set(t.group, new Set()).get(t.group)!).add(t.version);
      send(res, 200, {
        kind: 'APIGroupList',
        apiVersion: 'v1',
        groups: [...groups.entries()].map(([name, versions]) => {
          const list = [...versions].map((v) => ({ groupVersion: `${name}/${v}`, version: v }));
          return { name, versions: list, preferredVersion: list[0] };
        }),
      });
      return;
    }
    if (path === '/openapi/v3' || path.startsWith('/openapi/v3/')) {
      this.openapi(res, path.slice('/openapi/v3'.length).replace(/^\//, ''));
      return;
    }
    const segments = path.split('/').filter(Boolean);
    let group: string;
    let version: string;
    let rest: string[];
    if (segments[0] === 'api' && segments.length >= 2) {
      group = '';
      version = segments[1]!;
      rest = segments.slice(2);
    } else if (segments[0] === 'apis' && segments.length >= 3) {
      group = segments[1]!;
      version = segments[2]!;
      rest = segments.slice(3);
    } else {
      send(res, 404, status(404, 'NotFound', 'the server could not find the requested resource'));
      return;
    }
    const types = this.resourceTypes().filter((t) => t.group === group && t.version === version);
    if (rest.length === 0) {
      if (types.length === 0) {
        send(res, 404, status(404, 'NotFound', 'the server could not find the requested resource'));
        return;
      }
      send(res, 200, {
        kind: 'APIResourceList',
        apiVersion: 'v1',
        groupVersion: group === '' ? version : `${group}/${version}`,
        resources: types.map((t) => ({
          name: t.resource,
          singularName: t.singular ?? t.kind.toLowerCase(),
          namespaced: t.namespaced,
          kind: t.kind,
          verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
          ...(t.shortNames ? { shortNames: t.shortNames } : {}),
        })),
      });
      return;
    }
    let namespace: string | undefined;
    let resource: string;
    let name: string | undefined;
    if (rest[0] === 'namespaces' && rest.length >= 3) {
      namespace = rest[1];
      resource = rest[2]!;
      name = rest[3];
    } else {
      resource = rest[0]!;
      name = rest[1];
    }
    const type = types.find((t) => t.resource === resource);
    if (!type) {
      send(res, 404, status(404, 'NotFound', 'the server could not find the requested resource'));
      return;
    }
    const apiVersion = group === '' ? version : `${group}/${version}`;
    const method = req.method ?? 'GET';
    if (method === 'GET' && name === undefined) {
      const selector = url.searchParams.get('labelSelector') ?? '';
      const items = this.list(group, resource, namespace)
        .filter((o) => matchesSelector(o.metadata.labels ?? {}, selector))
        .map((o) => ({ ...o, apiVersion, kind: type.kind }));
      send(res, 200, { kind: `${type.kind}List`, apiVersion, metadata: { resourceVersion: String(this.revision) }, items });
      return;
    }
    if (name === undefined) {
      send(res, 405, status(405, 'MethodNotAllowed', `${method} on a collection is not supported by this test server`));
      return;
    }
    const existing = this.get(group, resource, namespace, name);
    const notFound = () => send(res, 404, status(404, 'NotFound', `${type.resource}.${group || 'core'} "${name}" not found`, { name, group, kind: type.resource }));
    if (method === 'GET') {
      if (!existing) return notFound();
      send(res, 200, { ...existing, apiVersion, kind: type.kind });
      return;
    }
    if (method === 'PATCH') {
      const contentType = (req.headers['content-type'] ?? '').split(';')[0]!.trim();
      if (contentType === 'application/apply-patch+yaml') {
        const applied = parseYaml(body) as KubeObject;
        if (applied.metadata?.name !== name) {
          send(res, 400, status(400, 'BadRequest', `the name of the object (${String(applied.metadata?.name)}) does not match the name on the URL (${name})`));
          return;
        }
        const object = this.apply(existing, applied, namespace);
        send(res, existing ? 200 : 201, { ...object, apiVersion, kind: type.kind });
        return;
      }
      if (contentType === 'application/merge-patch+json' || contentType === 'application/strategic-merge-patch+json') {
        if (!existing) return notFound();
        const patch = JSON.parse(body) as Record<string, unknown>;
        const merged = mergePatch(existing, patch) as KubeObject;
        if (JSON.stringify(merged.spec) !== JSON.stringify(existing.spec)) merged.metadata.generation = (existing.metadata.generation ?? 1) + 1;
        this.put(merged);
        send(res, 200, { ...merged, apiVersion, kind: type.kind });
        return;
      }
      send(res, 415, status(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml`));
      return;
    }
    send(res, 405, status(405, 'MethodNotAllowed', `${method} is not supported by this test server`));
  }

  /**
   * OpenAPI v3, only as far as kubectl reads it: the index of group-versions, and per group-version
   * the PATCH operations with their `fieldValidation` parameter, which tells kubectl that the
   * server validates fields itself (so it sends fieldValidation=Strict instead of downloading schemas).
   */
  private openapi(res: ServerResponse, gvPath: string): void {
    const gvs = new Map<string, ResourceType[]>();
    for (const t of this.resourceTypes()) {
      const p = t.group === '' ? `api/${t.version}` : `apis/${t.group}/${t.version}`;
      (gvs.get(p) ?? gvs.set(p, []).get(p)!).push(t);
    }
    if (gvPath === '') {
      const paths: Record<string, { serverRelativeURL: string }> = {};
      for (const p of gvs.keys()) paths[p] = { serverRelativeURL: `/openapi/v3/${p}?hash=loopback` };
      send(res, 200, { paths });
      return;
    }
    const types = gvs.get(gvPath);
    if (!types) {
      send(res, 404, status(404, 'NotFound', 'the server could not find the requested resource'));
      return;
    }
    const paths: Record<string, unknown> = {};
    for (const t of types) {
      const item = t.namespaced ? `/${gvPath}/namespaces/{namespace}/${t.resource}/{name}` : `/${gvPath}/${t.resource}/{name}`;
      paths[item] = {
        patch: {
          'x-kubernetes-group-version-kind': { group: t.group, version: t.version, kind: t.kind },
          parameters: [
            { name: 'fieldManager', in: 'query', schema: { type: 'string' } },
            { name: 'fieldValidation', in: 'query', schema: { type: 'string' } },
            { name: 'force', in: 'query', schema: { type: 'boolean' } },
          ],
          responses: {},
        },
      };
    }
    send(res, 200, { openapi: '3.0.0', info: { title: 'Kubernetes', version: 'v1.32.0' }, paths, components: { schemas: {} } });
  }

  /** Server-side apply, simplified: the applied fields replace the live ones; status is kept. */
  private apply(existing: KubeObject | undefined, applied: KubeObject, namespace: string | undefined): KubeObject {
    if (!existing) {
      const object: KubeObject = { ...applied, metadata: { ...applied.metadata, ...(namespace ? { namespace } : {}), generation: 1 } };
      delete object.status;
      // A CRD is served (Established) as soon as it is stored; the Flux controllers' scripts decide the rest.
      if (object.kind === 'CustomResourceDefinition') object.status = { conditions: [{ type: 'Established', status: 'True', reason: 'InitialNamesAccepted' }] };
      return this.put(object);
    }
    const merged = mergePatch(existing, { ...applied, status: undefined }) as KubeObject;
    merged.status = existing.status;
    if (JSON.stringify(merged.spec) !== JSON.stringify(existing.spec)) merged.metadata.generation = (existing.metadata.generation ?? 1) + 1;
    return this.put(merged);
  }
}

export async function startKubeServer(options: KubeServerOptions = {}): Promise<KubeServer> {
  return new KubeServer(options).start();
}

function key(group: string, resource: string, namespace: string | undefined, name: string): string {
  return `${group}/${resource}/${namespace ?? ''}/${name}`;
}

function send(res: ServerResponse, code: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(code, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

function status(code: number, reason: string, message: string, details?: Record<string, unknown>): Record<string, unknown> {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, ...(details ? { details } : {}), code };
}

/** RFC 7386 JSON merge patch. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return structuredClone(patch);
  const result: Record<string, unknown> =
    target !== null && typeof target === 'object' && !Array.isArray(target) ? structuredClone(target as Record<string, unknown>) : {};
  for (const [k, v] of Object.entries(patch as Record<string, unknown>)) {
    if (v === null || v === undefined) delete result[k];
    else result[k] = mergePatch(result[k], v);
  }
  return result;
}

/** Equality-based label selectors (`a=b,c!=d,e`), the subset kubectl -l produces here. */
function matchesSelector(labels: Record<string, string>, selector: string): boolean {
  if (selector === '') return true;
  return selector.split(',').every((term) => {
    const neq = /^([^!=]+)!=(.*)$/.exec(term);
    if (neq) return labels[neq[1]!] !== neq[2];
    const eq = /^([^=]+)==?(.*)$/.exec(term);
    if (eq) return labels[eq[1]!] === eq[2];
    return term in labels;
  });
}

/* ------------------------------------------------------------------------------------------------
 * Scripted Flux controllers: make the Flux objects and controller Deployments in a KubeServer move
 * along over time the way the real controllers report it (conditions, observedGeneration,
 * lastHandledReconcileAt, dependsOn, objects created by a Kustomization when it applies).
 * ---------------------------------------------------------------------------------------------- */

export type FluxKind = 'GitRepository' | 'Kustomization' | 'HelmRelease';

export interface ScriptedObject {
  kind: FluxKind;
  namespace: string;
  name: string;
  /** How long a reconcile takes (from creation, a reconcile request, or its dependencies ready). */
  readyAfterMs?: number;
  /** Ends with Ready=False and this reason and message instead of Ready=True. */
  fail?: { reason: string; message: string };
  /** Never finishes (Reconciling=True forever). */
  hang?: boolean;
  /** Created by this Kustomization (namespace/name) when it applies; with its labels. */
  createdBy?: string;
  /** spec.dependsOn (names in the same namespace, or namespace/name). */
  dependsOn?: string[];
  /** spec of the created object (sourceRef, path, ...). */
  spec?: Record<string, unknown>;
}

const FLUX_RESOURCES: Record<FluxKind, { group: string; version: string; resource: string }> = {
  GitRepository: { group: 'source.toolkit.fluxcd.io', version: 'v1', resource: 'gitrepositories' },
  Kustomization: { group: 'kustomize.toolkit.fluxcd.io', version: 'v1', resource: 'kustomizations' },
  HelmRelease: { group: 'helm.toolkit.fluxcd.io', version: 'v2', resource: 'helmreleases' },
};

interface SimState {
  since: number;
  requestedAt?: string;
  generation: number;
  applied: boolean;
}

/**
 * A controller callback for KubeServer. Objects without a script become Ready after
 * `defaultReadyAfterMs`. Controller Deployments become available `controllersAfterMs` after they
 * are created.
 */
export function fluxControllers(script: ScriptedObject[], options: { defaultReadyAfterMs?: number; controllersAfterMs?: number } = {}) {
  const states = new Map<string, SimState>();
  const find = (kind: string, namespace: string, name: string) => script.find((s) => s.kind === kind && s.namespace === namespace && s.name === name);
  const depRef = (dep: string, namespace: string) => (dep.includes('/') ? dep.split('/') : [namespace, dep]) as [string, string];

  return (server: KubeServer, now: number): void => {
    for (const d of server.list('apps', 'deployments')) {
      const created = Date.parse(d.metadata.creationTimestamp ?? new Date(now).toISOString());
      const replicas = ((d.spec ?? {}) as { replicas?: number }).replicas ?? 1;
      const available = now - created >= (options.controllersAfterMs ?? 0);
      const status = {
        observedGeneration: d.metadata.generation,
        replicas,
        updatedReplicas: replicas,
        readyReplicas: available ? replicas : 0,
        availableReplicas: available ? replicas : 0,
        conditions: [{ type: 'Available', status: available ? 'True' : 'False', reason: available ? 'MinimumReplicasAvailable' : 'MinimumReplicasUnavailable' }],
      };
      if (JSON.stringify(d.status) !== JSON.stringify(status)) server.setStatus('apps', 'deployments', d.metadata.namespace, d.metadata.name, status);
    }
    // Sources first, then Kustomizations (which create objects), then HelmReleases.
    for (const kind of ['GitRepository', 'Kustomization', 'HelmRelease'] as FluxKind[]) {
      const r = FLUX_RESOURCES[kind];
      for (const o of server.list(r.group, r.resource)) {
        const ns = o.metadata.namespace ?? 'default';
        const key = `${kind}/${ns}/${o.metadata.name}`;
        const s = find(kind, ns, o.metadata.name);
        const requestedAt = o.metadata.annotations?.['reconcile.fluxcd.io/requestedAt'];
        let state = states.get(key);
        if (!state) {
          state = { since: now, requestedAt, generation: o.metadata.generation ?? 1, applied: false };
          states.set(key, state);
          // Objects that exist at the start with a status keep it until something asks for a reconcile.
          if (o.status?.conditions) continue;
        }
        const status = (o.status ?? {}) as Record<string, unknown>;
        if (requestedAt !== state.requestedAt || (o.metadata.generation ?? 1) !== state.generation) {
          state.since = now;
          state.requestedAt = requestedAt;
          state.generation = o.metadata.generation ?? 1;
        } else if (status.lastHandledReconcileAt === requestedAt && (status.observedGeneration as number | undefined) === state.generation && isFinal(status)) {
          continue;
        }
        const deps = ((o.spec?.dependsOn as { name: string; namespace?: string }[] | undefined) ?? []).map((d) => [d.namespace ?? ns, d.name] as [string, string]);
        const source = o.spec?.sourceRef as { kind?: string; name?: string; namespace?: string } | undefined;
        const notReady = deps.find(([dns, dname]) => !isReady(server.get(r.group, r.resource, dns, dname)));
        const base = { observedGeneration: state.generation, lastHandledReconcileAt: requestedAt };
        if (notReady) {
          state.since = now;
          write(server, kind, o, {
            ...base,
            conditions: [condition('Ready', 'False', 'DependencyNotReady', `dependency '${notReady[0]}/${notReady[1]}' is not ready`, state.generation)],
          });
          continue;
        }
        if (kind === 'Kustomization' && source?.kind === 'GitRepository') {
          const src = server.get('source.toolkit.fluxcd.io', 'gitrepositories', source.namespace ?? ns, source.name ?? '');
          if (!isReady(src)) {
            state.since = now;
            write(server, kind, o, { ...base, conditions: [condition('Ready', 'False', 'ArtifactFailed', 'Source artifact not found, retrying in 30s', state.generation)] });
            continue;
          }
        }
        const after = s?.readyAfterMs ?? options.defaultReadyAfterMs ?? 0;
        if (s?.hang || now - state.since < after) {
          write(server, kind, o, {
            observedGeneration: state.generation,
            lastHandledReconcileAt: status.lastHandledReconcileAt,
            conditions: [condition('Reconciling', 'True', 'Progressing', 'reconciliation in progress', state.generation), condition('Ready', 'Unknown', 'Progressing', 'reconciliation in progress', state.generation)],
          });
          continue;
        }
        if (kind === 'Kustomization' && !state.applied && s?.fail?.reason !== 'BuildFailed') {
          state.applied = true;
          for (const child of script.filter((c) => c.createdBy === `${ns}/${o.metadata.name}`)) createChild(server, child, ns, o.metadata.name, depRef);
        }
        if (s?.fail) {
          write(server, kind, o, { ...base, conditions: [condition('Ready', 'False', s.fail.reason, s.fail.message, state.generation)] });
          continue;
        }
        write(server, kind, o, {
          ...base,
          ...(kind === 'GitRepository' ? { artifact: { revision: 'master@sha1:0123456789abcdef' } } : {}),
          conditions: [condition('Ready', 'True', kind === 'HelmRelease' ? 'InstallSucceeded' : kind === 'GitRepository' ? 'Succeeded' : 'ReconciliationSucceeded', kind === 'HelmRelease' ? 'Helm install succeeded' : 'Applied revision: master@sha1:0123456789abcdef', state.generation)],
        });
      }
    }
  };
}

function createChild(server: KubeServer, child: ScriptedObject, parentNs: string, parentName: string, depRef: (d: string, ns: string) => [string, string]): void {
  const r = FLUX_RESOURCES[child.kind];
  if (server.get(r.group, r.resource, child.namespace, child.name)) return;
  server.put({
    apiVersion: `${r.group}/${r.version}`,
    kind: child.kind,
    metadata: {
      name: child.name,
      namespace: child.namespace,
      labels: { 'kustomize.toolkit.fluxcd.io/name': parentName, 'kustomize.toolkit.fluxcd.io/namespace': parentNs },
    },
    spec: {
      ...child.spec,
      ...(child.dependsOn ? { dependsOn: child.dependsOn.map((d) => { const [namespace, name] = depRef(d, child.namespace); return { name, namespace }; }) } : {}),
    },
  });
}

function condition(type: string, status: string, reason: string, message: string, observedGeneration: number) {
  return { type, status, reason, message, observedGeneration, lastTransitionTime: new Date().toISOString() };
}

function isFinal(status: Record<string, unknown>): boolean {
  const ready = ((status.conditions ?? []) as { type: string; status: string; reason?: string }[]).find((c) => c.type === 'Ready');
  return ready !== undefined && ready.status !== 'Unknown' && ready.reason !== 'DependencyNotReady' && ready.reason !== 'ArtifactFailed';
}

function isReady(o: KubeObject | undefined): boolean {
  if (!o) return false;
  const ready = ((o.status?.conditions ?? []) as { type: string; status: string }[]).find((c) => c.type === 'Ready');
  return ready?.status === 'True' && (o.status?.observedGeneration as number | undefined) === o.metadata.generation;
}

function write(server: KubeServer, kind: FluxKind, o: KubeObject, status: Record<string, unknown>): void {
  const r = FLUX_RESOURCES[kind];
  const clean = Object.fromEntries(Object.entries(status).filter(([, v]) => v !== undefined));
  const before = JSON.stringify({ ...o.status, conditions: undefined });
  const after = JSON.stringify({ ...clean, conditions: undefined });
  const sameConditions = JSON.stringify(((o.status?.conditions ?? []) as { type: string; status: string; reason?: string; message?: string }[]).map((c) => [c.type, c.status, c.reason, c.message])) ===
    JSON.stringify(((clean.conditions ?? []) as { type: string; status: string; reason?: string; message?: string }[]).map((c) => [c.type, c.status, c.reason, c.message]));
  if (before === after && sameConditions) return;
  server.setStatus(r.group, r.resource, o.metadata.namespace, o.metadata.name, clean);
}

/** A loopback HTTP server for release assets (install.yaml, checksums): path -> content. */
export async function startFileServer(files: Record<string, string | Buffer>): Promise<{ url: string; requests: string[]; close: () => Promise<void> }> {
  const requests: string[] = [];
  const server = createServer((req, res) => {
    requests.push(req.url ?? '');
    const body = files[req.url ?? ''];
    if (body === undefined) {
      res.writeHead(404, { 'Content-Type': 'text/plain' });
      res.end('Not Found');
      return;
    }
    res.writeHead(200, { 'Content-Type': 'application/octet-stream' });
    res.end(body);
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    requests,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((done) => server.close(() => done()));
    },
  };
}
