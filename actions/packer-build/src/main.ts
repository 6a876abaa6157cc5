import * as core from '@actions/core';
import { UserError, annotate, errorMessage, formatMs, loadSecrets, runMain, setOutput, type SecretSet } from '@homelab/toolkit';
import { writeBuildKey } from './build-key';
import { computeFingerprint, fingerprintTag } from './fingerprint';
import { readInputs, type Inputs } from './inputs';
import type { BuildEvent } from './machine-readable';
import { Packer, compareVersions } from './packer';
import { decide, withFingerprintTag, type Decision } from './plan';
import { mapLimited } from './pool';
import { ProxmoxClient, splitToken } from './proxmox';
import { summarise, templatesOutput, type TemplateResult } from './report';
import { readTemplate, type TemplateInfo } from './template';

export async function run(): Promise<void> {
  await runMain(async () => {
    const started = Date.now();
    const inputs = readInputs();
    const packer = await Packer.find(inputs.packerPath);
    if (inputs.packerVersion && compareVersions(packer.version, inputs.packerVersion) < 0) {
      throw new UserError(`Packer ${packer.version} at ${packer.tool.path} is older than input 'packer-version' (${inputs.packerVersion}).`);
    }
    const template = readTemplate(inputs.templateDir);
    for (const name of ['node', 'vm_id']) {
      if (!template.variables.has(name)) {
        throw new UserError(`${inputs.templateDir} declares no variable "${name}"; the action builds one template per node with -var node=<node> -var vm_id=<id>.`);
      }
    }
    const fp = computeFingerprint({ files: template.files, variables: inputs.variables, plugins: template.plugins, packerVersion: packer.version });
    const tag = fingerprintTag(fp.short);
    core.info(`Template ${inputs.templateDir}: ${template.files.length} file(s), Packer ${packer.version}, fingerprint ${tag}`);
    core.debug(`fingerprint manifest: ${fp.manifest}`);

    const secrets = await loadSecrets();
    const token = secrets.get('PROXMOX_API_TOKEN');
    const proxmox = new ProxmoxClient({ endpoint: inputs.endpoint, token, insecureTls: inputs.insecureTls, onRetry: (m) => core.warning(m) });
    if (inputs.insecureTls) core.warning(`insecure-tls is set: the certificate of ${proxmox.base} is not verified (for this action's API calls and Packer's).`);
    try {
      const decisions = decide(inputs.nodes, await proxmox.listVms(), tag, inputs.force);
      for (const d of decisions) core.info(`${d.node} (VM ${d.vmid}): ${d.action === 'skip' ? 'skip' : d.replace ? 'rebuild' : 'build'}: ${d.reason}`);
      const results = await buildAll(inputs, template, packer, proxmox, secrets, decisions, fp.short);
      report(results, fp.short, packer.version, template, Date.now() - started);
      await summarise(results, {
        fingerprint: fp.short,
        packerVersion: packer.version,
        plugins: template.plugins.map((p) => `${p.source} ${p.version}`),
        totalMs: Date.now() - started,
      }).write();
      const failed = results.filter((r) => r.status === 'failed');
      if (failed.length > 0) throw new UserError(`Packer failed on ${failed.map((r) => r.node).join(', ')}; the other nodes' results are in the 'templates' output.`);
    } finally {
      await proxmox.close();
    }
  });
}

function report(results: readonly TemplateResult[], fingerprint: string, packerVersion: string, template: TemplateInfo, totalMs: number): void {
  setOutput('templates', templatesOutput(results));
  setOutput('fingerprint', fingerprint);
  setOutput('built', results.filter((r) => r.status === 'built').length);
  core.info(
    `Done in ${formatMs(totalMs)} (Packer ${packerVersion}${template.plugins.map((p) => `, ${p.name} ${p.version}`).join('')}): ` +
      results.map((r) => `${r.node}=${r.status}`).join(', '),
  );
}

