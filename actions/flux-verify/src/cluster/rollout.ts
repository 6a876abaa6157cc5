import { assess, refKey, refName, type LiveObject, type ObjectRef } from './status';

/**
 * The state of a rollout: every Flux object we wait for, in dependency order, each with its own
 * clock that starts only when everything it depends on is ready, so that a slow parent does not
 * eat its children's time, and a failed parent makes its dependents "blocked" (by whom), not
 * "timed out". Pure: fed with snapshots of the cluster and the time.
 */

export type State = 'waiting' | 'progressing' | 'ready' | 'failed' | 'timed-out' | 'blocked';

export const TERMINAL: ReadonlySet<State> = new Set(['ready', 'failed', 'timed-out', 'blocked']);
const BAD: ReadonlySet<State> = new Set(['failed', 'timed-out', 'blocked']);

export interface Entry {
  ref: ObjectRef;
  state: State;
  reason: string;
  message: string;
  /** When its own clock started (all its dependencies ready). */
  startedAt?: number;
  finishedAt?: number;
  /** The dependency that failed (directly) and the object at the root of the failure chain. */
  blockedBy?: ObjectRef;
  rootCause?: ObjectRef;
  dependsOn: ObjectRef[];
  /** The Kustomization that creates it (repository layout or the live labels). */
  creator?: ObjectRef;
  source?: ObjectRef;
  /** Where the repository defines it. */
  file?: string;
  line?: number;
  /** Present in the last snapshot. */
  live: boolean;
  /** Defined in the repository's cluster directory, so it must appear. */
  expected: boolean;
  /** When it was first seen in the cluster. */
  firstSeen?: number;
}

export interface Transition {
  entry: Entry;
  from: State | 'new';
}

export interface Expectation {
  dependsOn?: ObjectRef[];
  creator?: ObjectRef;
  source?: ObjectRef;
  file?: string;
  line?: number;
}

export class Rollout {
  private readonly byKey = new Map<string, Entry>();
  private readonly liveByKey = new Map<string, LiveObject>();
  private cyclesChecked = new Set<string>();

  private updates = 0;

  /**
   * `origin`: when the wait began (the reconcile request); clocks of objects present from the
   * start and with nothing to wait for start there, not at the first poll.
   */
  constructor(private readonly options: { timeoutMs: number; token?: string; origin?: number }) {}

  /** An object the repository says must exist (it may not yet). */
  expect(ref: ObjectRef, expectation: Expectation = {}): void {
    const entry = this.entry(ref);
    entry.expected = true;
    entry.dependsOn = expectation.dependsOn ?? entry.dependsOn;
    entry.creator = expectation.creator ?? entry.creator;
    entry.source = expectation.source ?? entry.source;
    entry.file = expectation.file ?? entry.file;
    entry.line = expectation.line ?? entry.line;
  }

  /** Where the repository defines an object, for annotations (also for objects only seen live). */
  locate(ref: ObjectRef, file: string, line: number): void {
    const entry = this.byKey.get(refKey(ref));
    if (entry && entry.file === undefined) {
      entry.file = file;
      entry.line = line;
    }
  }

  get(ref: ObjectRef): Entry | undefined {
    return this.byKey.get(refKey(ref));
  }

  /** Feed one snapshot of the cluster; returns the state changes, in dependency order. */
  update(snapshot: readonly LiveObject[], now: number): Transition[] {
    const before = new Map([...this.byKey.entries()].map(([k, e]) => [k, e.state] as const));
    const seen = new Set<string>();
    for (const live of snapshot) {
      const key = refKey(live);
      seen.add(key);
      this.liveByKey.set(key, live);
      const entry = this.entry(live);
      entry.live = true;
      entry.firstSeen ??= this.updates === 0 ? Math.min(this.options.origin ?? now, now) : now;
      entry.dependsOn = live.dependsOn;
      entry.source = live.sourceRef ?? entry.source;
      entry.creator = live.appliedBy ?? entry.creator;
    }
    for (const [key, entry] of this.byKey) {
      if (!seen.has(key)) {
        entry.live = false;
        this.liveByKey.delete(key);
      }
    }
    this.updates++;
    this.markCycles(now);
    for (const entry of this.ordered()) {
      if (!TERMINAL.has(entry.state)) this.step(entry, now);
    }
    const transitions: Transition[] = [];
    for (const entry of this.ordered()) {
      const from = before.get(refKey(entry.ref));
      if (from !== entry.state) transitions.push({ entry, from: from ?? 'new' });
    }
    return transitions;
  }

  done(): boolean {
    return [...this.byKey.values()].every((e) => TERMINAL.has(e.state));
  }

  /** Entries in dependency order (dependencies and creators first), then by kind and name. */
  ordered(): Entry[] {
    const entries = [...this.byKey.values()].sort((a, b) => kindRank(a) - kindRank(b) || refName(a.ref).localeCompare(refName(b.ref)));
    const result: Entry[] = [];
    const state = new Map<string, 'visiting' | 'done'>();
    const visit = (entry: Entry) => {
      const key = refKey(entry.ref);
      if (state.has(key)) return;
      state.set(key, 'visiting');
      for (const dep of this.dependencies(entry, true)) visit(dep);
      state.set(key, 'done');
      result.push(entry);
    };
    for (const entry of entries) visit(entry);
    return result;
  }

