import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMMENT_LIMIT, COMMENT_MARKER } from '../src/pr/comment';
import { Git } from '../src/pr/git';
import { runPullRequest, type PullRequestResult } from '../src/pr/run';
import { GitHubServer } from './support/github-server';

/**
 * The pull-request mode end to end on real git history: a fixture Flux tree committed on `main`,
 * then one pull-request branch per scenario, rendered, diffed and commented against a loopback
 * GitHub REST server through Octokit.
 */
const FIXTURE = join(import.meta.dirname, 'fixtures', 'pr');
const server = new GitHubServer();
let tmp: string;

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.com', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.com' },
  });
}

/** A repository with the fixture on `main` and a branch `pr` checked out. */
function repo(name: string): string {
  const dir = join(tmp, name);
  mkdirSync(dir);
  cpSync(FIXTURE, dir, { recursive: true });
  git(dir, 'init', '-q', '-b', 'main');
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', 'base');
  git(dir, 'checkout', '-q', '-b', 'pr');
  return dir;
}

function edit(dir: string, file: string, from: string | RegExp, to: string): void {
  const p = join(dir, file);
  const text = readFileSync(p, 'utf8');
  const next = text.replace(from, to);
  if (next === text) throw new Error(`fixture edit did not apply to ${file}`);
  writeFileSync(p, next);
}

function commit(dir: string, message: string): void {
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', message);
}

let prNumber = 1;
/** The runner environment of a new pull request. */
function prEnv(): NodeJS.ProcessEnv {
  prNumber++;
  const event = join(tmp, `event-${prNumber}.json`);
  writeFileSync(event, JSON.stringify({ number: prNumber, pull_request: { number: prNumber, head: { repo: { full_name: 'me/homelab' } } } }));
  return { GITHUB_EVENT_NAME: 'pull_request', GITHUB_EVENT_PATH: event, GITHUB_REPOSITORY: 'me/homelab', GITHUB_API_URL: server.url, GITHUB_SERVER_URL: 'https://github.com', GITHUB_RUN_ID: '42' };
}

async function pr(dir: string, env = prEnv(), changedOnly = true): Promise<PullRequestResult> {
  return runPullRequest({ repoRoot: dir, baseRef: 'main', githubToken: 'ghs_test', changedOnly, env });
}

function ourComments(issue: number) {
  return server.comments.filter((c) => c.issue === issue && c.body.includes(COMMENT_MARKER));
}

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'flux-verify-pr-'));
  await server.start();
});
afterAll(async () => {
  await server.stop();
  rmSync(tmp, { recursive: true, force: true });
});

