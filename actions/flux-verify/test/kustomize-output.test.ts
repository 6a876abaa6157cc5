import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { kustomizeMessage } from '../src/kustomize';
import { FileStore } from '../src/render/files';
import { parseOutput } from '../src/render/kustomize-build';

/** Parsers of kustomize's output, against output recorded from kubectl kustomize v5.5 (test/fixtures/kustomize-output). */
const dir = join(__dirname, 'fixtures', 'kustomize-output');

describe('kustomize output', () => {
  it('extracts the message from kubectl klog error line', () => {
    const stderr = readFileSync(join(dir, 'missing-resource.stderr'), 'utf8');
    expect(kustomizeMessage(stderr)).toBe(
      "accumulating resources: accumulation err='accumulating resources from 'missing.yaml': open /tmp/kfail/missing.yaml: no such file or directory': must build at directory: not a valid directory: evalsymlink failure on '/tmp/kfail/missing.yaml' : lstat /tmp/kfail/missing.yaml: no such file or directory",
    );
    expect(kustomizeMessage('Error: plain kustomize message\n')).toBe('plain kustomize message');
  });

  it('maps origin annotations back to source files and removes them', () => {
    const store = new FileStore(dir);
    const objects = parseOutput(store, readFileSync(join(dir, 'origin-annotations.yaml'), 'utf8'), join(dir, 'ov'), 'fallback');
    expect(objects.map((o) => [o.object.metadata.name, store.rel(o.path), o.doc])).toEqual([
      ['gen-4h2mbtbbt6', 'base/kustomization.yaml', 0],
      ['plain', 'base/cm.yaml', 0],
    ]);
    expect(objects[0]!.object.metadata.annotations).toBeUndefined();
    expect(objects[1]!.object.metadata.annotations).toEqual({ keep: 'yes' });
    expect(objects[1]!.object.metadata.namespace).toBe('demo');
  });
});
