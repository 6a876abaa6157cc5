// The repository's security policy for GitHub Actions workflows, as a pure checker: it reads one
// workflow's text and returns every violation with the line it sits on. The self-hosted runner
// lives in VLAN 10 next to Proxmox, so these rules keep untrusted code and untrusted input away
// from it (docs/operations.md explains each rule).
import { isMap, isScalar, LineCounter, parseDocument, type Document } from 'yaml';

export type Rule =
  | 'yaml'
  | 'top-permissions'
  | 'self-hosted-untrusted-trigger'
  | 'pull-request-target'
  | 'unpinned-action'
  | 'checkout-credentials'
  | 'untrusted-expression-in-run'
  | 'infra-concurrency'
  | 'self-hosted-environment'
  | 'secrets-in-untrusted-workflow';

export interface Finding {
  rule: Rule;
  file: string;
  line: number;
  job?: string;
  message: string;
}

/**
 * Events that someone without write access can cause, or that run after such an event (a fork's
 * pull request, a comment, a review, a fork, a star, a workflow_run following a fork's run).
 */
export const UNTRUSTED_EVENTS = [
  'pull_request',
  'pull_request_target',
  'pull_request_review',
  'pull_request_review_comment',
  'issue_comment',
  'issues',
  'discussion',
  'discussion_comment',
  'fork',
  'watch',
  'workflow_run',
] as const;

