import { annotate, inActions, runMain, setOutput, UserError, writeJsonReport } from '@homelab/toolkit';
import { runClusterMode } from './cluster/main';
import { readInputs } from './inputs';
import { runPullRequest } from './pr/run';
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
    const options = { repoRoot: inputs.workspace, path: inputs.path, cluster: inputs.cluster, strictSubstitution: inputs.strictSubstitution };
    const pr = inputs.baseRef
      ? await runPullRequest({ ...options, baseRef: inputs.baseRef, githubToken: inputs.githubToken, changedOnly: inputs.changedOnly })
      : undefined;
    const report = pr ? pr.report : await verifyTree(options);
    writeJsonReport(inputs.report, jsonReport(report));
    // outside a runner there is no GITHUB_OUTPUT, and the legacy ::set-output command would only add noise
    if (process.env.GITHUB_OUTPUT) {
      setOutput('findings', report.findings.length);
      setOutput('errors', report.counts.errors);
      setOutput('kustomizations', report.counts.kustomizations);
      setOutput('resources', report.counts.resources);
      setOutput('report', inputs.report);
      if (pr) {
        setOutput('routine', pr.routine);
        setOutput('changed-kustomizations', pr.changedKustomizations);
      }
    }
    if (pr?.comment?.action === 'skipped') {
      annotate({ severity: 'notice', title: 'flux-verify PR comment', message: `The rendered diff was not posted as a PR comment: ${pr.comment.reason}. It is in the job summary.` });
    } else if (pr?.comment) {
      process.stdout.write(`PR comment ${pr.comment.action}: ${pr.comment.url}\n`);
    }
    if (inActions()) {
      for (const f of report.findings) annotate({ severity: f.severity, title: `flux-verify ${f.rule}`, message: f.message, file: f.file, line: f.line });
      const summary = buildSummary(report);
      if (pr) summary.text(pr.summaryMarkdown);
      await summary.write();
      process.stdout.write(formatTerminal(report).split('\n').slice(-2).join('\n'));
    } else {
      process.stdout.write(formatTerminal(report));
      if (pr) process.stdout.write(`\n${pr.summaryMarkdown}\n`);
      process.stdout.write(`JSON report: ${inputs.report}\n`);
    }
    // runMain turns this into the step's failure (exit code 1) with one clear message
    if (report.counts.errors > 0) throw new UserError(`flux-verify found ${report.counts.errors} error(s) in ${inputs.path}; see the findings above.`);
  });
}
