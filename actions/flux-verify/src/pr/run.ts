import { createHmac, randomBytes } from 'node:crypto';
import { basename, join, posix, relative, resolve, sep } from 'node:path';
import { isRecord, KUSTOMIZATION_FILES } from '../render/local-build';
import { checkRendered, type VerifyReport } from '../verify';
import type { Kustomize } from '../kustomize';
import { renderTree, type RenderOptions, type RenderResult } from '../render/tree';
import type { Finding, FluxKustomization, RenderedObject } from '../render/types';
import { DEFAULT_SHARED, selectAffected, type Selection } from './changed-only';
import { isBinaryText, materializeBase, type BaseTree } from './base-tree';
import { COMMENT_MARKER, renderComment, type CommentContext } from './comment';
import { commentTarget, runUrl } from './event';
import { Git } from './git';
import { diffObjects, type PrDiff } from './object-diff';
import { ScanCache, scanStaticGraph, type RevisionFiles, type StaticGraph } from './static-graph';
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
    /** Kustomizations built on the head side (verified), and on the base side (for the diff). */
    built: number;
    baseBuilt: number;
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

/** The job summary takes 1 MiB per step; the dry-run summary needs some of it. */
const SUMMARY_LIMIT = 800_000;

type SelectableOptions = RenderOptions & { select?: (ks: FluxKustomization) => boolean };

/**
 * The pull-request mode: render the base revision (the merge base of `baseRef` and HEAD, laid out
 * under RUNNER_TEMP) and the working tree, verify the working tree, diff the rendered objects,
 * decide whether the change is routine, and post the one sticky comment. In changed-only mode both
 * sides build only what the change can affect (see changed-only.ts) from pruned layouts.
 */
