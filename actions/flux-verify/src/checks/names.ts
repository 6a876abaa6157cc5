import { isRecord } from '../render/local-build';
import { describe, fieldLine, type CheckContext } from './context';

/**
 * Names and labels the API server rejects. A substitution gone wrong (`name: ${APP}-db` with an
 * upper-case or empty value) or a typo shows up here instead of as a failed reconciliation.
 */

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const LABEL_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;

/** Built-in API groups whose objects need DNS-subdomain names (RBAC allows ':' and is left out). */
const STRICT_GROUPS = new Set(['', 'apps', 'batch', 'networking.k8s.io', 'policy', 'storage.k8s.io', 'autoscaling', 'scheduling.k8s.io']);

function nameProblem(group: string, kind: string, name: string): string | undefined {
  if (group === '' && kind === 'Service') {
    return name.length <= 63 && DNS_1035_LABEL.test(name) ? undefined : 'a DNS-1035 label (lower-case letters, digits and "-", starting with a letter, at most 63 characters)';
  }
  if (group === '' && kind === 'Namespace') {
    return name.length <= 63 && DNS_LABEL.test(name) ? undefined : 'a DNS-1123 label (lower-case letters, digits and "-", at most 63 characters)';
  }
  if (STRICT_GROUPS.has(group)) {
    return name.length <= 253 && DNS_SUBDOMAIN.test(name) ? undefined : 'a DNS-1123 subdomain (lower-case letters, digits, "-" and ".", at most 253 characters)';
  }
  return name === '' || name === '.' || name === '..' || /[/%]/.test(name) ? 'a name without "/" or "%"' : undefined;
}

function labelKeyProblem(key: string): boolean {
  const slash = key.lastIndexOf('/');
  const name = slash < 0 ? key : key.slice(slash + 1);
  const prefix = slash < 0 ? undefined : key.slice(0, slash);
  if (name.length > 63 || !LABEL_NAME.test(name)) return true;
  return prefix !== undefined && (prefix.length > 253 || !DNS_SUBDOMAIN.test(prefix));
}

export function checkNames(ctx: CheckContext): void {
  for (const o of ctx.render.objects) {
    const problem = nameProblem(o.group, o.kind, o.name);
    if (problem) {
      ctx.add({ rule: 'name-invalid', severity: 'error', file: o.origin.file, line: fieldLine(ctx.render.files, o, ['metadata', 'name']), kustomization: o.kustomization, message: `${describe(o)}: the name '${o.name}' is not ${problem}` });
    }
    const labels = o.object.metadata.labels;
    if (!isRecord(labels)) continue;
    for (const [key, value] of Object.entries(labels)) {
      const badKey = labelKeyProblem(key);
      const badValue = typeof value !== 'string' || value.length > 63 || !LABEL_VALUE.test(value);
      if (!badKey && !badValue) continue;
      ctx.add({
        rule: 'label-invalid',
        severity: 'error',
        file: o.origin.file,
        line: fieldLine(ctx.render.files, o, ['metadata', 'labels', key]),
        kustomization: o.kustomization,
        message: badKey
          ? `${describe(o)}: label key '${key}' is invalid (an optional DNS prefix and '/', then at most 63 letters, digits, '-', '_' or '.')`
          : `${describe(o)}: label ${key} has the value ${JSON.stringify(value)}; a label value is at most 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit`,
      });
    }
  }
}
