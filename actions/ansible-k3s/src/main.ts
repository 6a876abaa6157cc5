import { chmodSync, existsSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve, sep } from 'node:path';
import * as core from '@actions/core';
import {
  annotate,
  InputError,
  lastLines,
  loadSecrets,
  privateDir,
  registerCleanup,
  runMain,
  setOutput,
  tempRoot,
  UserError,
  type SecretSet,
} from '@homelab/toolkit';
import { findAnsiblePlaybook, playbookArgv, playbookEnv, runPlaybook } from './ansible';
import { readInputs, type Inputs } from './inputs';
import { buildSummary, failureAnnotations, stderrHint, verdict } from './report';
import { parseJsonl, progressLine, type PlaybookRun } from './results';
import { normaliseKnownHosts, sshCommonArgs } from './ssh';
import { buildVars } from './vars-file';

/** Bitwarden secret NAMEs this action uses. */
export const SSH_KEY_SECRET = 'SSH_PRIVATE_KEY';
export const TOKEN_SECRET = 'K3S_TOKEN';

export async function run(): Promise<void> {
  await runMain(async () => {
    const inputs = readInputs();
    const secrets = await loadSecrets();
    await runAnsible(inputs, secrets);
  });
}

export async function runAnsible(inputs: Inputs, secrets: SecretSet): Promise<PlaybookRun> {
  const tool = findAnsiblePlaybook();
  const dir = privateDir('ansible-k3s-');

  const privateKeyFile = secrets.has(SSH_KEY_SECRET) ? secrets.file(SSH_KEY_SECRET, 'ssh-key', { ensureNewline: true }) : undefined;
  if (!privateKeyFile) core.info(`No ${SSH_KEY_SECRET} secret is mapped: SSH uses the runner's own keys or agent configuration.`);

  let knownHostsFile: string | undefined;
  if (inputs.hostKeyPolicy === 'pinned') {
    const { content, problems } = normaliseKnownHosts(inputs.knownHosts ?? '');
    if (problems.length > 0) throw new InputError('known-hosts', `<${problems.length} bad line(s)>`, problems.join('; '));
    knownHostsFile = join(dir, 'known_hosts');
    writeFileSync(knownHostsFile, content, { mode: 0o600, flag: 'wx' });
  } else {
    core.warning(
      "host-key-policy is accept-new (trust on first use): a node's SSH host key is accepted the first time it is seen and then kept in the runner's ~/.ssh/known_hosts. Pin the keys with the known-hosts input to protect the first connection too.",
    );
  }

  const kubeconfigPath = inputs.kubeconfigPath ?? join(dir, 'kubeconfig');
  if (inputs.kubeconfigPath && isUnder(inputs.kubeconfigPath, tempRoot())) registerCleanup(inputs.kubeconfigPath);

  const vars = buildVars({
    extraVars: inputs.extraVars,
    k3sToken: secrets.has(TOKEN_SECRET) ? secrets.get(TOKEN_SECRET) : undefined,
    kubeconfigPath,
  });
  const varsFile = join(dir, 'extra-vars.json');
  writeFileSync(varsFile, JSON.stringify(vars, null, 2) + '\n', { mode: 0o600, flag: 'wx' });

  const argv = playbookArgv({
    playbook: inputs.playbook,
    inventory: inputs.inventory,
    varsFile,
    privateKeyFile,
    checkMode: inputs.checkMode,
    limit: inputs.limit,
    tags: inputs.tags,
    skipTags: inputs.skipTags,
  });
  core.info(`ansible-playbook ${argv.join(' ')}`);
  const result = await runPlaybook(tool, argv, {
    // ansible.cfg beside the playbook applies (Ansible reads ./ansible.cfg).
    cwd: dirname(inputs.playbook),
    env: playbookEnv(sshCommonArgs(inputs.hostKeyPolicy, knownHostsFile)),
    timeoutMs: inputs.timeoutMinutes * 60_000,
    onStdoutLine: (line) => {
      const text = progressLine(line);
      if (text !== undefined) core.info(text);
      else if (line.trim() !== '' && !line.trimStart().startsWith('{')) core.info(line);
    },
    onStderrLine: (line) => core.info(line),
  });

  const parsed = parseJsonl(result.stdout);
  const playbookRun = redact(parsed, Object.values(secrets.env()));
  const timedOut = result.exitCode === -1 ? result.outcome.replace(/^timed out after /, '') : undefined;
  const outcome = verdict(result.exitCode, playbookRun, timedOut);
  const stderrTail = lastLines(result.stderr, 30);

  for (const a of failureAnnotations(playbookRun, inputs.workspace)) annotate(a);
  await buildSummary(playbookRun, {
    playbook: relativeToWorkspace(inputs.playbook, inputs.workspace),
    checkMode: inputs.checkMode,
    limit: inputs.limit,
    durationMs: result.durationMs,
    hostKeyPolicy: inputs.hostKeyPolicy === 'pinned' ? 'pinned (known-hosts)' : 'trust on first use (accept-new)',
    verdict: outcome,
    stderrTail,
  }).write();

  const fatal = playbookRun.failures.filter((f) => f.fatal);
  setOutput('stats', playbookRun.stats);
  setOutput('changed', Object.values(playbookRun.stats).some((s) => s.changed > 0));
  setOutput('failed-hosts', [...new Set(fatal.filter((f) => f.outcome === 'failed').map((f) => f.host))].join(','));
  setOutput('unreachable-hosts', [...new Set(fatal.filter((f) => f.outcome === 'unreachable').map((f) => f.host))].join(','));
  if (existsSync(kubeconfigPath)) {
    chmodSync(kubeconfigPath, 0o600);
    setOutput('kubeconfig', kubeconfigPath);
  } else if (!inputs.checkMode && outcome.ok) {
    core.info('The playbook wrote no kubeconfig (only site.yml fetches it): the kubeconfig output is empty.');
  }

  if (!outcome.ok) {
    const hint = stderrHint(result.stderr);
    const tail = playbookRun.complete ? '' : `\n${redactText(stderrTail, Object.values(secrets.env()))}`;
    throw new UserError(`${outcome.message}${hint ? ` ${hint}` : ''}${tail}`);
  }
  core.info(outcome.message);
  return playbookRun;
}

function isUnder(path: string, root: string): boolean {
  return resolve(path).startsWith(resolve(root) + sep);
}

function relativeToWorkspace(path: string, workspace: string): string {
  return isUnder(path, workspace) ? resolve(path).slice(resolve(workspace).length + 1) : path;
}

/** Secret values out of every message before it reaches a summary or an annotation. */
function redact(run: PlaybookRun, values: string[]): PlaybookRun {
  if (values.length === 0) return run;
  return {
    ...run,
    results: run.results.map((r) => ({ ...r, message: redactText(r.message, values) })),
    failures: run.failures.map((f) => ({ ...f, message: redactText(f.message, values) })),
    strayLines: run.strayLines.map((l) => redactText(l, values)),
  };
}

export function redactText(text: string, values: string[]): string {
  let out = text;
  for (const value of values) {
    for (const line of value.split('\n').map((l) => l.trim()).filter((l) => l.length >= 4)) out = out.split(line).join('***');
  }
  return out;
}
