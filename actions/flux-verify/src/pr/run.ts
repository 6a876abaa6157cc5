import { createHmac, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { checkRendered, type VerifyReport } from '../verify';
import type { Kustomize } from '../kustomize';
import { renderTree, type RenderOptions, type RenderResult } from '../render/tree';
import type { FluxKustomization, RenderedObject } from '../render/types';
import { DEFAULT_SHARED, selectAffected, type Selection } from './changed-only';
import { COMMENT_MARKER, renderComment, type CommentContext } from './comment';
import { commentTarget, runUrl } from './event';
import { Git } from './git';
import { diffObjects, type PrDiff } from './object-diff';
import { scanStaticGraph, type StaticGraph } from './static-graph';
import { upsertStickyComment, type StickyResult } from './sticky-comment';
import type { DiffObject } from './types';

export interface PullRequestOptions {
  /** Absolute repository root (the workspace). */
  repoRoot: string;
  path?: string;
  cluster?: string;
  strictSubstitution?: boolean;
  /** The branch or commit the pull request merges into (input `base-ref`). */
  baseRef: string;
  /** Input `github-token`; empty: no comment. */
  githubToken?: string;
  /** Build only the Kustomizations the change can affect (input `changed-only`, default true). */
  changedOnly?: boolean;
  /** A full verification of the working tree the caller already ran: reused instead of rendering head again. */
  headReport?: VerifyReport;
  /** Post the sticky comment (default true; it is still skipped without a token or outside a PR). */
  comment?: boolean;
  /** The runner's environment (event payload, repository, API URL); process.env by default. */
  env?: NodeJS.ProcessEnv;
  kustomize?: Kustomize;
}

export interface PullRequestResult {
  /** Only chart versions and image tags/digests change, and verification found no error. */
  routine: boolean;
  /** Why not routine. */
  reasons: string[];
  /** The Kustomizations whose inputs changed, and their dependents (namespace/name, sorted). */
  changedKustomizations: string[];
  /** Verification of the head revision: every Kustomization, or the affected ones in changed-only mode. */
  report: VerifyReport;
  diff: PrDiff;
  changedFiles: string[];
  scope: {
    /** Changed-only mode was in effect (some Kustomizations were not built). */
    changedOnly: boolean;
    /** Why everything was verified, when changed-only was asked for but not possible. */
    reason?: string;
    built: number;
    total: number;
    /** Changed-only found errors, so the whole tree was verified to confirm them. */
    confirmedInFull: boolean;
  };
  /** The sticky comment: created, updated, skipped (with the reason), or undefined when not asked for. */
  comment: StickyResult | undefined;
  commentBody: string;
  /** The same content for the job summary (no size limit that matters, no marker). */
  summaryMarkdown: string;
  timings: { baseMs: number; headMs: number; diffMs: number; totalMs: number };
}

/** Secret values never reach a PR comment: each becomes a per-run keyed hash, so a change still shows. */
function redactor(): (o: RenderedObject) => Record<string, unknown> {
  const key = randomBytes(32);
  const mark = (v: unknown) => `<redacted ${createHmac('sha256', key).update(String(v)).digest('hex').slice(0, 12)}>`;
  return (o) => {
    if (o.group !== '' || o.kind !== 'Secret') return o.object;
    const copy = structuredClone(o.object) as Record<string, unknown>;
    for (const field of ['data', 'stringData']) {
      const values = copy[field];
      if (typeof values === 'object' && values !== null && !Array.isArray(values)) {
        copy[field] = Object.fromEntries(Object.entries(values).map(([k, v]) => [k, mark(v)]));
      }
    }
    return copy;
  };
}

export function toDiffObjects(objects: readonly RenderedObject[], redact = redactor()): DiffObject[] {
  return objects.map((o) => ({
    kustomization: o.kustomization,
    apiVersion: o.object.apiVersion,
    kind: o.kind,
    namespace: o.namespace,
    name: o.name,
    body: redact(o),
    file: o.origin.file,
    line: o.origin.line,
  }));
}

function ksKey(file: string | undefined, name: string | undefined): string {
  return `${file ?? ''}#${name ?? ''}`;
}

type SelectableOptions = RenderOptions & { select?: (ks: FluxKustomization) => boolean };

/**
 * The pull-request mode: render the base revision (a git worktree) and the working tree, verify the
 * working tree, diff the rendered objects, decide whether the change is routine, and post the one
 * sticky comment.
 */
export async function runPullRequest(options: PullRequestOptions): Promise<PullRequestResult> {
  const started = Date.now();
  const env = options.env ?? process.env;
  const repoRoot = resolve(options.repoRoot);
  const path = options.path ?? 'kubernetes';
  const cluster = options.cluster ?? 'kubernetes/clusters/production';
  const git = Git.find(repoRoot);
  const top = await git.topLevel();
  const baseCommit = await git.resolve(options.baseRef);
  const mergeBase = await git.mergeBase(baseCommit);
  const inRepo = relative(top, repoRoot).split(sep).join('/');
  const changedFiles = (await git.changedFiles(mergeBase))
    .map((f) => (inRepo === '' ? f : f.startsWith(`${inRepo}/`) ? f.slice(inRepo.length + 1) : undefined))
    .filter((f): f is string => f !== undefined);

  const worktree = await git.worktree(mergeBase);
  try {
    const baseRoot = inRepo === '' ? worktree.dir : join(worktree.dir, inRepo);
    const baseExists = existsSync(join(baseRoot, cluster));
    const headGraph = scanStaticGraph(repoRoot, path, cluster);
    const baseGraph: StaticGraph = baseExists ? scanStaticGraph(baseRoot, path, cluster) : { kustomizations: [], settingsFiles: [] };
    const shared = [...DEFAULT_SHARED, ...headGraph.settingsFiles, ...baseGraph.settingsFiles];
    const headSel = selectAffected(headGraph.kustomizations, changedFiles, shared);
    const baseSel = selectAffected(baseGraph.kustomizations, changedFiles, shared);
    const selection: Selection = {
      all: headSel.all || baseSel.all,
      reason: headSel.reason ?? baseSel.reason,
      selected: new Set([...headSel.selected, ...baseSel.selected]),
      build: new Set([...headSel.build, ...baseSel.build]),
    };
    const allKeys = new Set<string>();
    const buildKeys = new Set<string>();
    for (const k of [...headGraph.kustomizations, ...baseGraph.kustomizations]) {
      allKeys.add(ksKey(k.definedIn, k.name));
      if (selection.build.has(k.id)) buildKeys.add(ksKey(k.definedIn, k.name));
    }
    const wanted = options.changedOnly ?? true;
    const partial = wanted && !selection.all && buildKeys.size < allKeys.size;
    // A Kustomization the static scan does not know (a generated name) is always built.
    const select = partial ? (ks: FluxKustomization) => !allKeys.has(ksKey(ks.origin.file, ks.name)) || buildKeys.has(ksKey(ks.origin.file, ks.name)) : undefined;
    const common = { path, cluster, strictSubstitution: options.strictSubstitution ?? true, kustomize: options.kustomize };

    const t0 = Date.now();
    let report: VerifyReport;
    let confirmedInFull = false;
    if (!partial && options.headReport) report = options.headReport;
    else {
      const headOptions: SelectableOptions = { repoRoot, ...common, select };
      report = checkRendered(await renderTree(headOptions));
      if (partial) {
        report = scopeReport(report, changedFiles);
        if (report.counts.errors > 0) {
          // Cross-Kustomization checks (namespaces, sources, duplicates) only saw part of the tree:
          // errors are confirmed (or dropped) by the full verification, never reported on a partial view.
          report = checkRendered(await renderTree({ repoRoot, ...common }));
          confirmedInFull = true;
        }
      }
    }
    const headMs = Date.now() - t0;

    const t1 = Date.now();
    const baseOptions: SelectableOptions = { repoRoot: baseRoot, ...common, select };
    const base: RenderResult | undefined = baseExists ? await renderTree(baseOptions) : undefined;
    const baseMs = Date.now() - t1;

    const t2 = Date.now();
    const redact = redactor();
    const headRender = report.render;
    // With a confirming full head render, compare like with like: only what both sides built.
    const builtOnBase = new Set((base?.kustomizations ?? []).filter((k) => k.state !== ('skipped' as string)).map((k) => k.id));
    const headObjects = confirmedInFull && partial ? headRender.objects.filter((o) => builtOnBase.has(o.kustomization) || !base?.kustomizations.some((k) => k.id === o.kustomization)) : headRender.objects;
    const diff = diffObjects(toDiffObjects(base?.objects ?? [], redact), toDiffObjects(headObjects, redact), {
      base: (base?.kustomizations ?? []).map((k) => k.id),
      head: headRender.kustomizations.map((k) => k.id),
    });
    const reasons = [...diff.reasons];
    if (report.counts.errors > 0) reasons.unshift(`verification found ${report.counts.errors} error(s)`);
    const routine = diff.routine && report.counts.errors === 0;
    const diffMs = Date.now() - t2;

    // Static ids may lack a namespace that only rendering gives: report the rendered ids.
    const renderedId = new Map<string, string>();
    for (const k of [...(base?.kustomizations ?? []), ...headRender.kustomizations]) renderedId.set(ksKey(k.origin.file, k.name), k.id);
    const changedKustomizations = [
      ...new Set(
        [...headGraph.kustomizations, ...baseGraph.kustomizations].filter((k) => selection.selected.has(k.id)).map((k) => renderedId.get(ksKey(k.definedIn, k.name)) ?? k.id),
      ),
    ].sort();

    const total = headRender.kustomizations.length;
    const built = headRender.kustomizations.filter((k) => k.state !== ('skipped' as string)).length;
    const scope = {
      changedOnly: partial && !confirmedInFull,
      reason: !wanted ? undefined : selection.all ? selection.reason : undefined,
      built,
      total,
      confirmedInFull,
    };
    const ctx: CommentContext = {
      baseRef: options.baseRef,
      findings: { errors: report.counts.errors, warnings: report.counts.warnings },
      runUrl: runUrl(env),
      scope: scopeLine(scope, changedKustomizations),
    };
    const renderedDiff = { ...diff, routine, reasons };
    const commentBody = renderComment(renderedDiff, ctx);
    const summaryMarkdown = renderComment(renderedDiff, ctx, 1_000_000).replace(`${COMMENT_MARKER}\n`, '');

    let comment: StickyResult | undefined;
    if (options.comment ?? true) {
      const where = commentTarget(options.githubToken, env);
      comment = where.ok ? await upsertStickyComment(where.target, commentBody) : { action: 'skipped', reason: where.reason };
    }
    return {
      routine,
      reasons: routine ? [] : reasons,
      changedKustomizations,
      report,
      diff,
      changedFiles,
      scope,
      comment,
      commentBody,
      summaryMarkdown,
      timings: { baseMs, headMs, diffMs, totalMs: Date.now() - started },
    };
  } finally {
    await worktree.remove();
  }
}

function scopeLine(scope: PullRequestResult['scope'], changed: string[]): string {
  const list = changed.length === 0 ? 'none' : changed.slice(0, 10).map((k) => `\`${k}\``).join(', ') + (changed.length > 10 ? ` and ${changed.length - 10} more` : '');
  if (scope.changedOnly) return `Changed-only: built ${scope.built} of ${scope.total} Kustomizations; affected: ${list}`;
  if (scope.confirmedInFull) return `Changed-only found errors, so all ${scope.total} Kustomizations were verified; affected: ${list}`;
  return `Verified all ${scope.total} Kustomizations${scope.reason ? ` (${scope.reason})` : ''}; affected: ${list}`;
}

/**
 * A changed-only report: files of Kustomizations that were not built are "unreferenced" only
 * because they were skipped, and skipped Kustomizations have no result.
 */
function scopeReport(report: VerifyReport, changedFiles: readonly string[]): VerifyReport {
  const changed = new Set(changedFiles);
  const findings = report.findings.filter((f) => f.rule !== 'unreferenced-file' || (f.file !== undefined && changed.has(f.file)));
  const skipped = new Set(report.render.kustomizations.filter((k) => k.state === ('skipped' as string)).map((k) => k.id));
  const results = new Map([...report.results].filter(([id]) => !skipped.has(id)));
  return {
    ...report,
    findings,
    results,
    counts: {
      ...report.counts,
      errors: findings.filter((f) => f.severity === 'error').length,
      warnings: findings.filter((f) => f.severity === 'warning').length,
      notices: findings.filter((f) => f.severity === 'notice').length,
    },
  };
}
