// A synthetic Flux repository for benchmarks: the flux-system bootstrap, cluster settings, one
// HelmRepository Kustomization and N-1 app Kustomizations in dependsOn chains of ten, each app a
// realistic mix (Namespace, Deployment, Service, ConfigMap, HelmRelease; every fifth app with a
// configMapGenerator for its Helm values, which needs the real kustomize), with post-build
// substitution from the cluster-settings ConfigMap.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const write = (root, file, text) => {
  mkdirSync(join(root, file, '..'), { recursive: true });
  writeFileSync(join(root, file), text);
};

/** Writes the tree under root; returns the Flux Kustomization paths (what a naive script builds). */
export function writeFluxTree(root, kustomizations) {
  const apps = kustomizations - 1;
  const k = 'kubernetes';
  const cluster = `${k}/clusters/production`;
  write(root, `${cluster}/flux-system/kustomization.yaml`, 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - gotk-components.yaml\n  - gotk-sync.yaml\n');
  write(root, `${cluster}/flux-system/gotk-components.yaml`, 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: flux-system\n');
  write(
    root,
    `${cluster}/flux-system/gotk-sync.yaml`,
    `apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata:
  name: flux-system
  namespace: flux-system
spec:
  interval: 1m0s
  ref:
    branch: master
  url: ssh://git@github.com/example/homelab
---
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: flux-system
  namespace: flux-system
spec:
  interval: 10m0s
  path: ./${cluster}
  prune: true
  sourceRef:
    kind: GitRepository
    name: flux-system
`,
  );
  write(root, `${cluster}/cluster-settings.yaml`, 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cluster-settings\n  namespace: flux-system\ndata:\n  CLUSTER_DOMAIN: lab.example.com\n  TIMEZONE: Europe/Berlin\n  STORAGE_CLASS: longhorn-r2\n');
  const ks = (name, path, deps, substitute) => `---
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: ${name}
  namespace: flux-system
spec:
  interval: 1h
  path: ./${path}
  prune: true
  wait: true
${deps.length ? `  dependsOn:\n${deps.map((d) => `    - name: ${d}\n`).join('')}` : ''}  sourceRef:
    kind: GitRepository
    name: flux-system
${substitute ? `  postBuild:\n    substitute:\n      APP_NAME: ${name}\n    substituteFrom:\n      - kind: ConfigMap\n        name: cluster-settings\n` : ''}`;
  const paths = [`${cluster}/flux-system`, `${k}/infrastructure/sources`];
  write(root, `${cluster}/ks/000-sources.yaml`, ks('sources', `${k}/infrastructure/sources`, [], false));
  const repos = ['bitnami', 'jetstack', 'grafana', 'prometheus-community', 'traefik'];
  write(root, `${k}/infrastructure/sources/kustomization.yaml`, `resources:\n${repos.map((r) => `  - ${r}.yaml\n`).join('')}`);
  for (const r of repos) {
    write(root, `${k}/infrastructure/sources/${r}.yaml`, `apiVersion: source.toolkit.fluxcd.io/v1\nkind: HelmRepository\nmetadata:\n  name: ${r}\n  namespace: flux-system\nspec:\n  interval: 12h\n  url: https://charts.example.com/${r}\n`);
  }
  for (let i = 1; i <= apps; i++) {
    const name = `app-${String(i).padStart(3, '0')}`;
    const dir = `${k}/apps/${name}`;
    const deps = i % 10 === 1 ? ['sources'] : [`app-${String(i - 1).padStart(3, '0')}`];
    write(root, `${cluster}/ks/${String(i).padStart(3, '0')}-${name}.yaml`, ks(name, dir, deps, true));
    paths.push(dir);
    const generator = i % 5 === 0;
    write(
      root,
      `${dir}/kustomization.yaml`,
      `apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nnamespace: ${name}\nresources:\n  - namespace.yaml\n  - deployment.yaml\n  - service.yaml\n  - configmap.yaml\n  - helmrelease.yaml\n${
        generator ? 'configMapGenerator:\n  - name: values\n    files:\n      - values.yaml\ngeneratorOptions:\n  disableNameSuffixHash: true\n' : ''
      }`,
    );
    if (generator) write(root, `${dir}/values.yaml`, `replicaCount: 2\npersistence:\n  enabled: true\n  storageClass: longhorn-r2\n`);
    write(root, `${dir}/namespace.yaml`, `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${name}\n`);
    write(
      root,
      `${dir}/deployment.yaml`,
      `apiVersion: apps/v1
kind: Deployment
metadata:
  name: \${APP_NAME}
  labels:
    app.kubernetes.io/name: \${APP_NAME}
spec:
  replicas: 2
  selector:
    matchLabels:
      app.kubernetes.io/name: \${APP_NAME}
  template:
    metadata:
      labels:
        app.kubernetes.io/name: \${APP_NAME}
    spec:
      securityContext:
        runAsNonRoot: true
        runAsUser: 1000
        fsGroup: 1000
      containers:
        - name: app
          image: ghcr.io/example/${name}:1.${i}.0
          env:
            - name: TZ
              value: \${TIMEZONE}
            - name: PUBLIC_URL
              value: https://${name}.\${CLUSTER_DOMAIN}
          envFrom:
            - configMapRef:
                name: ${name}-config
          ports:
            - name: http
              containerPort: 8080
          resources:
            requests:
              cpu: 10m
              memory: 64Mi
            limits:
              memory: 256Mi
          readinessProbe:
            httpGet:
              path: /healthz
              port: http
          volumeMounts:
            - name: tmp
              mountPath: /tmp
      volumes:
        - name: tmp
          emptyDir: {}
`,
    );
    write(root, `${dir}/service.yaml`, `apiVersion: v1\nkind: Service\nmetadata:\n  name: ${name}\nspec:\n  selector:\n    app.kubernetes.io/name: ${name}\n  ports:\n    - name: http\n      port: 80\n      targetPort: http\n`);
    write(root, `${dir}/configmap.yaml`, `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}-config\ndata:\n  LOG_LEVEL: info\n  DOMAIN: ${name}.\${CLUSTER_DOMAIN}\n`);
    const repo = repos[i % repos.length];
    write(
      root,
      `${dir}/helmrelease.yaml`,
      `apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: ${name}-db
spec:
  interval: 30m
  chart:
    spec:
      chart: postgresql
      version: 16.${i % 10}.0
      sourceRef:
        kind: HelmRepository
        name: ${repo}
        namespace: flux-system
${generator ? '  valuesFrom:\n    - kind: ConfigMap\n      name: values\n' : ''}  values:
    auth:
      database: \${APP_NAME}
    primary:
      persistence:
        storageClass: \${STORAGE_CLASS}
`,
    );
  }
  return paths;
}