  /** The tracked objects this entry waits for: its dependsOn, its source, its creator (while it does not exist). */
  private dependencies(entry: Entry, forOrdering = false): Entry[] {
    const refs = [...entry.dependsOn];
    if (entry.source) refs.push(entry.source);
    if (entry.creator && (forOrdering || !entry.live)) refs.push(entry.creator);
    return refs.map((r) => this.byKey.get(refKey(r))).filter((e): e is Entry => e !== undefined && e !== entry);
  }

  private step(entry: Entry, now: number): void {
    const live = this.liveByKey.get(refKey(entry.ref));
    if (live) {
      const health = assess(live, this.options.token);
      if (health.phase === 'ready') return this.finish(entry, 'ready', 'Ready', health.message, now);
      if (health.phase === 'failed') return this.finish(entry, 'failed', health.reason, health.message, now);
      entry.reason = health.reason;
      entry.message = health.message;
    } else {
      entry.reason = 'NotCreated';
      entry.message = entry.creator ? `not created yet by Kustomization ${refName(entry.creator)}` : 'not created yet';
    }
    const deps = this.dependencies(entry);
    const bad = deps.find((d) => BAD.has(d.state));
    if (bad) {
      entry.blockedBy = bad.ref;
      entry.rootCause = bad.rootCause ?? bad.ref;
      const root = entry.rootCause;
      const via = refKey(root) === refKey(bad.ref) ? '' : `, which is blocked by ${root.kind} ${refName(root)}`;
      const rootEntry = this.byKey.get(refKey(root));
      const cause = rootEntry ? ` (${stateLabel(rootEntry.state)}${rootEntry.message ? `: ${rootEntry.message}` : ''})` : '';
      return this.finish(entry, 'blocked', 'DependencyFailed', `blocked by ${bad.ref.kind} ${refName(bad.ref)}${via}${cause}`, now);
    }
    const pending = deps.find((d) => d.state !== 'ready');
    if (pending) {
      entry.state = 'waiting';
      entry.message = `${live ? '' : 'not created yet; '}waiting for ${pending.ref.kind} ${refName(pending.ref)}`;
      return;
    }
    // The clock starts when the last dependency finished (or when the object appeared), not at this poll.
    entry.startedAt ??= Math.min(now, Math.max(this.options.origin ?? now, entry.firstSeen ?? 0, ...deps.map((d) => d.finishedAt ?? now)));
    if (now - entry.startedAt >= this.options.timeoutMs) {
      const what = live ? entry.message : `never created${entry.creator ? ` by Kustomization ${refName(entry.creator)}` : ''}`;
      return this.finish(entry, 'timed-out', entry.reason, what, now);
    }
    entry.state = 'progressing';
  }

  private finish(entry: Entry, state: State, reason: string, message: string, now: number): void {
    entry.state = state;
    entry.reason = reason;
    entry.message = message;
    entry.finishedAt = now;
    if (entry.startedAt === undefined) {
      const deps = this.dependencies(entry).filter((d) => d.finishedAt !== undefined && d.state === 'ready');
      entry.startedAt = Math.min(now, Math.max(this.options.origin ?? now, entry.firstSeen ?? 0, ...deps.map((d) => d.finishedAt!)));
    }
  }

  /** A dependsOn cycle never resolves: fail its members at once, naming the cycle. */
  private markCycles(now: number): void {
    const edges = (e: Entry) => e.dependsOn.map((r) => this.byKey.get(refKey(r))).filter((d): d is Entry => d !== undefined);
    const signature = [...this.byKey.values()].map((e) => `${refKey(e.ref)}>${e.dependsOn.map(refKey).join(',')}`).join(';');
    if (this.cyclesChecked.has(signature)) return;
    this.cyclesChecked = new Set([signature]);
    const color = new Map<string, 'grey' | 'black'>();
    const stack: Entry[] = [];
    const visit = (entry: Entry): void => {
      const key = refKey(entry.ref);
      color.set(key, 'grey');
      stack.push(entry);
      for (const dep of edges(entry)) {
        const c = color.get(refKey(dep.ref));
        if (c === 'grey') {
          const cycle = stack.slice(stack.indexOf(dep));
          const names = [...cycle, dep].map((e) => refName(e.ref)).join(' → ');
          for (const member of cycle) {
            if (!TERMINAL.has(member.state)) this.finish(member, 'failed', 'DependencyCycle', `dependency cycle: ${names}`, now);
          }
        } else if (c === undefined) visit(dep);
      }
      stack.pop();
      color.set(key, 'black');
    };
    for (const entry of this.byKey.values()) if (!color.has(refKey(entry.ref))) visit(entry);
  }

  private entry(ref: ObjectRef): Entry {
    const key = refKey(ref);
    let entry = this.byKey.get(key);
    if (!entry) {
      entry = {
        ref: { kind: ref.kind, namespace: ref.namespace, name: ref.name },
        state: 'waiting',
        reason: '',
        message: '',
        dependsOn: [],
        live: false,
        expected: false,
      };
      this.byKey.set(key, entry);
    }
    return entry;
  }
}

function kindRank(entry: Entry): number {
  return { GitRepository: 0, OCIRepository: 1, Kustomization: 2, HelmRelease: 3 }[entry.ref.kind];
}

export function stateLabel(state: State): string {
  return state === 'timed-out' ? 'timed out' : state;
}
