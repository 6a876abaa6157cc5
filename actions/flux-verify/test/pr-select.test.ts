import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { DEFAULT_SHARED, selectAffected, type KustomizationInputs } from '../src/pr/changed-only';
import { toDiffObjects } from '../src/pr/run';
import { quickParseDocuments } from '../src/pr/quick-yaml';
import { scanStaticGraph } from '../src/pr/static-graph';
import type { RenderedObject } from '../src/render/types';

const FIXTURE = join(import.meta.dirname, 'fixtures', 'pr');
const graph = scanStaticGraph(FIXTURE, 'kubernetes', 'kubernetes/clusters/production');
const byId = (id: string) => graph.kustomizations.find((k) => k.id === id)!;
const shared = [...DEFAULT_SHARED, ...graph.settingsFiles];
const sorted = (s: Set<string>) => [...s].sort();

describe('static Flux graph of a revision', () => {
  it('finds every Flux Kustomization with the files its build reads', () => {
    expect(graph.kustomizations.map((k) => k.id).sort()).toEqual(['flux-system/extra', 'flux-system/flux-system', 'flux-system/podinfo', 'flux-system/sources', 'flux-system/whoami']);
    expect([...byId('flux-system/whoami').inputs].sort()).toEqual([
      'kubernetes/apps/whoami/deployment.yaml',
      'kubernetes/apps/whoami/kustomization.yaml',
      'kubernetes/apps/whoami/namespace.yaml',
      'kubernetes/apps/whoami/service.yaml',
    ]);
    // no kustomization.yaml: Flux reads the whole directory
    expect(byId('flux-system/flux-system').inputs).toEqual(['kubernetes/clusters/production/']);
    expect(byId('flux-system/extra').inputs).toEqual(['kubernetes/apps/extra/']);
    expect(byId('flux-system/podinfo')).toMatchObject({ definedIn: 'kubernetes/clusters/production/ks/podinfo.yaml', dependsOn: ['flux-system/sources'], transformFiles: ['kubernetes/apps/podinfo/kustomization.yaml'] });
    expect(byId('flux-system/sources').transformFiles).toEqual([]);
  });

  it('knows which Kustomizations render sources and which files hold substituteFrom settings', () => {
    expect(graph.kustomizations.filter((k) => k.providesSources).map((k) => k.id).sort()).toEqual(['flux-system/flux-system', 'flux-system/sources']);
    expect(graph.settingsFiles).toEqual(['kubernetes/clusters/production/cluster-settings.yaml']);
  });
});

describe('changed-only selection on the fixture', () => {
  it('an app file selects that app; its parent and the source providers are built with it', () => {
    const s = selectAffected(graph.kustomizations, ['kubernetes/apps/whoami/deployment.yaml'], shared);
    expect(sorted(s.selected)).toEqual(['flux-system/whoami']);
    expect(sorted(s.build)).toEqual(['flux-system/flux-system', 'flux-system/sources', 'flux-system/whoami']);
  });

  it('a dependency is built for the references of what depends on it', () => {
    const s = selectAffected(graph.kustomizations, ['kubernetes/apps/podinfo/helmrelease.yaml'], shared);
    expect(sorted(s.selected)).toEqual(['flux-system/podinfo']);
    expect(s.build.has('flux-system/sources')).toBe(true);
    expect(s.build.has('flux-system/extra')).toBe(false);
    // the base side builds only what can render differently, and what discovers it
    expect(sorted(s.baseBuild)).toEqual(['flux-system/flux-system', 'flux-system/podinfo']);
  });

  it('a source change re-verifies its dependents', () => {
    const s = selectAffected(graph.kustomizations, ['kubernetes/infrastructure/sources/podinfo.yaml'], shared);
    expect(sorted(s.selected)).toEqual(['flux-system/podinfo', 'flux-system/sources']);
    expect(sorted(s.baseBuild)).toEqual(['flux-system/flux-system', 'flux-system/sources']);
  });

  it('cluster settings and flux-system are shared inputs', () => {
    expect(selectAffected(graph.kustomizations, ['kubernetes/clusters/production/cluster-settings.yaml'], shared)).toMatchObject({ all: true });
    expect(selectAffected(graph.kustomizations, ['kubernetes/clusters/production/flux-system/gotk-components.yaml'], shared)).toMatchObject({ all: true });
  });

  it('a file outside every Kustomization selects nothing', () => {
    const s = selectAffected(graph.kustomizations, ['README.md', 'kubernetes/apps/notes.md'], shared);
    expect(s.selected.size).toBe(0);
    expect(s.all).toBe(false);
  });
});

