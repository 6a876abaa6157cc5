import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
export const ansibleDir = join(repoRoot, 'ansible');
export const fixtures = join(repoRoot, 'tests', 'ansible', 'fixtures');

export interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

/** Run a real tool without a shell; never throws on a non-zero exit (the test asserts the code). */
export function run(cmd: string, args: string[], options: { cwd?: string; env?: Record<string, string> } = {}): Promise<Ran> {
  return new Promise((resolve, reject) => {
    execFile(
      cmd,
      args,
      { cwd: options.cwd ?? repoRoot, env: { ...process.env, ANSIBLE_NOCOLOR: '1', ANSIBLE_FORCE_COLOR: '0', ...options.env }, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error && typeof error.code !== 'number') {
          reject(new Error(`${cmd} could not run: ${error.message}`));
          return;
        }
        resolve({ code: typeof error?.code === 'number' ? error.code : 0, stdout, stderr });
      },
    );
  });
}

/** ansible-playbook against the fixture inventory (three servers, connection local), roles from ansible/roles. */
export function playbook(file: string, extraVars: Record<string, unknown>, args: string[] = []): Promise<Ran> {
  return run('ansible-playbook', ['-i', join(fixtures, 'inventory.yml'), join(fixtures, file), '-e', JSON.stringify(extraVars), ...args], {
    cwd: fixtures,
    env: { ANSIBLE_ROLES_PATH: join(ansibleDir, 'roles'), ANSIBLE_STDOUT_CALLBACK: 'default', ANSIBLE_RETRY_FILES_ENABLED: 'False' },
  });
}
