import { displayName } from './types';
import type { PrDiff } from './object-diff';

/** Hidden marker that identifies our sticky comment among the PR's comments. */
export const COMMENT_MARKER = '<!-- flux-verify:rendered-diff -->';

/** GitHub rejects issue comments longer than this. */
export const COMMENT_LIMIT = 65_535;

export interface CommentContext {
  baseRef: string;
  headSha?: string;
  findings: { errors: number; warnings: number };
  /** Link to the run, where the job summary and the JSON report are. */
  runUrl?: string;
  /** What was verified (changed-only mode or everything, and the affected Kustomizations). */
  scope?: string;
}

function table(headers: string[], rows: string[][]): string {
  const esc = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
  return [`| ${headers.join(' | ')} |`, `| ${headers.map(() => '---').join(' | ')} |`, ...rows.map((r) => `| ${r.map(esc).join(' | ')} |`)].join('\n');
}

/**
 * The PR comment: verdict, counts, version table, then one collapsible diff per changed object.
 * When the whole does not fit GitHub's limit, object diffs are dropped from the end and a notice
 * says how many, so the verdict and the version table are always there.
 */
export function renderComment(diff: PrDiff, ctx: CommentContext, limit = COMMENT_LIMIT): string {
  const nothing = diff.changed.length + diff.added.length + diff.removed.length === 0;
  const verdict = diff.routine
    ? nothing
      ? '✅ **routine**: no rendered object changes'
      : '✅ **routine**: only chart versions and image tags/digests change'
    : '👀 **needs review**: ' + summarizeReasons(diff.reasons);
  const status = ctx.findings.errors > 0 ? `❌ ${ctx.findings.errors} error(s), ${ctx.findings.warnings} warning(s)` : `✔️ no errors, ${ctx.findings.warnings} warning(s)`;
  const head: string[] = [
    COMMENT_MARKER,
    `### Flux rendered diff against \`${/^[0-9a-f]{40}$/.test(ctx.baseRef) ? ctx.baseRef.slice(0, 12) : ctx.baseRef}\``,
    '',
    `${verdict}  `,
    `Verification: ${status}${ctx.runUrl ? ` · [run](${ctx.runUrl})` : ''}${ctx.scope ? '  ' : ''}`,
    ...(ctx.scope ? [ctx.scope] : []),
    '',
    `**${diff.added.length}** added · **${diff.changed.length}** changed · **${diff.removed.length}** removed objects` +
      (diff.kustomizationsAdded.length + diff.kustomizationsRemoved.length > 0
        ? ` · Flux Kustomizations +${diff.kustomizationsAdded.length}/−${diff.kustomizationsRemoved.length}`
        : ''),
  ];
  const versions = diff.changed.flatMap((c) => c.versions.map((v) => [displayName(c.after), v.kind, v.field, `\`${v.from}\``, `\`${v.to}\``]));
  if (versions.length > 0) head.push('', '#### Version changes', '', table(['object', 'type', 'field', 'from', 'to'], versions));
  const listed = (title: string, objs: PrDiff['added']) =>
    objs.length === 0 ? [] : ['', `#### ${title}`, '', ...objs.map((o) => `- \`${displayName(o)}\` (${o.kustomization}${o.file ? `, ${o.file}${o.line ? `:${o.line}` : ''}` : ''})`)];
  head.push(...listed('Added', diff.added), ...listed('Removed', diff.removed));
  if (diff.kustomizationsRemoved.length > 0) head.push('', '#### Removed Flux Kustomizations', '', ...diff.kustomizationsRemoved.map((k) => `- \`${k}\``));
  if (diff.changed.length === 0 && diff.added.length === 0 && diff.removed.length === 0) head.push('', 'No rendered object changes.');

  const blocks = diff.changed.map((c) => {
    const fence = c.patch.includes('```') ? '~~~~' : '```';
    return `<details><summary><code>${escapeHtml(displayName(c.after))}</code>${c.routine ? ' (version only)' : ''}</summary>\n\n${fence}diff\n${c.patch}\n${fence}\n\n</details>`;
  });
  let body = head.join('\n');
  if (blocks.length > 0) body += '\n\n#### Changed objects\n';
  let shown = 0;
  for (const block of blocks) {
    const omitted = blocks.length - shown - 1;
    const notice = omitted > 0 ? noticeFor(omitted, ctx) : '';
    if (body.length + 1 + block.length + notice.length + 2 > limit) break;
    body += '\n' + block;
    shown++;
  }
  if (shown < blocks.length) body += '\n' + noticeFor(blocks.length - shown, ctx);
  if (body.length > limit) body = body.slice(0, limit - 200) + '\n\n' + noticeFor(blocks.length - shown, ctx);
  return body;
}

function noticeFor(omitted: number, ctx: CommentContext): string {
  return `\n> ⚠️ Truncated to fit GitHub's comment limit: ${omitted} more object diff(s) are in the job summary${ctx.runUrl ? ` of [the run](${ctx.runUrl})` : ''}.`;
}

function summarizeReasons(reasons: string[]): string {
  const shown = reasons.slice(0, 5).join('; ');
  return reasons.length > 5 ? `${shown}; and ${reasons.length - 5} more` : shown;
}

function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
