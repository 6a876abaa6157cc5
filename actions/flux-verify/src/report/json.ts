import type { VerifyReport } from '../verify';

/** The JSON report file: stable field names that other jobs (and the PR comment) read. */
export function jsonReport(report: VerifyReport): Record<string, unknown> {
  return {
    kustomizations: report.counts.kustomizations,
    resources: report.counts.resources,
    errors: report.counts.errors,
    warnings: report.counts.warnings,
    notices: report.counts.notices,
    findings: report.findings.map((f) => ({
      rule: f.rule,
      severity: f.severity,
      file: f.file ?? null,
      line: f.line ?? null,
      kustomization: f.kustomization ?? null,
      message: f.message,
    })),
    results: Object.fromEntries(report.results),
    kindsWithoutSchema: report.missingSchemas,
    timings: report.timings,
  };
}
