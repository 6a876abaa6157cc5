import { readFileSync } from 'node:fs';
import { isRecord } from '../render/local-build';
import type { StickyTarget } from './sticky-comment';

/** Where the sticky comment goes, or why it cannot be posted. */
export type CommentTarget = { ok: true; target: StickyTarget } | { ok: false; reason: string };

/**
 * The pull request this run belongs to, from the runner's environment: GITHUB_EVENT_NAME,
 * GITHUB_EVENT_PATH (the webhook payload), GITHUB_REPOSITORY and GITHUB_API_URL.
 */
export function commentTarget(token: string | undefined, env: NodeJS.ProcessEnv = process.env): CommentTarget {
  if (!token) return { ok: false, reason: "input 'github-token' is empty" };
  const event = env.GITHUB_EVENT_NAME ?? '';
  if (event !== 'pull_request' && event !== 'pull_request_target') return { ok: false, reason: `this run is not for a pull request (event '${event || 'none'}')` };
  const repository = env.GITHUB_REPOSITORY ?? '';
  const [owner, repo] = repository.split('/');
  if (!owner || !repo) return { ok: false, reason: 'GITHUB_REPOSITORY is not set' };
  let payload: unknown;
  try {
    payload = JSON.parse(readFileSync(env.GITHUB_EVENT_PATH ?? '', 'utf8')) as unknown;
  } catch {
    return { ok: false, reason: 'the event payload (GITHUB_EVENT_PATH) cannot be read' };
  }
  const pr = isRecord(payload) && isRecord(payload.pull_request) ? payload.pull_request : undefined;
  const number = pr && typeof pr.number === 'number' ? pr.number : isRecord(payload) && typeof payload.number === 'number' ? payload.number : undefined;
  if (number === undefined) return { ok: false, reason: 'the event payload has no pull request number' };
  // A fork's pull_request run gets a read-only GITHUB_TOKEN: do not even try to write.
  const headRepo = pr && isRecord(pr.head) && isRecord(pr.head.repo) ? pr.head.repo.full_name : undefined;
  if (event === 'pull_request' && typeof headRepo === 'string' && headRepo !== repository) {
    return { ok: false, reason: `the pull request comes from the fork ${headRepo}, whose token may not write comments` };
  }
  return { ok: true, target: { token, owner, repo, issueNumber: number, apiUrl: env.GITHUB_API_URL || undefined } };
}

/** Link to this workflow run, for the comment. */
export function runUrl(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const { GITHUB_SERVER_URL: server, GITHUB_REPOSITORY: repo, GITHUB_RUN_ID: id } = env;
  return server && repo && id ? `${server}/${repo}/actions/runs/${id}` : undefined;
}
