import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { annotations, runAction } from '@homelab/toolkit/testing';
import { COMMENT_MARKER } from '../src/pr/comment';
import { GitHubServer } from './support/github-server';

// The bundled action in pull-request mode, as the kubernetes-pr workflow runs it: inputs base-ref
// and github-token, the runner's GITHUB_* environment, a loopback GitHub API for the comment.
const FIXTURE = join(import.meta.dirname, 'fixtures', 'pr');
const server = new GitHubServer();
let tmp: string;
let dir: string;

function git(...args: string[]): void {
  execFileSync('git', args, {
    cwd: dir,
    env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.com', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.com' },
  });
}

function edit(file: string, from: string, to: string): void {
  const path = join(dir, file);
  const text = readFileSync(path, 'utf8');
  if (!text.includes(from)) throw new Error(`fixture edit did not apply to ${file}`);
  writeFileSync(path, text.replace(from, to));
  git('commit', '-qam', `edit ${file}`);
}

function run(token = 'ghs_test') {
  const event = join(tmp, 'event.json');
  writeFileSync(event, JSON.stringify({ number: 5, pull_request: { number: 5, head: { repo: { full_name: 'me/homelab' } } } }));
  return runAction('flux-verify', {
    cwd: dir,
    inputs: { 'base-ref': 'main', 'github-token': token },
    env: { GITHUB_WORKSPACE: dir, GITHUB_EVENT_NAME: 'pull_request', GITHUB_EVENT_PATH: event, GITHUB_REPOSITORY: 'me/homelab', GITHUB_API_URL: server.url, GITHUB_RUN_ID: '7' },
  });
}

beforeAll(async () => {
  await server.start();
  tmp = mkdtempSync(join(tmpdir(), 'flux-verify-pr-action-'));
  dir = join(tmp, 'repo');
  mkdirSync(dir);
  cpSync(FIXTURE, dir, { recursive: true });
  git('init', '-q', '-b', 'main');
  git('add', '-A');
  git('commit', '-qm', 'base');
  git('checkout', '-qb', 'renovate/podinfo');
});

afterAll(async () => {
  await server.stop();
  rmSync(tmp, { recursive: true, force: true });
});

describe('flux-verify bundle in pull-request mode', () => {
  it('a Renovate chart bump: routine=true, the diff in the summary, one sticky comment', async () => {
    edit('kubernetes/apps/podinfo/helmrelease.yaml', 'version: 6.5.0', 'version: 6.5.4');
    const result = await run();
    expect(result.stderr).toBe('');
    expect(result.exitCode).toBe(0);
    expect(result.outputs.routine).toBe('true');
    expect(JSON.parse(result.outputs['changed-kustomizations'] ?? '[]')).toEqual(['flux-system/podinfo']);
    expect(result.outputs.errors).toBe('0');
    expect(result.summary).toContain('| HelmRelease podinfo/podinfo | chart | spec.chart.spec.version | `6.5.0` | `6.5.4` |');
    const ours = server.comments.filter((c) => c.body.includes(COMMENT_MARKER));
    expect(ours).toHaveLength(1);
    expect(ours[0]!.body).toContain('routine');
  });

  it('a values change on the same PR: routine=false and the same comment updated', async () => {
    edit('kubernetes/apps/podinfo/helmrelease.yaml', 'replicaCount: 1', 'replicaCount: 3');
    const result = await run();
    expect(result.exitCode).toBe(0);
    expect(result.outputs.routine).toBe('false');
    const ours = server.comments.filter((c) => c.body.includes(COMMENT_MARKER));
    expect(ours).toHaveLength(1);
    expect(ours[0]!.body).toContain('needs review');
    expect(ours[0]!.body).toMatch(/^\+ +replicaCount: 3$/m);
  });

  it('a token that may not write: a notice, the step still passes', async () => {
    server.writeStatus = 403;
    try {
      const result = await run();
      expect(result.exitCode).toBe(0);
      const notice = annotations(result.stdout).find((a) => a.level === 'notice' && a.title === 'flux-verify PR comment');
      expect(notice?.message).toContain('HTTP 403');
      expect(result.stdout.split('\n').filter((l) => l.includes('ghs_test') && !l.startsWith('::add-mask::'))).toEqual([]);
    } finally {
      server.writeStatus = 0;
    }
  });
});
