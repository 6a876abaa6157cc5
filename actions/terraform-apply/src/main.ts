import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import * as core from '@actions/core';
import { loadSecrets, privateDir, runMain, setOutput, UserError } from '@homelab/toolkit';
import { renderBackendConfig } from './backend';
import { checkDestructive } from './guard';
import { readInputs, type Inputs } from './inputs';
import { parsePlan, plannedOutput, type PlanSummary } from './plan';
import { buildReport, countsLine, type Outcome } from './report';
import { terraformSecretEnv } from './secret-env';
import { Terraform } from './terraform';

interface OutputValue {
  sensitive: boolean;
  value: unknown;
}

export async function run(): Promise<void> {
  await runMain(async () => {
    const inputs = readInputs();
    const secretEnv = terraformSecretEnv(await loadSecrets());

    // Everything terraform writes besides the state (data dir, backend file, plan) stays in a
    // private directory under RUNNER_TEMP that the post step removes: a saved plan holds the
    // values of sensitive variables in clear.
    const work = privateDir('terraform-apply-');
    const dataDir = join(work, 'data');
    mkdirSync(dataDir, { mode: 0o700 });
    const env: Record<string, string> = {
      TF_IN_AUTOMATION: '1',
      TF_INPUT: '0',
      CHECKPOINT_DISABLE: '1',
      TF_DATA_DIR: dataDir,
      ...secretEnv,
    };
    if (inputs.cliConfigFile) env.TF_CLI_CONFIG_FILE = inputs.cliConfigFile;
    if (inputs.pluginCacheDir) {
      mkdirSync(inputs.pluginCacheDir, { recursive: true });
      env.TF_PLUGIN_CACHE_DIR = inputs.pluginCacheDir;
    }

    const templateIdsFile = join(work, 'template-ids.tfvars.json');
    const tf = Terraform.find({
      binary: inputs.terraform,
      workingDirectory: inputs.workingDirectory,
      env,
      timeoutMs: inputs.timeoutMs,
      lockTimeout: inputs.lockTimeout,
      fileLabels: { [templateIdsFile]: "written from input 'template-ids'" },
    });
    const timings: { step: string; ms: number }[] = [];
    const timed = async <T>(step: string, fn: () => Promise<T>): Promise<T> => {
      const started = Date.now();
      try {
        return await fn();
      } finally {
        timings.push({ step, ms: Date.now() - started });
      }
    };

    const version = await tf.version();
    const backendText = renderBackendConfig(inputs.backend);
    let backendFile: string | undefined;
    if (backendText) {
      backendFile = join(work, 'backend.tfbackend');
      writeFileSync(backendFile, backendText, { mode: 0o600, flag: 'wx' });
    }
    const varFiles = [...inputs.varFiles];
    if (inputs.templateIds) {
      writeFileSync(templateIdsFile, JSON.stringify({ template_ids: inputs.templateIds }, null, 2) + '\n', { mode: 0o600, flag: 'wx' });
      varFiles.push(templateIdsFile);
    }

    await timed('init', () => tf.init(backendFile));
    await timed('validate', () => tf.validate());
    const planFile = join(work, 'plan.tfplan');
    const changed = await timed('plan', () => tf.plan(planFile, varFiles));
    // Terraform writes the plan 0644; it holds the values of sensitive variables.
    chmodSync(planFile, 0o600);
    const planText = await timed('show', () => tf.showJson(planFile));
    writeFileSync(join(work, 'plan.json'), planText, { mode: 0o600 });
    const planDoc = JSON.parse(planText) as object;
    const plan = parsePlan(planDoc);
    const guard = checkDestructive(plan.resources, inputs.protectedTypes, inputs.allowDestroy);
    core.info(`Plan: ${countsLine(plan)}${changed ? '' : ' (no changes)'}.`);

    if (inputs.mode === 'plan' && !guard.allowed) {
      core.warning(`This plan would ${guard.blocked.map((r) => `${r.action} ${r.address}`).join(', ')}; an apply refuses it unless 'allow-destroy' is true.`);
    }

    let outcome: Outcome = changed ? 'planned' : 'no-changes';
    if (inputs.mode === 'apply' && changed) {
      if (!guard.allowed) {
        outcome = 'refused';
        await report(inputs, plan, guard, outcome, version, timings);
        setOutput('changed', true);
        setOutput('applied', false);
        setOutput('plan', planOutput(plan));
        throw new UserError(
          `Refusing to apply: the plan would ${guard.blocked.map((r) => `${r.action} ${r.address}`).join(', ')} ` +
            `(protected types: ${inputs.protectedTypes.join(', ')}). Nothing was applied. If this is intended, check the plan in the job summary ` +
            `and run again with 'allow-destroy: true'.`,
        );
      }
      await timed('apply', () => tf.apply(planFile));
      outcome = 'applied';
    }

    // After an apply (or when nothing changed) the state holds the outputs; a plan only has planned values.
    const outputs = inputs.mode === 'apply' ? await stateOutputs(tf) : plannedOutputs(planDoc, [inputs.inventoryOutput, inputs.nodesOutput]);
    const inventory = writeInventory(inputs, work, outputs[inputs.inventoryOutput]);
    const nodes = outputs[inputs.nodesOutput];
    const safeNodes = nodes && !nodes.sensitive && typeof nodes.value === 'object' && nodes.value !== null ? (nodes.value as Record<string, Record<string, unknown>>) : undefined;
    if (nodes?.sensitive) core.warning(`Output '${inputs.nodesOutput}' is sensitive; the 'nodes' output is left empty.`);

    setOutput('changed', changed);
    setOutput('applied', outcome === 'applied');
    setOutput('plan', planOutput(plan));
    setOutput('inventory', inventory ?? '');
    setOutput('nodes', safeNodes ?? {});
    await report(inputs, plan, guard, outcome, version, timings, safeNodes);
  });
}

