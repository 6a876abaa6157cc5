import { formatMs } from '@homelab/toolkit';
import type { VerifyReport } from '../verify';

/** The report for a terminal: one `file:line: severity: rule: message` line per finding (editors link them), then counts. */
export function formatTerminal(report: VerifyReport): string {
  const lines: string[] = [];
  for (const f of report.findings) {
    const where = f.file ? `${f.file}${f.line ? `:${f.line}` : ''}: ` : '';
    lines.push(`${where}${f.severity}: ${f.rule}: ${f.message}`);
  }
  if (report.missingSchemas.length > 0) {
    lines.push('', 'Kinds without a schema (not validated):');
    for (const m of report.missingSchemas) lines.push(`  ${m.apiVersion} ${m.kind} (${m.count}) first at ${m.file}:${m.line}`);
  }
  const { counts, timings } = report;
  lines.push(
    '',
    `flux-verify: ${counts.kustomizations} Kustomizations, ${counts.resources} resources: ${counts.errors} error(s), ${counts.warnings} warning(s), ${counts.notices} notice(s) in ${formatMs(timings.totalMs)} ` +
      `(${timings.inProcessBuilds} builds in-process, ${timings.kustomizeBuilds} with kustomize).`,
  );
  return lines.join('\n') + '\n';
}