async function buildAll(
  inputs: Inputs,
  template: TemplateInfo,
  packer: Packer,
  proxmox: ProxmoxClient,
  secrets: SecretSet,
  decisions: Decision[],
  fingerprint: string,
): Promise<TemplateResult[]> {
  const toBuild = decisions.filter((d): d is Extract<Decision, { action: 'build' }> => d.action === 'build');
  const results = new Map<string, TemplateResult>();
  for (const d of decisions) {
    if (d.action === 'skip') results.set(d.node, { node: d.node, vmid: d.vmid, name: d.name, fingerprint, status: 'skipped', durationMs: 0, reason: d.reason });
  }
  if (toBuild.length > 0) {
    const env = packerEnv(secrets, template);
    await prepare(inputs, template, packer, env, toBuild, fingerprint);
    core.startGroup(`packer build: ${toBuild.map((d) => d.node).join(', ')} (up to ${inputs.concurrency} at a time)`);
    try {
      await mapLimited(toBuild, inputs.concurrency, async (d) => {
        results.set(d.node, await buildNode(inputs, template, packer, proxmox, env, d, fingerprint));
      });
    } finally {
      core.endGroup();
    }
  }
  return decisions.map((d) => results.get(d.node)!);
}

/** Secrets reach Packer as PKR_VAR_* environment variables only; never as -var, never in a file in git. */
function packerEnv(secrets: SecretSet, template: TemplateInfo): Record<string, string> {
  const { id, secret } = splitToken(secrets.get('PROXMOX_API_TOKEN'));
  // The whole token is masked already; Packer only ever sees (and could print) the secret half.
  core.setSecret(secret);
  const env: Record<string, string> = { PKR_VAR_proxmox_username: id, PKR_VAR_proxmox_token: secret };
  if (secrets.has('SSH_PUBLIC_KEY')) env.PKR_VAR_ssh_public_key = secrets.get('SSH_PUBLIC_KEY').trim();
  else if (template.variables.has('ssh_public_key')) core.notice('No SSH_PUBLIC_KEY is mapped: the template authorises no operator key (Terraform\'s cloud-init adds keys to each clone).');
  if (template.variables.has('build_ssh_public_key')) {
    const key = writeBuildKey();
    env.PKR_VAR_build_ssh_public_key = key.publicKey;
    env.PKR_VAR_build_ssh_private_key_file = key.privateKeyFile;
  }
  return env;
}

function varArgs(inputs: Inputs, template: TemplateInfo, d: { node: string; vmid: number }, fingerprint: string): string[] {
  const vars: [string, string][] = [
    ['node', d.node],
    ['vm_id', String(d.vmid)],
  ];
  // Optional variables are passed only when declared: Packer rejects an undeclared -var.
  if (template.variables.has('fingerprint')) vars.push(['fingerprint', fingerprint]);
  if (template.variables.has('proxmox_url')) vars.push(['proxmox_url', `${normaliseBase(inputs.endpoint)}/api2/json`]);
  if (template.variables.has('proxmox_insecure_tls')) vars.push(['proxmox_insecure_tls', String(inputs.insecureTls)]);
  vars.push(...Object.entries(inputs.variables));
  const args = vars.map(([k, v]) => `-var=${k}=${v}`);
  if (inputs.only) args.unshift(`-only=${inputs.only}`);
  return args;
}

function normaliseBase(endpoint: string): string {
  return endpoint.trim().replace(/\/+$/, '').replace(/\/api2\/json$/, '');
}

/** init (when plugins are pinned) and validate for every node BEFORE the first build starts. */
async function prepare(inputs: Inputs, template: TemplateInfo, packer: Packer, env: Record<string, string>, toBuild: readonly Decision[], fingerprint: string): Promise<void> {
  if (template.plugins.length > 0) {
    if (!packer.supportsInit()) {
      const list = template.plugins.map((p) => `${p.source} ${p.version}`).join(', ');
      throw new UserError(`${inputs.templateDir} pins plugins in required_plugins (${list}), which Packer ${packer.version} cannot install: 'packer init' needs Packer >= 1.7 (use >= 1.10).`);
    }
    await packer.init(inputs.templateDir, env);
  } else {
    core.info(`${inputs.templateDir} pins no plugins (no required_plugins): 'packer init' not needed.`);
  }
  for (const d of toBuild) await packer.validate(inputs.templateDir, varArgs(inputs, template, d, fingerprint), env, d.node);
}

