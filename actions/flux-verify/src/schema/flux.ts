import { any, arr, bool, int, kind, obj, oneOf, str, stringMap, strings } from './builders';
import type { Schema } from './validator';

/**
 * Strict schemas for the Flux 2.9 APIs (kustomize.toolkit.fluxcd.io/v1, helm.toolkit.fluxcd.io/v2,
 * source.toolkit.fluxcd.io/v1), written from the Flux API reference. Durations use the CRDs'
 * pattern, so `interval: 10` or `interval: 5min` is caught here instead of by the controller.
 */

const duration: Schema = { type: 'string', pattern: '^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$' };
const localRef = obj({ name: str }, ['name']);
const selector = obj({ group: str, version: str, kind: str, name: str, namespace: str, annotationSelector: str, labelSelector: str });
const crossRef = (kinds: string[]) => obj({ apiVersion: str, kind: oneOf(...kinds), name: str, namespace: str }, ['kind', 'name']);
const dependsOn = arr(obj({ name: str, namespace: str, readyExpr: str }, ['name']));
const kubeConfig = obj({ secretRef: obj({ name: str, key: str }, ['name']), configMapRef: obj({ name: str }, ['name']) });
const commonMetadata = obj({ labels: stringMap, annotations: stringMap });
const sourceVerify = obj({ provider: oneOf('cosign', 'notation'), secretRef: localRef, matchOIDCIdentity: arr(obj({ issuer: str, subject: str }, ['issuer', 'subject'])) }, ['provider']);

const kustomizationSpec = obj(
  {
    interval: duration,
    retryInterval: duration,
    timeout: duration,
    sourceRef: crossRef(['OCIRepository', 'GitRepository', 'Bucket', 'ExternalArtifact']),
    path: str,
    prune: bool,
    deletionPolicy: oneOf('MirrorPrune', 'Delete', 'WaitForTermination', 'Orphan'),
    wait: bool,
    force: bool,
    suspend: bool,
    dependsOn,
    targetNamespace: str,
    namePrefix: str,
    nameSuffix: str,
    serviceAccountName: str,
    kubeConfig,
    patches: arr(obj({ patch: str, target: selector }, ['patch'])),
    images: arr(obj({ name: str, newName: str, newTag: str, digest: str }, ['name'])),
    components: strings,
    ignoreMissingComponents: bool,
    commonMetadata,
    healthChecks: arr(obj({ apiVersion: str, kind: str, name: str, namespace: str }, ['kind', 'name'])),
    healthCheckExprs: arr(obj({ apiVersion: str, kind: str, current: str, inProgress: str, failed: str }, ['apiVersion', 'kind', 'current'])),
    decryption: obj({ provider: oneOf('sops'), secretRef: localRef, serviceAccountName: str }, ['provider']),
    postBuild: obj({
      substitute: stringMap,
      substituteFrom: arr(obj({ kind: oneOf('Secret', 'ConfigMap'), name: str, optional: bool }, ['kind', 'name'])),
    }),
  },
  ['interval', 'prune', 'sourceRef'],
);

const remediation = obj({ retries: int, ignoreTestFailures: bool, remediateLastFailure: bool, strategy: oneOf('rollback', 'uninstall') });
const crds = oneOf('Skip', 'Create', 'CreateReplace');
const helmReleaseSpec = obj(
  {
    chart: obj(
      {
        spec: obj(
          {
            chart: str,
            version: str,
            sourceRef: crossRef(['HelmRepository', 'GitRepository', 'Bucket']),
            interval: duration,
            reconcileStrategy: oneOf('ChartVersion', 'Revision'),
            valuesFiles: strings,
            ignoreMissingValuesFiles: bool,
            verify: sourceVerify,
          },
          ['chart', 'sourceRef'],
        ),
        metadata: commonMetadata,
      },
      ['spec'],
    ),
    chartRef: crossRef(['OCIRepository', 'HelmChart', 'ExternalArtifact']),
    interval: duration,
    kubeConfig,
    suspend: bool,
    releaseName: str,
    targetNamespace: str,
    storageNamespace: str,
    dependsOn,
    timeout: duration,
    maxHistory: int,
    serviceAccountName: str,
    persistentClient: bool,
    driftDetection: obj({ mode: oneOf('enabled', 'warn', 'disabled'), ignore: arr(any) }),
    install: obj({
      timeout: duration,
      remediation,
      disableWait: bool,
      disableWaitForJobs: bool,
      disableHooks: bool,
      disableOpenAPIValidation: bool,
      disableSchemaValidation: bool,
      disableTakeOwnership: bool,
      replace: bool,
      skipCRDs: bool,
      crds,
      createNamespace: bool,
      strategy: obj({ name: oneOf('RemediateOnFailure', 'RetryOnFailure'), retryInterval: duration }, ['name']),
    }),
    upgrade: obj({
      timeout: duration,
      remediation,
      disableWait: bool,
      disableWaitForJobs: bool,
      disableHooks: bool,
      disableOpenAPIValidation: bool,
      disableSchemaValidation: bool,
      disableTakeOwnership: bool,
      force: bool,
      preserveValues: bool,
      cleanupOnFail: bool,
      crds,
      strategy: obj({ name: oneOf('RemediateOnFailure', 'RetryOnFailure'), retryInterval: duration }, ['name']),
    }),
    test: obj({ enable: bool, ignoreFailures: bool, timeout: duration, filters: arr(obj({ name: str, exclude: bool }, ['name'])) }),
    rollback: obj({ timeout: duration, disableWait: bool, disableWaitForJobs: bool, disableHooks: bool, recreate: bool, force: bool, cleanupOnFail: bool }),
    uninstall: obj({ timeout: duration, disableHooks: bool, keepHistory: bool, disableWait: bool, deletionPropagation: oneOf('background', 'foreground', 'orphan') }),
    valuesFrom: arr(obj({ kind: oneOf('Secret', 'ConfigMap'), name: str, valuesKey: str, targetPath: str, optional: bool }, ['kind', 'name'])),
    values: any,
    postRenderers: arr(any),
    commonMetadata,
  },
  ['interval'],
);