describe('changed-only selection with nested Kustomizations', () => {
  const nested: KustomizationInputs[] = [
    { id: 'flux-system/apps', inputs: ['k/apps/kustomization.yaml', 'k/apps/a/ks.yaml', 'k/apps/b/ks.yaml'], transformFiles: ['k/apps/kustomization.yaml'], definedIn: 'k/clusters/apps.yaml', dependsOn: [] },
    { id: 'flux-system/a', inputs: ['k/apps/a/app/'], definedIn: 'k/apps/a/ks.yaml', dependsOn: [] },
    { id: 'flux-system/b', inputs: ['k/apps/b/app/'], definedIn: 'k/apps/b/ks.yaml', dependsOn: [] },
    { id: 'flux-system/dyn', inputs: [], definedIn: 'k/apps/dyn.yaml', dependsOn: [], opaque: true },
  ];

  it('builds the parent that discovers a changed child, not its siblings', () => {
    const s = selectAffected(nested, ['k/apps/a/app/deployment.yaml']);
    expect(sorted(s.selected)).toEqual(['flux-system/a']);
    expect(sorted(s.build)).toEqual(['flux-system/a', 'flux-system/apps', 'flux-system/dyn']);
  });

  it("a parent's transforming kustomization (namespace, patches) affects every child", () => {
    expect(sorted(selectAffected(nested, ['k/apps/kustomization.yaml']).selected)).toEqual(['flux-system/a', 'flux-system/apps', 'flux-system/b']);
  });

  it("a parent's redefinition affects its children; a child's only itself", () => {
    expect(sorted(selectAffected(nested, ['k/clusters/apps.yaml']).selected)).toEqual(['flux-system/a', 'flux-system/apps', 'flux-system/b']);
    expect(sorted(selectAffected(nested, ['k/apps/b/ks.yaml']).selected)).toEqual(['flux-system/apps', 'flux-system/b']);
  });

  it('components are shared inputs', () => {
    expect(selectAffected(nested, ['k/components/common/labels.yaml'])).toMatchObject({ all: true, reason: 'k/components/common/labels.yaml is a shared input' });
  });
});

describe('objects for the diff', () => {
  const secret = (value: string): RenderedObject => ({
    object: { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: 'a' }, stringData: { password: value }, data: { token: Buffer.from(value).toString('base64') } },
    group: '',
    kind: 'Secret',
    name: 's',
    namespace: 'a',
    origin: { file: 'kubernetes/apps/a/secret.yaml', line: 1 },
    kustomization: 'flux-system/a',
  });

  it('never carries a Secret value, but still shows that it changed', () => {
    const [a, b, c] = toDiffObjects([secret('hunter2'), secret('hunter2'), secret('correct horse')]);
    expect(JSON.stringify([a, b, c])).not.toMatch(/hunter2|correct horse|aHVudGVyMg/);
    expect(a!.body).toEqual(b!.body);
    expect(a!.body).not.toEqual(c!.body);
    expect((a!.body.stringData as Record<string, string>).password).toMatch(/^<redacted [0-9a-f]{12}>$/);
  });
});

describe('the quick reader of plain block YAML', () => {
  const yamlFiles = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? yamlFiles(join(dir, e.name)) : /\.ya?ml$/.test(e.name) ? [join(dir, e.name)] : []));
  /** What the full parser gives, with scalars as the quick reader gives them (strings, or null). */
  const asStrings = (v: unknown): unknown =>
    v === null || v === undefined ? null : Array.isArray(v) ? v.map(asStrings) : typeof v === 'object' ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, asStrings(x)])) : String(v);

  it('reads every fixture file it accepts exactly as the YAML parser does, and accepts the Flux definitions', () => {
    let accepted = 0;
    let fluxDefinitions = 0;
    for (const file of yamlFiles(join(import.meta.dirname, 'fixtures'))) {
      const text = readFileSync(file, 'utf8');
      const quick = quickParseDocuments(text);
      const parsed = parseAllDocuments(text);
      const full = Array.isArray(parsed) ? parsed : [];
      const clean = full.every((d) => d.errors.length === 0);
      if (text.includes('kustomize.toolkit.fluxcd.io/v1') && clean && !file.includes('mutation')) {
        fluxDefinitions++;
        if (!quick) throw new Error(`the quick reader refused the Flux definitions in ${file}`);
      }
      if (!quick) continue;
      accepted++;
      expect(clean, file).toBe(true);
      const values = full.map((d) => d.toJS() as unknown).filter((v) => v !== null);
      expect(quick, file).toEqual(values.map(asStrings));
    }
    expect(fluxDefinitions).toBeGreaterThan(5);
    expect(accepted).toBeGreaterThan(20);
  });

  it('leaves anything outside the plain subset to the full parser', () => {
    for (const text of [
      'a: &x 1\nb: *x\n',
      'a: {b: 1}\n',
      'a: [1, 2]\n',
      'a: |\n  text\n',
      'a: "esc\\"aped"\n',
      'a: b\n  continued\n',
      'a: 1\na: 2\n',
      '? complex\n: key\n',
      'a: !!str 1\n',
      'a:\tb\n',
    ]) {
      expect(quickParseDocuments(text), text).toBeUndefined();
    }
    expect(quickParseDocuments('# c\n---\nspec:\n  dependsOn:\n    - name: a # why\n      namespace: b\n  list:\n  - x\n  - "y"\n---\n')).toEqual([
      { spec: { dependsOn: [{ name: 'a', namespace: 'b' }], list: ['x', 'y'] } },
    ]);
  });
});
