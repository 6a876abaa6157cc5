import { getOctokit } from '@actions/github';
import { COMMENT_MARKER } from './comment';

export interface StickyTarget {
  token: string;
  owner: string;
  repo: string;
  issueNumber: number;
  /** GitHub API base URL (GITHUB_API_URL on the runner; a loopback server in tests). */
  apiUrl?: string;
}

export type StickyResult =
  | { action: 'created' | 'updated'; id: number; url: string }
  | { action: 'skipped'; reason: string };

interface HttpError {
  status?: number;
  message?: string;
}

/**
 * Create our comment on the PR, or update it in place when an earlier run left one: one comment per
 * PR however many times the check runs. A token that may not write (a fork's PR, a read-only
 * GITHUB_TOKEN) is a clean skip, not a failure: the verdict is in the job summary and outputs anyway.
 * When several comments carry the marker (a copy by hand), the bot's own is the one updated.
 */
export async function upsertStickyComment(target: StickyTarget, body: string): Promise<StickyResult> {
  const octokit = getOctokit(target.token, target.apiUrl ? { baseUrl: target.apiUrl } : {});
  const where = { owner: target.owner, repo: target.repo, issue_number: target.issueNumber };
  try {
    const comments = await octokit.paginate(octokit.rest.issues.listComments, { ...where, per_page: 100 });
    const marked = comments.filter((c) => (c.body ?? '').includes(COMMENT_MARKER));
    const ours = marked.find((c) => c.user?.type === 'Bot') ?? marked[0];
    if (ours) {
      const { data } = await octokit.rest.issues.updateComment({ owner: target.owner, repo: target.repo, comment_id: ours.id, body });
      return { action: 'updated', id: data.id, url: data.html_url };
    }
    const { data } = await octokit.rest.issues.createComment({ ...where, body });
    return { action: 'created', id: data.id, url: data.html_url };
  } catch (err) {
    const e = err as HttpError;
    if (e.status === 403 || e.status === 404 || e.status === 401) {
      return {
        action: 'skipped',
        reason: `the token may not write comments on ${target.owner}/${target.repo}#${target.issueNumber} (HTTP ${e.status}); this is expected for pull requests from forks`,
      };
    }
    // The verdict and the diff are in the outputs and the job summary: an API hiccup must not fail the check.
    return { action: 'skipped', reason: `GitHub did not accept the comment (${e.status ? `HTTP ${e.status}: ` : ''}${e.message ?? String(err)})` };
  }
}
