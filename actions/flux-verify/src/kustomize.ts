import { Tool, which } from '@homelab/toolkit';

/**
 * The one place that runs kustomize: a `kustomize` binary when present, else `kubectl kustomize`
 * (kustomize v5.5 is built into kubectl). Load restrictions off, plugins off (their default in
 * both), like the kustomize-controller builds.
 */
export class Kustomize {
  private constructor(
    private readonly tool: Tool,
    private readonly prefix: readonly string[],
  ) {}

  static find(): Kustomize {
    if (process.env.FLUX_VERIFY_KUSTOMIZE) {
      return new Kustomize(Tool.find('kustomize', { override: process.env.FLUX_VERIFY_KUSTOMIZE }), ['build']);
    }
    if (which('kustomize')) return new Kustomize(Tool.find('kustomize'), ['build']);
    const kubectl = Tool.find('kubectl', { installHint: 'flux-verify needs kubectl (kustomize v5 is built in) or a kustomize binary on PATH.' });
    return new Kustomize(kubectl, ['kustomize']);
  }

  get description(): string {
    return `${this.tool.path} ${this.prefix.join(' ')}`;
  }

  /** Build a directory; a failed build resolves with ok=false and kustomize's message. */
  async build(dir: string): Promise<{ ok: true; yaml: string } | { ok: false; message: string }> {
    const result = await this.tool.run([...this.prefix, '--load-restrictor=LoadRestrictionsNone', dir], {
      exitCodes: { 1: 'failed' },
      timeoutMs: 120_000,
    });
    if (result.exitCode === 0) return { ok: true, yaml: result.stdout };
    return { ok: false, message: kustomizeMessage(result.stderr || result.stdout) };
  }
}

/** kubectl wraps kustomize's error in a klog line (`"command failed" err="..."`); keep only the message. */
export function kustomizeMessage(stderr: string): string {
  const klog = /"command failed" err="((?:[^"\\]|\\.)*)"/.exec(stderr);
  if (klog) {
    try {
      return JSON.parse(`"${klog[1]}"`) as string;
    } catch {
      return klog[1]!;
    }
  }
  return stderr.trim().replace(/^(Error|error): /, '');
}