const gitRepositorySpec = obj(
  {
    url: { type: 'string', pattern: '^(http|https|ssh)://.*$' },
    secretRef: localRef,
    provider: oneOf('generic', 'azure', 'github'),
    serviceAccountName: str,
    interval: duration,
    timeout: duration,
    ref: obj({ branch: str, tag: str, semver: str, name: str, commit: str }),
    verify: obj({ mode: oneOf('head', 'HEAD', 'Tag', 'TagAndHEAD'), secretRef: localRef }, ['secretRef']),
    proxySecretRef: localRef,
    ignore: str,
    suspend: bool,
    recurseSubmodules: bool,
    include: arr(obj({ repository: localRef, fromPath: str, toPath: str }, ['repository'])),
    sparseCheckout: strings,
  },
  ['url', 'interval'],
);
const ociRepositorySpec = obj(
  {
    url: { type: 'string', pattern: '^oci://.*$' },
    ref: obj({ digest: str, semver: str, semverFilter: str, tag: str }),
    layerSelector: obj({ mediaType: str, operation: oneOf('extract', 'copy') }),
    provider: oneOf('generic', 'aws', 'azure', 'gcp'),
    secretRef: localRef,
    verify: sourceVerify,
    serviceAccountName: str,
    certSecretRef: localRef,
    proxySecretRef: localRef,
    interval: duration,
    timeout: duration,
    ignore: str,
    insecure: bool,
    suspend: bool,
  },
  ['url', 'interval'],
);
const helmRepositorySpec = obj(
  {
    url: { type: 'string', pattern: '^(http|https|oci)://.*$' },
    secretRef: localRef,
    certSecretRef: localRef,
    passCredentials: bool,
    insecure: bool,
    interval: duration,
    timeout: duration,
    suspend: bool,
    accessFrom: any,
    type: oneOf('default', 'oci'),
    provider: oneOf('generic', 'aws', 'azure', 'gcp'),
  },
  ['url'],
);
const helmChartSpec = obj(
  {
    chart: str,
    version: str,
    sourceRef: obj({ apiVersion: str, kind: oneOf('HelmRepository', 'GitRepository', 'Bucket'), name: str }, ['kind', 'name']),
    interval: duration,
    reconcileStrategy: oneOf('ChartVersion', 'Revision'),
    valuesFiles: strings,
    ignoreMissingValuesFiles: bool,
    suspend: bool,
    verify: sourceVerify,
  },
  ['chart', 'sourceRef', 'interval'],
);
const bucketSpec = obj(
  {
    provider: oneOf('generic', 'aws', 'gcp', 'azure'),
    bucketName: str,
    endpoint: str,
    sts: any,
    insecure: bool,
    region: str,
    prefix: str,
    secretRef: localRef,
    certSecretRef: localRef,
    proxySecretRef: localRef,
    serviceAccountName: str,
    interval: duration,
    timeout: duration,
    ignore: str,
    suspend: bool,
  },
  ['bucketName', 'endpoint', 'interval'],
);

export const fluxSchemas: Record<string, Schema> = {
  'kustomize.toolkit.fluxcd.io/v1/Kustomization': kind({ spec: kustomizationSpec }, ['spec']),
  'helm.toolkit.fluxcd.io/v2/HelmRelease': kind({ spec: helmReleaseSpec }, ['spec']),
  'source.toolkit.fluxcd.io/v1/GitRepository': kind({ spec: gitRepositorySpec }, ['spec']),
  'source.toolkit.fluxcd.io/v1/OCIRepository': kind({ spec: ociRepositorySpec }, ['spec']),
  'source.toolkit.fluxcd.io/v1/HelmRepository': kind({ spec: helmRepositorySpec }, ['spec']),
  'source.toolkit.fluxcd.io/v1/HelmChart': kind({ spec: helmChartSpec }, ['spec']),
  'source.toolkit.fluxcd.io/v1/Bucket': kind({ spec: bucketSpec }, ['spec']),
};

/** The API versions Flux 2.9 serves for each kind; anything older is deprecated or removed. */
export const currentFluxVersions: Record<string, string> = {
  'kustomize.toolkit.fluxcd.io/Kustomization': 'v1',
  'helm.toolkit.fluxcd.io/HelmRelease': 'v2',
  'source.toolkit.fluxcd.io/GitRepository': 'v1',
  'source.toolkit.fluxcd.io/OCIRepository': 'v1',
  'source.toolkit.fluxcd.io/HelmRepository': 'v1',
  'source.toolkit.fluxcd.io/HelmChart': 'v1',
  'source.toolkit.fluxcd.io/Bucket': 'v1',
  'notification.toolkit.fluxcd.io/Alert': 'v1beta3',
  'notification.toolkit.fluxcd.io/Provider': 'v1beta3',
  'notification.toolkit.fluxcd.io/Receiver': 'v1',
  'image.toolkit.fluxcd.io/ImageRepository': 'v1',
  'image.toolkit.fluxcd.io/ImagePolicy': 'v1',
  'image.toolkit.fluxcd.io/ImageUpdateAutomation': 'v1',
};

