import { annotate, inActions, runMain, setOutput, UserError, writeJsonReport } from '@homelab/toolkit';
import { runClusterMode } from './cluster/main';
import { readInputs } from './inputs';
import { jsonReport } from './report/json';
import { buildSummary } from './report/summary';
import { formatTerminal } from './report/terminal';
import { verifyTree } from './verify';

export async function run(): Promise<void> {
  await runMain(async () => {
    const inputs = readInputs();
    if (inputs.mode === 'cluster') {
      await runClusterMode();
      return;
    }
    const report = await verifyTree({
      repoRoot: inputs.workspace,
      path: inputs.path,
      cluster: inputs.cluster,
      strictSubstitution: inputs.strictSubstitution,
    });
    writeJsonReport(inputs.report, jsonReport(report));
    // outside a runner there is no GITHUB_OUTPUT, and the legacy ::set-output command would only add noise
    if (process.env.GITHUB_OUTPUT) {
      setOutput('findings', report.findings.length);
      setOutput('errors', report.counts.errors);
      setOutput('kustomizations', report.counts.kustomizations);
      setOutput('resources', report.counts.resources);
      setOutput('report', inputs.report);
    }
    if (inActions()) {
      for (const f of report.findings) annotate({ severity: f.severity, title: `flux-verify ${f.rule}`, message: f.message, file: f.file, line: f.line });
      await buildSummary(report).write();
      process.stdout.write(formatTerminal(report).split('\n').slice(-2).join('\n'));
    } else {
      process.stdout.write(formatTerminal(report));
      process.stdout.write(`JSON report: ${inputs.report}\n`);
    }
    // runMain turns this into the step's failure (exit code 1) with one clear message
    if (report.counts.errors > 0) throw new UserError(`flux-verify found ${report.counts.errors} error(s) in ${inputs.path}; see the findings above.`);
  });
}
