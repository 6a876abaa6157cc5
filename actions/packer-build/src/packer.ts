import { BASE_ENV, Tool, UserError, type RunResult } from '@homelab/toolkit';
import { BuildStream, type BuildEvent, parseVersion } from './machine-readable';

/**
 * The one place that runs Packer: version, init, validate and build, with argv arrays only and the
 * secrets in the environment (PKR_VAR_*), never on the command line.
 */

const PACKER_ENV = [...BASE_ENV, 'PACKER_PLUGIN_PATH', 'PACKER_CONFIG_DIR', 'PACKER_CACHE_DIR', 'PACKER_LOG', 'PACKER_LOG_PATH', 'PACKER_GITHUB_API_TOKEN'];

export class Packer {
  private constructor(
    readonly tool: Tool,
    readonly version: string,
  ) {}

  static async find(override?: string): Promise<Packer> {
    const tool = Tool.find('packer', {
      override,
      inheritEnv: PACKER_ENV,
      installHint: 'Install Packer >= 1.10 from https://developer.hashicorp.com/packer/install (or set input packer-path).',
    });
    const result = await tool.run(['-machine-readable', 'version'], { env: { CHECKPOINT_DISABLE: '1' } });
    const version = parseVersion(result.stdout);
    if (!version) throw new UserError(`Could not read the Packer version from '${tool.path} -machine-readable version':\n${result.stdout.slice(0, 300)}`);
    return new Packer(tool, version);
  }

  /** `packer init` exists from 1.7 on; before that `required_plugins` is not understood at all. */
  supportsInit(): boolean {
    return compareVersions(this.version, '1.7.0') >= 0;
  }

  async init(dir: string, env: Record<string, string>): Promise<RunResult> {
    return this.tool.run(['init', dir], { env: { ...env, CHECKPOINT_DISABLE: '1' }, group: `packer init ${dir}`, timeoutMs: 10 * 60_000 });
  }

  async validate(dir: string, args: readonly string[], env: Record<string, string>, label: string): Promise<RunResult> {
    return this.tool.run(['validate', ...args, dir], { env: { ...env, CHECKPOINT_DISABLE: '1' }, group: `packer validate (${label})`, timeoutMs: 5 * 60_000 });
  }

  /**
   * `packer build -machine-readable`, parsed line by line while it runs. A failed build does not
   * throw: its result and stream are returned so that the caller reports it with the other nodes.
   */
  async build(
    dir: string,
    args: readonly string[],
    env: Record<string, string>,
    timeoutMs: number,
    onEvent: (event: BuildEvent) => void,
  ): Promise<{ result: RunResult; stream: BuildStream }> {
    const stream = new BuildStream();
    const argv = ['build', '-machine-readable', '-on-error=cleanup', '-color=false', ...args, dir];
    // Every exit code is returned, not thrown: one node's failure must not hide the others' results.
    const all: Record<number, string> = { [-1]: 'timed out' };
    for (let code = 1; code < 256; code++) all[code] = 'failed';
    const result = await this.tool.run(argv, {
      env: { ...env, CHECKPOINT_DISABLE: '1' },
      timeoutMs,
      exitCodes: all,
      onStdoutLine: (line) => {
        for (const event of stream.push(line)) onEvent(event);
      },
      onStderrLine: (line) => {
        if (line.trim() !== '') onEvent({ kind: 'progress', level: 'error', text: line });
      },
    });
    return { result, stream };
  }
}

/** Compare dotted versions numerically; a pre-release suffix is ignored. */
export function compareVersions(a: string, b: string): number {
  const pa = a.replace(/^v/, '').split(/[.-]/).slice(0, 3).map((x) => Number.parseInt(x, 10) || 0);
  const pb = b.replace(/^v/, '').split(/[.-]/).slice(0, 3).map((x) => Number.parseInt(x, 10) || 0);
  for (let i = 0; i < 3; i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return Math.sign(d);
  }
  return 0;
}
