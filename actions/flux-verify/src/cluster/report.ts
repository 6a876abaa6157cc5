import { annotate, formatMs, mermaidId, mermaidLabel, Summary } from '@homelab/toolkit';
import type { GitSecretResult } from './git-secret';
import { stateLabel, type Entry, type State } from './rollout';
import { refKey, refName } from './status';

/** Everything the report needs about one run of mode cluster. */
export interface ClusterReport {
  server: string;
  /** The Flux version pinned in the repository (or given as input) and where. */
  pinned: string;
  pinnedFrom: string;
  /** The version found before the run, and what was done about it. */
  found?: string;
  action: 'none' | 'install' | 'upgrade' | 'newer';
  installOrigin?: string;
  syncApplied: string[];
  /** The GitRepository credentials Secrets: written from Bitwarden, already right, or missing. */
  gitSecrets?: GitSecretResult;
  reconcileRequested: boolean;
  entries: Entry[];
  started: number;
  finished: number;
  kubectlCalls: number;
}

const ICON: Record<State, string> = {
  ready: '✅ ready',
  failed: '❌ failed',
  'timed-out': '⏱️ timed out',
  blocked: '⛔ blocked',
  waiting: '⏳ waiting',
  progressing: '🔄 progressing',
};

/** Mermaid classes: one colour per state. */
const STYLE: Record<State, string> = {
  ready: 'fill:#d3f9d8,stroke:#2b8a3e,color:#1b4332',
  failed: 'fill:#ffe3e3,stroke:#c92a2a,color:#5c0b0b',
  'timed-out': 'fill:#fff3bf,stroke:#e67700,color:#5c3b00',
  blocked: 'fill:#e9ecef,stroke:#868e96,color:#343a40,stroke-dasharray:4 3',
  waiting: 'fill:#e7f5ff,stroke:#1c7ed6,color:#0b3d6b',
  progressing: 'fill:#e7f5ff,stroke:#1c7ed6,color:#0b3d6b',
};

export function isFailure(entry: Entry): boolean {
  return entry.state !== 'ready';
}

export function duration(entry: Entry, report: ClusterReport): string {
  if (entry.startedAt === undefined || entry.state === 'blocked') return '–';
  return formatMs((entry.finishedAt ?? report.finished) - entry.startedAt);
}

function location(entry: Entry): string {
  return entry.file ? `${entry.file}${entry.line ? `:${entry.line}` : ''}` : '';
}

/** The dependency graph: dependsOn as solid arrows, "applies" (parent Kustomization → child) dotted. */
export function mermaidGraph(entries: readonly Entry[]): string {
  const shown = entries.filter((e) => e.ref.kind === 'Kustomization' || e.ref.kind === 'HelmRelease' || e.state !== 'ready');
  const ids = new Map(shown.map((e) => [refKey(e.ref), mermaidId(refKey(e.ref))]));
  const lines = ['graph TD'];
  for (const e of shown) {
    const label = `${e.ref.kind === 'Kustomization' ? 'ks' : e.ref.kind === 'HelmRelease' ? 'hr' : e.ref.kind}: ${e.ref.name}`;
    const shape = e.ref.kind === 'HelmRelease' ? ['([', '])'] : ['[', ']'];
    lines.push(`  ${ids.get(refKey(e.ref))}${shape[0]}${mermaidLabel(label)}${shape[1]}`);
  }
  for (const e of shown) {
    const to = ids.get(refKey(e.ref))!;
    for (const dep of e.dependsOn) {
      const from = ids.get(refKey(dep));
      if (from) lines.push(`  ${from} --> ${to}`);
    }
    const parent = e.creator ? ids.get(refKey(e.creator)) : undefined;
    if (parent && !e.dependsOn.some((d) => e.creator && refKey(d) === refKey(e.creator))) lines.push(`  ${parent} -.-> ${to}`);
    const source = e.source ? ids.get(refKey(e.source)) : undefined;
    if (source) lines.push(`  ${source} -.-> ${to}`);
  }
  for (const [state, style] of Object.entries(STYLE)) lines.push(`  classDef ${state.replace('-', '')} ${style}`);
  for (const state of Object.keys(STYLE) as State[]) {
    const members = shown.filter((e) => e.state === state).map((e) => ids.get(refKey(e.ref))!);
    if (members.length > 0) lines.push(`  class ${members.join(',')} ${state.replace('-', '')}`);
  }
  return lines.join('\n');
}

