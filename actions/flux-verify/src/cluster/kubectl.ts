import { lastLines, Tool, ToolError, UserError, type RunResult } from '@homelab/toolkit';
import type { KubeconfigInfo } from './kubeconfig';

/**
 * The one way this mode talks to the cluster: the real kubectl, an explicit kubeconfig and a
 * private discovery cache, argv arrays, JSON output, and kubectl's failures turned into messages
 * that say what is wrong (unreachable server, rejected credentials, broken kubeconfig).
 */
export class Kubectl {
  private readonly tool: Tool;
  private readonly base: string[];
  /** Number of kubectl processes started (reported, and checked by the tests). */
  calls = 0;

  constructor(
    readonly config: KubeconfigInfo,
    options: { cacheDir: string; binary?: string; requestTimeout?: string },
  ) {
    this.tool = Tool.find('kubectl', {
      override: options.binary,
      installHint: 'Install kubectl (https://kubernetes.io/docs/tasks/tools/) on the runner or set the input kubectl.',
      stderrTail: 8,
    });
    this.base = ['--kubeconfig', config.path, '--cache-dir', options.cacheDir, '--request-timeout', options.requestTimeout ?? '30s'];
  }

  /** Run kubectl; failures become UserErrors that name the server and the kubeconfig. */
  async run(args: readonly string[], options: { input?: string; timeoutMs?: number } = {}): Promise<RunResult> {
    this.calls++;
    try {
      const result = await this.tool.run([...this.base, ...args], { input: options.input, timeoutMs: options.timeoutMs ?? 120_000 });
      if (result.exitCode < 0) throw new UserError(`kubectl ${args.slice(0, 2).join(' ')} ${result.outcome} against ${this.config.server}.`);
      return result;
    } catch (err) {
      if (err instanceof ToolError && err.result) throw this.explain(args, err.result);
      throw err;
    }
  }

  /** `kubectl <args> -o json`, parsed. */
  async json<T>(args: readonly string[]): Promise<T> {
    const result = await this.run([...args, '-o', 'json']);
    try {
      return JSON.parse(result.stdout) as T;
    } catch {
      throw new UserError(`kubectl ${args.join(' ')} printed ${result.stdout.length} bytes that are not JSON.`);
    }
  }

  /** Items of `kubectl get <args> -o json` (a List, or a single object). */
  async items(args: readonly string[]): Promise<Record<string, unknown>[]> {
    const result = await this.run(['get', ...args, '-o', 'json']);
    // --ignore-not-found prints nothing at all when nothing was found.
    if (result.stdout.trim() === '') return [];
    let doc: { items?: Record<string, unknown>[] } & Record<string, unknown>;
    try {
      doc = JSON.parse(result.stdout) as typeof doc;
    } catch {
      // Never echo the output: it may hold a Secret's data.
      throw new UserError(`kubectl get ${args.join(' ')} printed ${result.stdout.length} bytes that are not JSON.`);
    }
    if (Array.isArray(doc.items)) return doc.items;
    return doc.kind ? [doc] : [];
  }

  private explain(args: readonly string[], result: RunResult): UserError {
    // klog lines (E1126 12:00:00.000 ...) repeat the same failure; keep kubectl's own message.
    const lines = result.stderr
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l !== '' && !/^[EIW]\d{4} /.test(l));
    const message = lines.slice(-4).join('\n') || lastLines(result.stderr, 4);
    const where = `the Kubernetes API server ${this.config.server} (kubeconfig '${this.config.path}', context '${this.config.context}')`;
    const all = result.stderr;
    if (/connection refused|was refused - did you specify/.test(all)) {
      return new UserError(`Cannot reach ${where}: connection refused. Is the cluster up and the server address right?`);
    }
    if (/no such host|i\/o timeout|Client\.Timeout|context deadline exceeded|network is unreachable|no route to host|Unable to connect to the server/.test(all)) {
      return new UserError(`Cannot reach ${where}: ${message}`);
    }
    if (/Unauthorized|You must be logged in/.test(all)) {
      return new UserError(`${capitalise(where)} rejected the credentials (401 Unauthorized).`);
    }
    if (/x509:|certificate/.test(all)) {
      return new UserError(`TLS to ${where} failed: ${message}`);
    }
    if (/error loading config file|couldn't get version\/kind|invalid configuration/.test(all)) {
      return new UserError(`kubectl cannot use the kubeconfig '${this.config.path}': ${message}`, { file: this.config.path });
    }
    const verb = args.find((a) => !a.startsWith('-')) ?? '';
    return new UserError(`kubectl ${verb} failed (exit code ${result.exitCode}) against ${this.config.server}:\n${message}`);
  }
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