async function buildNode(
  inputs: Inputs,
  template: TemplateInfo,
  packer: Packer,
  proxmox: ProxmoxClient,
  env: Record<string, string>,
  d: Extract<Decision, { action: 'build' }>,
  fingerprint: string,
): Promise<TemplateResult> {
  const base = { node: d.node, vmid: d.vmid, fingerprint, reason: d.reason };
  // -force makes the proxmox builder delete the stale template with this vm_id first (it refuses
  // anything that is not a template); plan.decide has already refused foreign VMs.
  const args = [...(d.replace ? ['-force'] : []), ...varArgs(inputs, template, d, fingerprint)];
  core.info(`[${d.node}] packer build ${args.filter((a) => !a.startsWith('-var=')).join(' ')} (VM ${d.vmid})`);
  const onEvent = (event: BuildEvent) => {
    if (event.kind === 'progress') core.info(`[${d.node}] ${event.text}`);
    else if (event.kind === 'error') annotate({ severity: 'error', title: `packer build on ${d.node}`, message: event.text });
    else core.info(`[${d.node}] artifact ${event.artifact.index}: ${event.artifact.id ?? '?'} (${event.artifact.builderId ?? 'unknown builder'})`);
  };
  const { result, stream } = await packer.build(inputs.templateDir, args, env, inputs.buildTimeoutMinutes * 60_000, onEvent);
  if (result.exitCode !== 0) {
    if (stream.errors.length === 0) {
      // Failures before any build starts (bad -var, bad HCL) only come as ui errors.
      const message = stream.uiErrors.slice(-3).join('\n') || result.stderr.trim().split('\n').slice(-5).join('\n') || `exit code ${result.exitCode}`;
      annotate({ severity: 'error', title: `packer build on ${d.node}`, message: result.exitCode === -1 ? `timed out after ${inputs.buildTimeoutMinutes} min\n${message}` : message });
    }
    return { ...base, name: '', status: 'failed', durationMs: result.durationMs, reason: `packer ${result.outcome} (exit ${result.exitCode})` };
  }
  const artifactId = stream.primaryArtifact()?.id;
  if (artifactId && /^\d+$/.test(artifactId) && Number(artifactId) !== d.vmid) {
    core.warning(`[${d.node}] Packer reports template VM ${artifactId}, expected ${d.vmid} from input 'nodes'.`);
  }
  const vmid = artifactId && /^\d+$/.test(artifactId) ? Number(artifactId) : d.vmid;
  try {
    const name = await tagTemplate(proxmox, d.node, vmid, fingerprint);
    return { ...base, vmid, name, status: 'built', durationMs: result.durationMs };
  } catch (err) {
    annotate({ severity: 'error', title: `template on ${d.node}`, message: errorMessage(err) });
    return { ...base, vmid, name: '', status: 'failed', durationMs: result.durationMs, reason: errorMessage(err) };
  }
}

/**
 * Make sure the new template carries fp-<fingerprint>, which is what the next run looks for. The
 * template sets it itself through the builder's `tags`; a template that does not gets it here.
 */
async function tagTemplate(proxmox: ProxmoxClient, node: string, vmid: number, fingerprint: string): Promise<string> {
  const tag = fingerprintTag(fingerprint);
  const vm = (await proxmox.listVms()).find((r) => r.vmid === vmid);
  if (!vm || vm.node !== node || !vm.template) {
    throw new UserError(`Packer finished on ${node}, but Proxmox shows no template ${vmid} there${vm ? ` (found ${vm.template ? 'a template' : 'a VM'} on ${vm.node})` : ''}.`);
  }
  if (!vm.tags.includes(tag)) {
    await proxmox.setTags(node, vmid, withFingerprintTag(vm.tags, tag));
    core.info(`[${node}] tagged template ${vmid} with ${tag}`);
  }
  return vm.name;
}
