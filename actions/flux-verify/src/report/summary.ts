import { formatMs, mermaidId, mermaidLabel, Summary } from '@homelab/toolkit';
import type { VerifyReport } from '../verify';

const MAX_ROWS = 200;
const MAX_GRAPH_NODES = 250;

/** The job summary: counts, the findings, the dependency graph coloured by result, the kinds without schema. */
export function buildSummary(report: VerifyReport): Summary {
  const { counts, timings } = report;
  const s = new Summary().heading(counts.errors > 0 ? 'flux-verify: failed' : 'flux-verify: passed', 2);
  s.table(
    ['Kustomizations', 'Resources', 'Errors', 'Warnings', 'Notices', 'Time'],
    [[counts.kustomizations, counts.resources, counts.errors, counts.warnings, counts.notices, formatMs(timings.totalMs)]],
  );
  if (report.findings.length > 0) {
    s.heading('Findings', 3);
    s.table(
      ['Severity', 'Rule', 'Location', 'Kustomization', 'Message'],
      report.findings.slice(0, MAX_ROWS).map((f) => [f.severity, `\`${f.rule}\``, f.file ? `${f.file}${f.line ? `:${f.line}` : ''}` : '', f.kustomization ?? '', f.message]),
    );
    if (report.findings.length > MAX_ROWS) s.text(`… and ${report.findings.length - MAX_ROWS} more in the JSON report.`);
  }
  s.heading('Dependency graph', 3);
  s.mermaid(dependencyGraph(report));
  if (report.missingSchemas.length > 0) {
    s.heading('Kinds without a schema', 3);
    s.text('These objects were rendered but could not be validated: add their CRD to the tree to check them.');
    s.table(
      ['apiVersion', 'Kind', 'Objects', 'First at'],
      report.missingSchemas.map((m) => [m.apiVersion, m.kind, m.count, `${m.file}:${m.line}`]),
    );
  }
  s.details(
    'Timings',
    `render ${formatMs(timings.buildMs)} (${timings.inProcessBuilds} in-process builds, ${timings.kustomizeBuilds} kustomize builds), substitution ${formatMs(timings.substituteMs)}, checks ${formatMs(timings.checksMs)}`,
  );
  return s;
}

/** Mermaid flowchart: an edge from each dependency to its dependent; colour = result. */
export function dependencyGraph(report: VerifyReport): string {
  const ks = report.render.kustomizations;
  const lines = ['flowchart LR'];
  if (ks.length > MAX_GRAPH_NODES) {
    lines.push(`  too_big["${ks.length} Kustomizations: too many to draw"]`);
    return lines.join('\n');
  }
  const ids = new Set(ks.map((k) => k.id));
  for (const k of ks) lines.push(`  ${mermaidId(k.id)}[${mermaidLabel(k.namespace === 'flux-system' ? k.name : k.id)}]:::${report.results.get(k.id) ?? (k.state === 'skipped' ? 'skipped' : 'ok')}`);
  for (const k of ks) {
    for (const d of k.dependsOn) {
      if (ids.has(d.id)) lines.push(`  ${mermaidId(d.id)} --> ${mermaidId(k.id)}`);
      else lines.push(`  ${mermaidId(d.id)}[${mermaidLabel(`missing: ${d.id}`)}]:::error --> ${mermaidId(k.id)}`);
    }
  }
  lines.push(
    '  classDef ok fill:#dafbe1,stroke:#1a7f37,color:#1f2328',
    '  classDef warning fill:#fff8c5,stroke:#9a6700,color:#1f2328',
    '  classDef error fill:#ffebe9,stroke:#cf222e,color:#1f2328',
    '  classDef external fill:#eaeef2,stroke:#6e7781,color:#1f2328',
    '  classDef skipped fill:#f6f8fa,stroke:#d0d7de,color:#6e7781,stroke-dasharray:3',
  );
  return lines.join('\n');
}
