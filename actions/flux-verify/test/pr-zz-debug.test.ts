import { it } from 'vitest';
import { join } from 'node:path';
import { verifyTree } from '../src/render/index';
it('dbg', async () => {
  const r = await verifyTree({ repoRoot: join(import.meta.dirname, 'fixtures', 'pr') });
  for (const f of r.findings) console.log(f.severity, f.rule, f.file, f.line, f.message);
  console.log(r.render.kustomizations.map(k => k.id + ':' + k.state));
});
