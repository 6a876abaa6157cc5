import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { formatMs, Tool, ToolError, UserError, type RunResult } from '@homelab/toolkit';
import { formatDiagnostics, isProviderError, isProviderInstallError, parseDiagnostics, parseLockError, type Diagnostic, type LockInfo } from './diagnostics';

/** Every terraform invocation of the action: argv arrays, an explicit environment, clear failures. */

export interface TerraformOptions {
  binary?: string;
  workingDirectory: string;
  /** The complete extra environment of terraform (TF_*, secrets for the backend and providers). */
  env: Record<string, string>;
  /** Per command. */
  timeoutMs: number;
  /** `-lock-timeout` value, e.g. "5m". */
  lockTimeout: string;
  /** Files the action generated, by what they came from (e.g. "input 'template-ids'"), for error messages. */
  fileLabels?: Record<string, string>;
}

export class StateLockedError extends UserError {
  constructor(
    readonly lock: LockInfo,
    command: string,
    lockTimeout: string,
  ) {
    const holder = [
      `ID: ${lock.id}`,
      lock.who ? `held by: ${lock.who}` : undefined,
      lock.operation ? `operation: ${lock.operation}` : undefined,
      lock.created ? `since: ${lock.created}` : undefined,
      lock.version ? `terraform ${lock.version}` : undefined,
      lock.path ? `state: ${lock.path}` : undefined,
    ]
      .filter(Boolean)
      .join(', ');
    super(
      `terraform ${command}: the state is locked by another Terraform run (${holder}); waited ${lockTimeout} (input 'lock-timeout'). ` +
        `Nothing was changed. Let that run finish; if it is dead (its runner is gone), release the lock with ` +
        `'terraform force-unlock ${lock.id}' from the same backend configuration.` +
        (lock.message ? ` Backend said: ${lock.message}.` : ''),
    );
    this.name = 'StateLockedError';
  }
}

export class Terraform {
  private constructor(
    private readonly tool: Tool,
    private readonly options: TerraformOptions,
  ) {}

  static find(options: TerraformOptions): Terraform {
    const tool = Tool.find('terraform', {
      override: options.binary,
      installHint: 'Install terraform >= 1.10 on the runner (hashicorp/setup-terraform or a release zip) or give its path in the input \'terraform\'.',
      stderrTail: 30,
    });
    return new Terraform(tool, options);
  }

  get path(): string {
    return this.tool.path;
  }

  async version(): Promise<string> {
    const result = await this.exec('version', ['version', '-json']);
    try {
      return (JSON.parse(result.stdout) as { terraform_version?: string }).terraform_version ?? 'unknown';
    } catch {
      return result.stdout.split('\n')[0] ?? 'unknown';
    }
  }

  async init(backendConfigFile: string | undefined): Promise<void> {
    const args = ['init', '-input=false', '-no-color', `-lock-timeout=${this.options.lockTimeout}`];
    if (backendConfigFile) args.push(`-backend-config=${backendConfigFile}`);
    // A committed dependency lock file pins the provider checksums: init must not rewrite it.
    if (existsSync(join(this.options.workingDirectory, '.terraform.lock.hcl'))) args.push('-lockfile=readonly');
    await this.exec('init', args, { group: 'terraform init' });
  }

  async validate(): Promise<void> {
    await this.exec('validate', ['validate', '-no-color'], { group: 'terraform validate' });
  }

  /** Returns true when the plan has changes (exit code 2 of -detailed-exitcode). */
  async plan(planFile: string, varFiles: readonly string[]): Promise<boolean> {
    const args = ['plan', '-input=false', '-no-color', '-detailed-exitcode', `-lock-timeout=${this.options.lockTimeout}`, `-out=${planFile}`];
    for (const file of varFiles) args.push(`-var-file=${file}`);
    const result = await this.exec('plan', args, { group: 'terraform plan', exitCodes: { 2: 'changes' } });
    return result.exitCode === 2;
  }

  async showJson(planFile: string): Promise<string> {
    return (await this.exec('show', ['show', '-json', '-no-color', planFile])).stdout;
  }

