import { formatMs, UserError } from '@homelab/toolkit';
import type { ClusterInputs } from './inputs';
import type { Kubectl } from './kubectl';
import { info } from './log';
import type { RepoObject } from './repo';
import { stateLabel, type Entry, type Rollout, type Transition } from './rollout';
import { parseLive, refName, type TrackedKind } from './status';

/** Resource names kubectl is asked for, per tracked kind (only those whose CRD exists). */
export const RESOURCES: Record<TrackedKind, string> = {
  GitRepository: 'gitrepositories.source.toolkit.fluxcd.io',
  OCIRepository: 'ocirepositories.source.toolkit.fluxcd.io',
  Kustomization: 'kustomizations.kustomize.toolkit.fluxcd.io',
  HelmRelease: 'helmreleases.helm.toolkit.fluxcd.io',
};

/** Consecutive failed polls tolerated before the run fails (an API server restarting, a dropped connection). */
const MAX_POLL_FAILURES = 4;

/** Where the repository defines a live object: same kind and name, the namespace when the file sets one. */
function locator(repo: readonly RepoObject[]): (entry: Entry) => RepoObject | undefined {
  return (entry) => {
    const candidates = repo.filter((o) => o.kind === entry.ref.kind && o.name === entry.ref.name);
    return candidates.find((o) => o.namespace === entry.ref.namespace) ?? (candidates.length === 1 && candidates[0]!.namespace === undefined ? candidates[0] : undefined);
  };
}

/** Poll every tracked kind with one kubectl get until every object is ready, failed, timed out or blocked. */
export async function waitForRollout(kubectl: Kubectl, rollout: Rollout, kinds: TrackedKind[], repo: readonly RepoObject[], inputs: ClusterInputs, started: number): Promise<void> {
  const locate = locator(repo);
  const resources = kinds.map((k) => RESOURCES[k]).join(',');
  const heartbeatMs = Math.max(30_000, inputs.pollIntervalMs * 6);
  let lastHeartbeat = Date.now();
  let first = true;
  let failures = 0;
  info(`Waiting for every Flux object (timeout ${formatMs(inputs.timeoutMs)} each, polling every ${formatMs(inputs.pollIntervalMs)}):`);
  for (;;) {
    let items: Record<string, unknown>[];
    try {
      items = await kubectl.items([resources, '--all-namespaces']);
      failures = 0;
    } catch (err) {
      // A fresh control plane may drop a request or restart; give up only when it keeps failing.
      if (!(err instanceof UserError) || ++failures >= MAX_POLL_FAILURES) throw err;
      info(`[${clock(Date.now() - started)}] ⚠️ polling failed (${failures} of ${MAX_POLL_FAILURES} in a row), retrying: ${err.message.replace(/\s*\n\s*/g, ' ')}`);
      await new Promise((r) => setTimeout(r, inputs.pollIntervalMs));
      continue;
    }
    const live = items.map(parseLive).filter((o) => o !== undefined);
    const now = Date.now();
    const transitions = rollout.update(live, now);
    for (const entry of rollout.ordered()) {
      const where = entry.file === undefined ? locate(entry) : undefined;
      if (where) rollout.locate(entry.ref, where.file, where.line);
    }
    if (first) {
      first = false;
      const all = rollout.ordered();
      info(`Tracking ${all.length} objects, in dependency order: ${all.map((e) => `${e.ref.kind} ${refName(e.ref)}`).join(', ')}`);
    }
    for (const t of transitions) if (t.entry.state !== 'waiting') info(progressLine(t, now - started));
    if (rollout.done()) return;
    if (now - lastHeartbeat >= heartbeatMs) {
      lastHeartbeat = now;
      const open = rollout.ordered().filter((e) => e.state === 'progressing' || e.state === 'waiting');
      info(`[${clock(now - started)}] still waiting for ${open.length}: ${open.map((e) => `${e.ref.kind} ${refName(e.ref)}${e.message ? ` (${e.message})` : ''}`).join('; ')}`);
    }
    await new Promise((r) => setTimeout(r, inputs.pollIntervalMs));
  }
}

const MARK: Record<Entry['state'], string> = { ready: '✅', failed: '❌', 'timed-out': '⏱️', blocked: '⛔', waiting: '⏳', progressing: '🔄' };

function progressLine(t: Transition, elapsedMs: number): string {
  const e = t.entry;
  const took = e.finishedAt !== undefined && e.startedAt !== undefined && e.state !== 'blocked' ? ` after ${formatMs(e.finishedAt - e.startedAt)}` : '';
  const state = stateLabel(e.state);
  const detail = e.state === 'ready' ? '' : [e.reason, e.message].filter(Boolean).join(': ');
  return `[${clock(elapsedMs)}] ${MARK[e.state]} ${e.ref.kind} ${refName(e.ref)} ${state}${took}${detail ? ` — ${detail}` : ''}`;
}

function clock(ms: number): string {
  return `${(ms / 1000).toFixed(1).padStart(6)}s`;
}