export async function runPullRequest(options: PullRequestOptions): Promise<PullRequestResult> {
  const started = Date.now();
  const env = options.env ?? process.env;
  const repoRoot = resolve(options.repoRoot);
  const path = options.path ?? 'kubernetes';
  const cluster = options.cluster ?? 'kubernetes/clusters/production';
  const git = Git.find(repoRoot);
  // git works while the working tree is scanned; independent git calls run side by side
  const pending = (async () => {
    const [top, mergeBase] = await Promise.all([git.topLevel(), git.mergeBase(options.baseRef)]);
    const inRepo = relative(top, repoRoot).split(sep).join('/');
    const prefix = (p: string) => (inRepo === '' ? p : `${inRepo}/${p}`);
    const [changedTop, baseListing] = await Promise.all([git.changedFiles(mergeBase, top, [prefix(path), prefix(cluster)]), git.listFiles(mergeBase)]);
    return { top, mergeBase, inRepo, prefix, changedTop, baseListing };
  })();
  pending.catch(() => undefined);
  const scanCache = new ScanCache();
  const headGraph = scanStaticGraph(repoRoot, path, cluster, undefined, scanCache);
  const { top, mergeBase, inRepo, prefix, changedTop, baseListing } = await pending;
  const changedFiles = changedTop
    .map((f) => (inRepo === '' ? f : f.startsWith(`${inRepo}/`) ? f.slice(inRepo.length + 1) : undefined))
    .filter((f): f is string => f !== undefined);

  // The base revision is read without a checkout first: the working tree, with the changed files
  // as git has them at the merge base. Only what the base render needs is checked out later.
  const inBase = new Set(baseListing);
  const baseTexts = await git.readFiles(mergeBase, changedTop.filter((f) => inBase.has(f)));
  const baseRevision: RevisionFiles = {
    files: baseListing.map((f) => join(top, f)),
    read: (abs) => baseTexts.get(relative(top, abs).split(sep).join('/')) ?? scanCache.read(abs),
  };
  const baseExists = baseListing.some((f) => f.startsWith(`${prefix(cluster)}/`));
  // When the pull request only edits files that define no Kustomization, no settings and no
  // kustomize configuration (a chart bump), the base has the same graph: no second scan.
  const headFiles = new Set(headGraph.files);
  const sameGraph =
    baseExists &&
    changedFiles.every((f) => {
      if (!headFiles.has(f) || !inBase.has(prefix(f)) || KUSTOMIZATION_FILES.includes(basename(f))) return false;
      const texts = [baseTexts.get(prefix(f)) ?? '', scanCache.read(join(repoRoot, f))];
      return !texts.some((t) => t.includes('kustomize.toolkit.fluxcd.io') || /^kind:\s*(ConfigMap|Secret)\b/m.test(t));
    });
  const baseGraph: StaticGraph = sameGraph
    ? headGraph
    : baseExists
      ? scanStaticGraph(repoRoot, path, cluster, baseRevision, scanCache)
      : { kustomizations: [], settingsFiles: [], files: [], definitionFiles: new Map() };
  const shared = [...DEFAULT_SHARED, ...headGraph.settingsFiles, ...baseGraph.settingsFiles];
  const headSel = selectAffected(headGraph.kustomizations, changedFiles, shared);
  const baseSel = selectAffected(baseGraph.kustomizations, changedFiles, shared);
  const selection: Selection = {
    all: headSel.all || baseSel.all,
    reason: headSel.reason ?? baseSel.reason,
    selected: new Set([...headSel.selected, ...baseSel.selected]),
    build: new Set([...headSel.build, ...baseSel.build]),
    baseBuild: new Set([...headSel.baseBuild, ...baseSel.baseBuild]),
    direct: new Set([...headSel.direct, ...baseSel.direct]),
  };
  const allKeys = new Set<string>();
  const buildKeys = new Set<string>();
  const baseBuildKeys = new Set<string>();
  for (const k of [...headGraph.kustomizations, ...baseGraph.kustomizations]) {
    allKeys.add(ksKey(k.definedIn, k.name));
    if (selection.build.has(k.id)) buildKeys.add(ksKey(k.definedIn, k.name));
    if (selection.baseBuild.has(k.id)) baseBuildKeys.add(ksKey(k.definedIn, k.name));
  }
  const wanted = options.changedOnly ?? true;
  const partial = wanted && !selection.all && buildKeys.size < allKeys.size;
  // A Kustomization the static scan does not know (a generated name) is always built.
  const selecting = (keys: Set<string>) => (ks: FluxKustomization) => !allKeys.has(ksKey(ks.origin.file, ks.name)) || keys.has(ksKey(ks.origin.file, ks.name));
  const select = partial ? selecting(buildKeys) : undefined;
  const selectBase = partial ? selecting(baseBuildKeys) : undefined;

  /**
   * The files (repository-relative) one side's render reads: the cluster entry's tree and the
   * inputs of what it builds (`keep`; everything when undefined). Files in the cluster entry's tree
   * that only define Kustomizations that neither side builds are left out — the cluster entry would
   * parse them all for nothing — unless a kustomization file lists them. Both sides leave out the
   * same definitions, so that the cluster entry's objects compare like with like.
   */
  const layout = (graph: StaticGraph, listing: readonly string[], keep: Set<string> | undefined, extra: readonly string[] = []): string[] => {
    const built = graph.kustomizations.filter((k) => !keep || keep.has(k.id));
    const defined = graph.kustomizations.filter((k) => !keep || selection.build.has(k.id));
    const whole = !keep || built.some((k) => k.opaque);
    const inputs = [`${cluster}/`, ...(whole ? [`${path}/`] : []), ...built.flatMap((k) => k.inputs)];
    const dirs = inputs.filter((i) => i.endsWith('/'));
    const files = new Set([...inputs.filter((i) => !i.endsWith('/')), ...extra]);
    const listed = new Set(listing);
    const kustomized = (f: string): boolean => {
      for (let d = posix.dirname(f); d.startsWith(cluster); d = posix.dirname(d)) {
        if (KUSTOMIZATION_FILES.some((k) => listed.has(`${d}/${k}`))) return true;
        if (d === cluster) break;
      }
      return false;
    };
    const kept = new Set(defined.map((k) => ksKey(k.definedIn, k.name)));
    const pruned = (f: string): boolean => {
      const names = graph.definitionFiles.get(f);
      return keep !== undefined && names !== undefined && f.startsWith(`${cluster}/`) && !names.some((n) => kept.has(ksKey(f, n))) && !kustomized(f);
    };
    return listing.filter((f) => (files.has(f) || dirs.some((d) => f.startsWith(d))) && !pruned(f));
  };
  const baseListed = baseListing.flatMap((f) => (inRepo === '' ? [f] : f.startsWith(`${inRepo}/`) ? [f.slice(inRepo.length + 1)] : []));
  const checkout = async (files: string[]): Promise<BaseTree> =>
    files.some((f) => isBinaryText(baseTexts.get(f) ?? '')) ? git.worktree(mergeBase, files) : materializeBase(top, files, baseTexts);
  let worktree = await checkout(layout(baseGraph, baseListed, partial ? selection.baseBuild : undefined).map(prefix));
  // The head is verified in place, or, in changed-only mode, from the same kind of layout (links
  // to the working tree) when everything it builds reads only files inside the Flux tree.
  const inTree = (i: string) => i.startsWith(`${path}/`) || i.startsWith(`${cluster}/`);
  let headLayout: BaseTree | undefined;
  try {
    if (partial && headGraph.kustomizations.filter((k) => selection.build.has(k.id)).every((k) => !k.opaque && k.inputs.every(inTree))) {
      headLayout = materializeBase(top, layout(headGraph, headGraph.files, selection.build, changedFiles.filter((f) => inTree(f))).map(prefix), new Map());
    }
    const headRoot = headLayout ? (inRepo === '' ? headLayout.dir : join(headLayout.dir, inRepo)) : repoRoot;
    const baseRoot = () => (inRepo === '' ? worktree.dir : join(worktree.dir, inRepo));
    const common = { path, cluster, strictSubstitution: options.strictSubstitution ?? true, kustomize: options.kustomize };

    // Base and head render side by side: in changed-only mode both are a few kustomize processes.
    const timed = async <T>(work: () => Promise<T>): Promise<[T, number]> => {
      const t0 = Date.now();
      const value = await work();
      return [value, Date.now() - t0];
    };
    const verifyHead = async (): Promise<{ report: VerifyReport; confirmedInFull: boolean; rendered: RenderResult }> => {
      if (!partial && options.headReport) return { report: options.headReport, confirmedInFull: false, rendered: options.headReport.render };
      const headOptions: SelectableOptions = { repoRoot: headRoot, ...common, select };
      const render = await renderTree(headOptions);
      if (!partial) return { report: checkRendered(render), confirmedInFull: false, rendered: render };
      const scoped = scopeReport(render, changedFiles);
      scoped.render.repoRoot = repoRoot;
      if (scoped.counts.errors === 0) return { report: scoped, confirmedInFull: false, rendered: scoped.render };
      // Cross-Kustomization checks (namespaces, sources, duplicates) only saw part of the tree:
      // errors are confirmed (or dropped) by the full verification, never reported from a partial view.
      // The diff stays with the changed-only render: it compares like with like with the base's.
      return { report: checkRendered(await renderTree({ repoRoot, ...common })), confirmedInFull: true, rendered: scoped.render };
    };
    const renderBase = async (): Promise<RenderResult | undefined> => {
      if (!baseExists) return undefined;
      const baseOptions: SelectableOptions = { repoRoot: baseRoot(), ...common, select: selectBase };
      const render = await renderTree(baseOptions);
      // Built but not planned (a name made by a kustomize transformer, unknown to the static scan):
      // its files may not be checked out. Render the base again from a full checkout of the Flux tree.
      const unplanned = render.kustomizations.slice(1).some((k) => k.state !== ('skipped' as string) && !baseBuildKeys.has(ksKey(k.origin.file, k.name)));
      if (!partial || !unplanned) return render;
      await worktree.remove();
      worktree = await checkout(layout(baseGraph, baseListed, undefined).map(prefix));
      return renderTree({ ...baseOptions, repoRoot: baseRoot() });
    };
    const [[{ report, confirmedInFull, rendered: headRender }, headMs], [base, baseMs]] = await Promise.all([timed(verifyHead), timed(renderBase)]);

    const t2 = Date.now();
    const redact = redactor();
    // Static ids may lack a namespace that only rendering gives: report the rendered ids.
    const renderedId = new Map<string, string>();
    for (const k of [...(base?.kustomizations ?? []), ...headRender.kustomizations]) renderedId.set(ksKey(k.origin.file, k.name), k.id);
    const idOf = (k: { definedIn?: string; name?: string; id: string }) => renderedId.get(ksKey(k.definedIn, k.name)) ?? k.id;
    // Changed-only: only what can render differently is compared — the objects of the
    // Kustomizations whose inputs or definition changed, and any object from a changed file. The
    // rest (dependents, sources, the cluster entry's other definitions) renders the same by construction.
    const directIds = new Set([...headGraph.kustomizations, ...baseGraph.kustomizations].filter((k) => selection.direct.has(k.id)).map(idOf));
    const changedSet = new Set(changedFiles);
    const compared = (objects: RenderedObject[]) => (partial ? objects.filter((o) => directIds.has(o.kustomization) || changedSet.has(o.origin.file)) : objects);
    const diff = diffObjects(toDiffObjects(compared(base?.objects ?? []), redact), toDiffObjects(compared(headRender.objects), redact), {
      base: partial ? baseGraph.kustomizations.map(idOf) : (base?.kustomizations ?? []).map((k) => k.id),
      head: partial ? headGraph.kustomizations.map(idOf) : headRender.kustomizations.map((k) => k.id),
    });
    const reasons = [...diff.reasons];
    if (report.counts.errors > 0) reasons.unshift(`verification found ${report.counts.errors} error(s)`);
    // The verdict vouches for the rendered cluster only: a change elsewhere (workflows, Terraform...)
    // is never routine by this check.
    const outside = changedFiles.filter((f) => !f.startsWith(`${path}/`) && !f.startsWith(`${cluster}/`));
    if (outside.length > 0) reasons.push(`files outside ${path}/ changed: ${outside.slice(0, 5).join(', ')}${outside.length > 5 ? ` and ${outside.length - 5} more` : ''}`);
    const routine = diff.routine && report.counts.errors === 0 && outside.length === 0;
    const diffMs = Date.now() - t2;

    const changedKustomizations = [
      ...new Set(
        [...headGraph.kustomizations, ...baseGraph.kustomizations].filter((k) => selection.selected.has(k.id)).map((k) => renderedId.get(ksKey(k.definedIn, k.name)) ?? k.id),
      ),
    ].sort();

    // in changed-only mode the cluster entry does not even discover what it need not build
    const total = partial ? Math.max(headGraph.kustomizations.length, headRender.kustomizations.length) : headRender.kustomizations.length;
    const built = report.render.kustomizations.filter((k) => k.state !== ('skipped' as string)).length;
    const scope = {
      changedOnly: partial && !confirmedInFull,
      reason: !wanted ? undefined : selection.all ? selection.reason : undefined,
      built,
      baseBuilt: (base?.kustomizations ?? []).filter((k) => k.state !== ('skipped' as string)).length,
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
    const summaryMarkdown = renderComment(renderedDiff, ctx, SUMMARY_LIMIT).replace(`${COMMENT_MARKER}\n`, '');

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
    await headLayout?.remove();
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
 * The checks on a changed-only render. checkRendered would walk the whole tree for unreferenced
 * files (parsing every file, and flagging every file of a skipped Kustomization); here it sees only
 * the files the builds read, and the changed files get the same file checks. Skipped
 * Kustomizations have no result.
 */
function scopeReport(render: RenderResult, changedFiles: readonly string[]): VerifyReport {
  const checked = checkRendered({ ...render, path: join(render.path, '.flux-verify-changed-only') });
  const findings = [...checked.findings, ...changedFileFindings(render, changedFiles)];
  const skipped = new Set(render.kustomizations.filter((k) => k.state === ('skipped' as string)).map((k) => k.id));
  const results = new Map([...checked.results].filter(([id]) => !skipped.has(id)));
  return {
    ...checked,
    render,
    findings,
    results,
    counts: {
      ...checked.counts,
      errors: findings.filter((f) => f.severity === 'error').length,
      warnings: findings.filter((f) => f.severity === 'warning').length,
      notices: findings.filter((f) => f.severity === 'notice').length,
    },
  };
}

/** YAML problems and "no Kustomization reads this" for changed files that no build read. */
function changedFileFindings(render: RenderResult, changedFiles: readonly string[]): Finding[] {
  const out: Finding[] = [];
  for (const rel of changedFiles) {
    if (!rel.startsWith(`${render.path}/`) || !/\.ya?ml$/.test(rel)) continue;
    const abs = resolve(render.repoRoot, rel);
    if (render.usedFiles.has(abs)) continue;
    const file = render.files.tryGet(abs);
    if (!file) continue;
    for (const p of file.problems) out.push({ rule: p.rule, severity: 'error', file: file.rel, line: p.line, message: p.message });
    if (file.problems.length > 0 || KUSTOMIZATION_FILES.includes(basename(abs))) continue;
    const doc = file.docs.find((d) => isRecord(d.value) && typeof d.value.apiVersion === 'string' && typeof d.value.kind === 'string' && !d.value.apiVersion.startsWith('kustomize.config.k8s.io/'));
    if (!doc || !isRecord(doc.value)) continue;
    out.push({ rule: 'unreferenced-file', severity: 'warning', file: file.rel, line: doc.line, message: `${String(doc.value.kind)} in ${file.rel} is not referenced by any Kustomization: Flux never applies it` });
  }
  return out;
}