  /** Applies exactly the saved plan; terraform refuses a plan whose state has moved on since. */
  async apply(planFile: string): Promise<void> {
    await this.exec('apply', ['apply', '-input=false', '-no-color', `-lock-timeout=${this.options.lockTimeout}`, planFile], { group: 'terraform apply' });
  }

  async outputJson(): Promise<Record<string, { sensitive?: boolean; value?: unknown }>> {
    const result = await this.exec('output', ['output', '-json', '-no-color']);
    return JSON.parse(result.stdout || '{}') as Record<string, { sensitive?: boolean; value?: unknown }>;
  }

  private async exec(command: string, args: string[], extra: { group?: string; exitCodes?: Record<number, string> } = {}): Promise<RunResult> {
    try {
      return await this.tool.run(args, {
        cwd: this.options.workingDirectory,
        env: this.options.env,
        timeoutMs: this.options.timeoutMs,
        ...extra,
      });
    } catch (err) {
      if (err instanceof ToolError) throw this.explain(command, err);
      throw err;
    }
  }

  /** Turn a failed run into the error an operator can act on. */
  private explain(command: string, err: ToolError): UserError {
    const result = err.result;
    if (!result) return err;
    // Terraform prints its diagnostics on stderr; stdout only has progress and "Planning failed".
    const output = result.stderr.trim() !== '' ? result.stderr : result.stdout;
    if (result.exitCode === -1) {
      const what =
        command === 'apply'
          ? 'terraform was interrupted (SIGTERM) so that it could write the state and release the lock; resources in progress may be half-created, check the state and run again'
          : 'nothing was changed';
      return new UserError(`terraform ${command} timed out after ${formatMs(this.options.timeoutMs)} (input 'timeout'); ${what}.${tail(result)}`);
    }
    const lock = parseLockError(output);
    let text = output;
    for (const [file, label] of Object.entries(this.options.fileLabels ?? {})) text = text.split(file).join(`${file} (${label})`);
    if (lock) return new StateLockedError(lock, command, this.options.lockTimeout);
    const diagnostics = parseDiagnostics(text);
    if (command === 'init' && isProviderInstallError(diagnostics)) {
      return new UserError(
        `terraform init could not install the providers (registry or mirror unreachable, or a version not in the dependency lock file):\n${formatDiagnostics(diagnostics)}`,
      );
    }
    const errors = diagnostics.filter((d) => d.severity === 'error');
    if (errors.length === 0) return err;
    if (command === 'init' && errors.some((d) => /No valid credential sources found/.test(d.summary))) {
      return new UserError(
        `terraform init could not authenticate to the S3 backend: map the access keys in 'bitwarden-secrets' as AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY.\n${formatDiagnostics(errors)}`,
      );
    }
    const provider = errors.find(isProviderError);
    let head = `terraform ${command} failed`;
    if (provider?.address) {
      head += ` at ${provider.address} (reported by its provider or provisioner)`;
      // Terraform records what it finished before the error; the next run continues from there.
      if (command === 'apply') head += '; the resources completed before it are in the state, run again after fixing the cause';
    } else if (provider) {
      head += ': the provider failed';
    }
    const where = errors.find((d) => d.file && !d.file.startsWith('/'));
    return new UserError(`${head}:\n${formatDiagnostics(errors)}`, where ? locate(where, this.options.workingDirectory) : undefined);
  }
}

function tail(result: RunResult): string {
  const lines = (result.stderr || result.stdout).trim().split('\n').slice(-10).join('\n');
  return lines ? `\n${lines}` : '';
}

/** Annotation position: terraform names files relative to the working directory. */
function locate(d: Diagnostic, workingDirectory: string): { file: string; line?: number } {
  const workspace = process.env.GITHUB_WORKSPACE;
  const full = join(workingDirectory, d.file ?? '');
  const file = workspace && full.startsWith(`${workspace}/`) ? full.slice(workspace.length + 1) : full;
  return { file, line: d.line };
}
