import { any, arr, bool, int, intOrString, kind, map, obj, objectMeta, oneOf, open, str, stringMap, strings } from './builders';
import type { Schema } from './validator';

/**
 * Strict structural schemas for the Kubernetes kinds that Flux repositories use, written from the
 * Kubernetes 1.3x API reference: the fields people set, their types and required fields, at the
 * depth where mistakes happen (pod specs, containers, probes, volumes). Rarely used sub-objects are
 * free-form (`any`) rather than guessed.
 */

const quantity = intOrString;
const resourceList = map(quantity);
const localRef = obj({ name: str });

export const labelSelector = obj({
  matchLabels: stringMap,
  matchExpressions: arr(obj({ key: str, operator: str, values: strings }, ['key', 'operator'])),
});

const keySelector = obj({ name: str, key: str, optional: bool }, ['key']);
const envVar = obj(
  {
    name: str,
    value: str,
    valueFrom: obj({
      configMapKeyRef: keySelector,
      secretKeyRef: keySelector,
      fieldRef: obj({ apiVersion: str, fieldPath: str }, ['fieldPath']),
      resourceFieldRef: obj({ containerName: str, resource: str, divisor: quantity }, ['resource']),
      fileKeyRef: any,
    }),
  },
  ['name'],
);
const envFrom = obj({ prefix: str, configMapRef: obj({ name: str, optional: bool }), secretRef: obj({ name: str, optional: bool }) });
const httpGet = obj({ path: str, port: intOrString, host: str, scheme: oneOf('HTTP', 'HTTPS'), httpHeaders: arr(obj({ name: str, value: str }, ['name', 'value'])) }, ['port']);
const tcpSocket = obj({ port: intOrString, host: str }, ['port']);
const execAction = obj({ command: strings });
const probe = obj({
  exec: execAction,
  httpGet,
  tcpSocket,
  grpc: obj({ port: int, service: str }, ['port']),
  initialDelaySeconds: int,
  timeoutSeconds: int,
  periodSeconds: int,
  successThreshold: int,
  failureThreshold: int,
  terminationGracePeriodSeconds: int,
});
const lifecycleHandler = obj({ exec: execAction, httpGet, tcpSocket, sleep: obj({ seconds: int }, ['seconds']) });
const seccompProfile = obj({ type: oneOf('RuntimeDefault', 'Unconfined', 'Localhost'), localhostProfile: str }, ['type']);
const appArmorProfile = obj({ type: oneOf('RuntimeDefault', 'Unconfined', 'Localhost'), localhostProfile: str }, ['type']);
const seLinuxOptions = obj({ user: str, role: str, type: str, level: str });
const containerSecurityContext = obj({
  capabilities: obj({ add: strings, drop: strings }),
  privileged: bool,
  seLinuxOptions,
  windowsOptions: any,
  runAsUser: int,
  runAsGroup: int,
  runAsNonRoot: bool,
  readOnlyRootFilesystem: bool,
  allowPrivilegeEscalation: bool,
  procMount: str,
  seccompProfile,
  appArmorProfile,
});
const container = obj(
  {
    name: str,
    image: str,
    command: strings,
    args: strings,
    workingDir: str,
    ports: arr(obj({ name: str, containerPort: int, hostPort: int, hostIP: str, protocol: oneOf('TCP', 'UDP', 'SCTP') }, ['containerPort'])),
    env: arr(envVar),
    envFrom: arr(envFrom),
    resources: obj({ limits: resourceList, requests: resourceList, claims: arr(obj({ name: str, request: str }, ['name'])) }),
    resizePolicy: arr(obj({ resourceName: str, restartPolicy: str }, ['resourceName', 'restartPolicy'])),
    restartPolicy: str,
    volumeMounts: arr(obj({ name: str, mountPath: str, readOnly: bool, recursiveReadOnly: str, subPath: str, subPathExpr: str, mountPropagation: str }, ['name', 'mountPath'])),
    volumeDevices: arr(obj({ name: str, devicePath: str }, ['name', 'devicePath'])),
    livenessProbe: probe,
    readinessProbe: probe,
    startupProbe: probe,
    lifecycle: obj({ postStart: lifecycleHandler, preStop: lifecycleHandler, stopSignal: str }),
    terminationMessagePath: str,
    terminationMessagePolicy: oneOf('File', 'FallbackToLogsOnError'),
    imagePullPolicy: oneOf('Always', 'Never', 'IfNotPresent'),
    securityContext: containerSecurityContext,
    stdin: bool,
    stdinOnce: bool,
    tty: bool,
  },
  ['name'],
);
const keyToPath = arr(obj({ key: str, path: str, mode: int }, ['key', 'path']));
const volume = obj(
  {
    name: str,
    emptyDir: obj({ medium: str, sizeLimit: quantity }),
    configMap: obj({ name: str, items: keyToPath, defaultMode: int, optional: bool }),
    secret: obj({ secretName: str, items: keyToPath, defaultMode: int, optional: bool }),
    persistentVolumeClaim: obj({ claimName: str, readOnly: bool }, ['claimName']),
    hostPath: obj({ path: str, type: str }, ['path']),
    nfs: obj({ server: str, path: str, readOnly: bool }, ['server', 'path']),
    projected: obj({ sources: arr(any), defaultMode: int }),
    downwardAPI: obj({ items: arr(any), defaultMode: int }),
    csi: obj({ driver: str, readOnly: bool, fsType: str, volumeAttributes: stringMap, nodePublishSecretRef: localRef }, ['driver']),
    ephemeral: obj({ volumeClaimTemplate: any }),
    image: obj({ reference: str, pullPolicy: str }),
    iscsi: any,
    cephfs: any,
    rbd: any,
    local: any,
  },
  ['name'],
);
const podSecurityContext = obj({
  runAsUser: int,
  runAsGroup: int,
  runAsNonRoot: bool,
  fsGroup: int,
  fsGroupChangePolicy: oneOf('OnRootMismatch', 'Always'),
  supplementalGroups: arr(int),
  supplementalGroupsPolicy: str,
  seccompProfile,
  appArmorProfile,
  seLinuxOptions,
  seLinuxChangePolicy: str,
  sysctls: arr(obj({ name: str, value: str }, ['name', 'value'])),
  windowsOptions: any,
});
export const podSpec = obj(
  {
    volumes: arr(volume),
    initContainers: arr(container),
    containers: arr(container),
    ephemeralContainers: arr(any),
    restartPolicy: oneOf('Always', 'OnFailure', 'Never'),
    terminationGracePeriodSeconds: int,
    activeDeadlineSeconds: int,
    dnsPolicy: oneOf('ClusterFirstWithHostNet', 'ClusterFirst', 'Default', 'None'),
    nodeSelector: stringMap,
    serviceAccountName: str,
    serviceAccount: str,
    automountServiceAccountToken: bool,
    nodeName: str,
    hostNetwork: bool,
    hostPID: bool,
    hostIPC: bool,
    hostUsers: bool,
    shareProcessNamespace: bool,
    securityContext: podSecurityContext,
    imagePullSecrets: arr(localRef),
    hostname: str,
    subdomain: str,
    setHostnameAsFQDN: bool,
    affinity: obj({ nodeAffinity: any, podAffinity: any, podAntiAffinity: any }),
    schedulerName: str,
    tolerations: arr(obj({ key: str, operator: oneOf('Exists', 'Equal'), value: str, effect: str, tolerationSeconds: int })),
    hostAliases: arr(obj({ ip: str, hostnames: strings }, ['ip'])),
    priorityClassName: str,
    priority: int,
    preemptionPolicy: str,
    dnsConfig: obj({ nameservers: strings, searches: strings, options: arr(obj({ name: str, value: str })) }),
    readinessGates: arr(obj({ conditionType: str }, ['conditionType'])),
    runtimeClassName: str,
    enableServiceLinks: bool,
    overhead: resourceList,
    topologySpreadConstraints: arr(
      obj(
        {
          maxSkew: int,
          topologyKey: str,
          whenUnsatisfiable: oneOf('DoNotSchedule', 'ScheduleAnyway'),
          labelSelector,
          minDomains: int,
          nodeAffinityPolicy: str,
          nodeTaintsPolicy: str,
          matchLabelKeys: strings,
        },
        ['maxSkew', 'topologyKey', 'whenUnsatisfiable'],
      ),
    ),
    os: obj({ name: str }, ['name']),
    schedulingGates: arr(obj({ name: str }, ['name'])),
    resourceClaims: arr(any),
    resources: obj({ limits: resourceList, requests: resourceList }),
  },
  ['containers'],
);
const podTemplate = obj({ metadata: objectMeta, spec: podSpec });
const pvcSpec = obj({
  accessModes: strings,
  resources: obj({ requests: resourceList, limits: resourceList }),
  storageClassName: str,
  volumeName: str,
  volumeMode: oneOf('Filesystem', 'Block'),
  selector: labelSelector,
  dataSource: any,
  dataSourceRef: any,
  volumeAttributesClassName: str,
});
const jobSpec = obj(
  {
    template: podTemplate,
    parallelism: int,
    completions: int,
    activeDeadlineSeconds: int,
    backoffLimit: int,
    backoffLimitPerIndex: int,
    maxFailedIndexes: int,
    selector: labelSelector,
    manualSelector: bool,
    ttlSecondsAfterFinished: int,
    completionMode: oneOf('NonIndexed', 'Indexed'),
    suspend: bool,
    podFailurePolicy: any,
    podReplacementPolicy: str,
    successPolicy: any,
    managedBy: str,
  },
  ['template'],
);
const policyRule = obj({ apiGroups: strings, resources: strings, verbs: strings, resourceNames: strings, nonResourceURLs: strings }, ['verbs']);
const roleRef = obj({ apiGroup: str, kind: str, name: str }, ['apiGroup', 'kind', 'name']);
const subject = obj({ kind: str, name: str, namespace: str, apiGroup: str }, ['kind', 'name']);
const networkPeer = obj({ podSelector: labelSelector, namespaceSelector: labelSelector, ipBlock: obj({ cidr: str, except: strings }, ['cidr']) });
const networkPort = obj({ protocol: oneOf('TCP', 'UDP', 'SCTP'), port: intOrString, endPort: int });
const serviceBackend = obj({ name: str, port: obj({ name: str, number: int }) }, ['name']);
const ingressBackend = obj({ service: serviceBackend, resource: obj({ apiGroup: str, kind: str, name: str }, ['kind', 'name']) });

