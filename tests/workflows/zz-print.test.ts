import { readdirSync, readFileSync } from 'node:fs';
import { it } from 'vitest';
import { checkWorkflow, formatFindings } from '/work/main/tests/workflows/policy';
it('print', () => { const d='/work/main/tests/workflows/fixtures/bad/'; for (const f of readdirSync(d)) console.log(formatFindings(checkWorkflow(f, readFileSync(d+f,'utf8')))); });