const FULL_SHA = /^[0-9a-f]{40}$/;
const EXPRESSION = /\$\{\{([\s\S]*?)\}\}/g;
const UNTRUSTED_IN_EXPRESSION = /\bgithub\s*\.\s*event\b|\bgithub\s*\.\s*head_ref\b|\bgithub\s*\[\s*['"](event|head_ref)['"]\s*\]/;
/** The automatic token is scoped by `permissions:`; every other secret must stay out of untrusted workflows. */
const SECRET_REFERENCE = /\bsecrets\s*\.\s*(?!GITHUB_TOKEN\b)[A-Za-z_][A-Za-z0-9_]*|\bsecrets\s*\[/;

type Path = (string | number)[];

class WorkflowView {
  private readonly counter = new LineCounter();
  readonly doc: Document;
  readonly data: unknown;

  constructor(readonly file: string, text: string) {
    this.doc = parseDocument(text, { lineCounter: this.counter, uniqueKeys: true });
    this.data = this.doc.toJS({ maxAliasCount: 100 });
  }

  errors(): { line: number; message: string }[] {
    return this.doc.errors.map((e) => ({ line: e.linePos?.[0]?.line ?? 1, message: e.message }));
  }

  /** 1-based line of the node at `path`, or of its nearest existing parent. */
  line(path: Path): number {
    for (let n = path.length; n >= 0; n--) {
      const node = this.doc.getIn(path.slice(0, n), true) as { range?: [number, number, number] } | undefined;
      if (node && typeof node === 'object' && node.range) {
        // A key's line reads better than its value's (a block scalar starts on the next line).
        if (n > 0) {
          const parent = this.doc.getIn(path.slice(0, n - 1), true);
          if (isMap(parent)) {
            const pair = parent.items.find((p) => isScalar(p.key) && p.key.value === path[n - 1]);
            const keyRange = pair && isScalar(pair.key) ? pair.key.range : undefined;
            if (keyRange) return this.counter.linePos(keyRange[0]).line;
          }
        }
        return this.counter.linePos(node.range[0]).line;
      }
    }
    return 1;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The workflow's trigger names, whatever form `on:` takes. */
export function triggers(on: unknown): string[] {
  if (typeof on === 'string') return [on];
  if (Array.isArray(on)) return on.filter((e): e is string => typeof e === 'string');
  if (isObject(on)) return Object.keys(on);
  return [];
}

/** 'self-hosted' when a job may land on a self-hosted runner, 'unknown' when `runs-on` is computed. */
export function runnerKind(runsOn: unknown): 'hosted' | 'self-hosted' | 'unknown' {
  let labels: unknown[] = [];
  if (typeof runsOn === 'string') labels = [runsOn];
  else if (Array.isArray(runsOn)) labels = runsOn;
  else if (isObject(runsOn)) {
    // A runner group is always self-hosted or larger-runner infrastructure we do not control here.
    if (runsOn.group !== undefined) return 'self-hosted';
    labels = Array.isArray(runsOn.labels) ? runsOn.labels : [runsOn.labels];
  } else return 'unknown';
  if (labels.some((l) => typeof l !== 'string' || l.includes('${{'))) return 'unknown';
  return labels.some((l) => (l as string).toLowerCase() === 'self-hosted') ? 'self-hosted' : 'hosted';
}

function permissionsAreReadOnly(permissions: unknown): boolean {
  if (permissions === 'read-all') return true;
  if (!isObject(permissions)) return false;
  return Object.values(permissions).every((v) => v === 'read' || v === 'none');
}

function isFalse(value: unknown): boolean {
  return value === false || value === 'false';
}

/** Check one workflow file's text against every rule. */
export function checkWorkflow(file: string, text: string): Finding[] {
  const view = new WorkflowView(file, text);
  const findings: Finding[] = [];
  const add = (rule: Rule, path: Path, message: string, job?: string) =>
    findings.push({ rule, file, line: view.line(path), message, ...(job ? { job } : {}) });

  const parseErrors = view.errors();
  if (parseErrors.length > 0) {
    return parseErrors.map((e) => ({ rule: 'yaml' as const, file, line: e.line, message: e.message }));
  }
  const wf = view.data;
  if (!isObject(wf)) return [{ rule: 'yaml', file, line: 1, message: 'a workflow must be a YAML mapping' }];

  const events = triggers(wf.on);
  const untrusted = events.filter((e) => (UNTRUSTED_EVENTS as readonly string[]).includes(e));

  // Top-level permissions: the default for every job, so read-only at most.
  if (!('permissions' in wf)) {
    add('top-permissions', [], 'top-level "permissions:" is missing: the token would get the repository default (often write-all); declare "permissions: {}" or read scopes and grant more per job');
  } else if (!permissionsAreReadOnly(wf.permissions)) {
    add('top-permissions', ['permissions'], `top-level permissions ${JSON.stringify(wf.permissions)} are broader than read; keep them read-only and grant write scopes on the one job that needs them`);
  }

  if (events.includes('pull_request_target')) {
    add('pull-request-target', ['on', 'pull_request_target'], '"pull_request_target" runs with a write token and secrets in the context of the base branch while handling untrusted pull request data; use "pull_request" on a GitHub-hosted runner instead');
  }

  const jobs = isObject(wf.jobs) ? wf.jobs : {};
  const workflowConcurrency = wf.concurrency;

  if (untrusted.length > 0) {
    for (const [key, value] of [['env', wf.env]] as const) {
      if (value !== undefined && SECRET_REFERENCE.test(JSON.stringify(value))) {
        add('secrets-in-untrusted-workflow', [key], `a workflow triggered by ${untrusted.join(', ')} must not read repository secrets (only GITHUB_TOKEN, scoped by permissions)`);
      }
    }
  }

  for (const [jobId, jobValue] of Object.entries(jobs)) {
    if (!isObject(jobValue)) continue;
    const job = jobValue;
    const jobPath = ['jobs', jobId];

    // A reusable workflow call: its runners cannot be seen from here, and a remote one must be pinned.
    if (typeof job.uses === 'string') {
      if (!job.uses.startsWith('./')) {
        const ref = job.uses.split('@')[1] ?? '';
        if (!FULL_SHA.test(ref)) add('unpinned-action', [...jobPath, 'uses'], `reusable workflow "${job.uses}" is not pinned to a full 40-character commit SHA`, jobId);
      }
      if (untrusted.length > 0) {
        add('self-hosted-untrusted-trigger', [...jobPath, 'uses'], `job "${jobId}" calls a reusable workflow from a workflow triggered by ${untrusted.join(', ')}; its runners cannot be proven GitHub-hosted`, jobId);
      }
    }

    const kind = job.uses === undefined ? runnerKind(job['runs-on']) : 'hosted';
    if (untrusted.length > 0 && kind !== 'hosted') {
      add(
        'self-hosted-untrusted-trigger',
        [...jobPath, 'runs-on'],
        kind === 'self-hosted'
          ? `job "${jobId}" runs on a self-hosted runner but the workflow is triggered by ${untrusted.join(', ')}, which outsiders can cause: untrusted code would reach the home network`
          : `job "${jobId}" computes "runs-on" in a workflow triggered by ${untrusted.join(', ')}; only static GitHub-hosted labels can be proven safe`,
        jobId,
      );
    }

    if (untrusted.length > 0 && SECRET_REFERENCE.test(JSON.stringify(job))) {
      add('secrets-in-untrusted-workflow', jobPath, `job "${jobId}" reads a repository secret in a workflow triggered by ${untrusted.join(', ')} (only GITHUB_TOKEN, scoped by permissions, is allowed)`, jobId);
    }

    // workflow_dispatch runs the workflow file of whatever branch a writer picks: only an
    // environment's deployment-branch rule (production: master only) keeps a branch's edited
    // workflow off the runner in VLAN 10.
    if (kind === 'self-hosted' && job.environment === undefined) {
      add('self-hosted-environment', [...jobPath, 'runs-on'], `self-hosted job "${jobId}" has no "environment": nothing restricts which branch's version of this workflow reaches the runner (give it environment: production, limited to master)`, jobId);
    }

    // Infrastructure jobs (self-hosted or deploying to an environment) must queue, never cancel.
    const infra = kind === 'self-hosted' || job.environment !== undefined;
    if (infra) {
      const concurrency = job.concurrency ?? workflowConcurrency;
      const where = job.concurrency !== undefined ? [...jobPath, 'concurrency'] : workflowConcurrency !== undefined ? ['concurrency'] : jobPath;
      if (concurrency === undefined) {
        add('infra-concurrency', where, `infrastructure job "${jobId}" has no "concurrency": two runs could change the same machines at once`, jobId);
      } else if (isObject(concurrency) && concurrency['cancel-in-progress'] !== undefined && !isFalse(concurrency['cancel-in-progress'])) {
        add('infra-concurrency', [...where, 'cancel-in-progress'], `infrastructure job "${jobId}" sets cancel-in-progress to ${JSON.stringify(concurrency['cancel-in-progress'])}: a cancelled apply leaves half-built infrastructure and a held state lock; use false`, jobId);
      } else if (!isObject(concurrency) && typeof concurrency !== 'string') {
        add('infra-concurrency', where, `infrastructure job "${jobId}" has an unreadable "concurrency" value`, jobId);
      }
    }

    const steps = Array.isArray(job.steps) ? job.steps : [];
    steps.forEach((stepValue, index) => {
      if (!isObject(stepValue)) return;
      const step = stepValue;
      const stepPath = [...jobPath, 'steps', index];
      const label = `step ${index + 1}${typeof step.name === 'string' ? ` ("${step.name}")` : ''} of job "${jobId}"`;

      if (typeof step.uses === 'string') {
        const uses = step.uses;
        if (uses.startsWith('docker://')) {
          if (!/@sha256:[0-9a-f]{64}$/.test(uses)) add('unpinned-action', [...stepPath, 'uses'], `${label}: container action "${uses}" is not pinned to an image digest`, jobId);
        } else if (!uses.startsWith('./')) {
          const [name = '', ref = ''] = uses.split('@');
          if (!FULL_SHA.test(ref)) add('unpinned-action', [...stepPath, 'uses'], `${label}: "${uses}" is not pinned to a full 40-character commit SHA (tags and branches can be moved)`, jobId);
          if (/^actions\/checkout$/i.test(name)) {
            const withBlock = isObject(step.with) ? step.with : {};
            if (!isFalse(withBlock['persist-credentials'])) {
              add('checkout-credentials', [...stepPath, 'uses'], `${label}: actions/checkout without "persist-credentials: false" leaves the token in .git/config for every later step`, jobId);
            }
          }
        }
      }

      if (typeof step.run === 'string') {
        for (const match of step.run.matchAll(EXPRESSION)) {
          if (UNTRUSTED_IN_EXPRESSION.test(match[1] ?? '')) {
            add('untrusted-expression-in-run', [...stepPath, 'run'], `${label}: "${match[0].trim()}" is expanded into the shell script before it runs (script injection); pass it through "env:" and use the variable`, jobId);
          }
        }
      }
    });
  }
  return findings;
}

/** One line per finding, `file:line: [rule] message`, for test failure messages and the terminal. */
export function formatFindings(findings: Finding[]): string {
  return findings.map((f) => `${f.file}:${f.line}: [${f.rule}] ${f.message}`).join('\n');
}