/** Keyed by `apiVersion/kind`. */
export const kubernetesSchemas: Record<string, Schema> = {
  'v1/Namespace': kind({ spec: obj({ finalizers: strings }) }),
  'v1/ConfigMap': kind({ data: stringMap, binaryData: stringMap, immutable: bool }),
  'v1/Secret': kind({ data: stringMap, stringData: stringMap, type: str, immutable: bool, sops: any }),
  'v1/ServiceAccount': kind({ secrets: arr(any), imagePullSecrets: arr(localRef), automountServiceAccountToken: bool }),
  'v1/Service': kind({
    spec: obj({
      type: oneOf('ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName'),
      selector: stringMap,
      ports: arr(obj({ name: str, port: int, targetPort: intOrString, protocol: oneOf('TCP', 'UDP', 'SCTP'), nodePort: int, appProtocol: str }, ['port'])),
      clusterIP: str,
      clusterIPs: strings,
      externalIPs: strings,
      loadBalancerIP: str,
      loadBalancerClass: str,
      loadBalancerSourceRanges: strings,
      externalName: str,
      externalTrafficPolicy: oneOf('Cluster', 'Local'),
      internalTrafficPolicy: oneOf('Cluster', 'Local'),
      sessionAffinity: oneOf('ClientIP', 'None'),
      sessionAffinityConfig: any,
      ipFamilies: strings,
      ipFamilyPolicy: oneOf('SingleStack', 'PreferDualStack', 'RequireDualStack'),
      publishNotReadyAddresses: bool,
      allocateLoadBalancerNodePorts: bool,
      healthCheckNodePort: int,
      trafficDistribution: str,
    }),
  }),
  'v1/PersistentVolumeClaim': kind({ spec: pvcSpec }),
  'v1/PersistentVolume': kind({
    spec: obj({
      capacity: resourceList,
      accessModes: strings,
      persistentVolumeReclaimPolicy: oneOf('Retain', 'Delete', 'Recycle'),
      storageClassName: str,
      mountOptions: strings,
      volumeMode: oneOf('Filesystem', 'Block'),
      nfs: obj({ server: str, path: str, readOnly: bool }, ['server', 'path']),
      hostPath: obj({ path: str, type: str }, ['path']),
      local: obj({ path: str, fsType: str }, ['path']),
      csi: any,
      iscsi: any,
      nodeAffinity: any,
      claimRef: any,
      volumeAttributesClassName: str,
    }),
  }),
  'v1/LimitRange': kind({ spec: obj({ limits: arr(any) }, ['limits']) }),
  'v1/ResourceQuota': kind({ spec: obj({ hard: resourceList, scopes: strings, scopeSelector: any }) }),
  'v1/Pod': kind({ spec: podSpec }),
  'apps/v1/Deployment': kind({
    spec: obj(
      {
        replicas: int,
        selector: labelSelector,
        template: podTemplate,
        strategy: obj({ type: oneOf('Recreate', 'RollingUpdate'), rollingUpdate: obj({ maxSurge: intOrString, maxUnavailable: intOrString }) }),
        minReadySeconds: int,
        revisionHistoryLimit: int,
        paused: bool,
        progressDeadlineSeconds: int,
      },
      ['selector', 'template'],
    ),
  }),
  'apps/v1/StatefulSet': kind({
    spec: obj(
      {
        replicas: int,
        selector: labelSelector,
        template: podTemplate,
        serviceName: str,
        volumeClaimTemplates: arr(obj({ apiVersion: str, kind: str, metadata: objectMeta, spec: pvcSpec })),
        podManagementPolicy: oneOf('OrderedReady', 'Parallel'),
        updateStrategy: obj({ type: oneOf('RollingUpdate', 'OnDelete'), rollingUpdate: obj({ partition: int, maxUnavailable: intOrString }) }),
        revisionHistoryLimit: int,
        minReadySeconds: int,
        persistentVolumeClaimRetentionPolicy: obj({ whenDeleted: oneOf('Retain', 'Delete'), whenScaled: oneOf('Retain', 'Delete') }),
        ordinals: obj({ start: int }),
      },
      ['selector', 'template'],
    ),
  }),
  'apps/v1/DaemonSet': kind({
    spec: obj(
      {
        selector: labelSelector,
        template: podTemplate,
        updateStrategy: obj({ type: oneOf('RollingUpdate', 'OnDelete'), rollingUpdate: obj({ maxSurge: intOrString, maxUnavailable: intOrString }) }),
        minReadySeconds: int,
        revisionHistoryLimit: int,
      },
      ['selector', 'template'],
    ),
  }),
  'batch/v1/Job': kind({ spec: jobSpec }),
  'batch/v1/CronJob': kind({
    spec: obj(
      {
        schedule: str,
        timeZone: str,
        startingDeadlineSeconds: int,
        concurrencyPolicy: oneOf('Allow', 'Forbid', 'Replace'),
        suspend: bool,
        jobTemplate: obj({ metadata: objectMeta, spec: jobSpec }),
        successfulJobsHistoryLimit: int,
        failedJobsHistoryLimit: int,
      },
      ['schedule', 'jobTemplate'],
    ),
  }),
  'networking.k8s.io/v1/Ingress': kind({
    spec: obj({
      ingressClassName: str,
      defaultBackend: ingressBackend,
      tls: arr(obj({ hosts: strings, secretName: str })),
      rules: arr(
        obj({
          host: str,
          http: obj({ paths: arr(obj({ path: str, pathType: oneOf('Exact', 'Prefix', 'ImplementationSpecific'), backend: ingressBackend }, ['pathType', 'backend'])) }, ['paths']),
        }),
      ),
    }),
  }),
  'networking.k8s.io/v1/IngressClass': kind({ spec: obj({ controller: str, parameters: any }) }),
  'networking.k8s.io/v1/NetworkPolicy': kind({
    spec: obj({
      podSelector: labelSelector,
      policyTypes: arr(oneOf('Ingress', 'Egress')),
      ingress: arr(obj({ from: arr(networkPeer), ports: arr(networkPort) })),
      egress: arr(obj({ to: arr(networkPeer), ports: arr(networkPort) })),
    }),
  }),
  'rbac.authorization.k8s.io/v1/Role': kind({ rules: arr(policyRule) }),
  'rbac.authorization.k8s.io/v1/ClusterRole': kind({ rules: arr(policyRule), aggregationRule: obj({ clusterRoleSelectors: arr(labelSelector) }) }),
  'rbac.authorization.k8s.io/v1/RoleBinding': kind({ roleRef, subjects: arr(subject) }, ['roleRef']),
  'rbac.authorization.k8s.io/v1/ClusterRoleBinding': kind({ roleRef, subjects: arr(subject) }, ['roleRef']),
  'storage.k8s.io/v1/StorageClass': kind(
    {
      provisioner: str,
      parameters: stringMap,
      reclaimPolicy: oneOf('Retain', 'Delete'),
      volumeBindingMode: oneOf('Immediate', 'WaitForFirstConsumer'),
      allowVolumeExpansion: bool,
      mountOptions: strings,
      allowedTopologies: arr(any),
    },
    ['provisioner'],
  ),
  'policy/v1/PodDisruptionBudget': kind({
    spec: obj({ minAvailable: intOrString, maxUnavailable: intOrString, selector: labelSelector, unhealthyPodEvictionPolicy: oneOf('IfHealthyBudget', 'AlwaysAllow') }),
  }),
  'autoscaling/v2/HorizontalPodAutoscaler': kind({
    spec: obj(
      {
        scaleTargetRef: obj({ apiVersion: str, kind: str, name: str }, ['kind', 'name']),
        minReplicas: int,
        maxReplicas: int,
        metrics: arr(any),
        behavior: any,
      },
      ['scaleTargetRef', 'maxReplicas'],
    ),
  }),
  'scheduling.k8s.io/v1/PriorityClass': kind({ value: int, globalDefault: bool, description: str, preemptionPolicy: str }, ['value']),
  'apiextensions.k8s.io/v1/CustomResourceDefinition': kind({
    spec: open({ group: str, names: any, scope: oneOf('Namespaced', 'Cluster'), versions: arr(any) }, ['group', 'names', 'scope', 'versions']),
  }),
};
