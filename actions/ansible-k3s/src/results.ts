/**
 * Ansible's structured output, read from either of the callbacks of ansible.posix:
 *  - `ansible.posix.jsonl` (what the action uses): one JSON event per line as it happens, the
 *    `v2_playbook_on_stats` event last;
 *  - `json`: one document at the end, `plays[].tasks[].hosts[host]` and `stats[host]`.
 * Pure: text in, a PlaybookRun out.
 */

export type Outcome = 'ok' | 'changed' | 'failed' | 'unreachable' | 'skipped';

export interface HostStats {
  ok: number;
  changed: number;
  failures: number;
  unreachable: number;
  skipped: number;
  rescued: number;
  ignored: number;
}

export interface TaskResult {
  play: string;
  task: string;
  host: string;
  outcome: Outcome;
  /** The module's message, with a command's rc and stderr tail when it has them. */
  message: string;
  /** The task's source as Ansible reports it: `/abs/path/file.yml:12`. */
  path?: string;
  action?: string;
}

export interface FailedTask extends TaskResult {
  outcome: 'failed' | 'unreachable';
  /**
   * Whether the failure ended the host's run. Ansible does not mark ignored (ignore_errors) or
   * rescued failures in the result itself; the stats count only fatal ones, and a fatal failure
   * is the host's last of its kind, so the last `stats.failures` failures of a host are fatal.
   */
  fatal: boolean;
}

export interface PlaybookRun {
  plays: string[];
  results: TaskResult[];
  stats: Record<string, HostStats>;
  failures: FailedTask[];
  /** False when the output ended before the stats (a crash, a kill, or a parse error). */
  complete: boolean;
  /** Lines of stdout that were not JSON events (another callback printing, a Python warning). */
  strayLines: string[];
}

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function num(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : 0;
}

function outcomeOf(event: string | undefined, result: Json): Outcome {
  if (event === 'v2_runner_on_unreachable' || result.unreachable === true) return 'unreachable';
  if (event === 'v2_runner_on_failed' || result.failed === true) return 'failed';
  if (event === 'v2_runner_on_skipped' || result.skipped === true) return 'skipped';
  return result.changed === true ? 'changed' : 'ok';
}

const STDERR_LINES = 5;

/** The most useful one-paragraph explanation of a failed result. */
export function resultMessage(result: Json): string {
  const items = Array.isArray(result.results) ? result.results.filter(isObject) : [];
  const failedItem = items.find((item) => item.failed === true || item.unreachable === true);
  if (failedItem && (!str(result.msg) || /one or more items failed/i.test(str(result.msg) ?? ''))) {
    const item = failedItem.item;
    const label = typeof item === 'string' || typeof item === 'number' ? String(item) : isObject(item) || Array.isArray(item) ? JSON.stringify(item) : '';
    const inner = resultMessage(failedItem);
    return label ? `item ${label}: ${inner}` : inner;
  }
  const parts: string[] = [];
  const msg = str(result.msg)?.trim();
  if (msg) parts.push(msg);
  if (typeof result.rc === 'number' && result.rc !== 0) parts.push(`(rc=${result.rc})`);
  const stderr = str(result.stderr)?.trim();
  if (stderr) parts.push(stderr.split('\n').slice(-STDERR_LINES).join('\n'));
  else if (!msg) {
    const stdout = str(result.stdout)?.trim();
    if (stdout) parts.push(stdout.split('\n').slice(-STDERR_LINES).join('\n'));
  }
  if (parts.length === 0 && str(result.exception)) parts.push(str(result.exception)!.trim().split('\n').slice(-1)[0] ?? '');
  return parts.join(' ').trim();
}

function toStats(value: unknown): HostStats {
  const s = isObject(value) ? value : {};
  return {
    ok: num(s.ok),
    changed: num(s.changed),
    failures: num(s.failures),
    unreachable: num(s.unreachable),
    skipped: num(s.skipped),
    rescued: num(s.rescued),
    ignored: num(s.ignored),
  };
}

function statsOf(value: unknown): Record<string, HostStats> {
  const stats: Record<string, HostStats> = {};
  if (!isObject(value)) return stats;
  for (const host of Object.keys(value).sort()) stats[host] = toStats(value[host]);
  return stats;
}

function taskResults(play: string, task: Json, hosts: Json, event?: string): TaskResult[] {
  const name = str(task.name) ?? '';
  const path = str(task.path);
  return Object.entries(hosts)
    .filter((entry): entry is [string, Json] => isObject(entry[1]))
    .map(([host, result]) => {
      const outcome = outcomeOf(event, result);
      const message = outcome === 'failed' || outcome === 'unreachable' ? resultMessage(result) : (str(result.msg) ?? '');
      return { play, task: name, host, outcome, message, path, action: str(result.action) };
    });
}

/** Mark the fatal failures (see FailedTask.fatal). */
function classifyFailures(results: TaskResult[], stats: Record<string, HostStats>, complete: boolean): FailedTask[] {
  const failures = results.filter((r): r is TaskResult & { outcome: 'failed' | 'unreachable' } => r.outcome === 'failed' || r.outcome === 'unreachable');
  const fatal = new Set<TaskResult>();
  const hosts = new Set(failures.map((f) => f.host));
  for (const host of hosts) {
    for (const kind of ['failed', 'unreachable'] as const) {
      const mine = failures.filter((f) => f.host === host && f.outcome === kind);
      // Without stats (an interrupted run) every failure is reported as fatal: nothing says otherwise.
      const count = complete ? (kind === 'failed' ? (stats[host]?.failures ?? 0) : (stats[host]?.unreachable ?? 0)) : mine.length;
      for (const f of mine.slice(Math.max(0, mine.length - count))) fatal.add(f);
    }
  }
  return failures.map((f) => ({ ...f, fatal: fatal.has(f) }));
}

