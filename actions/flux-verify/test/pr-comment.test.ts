import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { COMMENT_LIMIT, COMMENT_MARKER, renderComment } from '../src/pr/comment';
import { diffObjects } from '../src/pr/object-diff';
import { upsertStickyComment } from '../src/pr/sticky-comment';
import type { DiffObject } from '../src/pr/types';
import { GitHubServer } from './support/github-server';

const server = new GitHubServer();
beforeAll(async () => {
  await server.start();
});
afterAll(async () => {
  await server.stop();
});
beforeEach(() => {
  server.comments.length = 0;
  server.requests.length = 0;
  server.writeStatus = 0;
});

const target = () => ({ token: 'ghs_test', owner: 'me', repo: 'homelab', issueNumber: 7, apiUrl: server.url });

function configMap(name: string, data: Record<string, string>): DiffObject {
  return { kustomization: 'flux-system/apps', apiVersion: 'v1', kind: 'ConfigMap', namespace: 'apps', name, body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'apps' }, data } };
}

describe('sticky PR comment through Octokit', () => {
  it('creates the comment once, then updates it in place on every later run', async () => {
    server.pageSize = 2;
    server.addComment('LGTM');
    server.addComment('another human comment');
    server.addComment('third');
    const first = await upsertStickyComment(target(), `${COMMENT_MARKER}\nfirst`);
    expect(first.action).toBe('created');
    const second = await upsertStickyComment(target(), `${COMMENT_MARKER}\nsecond`);
    expect(second).toMatchObject({ action: 'updated', id: first.action === 'created' ? first.id : -1 });
    const ours = server.comments.filter((c) => c.body.includes(COMMENT_MARKER));
    expect(ours).toHaveLength(1);
    expect(ours[0]!.body).toContain('second');
    expect(server.comments).toHaveLength(4);
    // the marker was found on page 2: pagination is followed
    expect(server.requests.some((r) => r.path.includes('page=2'))).toBe(true);
    expect(server.requests.every((r) => r.authorization === 'token ghs_test')).toBe(true);
  });

  it('skips cleanly when the token may not write (a fork PR)', async () => {
    server.writeStatus = 403;
    const result = await upsertStickyComment(target(), `${COMMENT_MARKER}\nx`);
    expect(result.action).toBe('skipped');
    expect(result.action === 'skipped' && result.reason).toContain('HTTP 403');
    expect(server.comments).toHaveLength(0);
  });
});

describe('sticky PR comment edge cases', () => {
  it("updates the bot's comment when a person pasted the marker too", async () => {
    server.addComment(`${COMMENT_MARKER}\npasted by hand`, 'someone');
    server.addComment(`${COMMENT_MARKER}\nold verdict`, 'github-actions[bot]');
    const result = await upsertStickyComment(target(), `${COMMENT_MARKER}\nnew verdict`);
    expect(result).toMatchObject({ action: 'updated', id: server.comments[1]!.id });
    expect(server.comments.map((c) => c.body)).toEqual([`${COMMENT_MARKER}\npasted by hand`, `${COMMENT_MARKER}\nnew verdict`]);
  });

  it('a server error is a skip with the reason, not a failed check', async () => {
    server.writeStatus = 502;
    const result = await upsertStickyComment(target(), `${COMMENT_MARKER}\nx`);
    expect(result).toMatchObject({ action: 'skipped', reason: expect.stringContaining('HTTP 502') });
  });
});

describe('comment rendering', () => {
  it('keeps the comment under GitHub limit, with the verdict and a truncation notice', () => {
    const base: DiffObject[] = [];
    const head: DiffObject[] = [];
    for (let i = 0; i < 60; i++) {
      base.push(configMap(`cm-${i}`, { big: 'a\n'.repeat(400) + `v${i}` }));
      head.push(configMap(`cm-${i}`, { big: 'b\n'.repeat(400) + `v${i}` }));
    }
    const diff = diffObjects(base, head);
    expect(diff.changed).toHaveLength(60);
    const body = renderComment(diff, { baseRef: 'master', findings: { errors: 0, warnings: 0 } });
    expect(body.length).toBeLessThanOrEqual(COMMENT_LIMIT);
    expect(body.startsWith(COMMENT_MARKER)).toBe(true);
    expect(body).toContain('needs review');
    expect(body).toMatch(/Truncated to fit GitHub's comment limit: \d+ more object diff\(s\)/);
    const shown = (body.match(/<details>/g) ?? []).length;
    expect(shown).toBeGreaterThan(0);
    expect(shown).toBeLessThan(60);
    expect(body).toContain(`${60 - shown} more object diff(s)`);
  });

  it('has no notice when everything fits', () => {
    const diff = diffObjects([configMap('a', { k: '1' })], [configMap('a', { k: '2' })]);
    const body = renderComment(diff, { baseRef: 'master', findings: { errors: 0, warnings: 1 } });
    expect(body).not.toContain('Truncated');
    expect(body).toContain('-  k: "1"');
    expect(body).toContain('+  k: "2"');
  });
});
