import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '@homelab/toolkit/testing';

// The README promises two commands that work on a fresh clone. Keep them true.
const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
const quickStart = /## Quick start[\s\S]*?```sh\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
const commands = quickStart
  .split('\n')
  .map((l) => l.replace(/#.*$/, '').trim())
  .filter(Boolean);
const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { scripts: Record<string, string> };

describe('README quick start', () => {
  it('names exactly the two commands: the main job and the tests', () => {
    expect(commands).toEqual(['npm run verify', 'npm test']);
    expect(pkg.scripts.verify).toBeDefined();
    expect(pkg.scripts.pretest).toContain('ensure-deps');
    expect(readFileSync(join(repoRoot, '.ci', 'run'), 'utf8')).toMatch(/^npm test$/m);
  });

  it('`npm run verify` verifies this repository\'s kubernetes/ with no error, from the committed bundle', () => {
    const result = spawnSync('npm', ['run', '--silent', 'verify'], { cwd: repoRoot, encoding: 'utf8', env: { ...process.env, GITHUB_ACTIONS: '' } });
    expect(result.stderr).not.toMatch(/error:/);
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/0 errors?/);
  });
});
