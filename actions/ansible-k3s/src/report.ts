import { relative, isAbsolute } from 'node:path';
import { Summary, type Annotation } from '@homelab/toolkit';
import { EXIT_MEANINGS } from './ansible';
import { splitTaskPath, type FailedTask, type HostStats, type PlaybookRun } from './results';

/** Failed tasks as annotations at the task's file and line (relative to the workspace). */
export function failureAnnotations(run: PlaybookRun, workspace: string): Annotation[] {
  return run.failures.map((f) => {
    const { file, line } = splitTaskPath(f.path);
    const rel = file && isAbsolute(file) ? relative(workspace, file) : file;
    const inWorkspace = rel !== undefined && !rel.startsWith('..') && !isAbsolute(rel);
    const what = f.outcome === 'unreachable' ? 'unreachable' : f.fatal ? 'failed' : 'failed (ignored or rescued)';
    return {
      severity: f.fatal ? 'error' : 'warning',
      title: `${f.host}: ${f.task} ${what}`,
      message: `${f.host} | ${f.task}${rel && !inWorkspace ? ` (${file}:${line ?? ''})` : ''}: ${f.message || f.outcome}`,
      file: inWorkspace ? rel : undefined,
      line: inWorkspace ? line : undefined,
    } satisfies Annotation;
  });
}

export type Verdict = { ok: true; message: string } | { ok: false; message: string };

/** Known causes of an ansible-playbook error that prints no result at all. */
export function stderrHint(stderr: string): string | undefined {
  if (/Invalid callback for stdout specified: ansible\.posix\.jsonl/.test(stderr)) {
    return "The ansible.posix collection (its jsonl callback) is missing: install the Debian 'ansible' package, or run `ansible-galaxy collection install ansible.posix`.";
  }
  if (/No inventory was parsed|Unable to parse .* as an inventory source/.test(stderr)) {
    return 'The inventory could not be parsed: check the inventory input (a YAML file with the k3s_servers group).';
  }
  return undefined;
}

/** What the exit code and the parsed output together mean for the operator. */
export function verdict(exitCode: number, run: PlaybookRun, timedOutAfter?: string): Verdict {
  const fatal = run.failures.filter((f) => f.fatal);
  const failedHosts = [...new Set(fatal.filter((f) => f.outcome === 'failed').map((f) => f.host))];
  const unreachableHosts = [...new Set(fatal.filter((f) => f.outcome === 'unreachable').map((f) => f.host))];
  if (timedOutAfter) return { ok: false, message: `ansible-playbook was stopped after ${timedOutAfter} (timeout-minutes); the hosts may be half-configured: re-run the playbook.` };
  if (exitCode === 0) {
    if (run.complete && Object.keys(run.stats).length === 0) {
      return { ok: false, message: 'ansible-playbook ran no host: the inventory or limit matched none (check the inventory file and the limit input).' };
    }
    return { ok: true, message: `Playbook finished on ${Object.keys(run.stats).length} host(s).` };
  }
  const parts: string[] = [];
  if (failedHosts.length > 0) parts.push(`a task failed on ${failedHosts.join(', ')}`);
  if (unreachableHosts.length > 0) {
    parts.push(`${unreachableHosts.join(', ')} could not be reached over SSH (address, port, user, key, or a host key that does not match known-hosts)`);
  }
  if (exitCode === 2 && parts.length > 0) return { ok: false, message: `ansible-playbook exit code 2: ${parts.join('; ')}.` };
  if (exitCode === 4 && unreachableHosts.length > 0) return { ok: false, message: `ansible-playbook exit code 4: ${parts.join('; ')}.` };
  if (exitCode === 4 && !run.complete) {
    return { ok: false, message: 'ansible-playbook exit code 4 before any host ran: the playbook or the inventory could not be parsed (see the error below).' };
  }
  const meaning = EXIT_MEANINGS[exitCode] ?? 'unknown failure';
  return { ok: false, message: `ansible-playbook exit code ${exitCode} (${meaning})${parts.length > 0 ? `: ${parts.join('; ')}` : ''}.` };
}

const STAT_COLUMNS: [keyof HostStats, string][] = [
  ['ok', 'ok'],
  ['changed', 'changed'],
  ['failures', 'failed'],
  ['unreachable', 'unreachable'],
  ['skipped', 'skipped'],
  ['rescued', 'rescued'],
  ['ignored', 'ignored'],
];

function hostState(s: HostStats): string {
  if (s.unreachable > 0) return '🔌 unreachable';
  if (s.failures > 0) return '❌ failed';
  if (s.changed > 0) return '✏️ changed';
  return '✅ ok';
}

export interface SummaryContext {
  playbook: string;
  checkMode: boolean;
  limit?: string;
  durationMs: number;
  hostKeyPolicy: string;
  verdict: Verdict;
  stderrTail?: string;
}

export function buildSummary(run: PlaybookRun, ctx: SummaryContext): Summary {
  const s = new Summary();
  const mode = ctx.checkMode ? ' (check mode: nothing was changed)' : '';
  s.heading(`Ansible: ${ctx.playbook}${mode}`, 2);
  s.text(`${ctx.verdict.ok ? '✅' : '❌'} ${ctx.verdict.message}`);
  const hosts = Object.entries(run.stats);
  if (hosts.length > 0) {
    s.table(
      ['host', 'state', ...STAT_COLUMNS.map(([, label]) => label)],
      hosts.map(([host, stats]) => [host, hostState(stats), ...STAT_COLUMNS.map(([key]) => String(stats[key]))]),
    );
  }
  const fatal = run.failures.filter((f) => f.fatal);
  if (fatal.length > 0) {
    s.heading('Failed tasks', 3);
    s.table(['host', 'task', 'where', 'message'], fatal.map(failureRow));
  }
  const tolerated = run.failures.filter((f) => !f.fatal);
  if (tolerated.length > 0) s.details(`${tolerated.length} ignored or rescued failure(s)`, tolerated.map((f) => `- ${f.host} · ${f.task}: ${f.message}`).join('\n'));
  const changed = run.results.filter((r) => r.outcome === 'changed');
  if (changed.length > 0) s.details(`${changed.length} changed task result(s)`, changed.map((r) => `- ${r.host} · ${r.task}`).join('\n'));
  if (ctx.stderrTail && !run.complete) s.heading('ansible-playbook error output', 3).code(ctx.stderrTail);
  const limit = ctx.limit ? `, limit \`${ctx.limit}\`` : '';
  s.text(`Plays: ${run.plays.length}${limit}; SSH host keys: ${ctx.hostKeyPolicy}; took ${formatSeconds(ctx.durationMs)}.`);
  return s;
}

function failureRow(f: FailedTask): string[] {
  const { file, line } = splitTaskPath(f.path);
  const where = file ? `${file.split('/').slice(-3).join('/')}${line ? `:${line}` : ''}` : '';
  return [f.host, f.task, where, f.message.split('\n')[0] ?? ''];
}

function formatSeconds(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`;
}
