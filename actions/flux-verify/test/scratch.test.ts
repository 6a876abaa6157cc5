import { it } from 'vitest';
import { verifyTree } from '../src/render/index';
it('scratch', async () => {
  const r = await verifyTree({ repoRoot: process.env.SCRATCH_ROOT ?? 'test/fixtures/valid' });
  console.log(r.findings.map(f => `${f.file}:${f.line}: ${f.severity}: ${f.rule}: ${f.message}`).join('\n'));
  console.log(r.missingSchemas, r.counts, r.timings, [...r.results]);
});
