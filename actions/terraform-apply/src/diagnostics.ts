/**
 * Pure readers of terraform's human output (-no-color): the error blocks it prints on stderr and
 * the lock holder it names when the state is locked.
 */

export interface Diagnostic {
  severity: 'error' | 'warning';
  summary: string;
  /** The lines after the summary, trimmed of terraform's leading blank lines. */
  detail: string;
  /** `on <file> line <n>` when terraform points at configuration. */
  file?: string;
  line?: number;
  /** `with <address>` when the error belongs to a resource (provider errors). */
  address?: string;
}

const HEAD = /^(Error|Warning): (.*)$/;

/** Split terraform's output into its Error:/Warning: blocks. */
export function parseDiagnostics(text: string): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  let current: { severity: Diagnostic['severity']; summary: string; lines: string[] } | undefined;
  const flush = () => {
    if (!current) return;
    const detail = current.lines.join('\n').replace(/^\s*\n/, '').replace(/\s+$/, '');
    const diagnostic: Diagnostic = { severity: current.severity, summary: current.summary.trim(), detail };
    const on = /^\s*on (.+?) line (\d+)/m.exec(detail);
    if (on) {
      diagnostic.file = on[1];
      diagnostic.line = Number(on[2]);
    }
    const withAddress = /^\s*with (\S+?),?$/m.exec(detail);
    if (withAddress) diagnostic.address = withAddress[1];
    diagnostics.push(diagnostic);
    current = undefined;
  };
  for (const raw of text.split('\n')) {
    // Without -no-color (or with an older terraform) blocks are framed with box characters.
    const line = raw.replace(/^[│╷╵] ?/, '');
    const head = HEAD.exec(line);
    if (head) {
      flush();
      current = { severity: head[1] === 'Error' ? 'error' : 'warning', summary: head[2] ?? '', lines: [] };
    } else if (current) {
      current.lines.push(line);
    }
  }
  flush();
  return diagnostics;
}

export interface LockInfo {
  id: string;
  path?: string;
  operation?: string;
  who?: string;
  version?: string;
  created?: string;
  info?: string;
  /** The backend's reason, e.g. "resource temporarily unavailable" or "ConditionalCheckFailed". */
  message?: string;
}

/** The holder of the state lock from terraform's "Error acquiring the state lock" diagnostic. */
export function parseLockError(text: string): LockInfo | undefined {
  if (!/Error acquiring the state lock|Error locking state/.test(text)) return undefined;
  const field = (name: string) => {
    const m = new RegExp(`^\\s*${name}:[ \\t]*(.*?)\\s*$`, 'm').exec(text);
    return m && m[1] !== '' ? m[1] : undefined;
  };
  const lock: LockInfo = { id: field('ID') ?? 'unknown' };
  const set = (key: Exclude<keyof LockInfo, 'id'>, value: string | undefined) => {
    if (value !== undefined) lock[key] = value;
  };
  set('path', field('Path'));
  set('operation', field('Operation'));
  set('who', field('Who'));
  set('version', field('Version'));
  set('created', field('Created'));
  set('info', field('Info'));
  set('message', field('Error message'));
  return lock;
}

/** init failed because providers could not be installed (registry unreachable, missing in a mirror, lock-file mismatch). */
export function isProviderInstallError(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) =>
    /Failed to (query available provider packages|install provider|resolve provider packages)|Inconsistent dependency lock file|Incompatible provider version|provider registry/i.test(
      `${d.summary}\n${d.detail}`,
    ),
  );
}

/** A diagnostic that comes from a provider (its plugin crashed or the remote API refused). */
export function isProviderError(diagnostic: Diagnostic): boolean {
  return (
    diagnostic.address !== undefined ||
    /Plugin did not respond|Provider produced inconsistent|plugin crashed|Failed to load plugin schemas|Invalid provider configuration/i.test(diagnostic.summary)
  );
}

/** The diagnostics as a short text for an error message. */
export function formatDiagnostics(diagnostics: readonly Diagnostic[], max = 5): string {
  const errors = diagnostics.filter((d) => d.severity === 'error');
  const shown = errors.slice(0, max).map((d) => `Error: ${d.summary}${d.detail ? `\n${indent(d.detail)}` : ''}`);
  if (errors.length > max) shown.push(`(${errors.length - max} more error(s) in the log)`);
  return shown.join('\n');
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((l) => (l === '' ? '' : `  ${l}`))
    .join('\n');
}
