import { Summary } from '@homelab/toolkit';
import type { GuardResult } from './guard';
import type { PlanSummary, ResourceChange } from './plan';

export type Outcome = 'planned' | 'applied' | 'no-changes' | 'refused';

export interface ReportInput {
  directory: string;
  mode: 'plan' | 'apply';
  plan: PlanSummary;
  guard: GuardResult;
  outcome: Outcome;
  terraformVersion: string;
  timings: { step: string; ms: number }[];
  nodes?: Record<string, Record<string, unknown>>;
}

const OUTCOME: Record<Outcome, string> = {
  planned: 'Plan only (mode `plan`): nothing was applied.',
  applied: 'Applied the saved plan.',
  'no-changes': 'No changes: the infrastructure matches the configuration; nothing to apply.',
  refused: 'REFUSED: the plan deletes or replaces protected resources and `allow-destroy` is false. Nothing was applied; the state is untouched.',
};

function actionCell(r: ResourceChange): string {
  if (r.action === 'replace') return `**replace** (${r.replaceOrder === 'create-then-delete' ? 'create, then delete' : 'delete, then create'})`;
  if (r.action === 'delete') return '**delete**';
  return r.action;
}

export function countsLine(plan: PlanSummary): string {
  const c = plan.counts;
  return `${c.create} to create, ${c.update} to update, ${c.replace} to replace, ${c.delete} to delete` + (c.read > 0 ? `, ${c.read} to read` : '');
}

/** The job summary. Attribute names only, never values: the plan holds sensitive values in clear. */
export function buildReport(input: ReportInput): Summary {
  const { plan, guard } = input;
  const summary = new Summary().heading(`Terraform ${input.mode}: ${input.directory}`, 2);
  summary.text(`**${countsLine(plan)}.** ${OUTCOME[input.outcome]}`);
  if (guard.blocked.length > 0) {
    const verdict =
      input.outcome === 'refused'
        ? 'Blocked'
        : guard.allowed
          ? 'Allowed by `allow-destroy: true`'
          : 'An apply of this plan is refused unless `allow-destroy: true`';
    summary.text(`${verdict}: ${guard.blocked.map((r) => `\`${r.address}\` (${r.action})`).join(', ')}`);
  }
  const changes = plan.resources.filter((r) => r.action !== 'no-op');
  summary.table(
    ['Address', 'Action', 'Changed attributes', 'Reason'],
    changes.map((r) => [
      r.previousAddress ? `${r.address} (moved from ${r.previousAddress})` : r.address,
      actionCell(r),
      r.changedAttributes.join(', '),
      [r.reason ?? '', r.replacePaths.length > 0 ? `forced by ${r.replacePaths.join(', ')}` : '', r.importing ? 'import' : ''].filter(Boolean).join('; '),
    ]),
  );
  const outputs = plan.outputs.filter((o) => o.action !== 'no-op');
  if (outputs.length > 0) summary.text(`Outputs that change: ${outputs.map((o) => `\`${o.name}\` (${o.action})`).join(', ')}`);
  if (input.nodes && Object.keys(input.nodes).length > 0) {
    const columns = [...new Set(Object.values(input.nodes).flatMap((n) => Object.keys(n)))].sort();
    summary.details(
      `Nodes (${Object.keys(input.nodes).length})`,
      new Summary()
        .table(
          ['Node', ...columns],
          Object.entries(input.nodes).map(([name, n]) => [name, ...columns.map((c) => String(n[c] ?? ''))]),
        )
        .toString(),
    );
  }
  summary.text(
    `terraform ${input.terraformVersion}; ` + input.timings.map((t) => `${t.step} ${(t.ms / 1000).toFixed(1)} s`).join(', '),
  );
  return summary;
}