async function report(
  inputs: Inputs,
  plan: PlanSummary,
  guard: ReturnType<typeof checkDestructive>,
  outcome: Outcome,
  terraformVersion: string,
  timings: { step: string; ms: number }[],
  nodes?: Record<string, Record<string, unknown>>,
): Promise<void> {
  const workspace = process.env.GITHUB_WORKSPACE || process.cwd();
  const directory = relative(workspace, inputs.workingDirectory) || '.';
  const summary = buildReport({ directory, mode: inputs.mode, plan, guard, outcome, terraformVersion, timings, nodes });
  core.info(summary.toString());
  await summary.write();
}

function planOutput(plan: PlanSummary): object {
  return {
    counts: plan.counts,
    changes: plan.resources.filter((r) => r.action !== 'no-op').map((r) => ({ address: r.address, type: r.type, action: r.action })),
  };
}

async function stateOutputs(tf: Terraform): Promise<Record<string, OutputValue>> {
  const raw = await tf.outputJson();
  const result: Record<string, OutputValue> = {};
  for (const [name, o] of Object.entries(raw)) result[name] = { sensitive: o.sensitive === true, value: o.value };
  return result;
}

function plannedOutputs(planDoc: object, names: string[]): Record<string, OutputValue> {
  const result: Record<string, OutputValue> = {};
  for (const name of names) {
    const o = plannedOutput(planDoc, name);
    if (!o) continue;
    if (!o.known) {
      core.info(`Output '${name}' is only known after apply.`);
      continue;
    }
    result[name] = { sensitive: o.sensitive, value: o.value };
  }
  return result;
}

/** The inventory file: the module's YAML string as is, or a structure as JSON (which is YAML too). */
function writeInventory(inputs: Inputs, work: string, output: OutputValue | undefined): string | undefined {
  if (!output || output.value === null || output.value === undefined) {
    core.info(`The module has no (known) output '${inputs.inventoryOutput}': no inventory written.`);
    return undefined;
  }
  const text = typeof output.value === 'string' ? output.value : JSON.stringify(output.value, null, 2) + '\n';
  const path = inputs.inventoryPath ?? join(work, 'inventory.yml');
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text, { mode: output.sensitive ? 0o600 : 0o644 });
  core.info(`Wrote the Ansible inventory to ${path}.`);
  return path;
}
