import { any, arr, bool, kind, obj, open, str, strings } from './builders';
import { labelSelector } from './kubernetes';
import type { Schema } from './validator';

/**
 * Schemas for the custom resources this home lab uses whose CRDs are installed by Helm charts (so
 * they are not in the tree). A CRD found in the tree always wins over these. BitwardenSecret and the
 * MetalLB kinds are strict (their APIs are small and stable); the cert-manager issuers type the
 * fields people set and keep the solver/provider blocks free-form.
 */
export const crdSchemas: Record<string, Schema> = {
  'k8s.bitwarden.com/v1/BitwardenSecret': kind(
    {
      spec: obj(
        {
          organizationId: str,
          secretName: str,
          authToken: obj({ secretName: str, secretKey: str }, ['secretName', 'secretKey']),
          map: arr(obj({ bwSecretId: str, secretKeyName: str }, ['bwSecretId', 'secretKeyName'])),
          onlyMappedSecrets: bool,
        },
        ['organizationId', 'secretName', 'authToken'],
      ),
    },
    ['spec'],
  ),
  'metallb.io/v1beta1/IPAddressPool': kind({ spec: obj({ addresses: strings, autoAssign: bool, avoidBuggyIPs: bool, serviceAllocation: any }, ['addresses']) }, ['spec']),
  'metallb.io/v1beta1/L2Advertisement': kind({
    spec: obj({ ipAddressPools: strings, ipAddressPoolSelectors: arr(labelSelector), nodeSelectors: arr(labelSelector), interfaces: strings }),
  }),
  ...Object.fromEntries(
    ['Issuer', 'ClusterIssuer'].map((k) => [
      `cert-manager.io/v1/${k}`,
      kind(
        {
          spec: obj({
            acme: open(
              {
                server: str,
                email: str,
                privateKeySecretRef: obj({ name: str, key: str }, ['name']),
                solvers: arr(open({ selector: any, dns01: any, http01: any })),
                skipTLSVerify: bool,
                disableAccountKeyGeneration: bool,
                enableDurationFeature: bool,
              },
              ['server', 'privateKeySecretRef'],
            ),
            ca: obj({ secretName: str, crlDistributionPoints: strings, ocspServers: strings, issuingCertificateURLs: strings }, ['secretName']),
            selfSigned: obj({ crlDistributionPoints: strings }),
            vault: any,
            venafi: any,
          }),
        },
        ['spec'],
      ),
    ]),
  ),
};
