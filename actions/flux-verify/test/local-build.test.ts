import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Kustomize } from '../src/kustomize';
import { FileStore } from '../src/render/files';
import { kustomizeBuild } from '../src/render/kustomize-build';
import { localBuild, type BuiltObject } from '../src/render/local-build';

const fixtures = join(__dirname, 'fixtures', 'local-build');
const work = mkdtempSync(join(tmpdir(), 'flux-verify-local-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const kustomize = Kustomize.find();
let n = 0;

function canonical(objects: BuiltObject[]) {
  return objects
    .map((o) => ({ object: o.object, path: o.path, doc: o.doc }))
    .sort((a, b) => JSON.stringify(a.object).localeCompare(JSON.stringify(b.object)));
}

describe('in-process build matches kubectl kustomize', () => {
  for (const dir of ['plain', 'scan']) {
    for (const targetNamespace of [undefined, 'target']) {
      it(`${dir} with targetNamespace=${targetNamespace ?? 'none'}`, async () => {
        const store = new FileStore(fixtures);
        const local = localBuild(store, join(fixtures, dir), targetNamespace);
        expect(local?.ok, 'the in-process builder handles this directory').toBe(true);
        const real = await kustomizeBuild(kustomize, store, join(work, String(n++)), join(fixtures, dir), targetNamespace ? { targetNamespace } : {});
        if (!real.ok) throw new Error(real.message);
        if (!local?.ok) return;
        expect(canonical(local.objects)).toEqual(canonical(real.objects));
        expect(local.objects.length).toBeGreaterThan(2);
      });
    }
  }

  it('renames Namespace objects and leaves cluster-scoped kinds alone, like kustomize', () => {
    const store = new FileStore(fixtures);
    const local = localBuild(store, join(fixtures, 'plain'), undefined);
    if (!local?.ok) throw new Error('expected an in-process build');
    const byKind = new Map(local.objects.map((o) => [o.object.kind, o.object.metadata]));
    expect(byKind.get('Namespace')).toMatchObject({ name: 'outer' });
    expect(byKind.get('StorageClass')?.namespace).toBeUndefined();
    // kustomize does not know ClusterIssuer and treats it as namespaced
    expect(byKind.get('ClusterIssuer')?.namespace).toBe('outer');
    expect(byKind.get('ConfigMap')?.namespace).toBe('outer');
  });

  it('hands directories with generators to kustomize', () => {
    const store = new FileStore(fixtures);
    expect(localBuild(store, join(fixtures, 'generator'), undefined)).toBeUndefined();
  });
});