describe('pull-request mode on real git history', () => {
  it('a chart bump is routine, tabled, commented once and then updated in place', async () => {
    const dir = repo('chart');
    edit(dir, 'kubernetes/apps/podinfo/helmrelease.yaml', 'version: 6.5.0', 'version: 6.5.4');
    commit(dir, 'chore(deps): update chart podinfo to 6.5.4');
    const env = prEnv();
    const first = await pr(dir, env);
    expect(first.report.counts.errors).toBe(0);
    expect(first.routine).toBe(true);
    expect(first.changedKustomizations).toEqual(['flux-system/podinfo']);
    expect(first.diff.changed.map((c) => c.key)).toEqual(['helm.toolkit.fluxcd.io/HelmRelease/podinfo/podinfo']);
    expect(first.diff.changed[0]!.versions).toEqual([{ field: 'spec.chart.spec.version', from: '6.5.0', to: '6.5.4', kind: 'chart' }]);
    expect(first.comment).toMatchObject({ action: 'created' });
    expect(first.commentBody).toContain('| HelmRelease podinfo/podinfo | chart | spec.chart.spec.version | `6.5.0` | `6.5.4` |');
    expect(first.summaryMarkdown).not.toContain(COMMENT_MARKER);

    // a second push to the same PR: the comment is updated, never duplicated
    edit(dir, 'kubernetes/apps/podinfo/helmrelease.yaml', 'tag: 6.5.0', 'tag: 6.5.4');
    commit(dir, 'chore(deps): update image podinfo to 6.5.4');
    const second = await pr(dir, env);
    expect(second.routine).toBe(true);
    expect(second.comment).toMatchObject({ action: 'updated', id: first.comment?.action === 'created' ? first.comment.id : -1 });
    const onThisPr = ourComments(prNumber);
    expect(onThisPr).toHaveLength(1);
    expect(onThisPr[0]!.body).toBe(second.commentBody);
    expect(onThisPr[0]!.body).toContain('values.image.tag');
    expect(server.requests.filter((r) => r.method === 'POST' && r.path === `/repos/me/homelab/issues/${prNumber}/comments`)).toHaveLength(1);
  });

  it('an image digest bump is routine and only the affected Kustomization is verified', async () => {
    const dir = repo('digest');
    edit(dir, 'kubernetes/apps/whoami/deployment.yaml', /sha256:1+/, `sha256:${'2'.repeat(64)}`);
    commit(dir, 'chore(deps): update traefik/whoami digest');
    const result = await pr(dir);
    expect(result.routine).toBe(true);
    expect(result.changedKustomizations).toEqual(['flux-system/whoami']);
    expect(result.diff.changed).toHaveLength(1);
    expect(result.diff.changed[0]!.versions[0]).toMatchObject({ kind: 'image', to: expect.stringContaining('sha256:2222') });
    expect(result.scope).toMatchObject({ changedOnly: true, confirmedInFull: false });
    // verified: whoami, with the cluster entry that discovers it and the sources it may refer to;
    // diffed: whoami, against the base's whoami
    expect(result.scope).toMatchObject({ built: 3, baseBuilt: 2, total: 5 });
    // the others are not even discovered: their definitions are left out of the cluster entry
    expect(result.report.render.kustomizations.map((k) => `${k.id}:${k.state}`).sort()).toEqual([
      'flux-system/flux-system:rendered',
      'flux-system/sources:rendered',
      'flux-system/whoami:rendered',
    ]);
    expect(result.report.findings.filter((f) => f.rule === 'unreferenced-file')).toEqual([]);
    expect(result.comment).toMatchObject({ action: 'created' });
  });

  it('a nested layout builds the parent that discovers the changed child, not its siblings', async () => {
    const dir = repo('nested');
    const write = (file: string, text: string) => {
      mkdirSync(join(dir, file, '..'), { recursive: true });
      writeFileSync(join(dir, file), text);
    };
    const child = (name: string) =>
      `apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: ${name}\n  namespace: flux-system\nspec:\n  interval: 1h\n  path: ./kubernetes/nested/${name}/app\n  prune: true\n  targetNamespace: ${name}\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n`;
    write('kubernetes/clusters/production/ks/nested.yaml', child('nested').replace('./kubernetes/nested/nested/app', './kubernetes/nested').replace('  targetNamespace: nested\n', ''));
    write('kubernetes/nested/kustomization.yaml', 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - alpha/ks.yaml\n  - beta/ks.yaml\n');
    for (const name of ['alpha', 'beta']) {
      write(`kubernetes/nested/${name}/ks.yaml`, child(name));
      write(`kubernetes/nested/${name}/app/namespace.yaml`, `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${name}\n`);
      write(`kubernetes/nested/${name}/app/config.yaml`, `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  level: info\n`);
    }
    commit(dir, 'nested apps');
    git(dir, 'branch', '-q', '-f', 'main', 'HEAD');
    edit(dir, 'kubernetes/nested/alpha/app/config.yaml', 'level: info', 'level: debug');
    commit(dir, 'debug alpha');
    const result = await runPullRequest({ repoRoot: dir, baseRef: 'main', env: {} });
    expect(result.report.counts.errors).toBe(0);
    expect(result.changedKustomizations).toEqual(['flux-system/alpha']);
    expect(result.diff.changed.map((c) => c.key)).toEqual(['/ConfigMap/alpha/alpha']);
    const states = Object.fromEntries(result.report.render.kustomizations.map((k) => [k.id, k.state]));
    // beta is discovered by the parent and skipped; the cluster entry's other definitions are left out
    expect(states).toEqual({
      'flux-system/flux-system': 'rendered',
      'flux-system/sources': 'rendered',
      'flux-system/nested': 'rendered',
      'flux-system/alpha': 'rendered',
      'flux-system/beta': 'skipped',
    });
    expect(result.scope).toMatchObject({ changedOnly: true, built: 4, total: 8 });
  });

  it('errors seen by changed-only are confirmed by a full verification: false ones vanish, real ones stay', async () => {
    const dir = repo('confirm');
    mkdirSync(join(dir, 'kubernetes/apps/late'));
    writeFileSync(join(dir, 'kubernetes/clusters/production/ks/late.yaml'), readFileSync(join(dir, 'kubernetes/clusters/production/ks/extra.yaml'), 'utf8').replace(/extra/g, 'late'));
    // lives in the namespace that the (unrelated) Kustomization "extra" creates
    const config = (namespace: string, level: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: late-config\n  namespace: ${namespace}\ndata:\n  level: ${level}\n`;
    writeFileSync(join(dir, 'kubernetes/apps/late/config.yaml'), config('extra', 'info'));
    commit(dir, 'late');
    git(dir, 'branch', '-q', '-f', 'main', 'HEAD');

    writeFileSync(join(dir, 'kubernetes/apps/late/config.yaml'), config('extra', 'debug'));
    commit(dir, 'debug');
    const fine = await runPullRequest({ repoRoot: dir, baseRef: 'main', env: {} });
    expect(fine.scope).toMatchObject({ changedOnly: false, confirmedInFull: true });
    expect(fine.report.counts.errors).toBe(0);
    expect(fine.diff.changed.map((c) => c.key)).toEqual(['/ConfigMap/extra/late-config']);
    expect(fine.diff.added).toEqual([]);

    writeFileSync(join(dir, 'kubernetes/apps/late/config.yaml'), config('nowhere', 'debug'));
    commit(dir, 'move');
    const broken = await runPullRequest({ repoRoot: dir, baseRef: 'main', env: {} });
    expect(broken.scope.confirmedInFull).toBe(true);
    expect(broken.report.findings.filter((f) => f.severity === 'error')).toEqual([
      expect.objectContaining({ rule: 'namespace-missing', file: 'kubernetes/apps/late/config.yaml', kustomization: 'flux-system/late' }),
    ]);
    expect(broken.routine).toBe(false);
    expect(broken.reasons[0]).toBe('verification found 1 error(s)');
    expect(broken.commentBody).toContain('❌ 1 error(s)');
  });

  it('a values change needs review, with the values diff in the comment', async () => {
    const dir = repo('values');
    edit(dir, 'kubernetes/apps/podinfo/helmrelease.yaml', 'replicaCount: 1', 'replicaCount: 3');
    commit(dir, 'scale podinfo');
    const result = await pr(dir);
    expect(result.routine).toBe(false);
    expect(result.reasons).toEqual(['changed HelmRelease podinfo/podinfo beyond a version']);
    expect(result.commentBody).toContain('-    replicaCount: 1\n+    replicaCount: 3');
    expect(result.commentBody).toContain('needs review');
  });

  it('an added object needs review and is listed as added', async () => {
    const dir = repo('added');
    writeFileSync(join(dir, 'kubernetes/apps/whoami/config.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: whoami-config\ndata:\n  greeting: hello\n');
    edit(dir, 'kubernetes/apps/whoami/kustomization.yaml', '  - service.yaml', '  - service.yaml\n  - config.yaml');
    commit(dir, 'add whoami config');
    const result = await pr(dir);
    expect(result.routine).toBe(false);
    expect(result.diff.added.map((o) => `${o.kind} ${o.namespace}/${o.name}`)).toEqual(['ConfigMap whoami/whoami-config']);
    expect(result.commentBody).toContain('- `ConfigMap whoami/whoami-config` (flux-system/whoami, kubernetes/apps/whoami/config.yaml:1)');
  });

  it('a removed Kustomization is reported with its objects', async () => {
    const dir = repo('removed');
    git(dir, 'rm', '-q', '-r', 'kubernetes/clusters/production/ks/extra.yaml', 'kubernetes/apps/extra');
    commit(dir, 'drop extra');
    const result = await pr(dir);
    expect(result.routine).toBe(false);
    expect(result.diff.kustomizationsRemoved).toEqual(['flux-system/extra']);
    expect(result.diff.removed.map((o) => o.kind).sort()).toEqual(['ConfigMap', 'Kustomization', 'Namespace']);
    expect(result.diff.added).toEqual([]);
    expect(result.diff.changed).toEqual([]);
    expect(result.scope.changedOnly).toBe(true);
    expect(result.changedKustomizations).toContain('flux-system/extra');
    expect(result.commentBody).toContain('#### Removed Flux Kustomizations');
  });

  it('a renamed file with no rendered change is routine with no diff', async () => {
    const dir = repo('renamed');
    renameSync(join(dir, 'kubernetes/apps/whoami/service.yaml'), join(dir, 'kubernetes/apps/whoami/svc.yaml'));
    edit(dir, 'kubernetes/apps/whoami/kustomization.yaml', 'service.yaml', 'svc.yaml');
    commit(dir, 'rename');
    const result = await pr(dir);
    expect(result.changedFiles).toEqual(['kubernetes/apps/whoami/kustomization.yaml', 'kubernetes/apps/whoami/service.yaml', 'kubernetes/apps/whoami/svc.yaml']);
    expect(result.routine).toBe(true);
    expect(result.diff).toMatchObject({ added: [], removed: [], changed: [] });
    expect(result.commentBody).toContain('✅ **routine**: no rendered object changes');
  });

  it('a change to cluster settings verifies everything', async () => {
    const dir = repo('settings');
    edit(dir, 'kubernetes/clusters/production/cluster-settings.yaml', 'lab.example.com', 'home.example.org');
    commit(dir, 'new domain');
    const result = await pr(dir, prEnv());
    expect(result.scope.changedOnly).toBe(false);
    expect(result.scope.reason).toContain('cluster-settings.yaml is a shared input');
    expect(result.report.render.kustomizations.every((k) => k.state !== ('skipped' as string))).toBe(true);
    // the substituted host changed in the rendered HelmRelease: not a version bump
    expect(result.routine).toBe(false);
    expect(result.diff.changed.map((c) => c.key)).toContain('helm.toolkit.fluxcd.io/HelmRelease/podinfo/podinfo');
  });

  it('keeps the comment within 65,535 characters, with a truncation notice', async () => {
    const dir = repo('huge');
    const maps = (v: string) =>
      Array.from({ length: 40 }, (_, i) => `---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: big-${i}\n  namespace: extra\ndata:\n${Array.from({ length: 60 }, (__, j) => `  key${j}: "${v}-${i}-${j}-${'x'.repeat(20)}"`).join('\n')}\n`).join('');
    writeFileSync(join(dir, 'kubernetes/apps/extra/big.yaml'), maps('a'));
    commit(dir, 'big base');
    git(dir, 'branch', '-q', '-f', 'main', 'HEAD');
    writeFileSync(join(dir, 'kubernetes/apps/extra/big.yaml'), maps('b'));
    commit(dir, 'big change');
    const env = prEnv();
    const result = await pr(dir, env);
    expect(result.diff.changed).toHaveLength(40);
    expect(result.commentBody.length).toBeLessThanOrEqual(COMMENT_LIMIT);
    expect(result.commentBody).toMatch(/Truncated to fit GitHub's comment limit: \d+ more object diff\(s\) are in the job summary of \[the run\]\(https:\/\/github.com\/me\/homelab\/actions\/runs\/42\)/);
    const posted = server.comments.find((c) => result.comment?.action === 'created' && c.id === result.comment.id);
    expect(posted!.body).toBe(result.commentBody);
    // the job summary has every diff
    expect((result.summaryMarkdown.match(/<details>/g) ?? []).length).toBe(40);
  });

  it('skips the comment cleanly for a fork, without a token, and when the token may not write', async () => {
    const dir = repo('fork');
    edit(dir, 'kubernetes/apps/podinfo/helmrelease.yaml', 'version: 6.5.0', 'version: 6.5.1');
    commit(dir, 'bump');
    const env = prEnv();
    const fork = { ...env, GITHUB_EVENT_PATH: join(tmp, 'fork.json') };
    writeFileSync(fork.GITHUB_EVENT_PATH, JSON.stringify({ pull_request: { number: 99, head: { repo: { full_name: 'stranger/homelab' } } } }));
    const before = server.requests.length;
    const forked = await pr(dir, fork);
    expect(forked.comment).toMatchObject({ action: 'skipped', reason: expect.stringContaining('fork stranger/homelab') });
    expect(server.requests.length).toBe(before);
    const noToken = await runPullRequest({ repoRoot: dir, baseRef: 'main', env });
    expect(noToken.comment).toMatchObject({ action: 'skipped', reason: "input 'github-token' is empty" });
    server.writeStatus = 403;
    try {
      const denied = await pr(dir, env);
      expect(denied.comment).toMatchObject({ action: 'skipped', reason: expect.stringContaining('HTTP 403') });
      expect(denied.routine).toBe(true);
    } finally {
      server.writeStatus = 0;
    }
  });

  it('a bump together with a change outside the Flux tree is not routine', async () => {
    const dir = repo('outside');
    edit(dir, 'kubernetes/apps/podinfo/helmrelease.yaml', 'version: 6.5.0', 'version: 6.5.2');
    mkdirSync(join(dir, '.github', 'workflows'), { recursive: true });
    writeFileSync(join(dir, '.github/workflows/ci.yml'), 'on: push\n');
    commit(dir, 'bump and a workflow');
    // a tool's leftover in the workspace is no change; an uncommitted file in the tree is
    writeFileSync(join(dir, 'leftover.log'), 'x');
    writeFileSync(join(dir, 'kubernetes/apps/whoami/draft.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: draft\n');
    const result = await runPullRequest({ repoRoot: dir, baseRef: 'main', env: {} });
    expect(result.diff.routine).toBe(true);
    expect(result.routine).toBe(false);
    expect(result.reasons).toEqual(['files outside kubernetes/ changed: .github/workflows/ci.yml']);
    expect(result.commentBody).toContain('needs review**: files outside kubernetes/ changed: .github/workflows/ci.yml');
    expect(result.changedFiles).toEqual(['.github/workflows/ci.yml', 'kubernetes/apps/podinfo/helmrelease.yaml', 'kubernetes/apps/whoami/draft.yaml']);
    // no Kustomization reads the draft: the same warning as the full dry-run gives
    expect(result.report.findings).toEqual([expect.objectContaining({ rule: 'unreferenced-file', severity: 'warning', file: 'kubernetes/apps/whoami/draft.yaml', line: 1 })]);
  });

  it('names a base that is not in the clone clearly', async () => {
    const dir = repo('nobase');
    await expect(runPullRequest({ repoRoot: dir, baseRef: 'origin/master', env: {} })).rejects.toThrow(/Input 'base-ref' is 'origin\/master'.*fetch-depth: 0/);
  });
});

describe('git plumbing of the pull-request mode', () => {
  it('reads files of a revision byte-exact, and checks out only the files asked for', async () => {
    const dir = repo('plumbing');
    const text = 'data:\n  greeting: "grüße, 日本"\n';
    writeFileSync(join(dir, 'kubernetes/apps/whoami/notes.yaml'), text);
    commit(dir, 'notes');
    const g = Git.find(dir);
    const head = git(dir, 'rev-parse', 'HEAD').trim();
    const read = await g.readFiles(head, ['kubernetes/apps/whoami/notes.yaml', 'does/not/exist.yaml', 'kubernetes/apps/whoami/service.yaml']);
    expect([...read.keys()]).toEqual(['kubernetes/apps/whoami/notes.yaml', 'kubernetes/apps/whoami/service.yaml']);
    expect(read.get('kubernetes/apps/whoami/notes.yaml')).toBe(text);
    expect(read.get('kubernetes/apps/whoami/service.yaml')).toBe(readFileSync(join(dir, 'kubernetes/apps/whoami/service.yaml'), 'utf8'));

    const tree = await g.worktree(head, ['kubernetes/apps/whoami/notes.yaml']);
    expect(readdirSync(join(tree.dir, 'kubernetes/apps/whoami'))).toEqual(['notes.yaml']);
    expect(existsSync(join(tree.dir, 'kubernetes/clusters'))).toBe(false);
    await tree.remove();
    expect(existsSync(tree.dir)).toBe(false);
    expect(git(dir, 'worktree', 'list').trim().split('\n')).toHaveLength(1);
  });
});