const RESULT_EVENTS = new Set(['v2_runner_on_ok', 'v2_runner_on_failed', 'v2_runner_on_unreachable', 'v2_runner_on_skipped']);

/** Parse the `ansible.posix.jsonl` stream. Lines that are not JSON events are kept in strayLines. */
export function parseJsonl(text: string): PlaybookRun {
  const plays: string[] = [];
  const results: TaskResult[] = [];
  const strayLines: string[] = [];
  let stats: Record<string, HostStats> = {};
  let complete = false;
  let play = '';
  for (const line of text.split('\n')) {
    const trimmed = line.trim();
    if (trimmed === '') continue;
    const event = parseEvent(trimmed);
    if (!event) {
      strayLines.push(line);
      continue;
    }
    const name = str(event._event);
    if (name === 'v2_playbook_on_play_start') {
      play = str(isObject(event.play) ? event.play.name : undefined) ?? '';
      plays.push(play);
    } else if (name && RESULT_EVENTS.has(name) && isObject(event.task) && isObject(event.hosts)) {
      results.push(...taskResults(play, event.task, event.hosts, name));
    } else if (name === 'v2_playbook_on_stats') {
      stats = statsOf(event.stats);
      complete = true;
    }
  }
  return { plays, results, stats, failures: classifyFailures(results, stats, complete), complete, strayLines };
}

/** Parse the `json` callback's single document. */
export function parseJsonDocument(text: string): PlaybookRun {
  const start = text.indexOf('{');
  let doc: unknown;
  try {
    doc = JSON.parse(start >= 0 ? text.slice(start) : text);
  } catch {
    doc = undefined;
  }
  if (!isObject(doc) || !Array.isArray(doc.plays)) {
    return { plays: [], results: [], stats: {}, failures: [], complete: false, strayLines: text.split('\n').filter((l) => l.trim() !== '') };
  }
  const plays: string[] = [];
  const results: TaskResult[] = [];
  for (const p of doc.plays.filter(isObject)) {
    const play = str(isObject(p.play) ? p.play.name : undefined) ?? '';
    plays.push(play);
    for (const t of Array.isArray(p.tasks) ? p.tasks.filter(isObject) : []) {
      if (isObject(t.task) && isObject(t.hosts)) results.push(...taskResults(play, t.task, t.hosts));
    }
  }
  const complete = isObject(doc.stats);
  const stats = statsOf(doc.stats);
  const strayLines = start > 0 ? text.slice(0, start).split('\n').filter((l) => l.trim() !== '') : [];
  return { plays, results, stats, failures: classifyFailures(results, stats, complete), complete, strayLines };
}

/** Either format: a document whose first key line opens `{` and holds `plays` is the json callback. */
export function parseAnsibleOutput(text: string): PlaybookRun {
  const firstLine = text.split('\n').find((l) => l.trim() !== '')?.trim() ?? '';
  const looksLikeEvent = firstLine.startsWith('{') && firstLine.endsWith('}') && firstLine.includes('"_event"');
  return looksLikeEvent ? parseJsonl(text) : text.trimStart().startsWith('{') ? parseJsonDocument(text) : parseJsonl(text);
}

function parseEvent(line: string): Json | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    const value: unknown = JSON.parse(line);
    return isObject(value) && typeof value._event === 'string' ? value : undefined;
  } catch {
    return undefined;
  }
}

/**
 * One human line per jsonl event for the live log, e.g. `TASK [k3s : Write config] ...` and
 * `  changed: k3s-node-01`. Undefined for events that print nothing.
 */
export function progressLine(line: string): string | undefined {
  const event = parseEvent(line.trim());
  if (!event) return undefined;
  const name = str(event._event);
  if (name === 'v2_playbook_on_play_start') return `PLAY [${str(isObject(event.play) ? event.play.name : undefined) ?? ''}]`;
  if (name === 'v2_playbook_on_task_start' || name === 'v2_playbook_on_handler_task_start') {
    const task = isObject(event.task) ? (str(event.task.name) ?? '') : '';
    return `${name === 'v2_playbook_on_handler_task_start' ? 'HANDLER' : 'TASK'} [${task}]`;
  }
  if (name && RESULT_EVENTS.has(name) && isObject(event.task) && isObject(event.hosts)) {
    return taskResults('', event.task, event.hosts, name)
      .map((r) => {
        const detail = r.outcome === 'failed' || r.outcome === 'unreachable' ? `: ${r.message.split('\n')[0] ?? ''}` : '';
        return `  ${r.outcome}: ${r.host}${detail}`;
      })
      .join('\n');
  }
  if (name === 'v2_playbook_on_stats') {
    const stats = statsOf(event.stats);
    const lines = Object.entries(stats).map(
      ([host, s]) => `  ${host}: ok=${s.ok} changed=${s.changed} failed=${s.failures} unreachable=${s.unreachable} skipped=${s.skipped} rescued=${s.rescued} ignored=${s.ignored}`,
    );
    return ['RECAP', ...lines].join('\n');
  }
  return undefined;
}

/** `/abs/roles/k3s/tasks/main.yml:12` -> file and line. */
export function splitTaskPath(path: string | undefined): { file?: string; line?: number } {
  if (!path) return {};
  const m = /^(.*):(\d+)$/.exec(path);
  if (!m) return { file: path };
  return { file: m[1], line: Number(m[2]) };
}
