// actionlint over every workflow, with the self-hosted label and the configuration variables
// declared in .github/actionlint.yaml, and the local actions' metadata read from actions/*/action.yml.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { isKnownLimitation, repoRoot, runActionlint, type ActionlintFinding } from './actionlint';

const format = (fs: ActionlintFinding[]) => fs.map((f) => `${f.file}:${f.line}:${f.column}: [${f.kind}] ${f.message}`).join('\n');

describe('actionlint', () => {
  const workflows = readdirSync(join(repoRoot, '.github', 'workflows'))
    .filter((f) => /\.ya?ml$/.test(f))
    .map((f) => join(repoRoot, '.github', 'workflows', f));
  const probe = join(repoRoot, 'tests', 'workflows', 'fixtures', 'actionlint', 'bad.yml');
  let real: ActionlintFinding[];
  let bad: ActionlintFinding[];

  beforeAll(() => {
    const all = runActionlint([...workflows, probe]);
    real = all.filter((f) => f.file !== probe);
    bad = all.filter((f) => f.file === probe);
  });

  it('finds nothing in the repository workflows', () => {
    expect(format(real.filter((f) => !isKnownLimitation(f)))).toBe('');
  });

  it('reads .github/actionlint.yaml: vlan10 is a known label, vlan99 is not', () => {
    const labels = bad.filter((f) => f.kind === 'runner-label');
    expect(labels.map((f) => f.line)).toEqual([15]);
    expect(labels[0]!.message).toContain('"vlan99"');
  });

  it('catches undefined inputs, undeclared variables, unknown needs and step outputs', () => {
    const messages = format(bad);
    expect(messages).toMatch(/:17:.*property "layr" is not defined/);
    expect(messages).toMatch(/:18:.*undefined configuration variable "not_declared"/i);
    expect(messages).toMatch(/:19:.*needs job "missing-job" which does not exist/);
    expect(messages).toMatch(/:23:.*property "nope" is not defined/);
  });

  it('tolerates only the node24 runtime of this repository’s own actions', () => {
    expect(isKnownLimitation({ file: 'x', line: 1, column: 1, kind: 'action', message: 'invalid runner name "node24" at runs.using in "packer-build" action defined at "/r/actions/packer-build". valid runners are ...' })).toBe(true);
    expect(isKnownLimitation({ file: 'x', line: 1, column: 1, kind: 'action', message: 'invalid runner name "node12" at runs.using in "x" action defined at "/r/actions/x". valid runners are ...' })).toBe(false);
  });
});