export function buildSummary(report: ClusterReport): Summary {
  const failures = report.entries.filter(isFailure);
  const summary = new Summary().heading(`Flux on the cluster: ${failures.length === 0 ? 'every layer is Ready' : `${failures.length} not ready`}`, 2);
  const fluxLine =
    report.action === 'none'
      ? `Flux ${report.pinned} already installed (pinned in ${report.pinnedFrom}).`
      : report.action === 'newer'
        ? `Flux ${report.found ?? '?'} is installed, newer than the pinned ${report.pinned} (${report.pinnedFrom}); left as is.`
        : `Flux ${report.action === 'install' ? 'installed' : `upgraded from ${report.found ?? '?'} to`} ${report.pinned} (pinned in ${report.pinnedFrom}) from ${report.installOrigin ?? '?'}.`;
  summary.list([
    `API server: ${report.server}`,
    fluxLine,
    report.syncApplied.length > 0 ? `Sync objects applied: ${report.syncApplied.join(', ')}.` : 'Sync objects already match the repository.',
    ...gitSecretLines(report.gitSecrets),
    report.reconcileRequested ? 'Reconcile requested (reconcile.fluxcd.io/requestedAt).' : 'No reconcile requested.',
    `Total time: ${formatMs(report.finished - report.started)} (${report.kubectlCalls} kubectl calls).`,
  ]);
  const table = (kinds: string[], title: string) => {
    const rows = report.entries
      .filter((e) => kinds.includes(e.ref.kind))
      .map((e) => [
        `${kinds.length > 1 ? `${e.ref.kind} ` : ''}${refName(e.ref)}`,
        ICON[e.state],
        duration(e, report),
        e.state === 'ready' ? e.message || 'Ready' : [e.reason, e.message].filter(Boolean).join(': '),
        location(e),
      ]);
    if (rows.length === 0) return;
    summary.heading(title, 3).table(['Name', 'State', 'Time', 'Message', 'Defined in'], rows);
  };
  table(['Kustomization'], 'Kustomizations');
  table(['HelmRelease'], 'HelmReleases');
  table(['GitRepository', 'OCIRepository'], 'Sources');
  summary.heading('Dependency graph', 3).mermaid(mermaidGraph(report.entries));
  return summary;
}

function gitSecretLines(result: GitSecretResult | undefined): string[] {
  if (!result) return [];
  const lines: string[] = [];
  if (result.applied.length > 0) lines.push(`Git credentials written from Bitwarden: Secret ${result.applied.join(', ')}.`);
  if (result.unchanged.length > 0) lines.push(`Git credentials already up to date: Secret ${result.unchanged.join(', ')}.`);
  if (result.missing.length > 0) lines.push(`⚠️ Git credentials missing: Secret ${result.missing.join(', ')} does not exist and no Bitwarden secret is mapped for it.`);
  return lines;
}

/** One error annotation per object that is not ready, at the file and line that defines it. */
export function annotateFailures(entries: readonly Entry[]): void {
  for (const e of entries.filter(isFailure)) {
    annotate({
      severity: 'error',
      title: `${e.ref.kind} ${refName(e.ref)} ${stateLabel(e.state)}`,
      message: [e.reason, e.message].filter(Boolean).join(': ') || e.state,
      file: e.file,
      line: e.line,
    });
  }
}

/** The JSON report (input `report`). */
export function jsonReport(report: ClusterReport): Record<string, unknown> {
  return {
    mode: 'cluster',
    server: report.server,
    flux: { pinned: report.pinned, pinnedFrom: report.pinnedFrom, found: report.found ?? null, action: report.action, installOrigin: report.installOrigin ?? null },
    syncApplied: report.syncApplied,
    gitSecrets: report.gitSecrets ?? null,
    objects: report.entries.map((e) => ({
      kind: e.ref.kind,
      namespace: e.ref.namespace,
      name: e.ref.name,
      state: e.state,
      reason: e.reason,
      message: e.message,
      blockedBy: e.blockedBy ? refKey(e.blockedBy) : null,
      file: e.file ?? null,
      line: e.line ?? null,
      durationMs: e.startedAt !== undefined ? (e.finishedAt ?? report.finished) - e.startedAt : null,
    })),
    timings: { totalMs: report.finished - report.started },
    kubectlCalls: report.kubectlCalls,
  };
}
