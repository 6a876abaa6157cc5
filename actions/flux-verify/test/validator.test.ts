import { describe, expect, it } from 'vitest';
import { kubernetesSchemas } from '../src/schema/kubernetes';
import { fluxSchemas } from '../src/schema/flux';
import { validate, type Schema } from '../src/schema/validator';

const messages = (value: unknown, schema: Schema) => validate(value, schema).map((v) => v.message);
const deployment = kubernetesSchemas['apps/v1/Deployment']!;
const base = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'web', labels: { app: 'web' } },
  spec: {
    selector: { matchLabels: { app: 'web' } },
    template: {
      metadata: { labels: { app: 'web' } },
      spec: { containers: [{ name: 'web', image: 'nginx', ports: [{ containerPort: 80 }], resources: { limits: { cpu: '1', memory: 512 } } }] },
    },
  },
};

describe('schema validator', () => {
  it('accepts a valid Deployment (quantities as numbers or strings)', () => {
    expect(messages(base, deployment)).toEqual([]);
  });

  it('reports unknown fields with the path and a suggestion', () => {
    const bad = structuredClone(base) as { spec: { template: { spec: { containers: Record<string, unknown>[] } } } };
    bad.spec.template.spec.containers[0]!.imagePulPolicy = 'Always';
    expect(messages(bad, deployment)).toEqual(['unknown field spec.template.spec.containers[0].imagePulPolicy (did you mean imagePullPolicy?)']);
  });

  it('reports wrong types, enums, required fields and int-or-string', () => {
    const bad = structuredClone(base) as unknown as { spec: Record<string, unknown> & { template: { spec: { containers: Record<string, unknown>[] } } } };
    bad.spec.replicas = '2';
    bad.spec.template.spec.containers[0]!.imagePullPolicy = 'Sometimes';
    bad.spec.template.spec.containers[0]!.readinessProbe = { httpGet: { path: '/' } };
    bad.spec.strategy = { rollingUpdate: { maxSurge: true } };
    expect(messages(bad, deployment).sort()).toEqual([
      'spec.replicas must be an integer, got string ("2")',
      'spec.template.spec.containers[0].imagePullPolicy is "Sometimes"; expected one of "Always", "Never", "IfNotPresent"',
      'spec.template.spec.containers[0].readinessProbe.httpGet.port is required',
      'spec.strategy.rollingUpdate.maxSurge must be an integer or a string, got boolean',
    ].sort());
  });

  it('checks Flux durations and keeps Helm values free-form', () => {
    const hr = fluxSchemas['helm.toolkit.fluxcd.io/v2/HelmRelease']!;
    const ok = { apiVersion: 'helm.toolkit.fluxcd.io/v2', kind: 'HelmRelease', metadata: { name: 'x' }, spec: { interval: '1h30m', chartRef: { kind: 'OCIRepository', name: 'x' }, values: { anything: { goes: [1, 'a'] } } } };
    expect(messages(ok, hr)).toEqual([]);
    expect(messages({ ...ok, spec: { ...ok.spec, interval: '5min' } }, hr)).toEqual(['spec.interval is "5min"; it must match ^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$']);
  });

  it('treats null as unset, except for required fields', () => {
    expect(messages({ ...base, spec: { ...base.spec, replicas: null } }, deployment)).toEqual([]);
    expect(messages({ ...base, spec: { ...base.spec, selector: null } }, deployment)).toEqual(['spec.selector is required']);
  });
});
