import { Tool, ToolError, type RunResult } from '@homelab/toolkit';

/**
 * ansible-playbook, run one way: argv only, the jsonl callback on stdout (one JSON event per line,
 * read live), Ansible's own warnings on stderr, host key checking always on.
 */

/** ansible-playbook's exit codes (lib/ansible/executor/task_queue_manager.py and the CLI). */
export const EXIT_MEANINGS: Record<number, string> = {
  1: 'an error stopped Ansible',
  2: 'one or more hosts failed a task',
  3: 'one or more hosts were unreachable',
  4: 'one or more hosts were unreachable, or the playbook/inventory could not be parsed',
  5: 'bad or incomplete command-line options',
  8: 'a failure stopped the play on every host (any_errors_fatal / max_fail_percentage)',
  99: 'Ansible was interrupted',
  250: 'Ansible crashed with an unexpected error',
};

export interface PlaybookArgs {
  playbook: string;
  inventory: string;
  varsFile: string;
  privateKeyFile?: string;
  checkMode: boolean;
  limit?: string;
  tags: string[];
  skipTags: string[];
}

export function playbookArgv(a: PlaybookArgs): string[] {
  const argv = [a.playbook, '--inventory', a.inventory, '--extra-vars', `@${a.varsFile}`];
  if (a.privateKeyFile) argv.push('--private-key', a.privateKeyFile);
  if (a.checkMode) argv.push('--check', '--diff');
  if (a.limit) argv.push('--limit', a.limit);
  if (a.tags.length > 0) argv.push('--tags', a.tags.join(','));
  if (a.skipTags.length > 0) argv.push('--skip-tags', a.skipTags.join(','));
  return argv;
}

export function playbookEnv(sshCommonArgs: string): Record<string, string> {
  return {
    ANSIBLE_STDOUT_CALLBACK: 'ansible.posix.jsonl',
    ANSIBLE_HOST_KEY_CHECKING: 'True',
    // An inventory Ansible cannot read is an error, not a run against no host.
    ANSIBLE_INVENTORY_UNPARSED_FAILED: 'True',
    ANSIBLE_SSH_COMMON_ARGS: sshCommonArgs,
    ANSIBLE_NOCOLOR: '1',
    ANSIBLE_FORCE_COLOR: '0',
    ANSIBLE_RETRY_FILES_ENABLED: 'False',
    // Events must arrive as they happen, not when Python's pipe buffer fills.
    PYTHONUNBUFFERED: '1',
  };
}

export function findAnsiblePlaybook(): Tool {
  return Tool.find('ansible-playbook', {
    installHint: "Install Ansible on the runner (Debian: apt-get install ansible; it brings ansible.posix with the jsonl callback).",
    exitCodes: { 2: 'hosts failed', 4: 'hosts unreachable or parse error' },
    stderrTail: 30,
  });
}

export interface PlaybookRunOptions {
  cwd: string;
  env: Record<string, string>;
  timeoutMs: number;
  onStdoutLine: (line: string) => void;
  onStderrLine: (line: string) => void;
}

/** Run it; an unmapped exit code still returns its output so that the report shows what ran. */
export async function runPlaybook(tool: Tool, argv: string[], options: PlaybookRunOptions): Promise<RunResult> {
  try {
    return await tool.run(argv, { ...options, echo: false });
  } catch (err) {
    if (err instanceof ToolError && err.result) return err.result;
    throw err;
  }
}
