import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';
import * as core from '@actions/core';
import { UserError } from './errors';

/**
 * One way to run a CLI: binary resolved once, argv arrays only (never a shell string), an explicit
 * environment, a timeout that kills, live output inside a collapsible log group, captured
 * stdout/stderr, a per-tool exit-code map, and the tail of stderr in the error.
 */

/** What an exit code means for a given tool; codes not listed are failures. */
export type ExitCodeMap = Record<number, string>;

export interface RunOptions {
  cwd?: string;
  /** Added to the inherited base environment (see ToolOptions.inheritEnv). */
  env?: Record<string, string | undefined>;
  /** Kill the process (SIGTERM, then SIGKILL after 10 s) when it runs longer than this. */
  timeoutMs?: number;
  /** Title of the collapsible log group; when unset, output is not echoed live. */
  group?: string;
  /** Echo output live. Default: true when `group` is set. */
  echo?: boolean;
  /** Data written to stdin (then closed). */
  input?: string;
  /** Called for each complete stdout line as it arrives, for live parsing. */
  onStdoutLine?: (line: string) => void;
  onStderrLine?: (line: string) => void;
  /** Exit codes that are not failures, with their meaning, on top of the tool's map. */
  exitCodes?: ExitCodeMap;
}

export interface RunResult {
  exitCode: number;
  /** The meaning of the exit code from the exit-code map ('ok' for 0 by default). */
  outcome: string;
  stdout: string;
  stderr: string;
  durationMs: number;
}

export interface ToolOptions {
  /** Exit codes that are not failures for this tool, e.g. terraform plan's {2: 'changes'}. */
  exitCodes?: ExitCodeMap;
  /** Names of variables taken from the caller's environment. Everything else must be passed explicitly. */
  inheritEnv?: readonly string[];
  /** Messages for known failure codes, e.g. ansible's {4: 'a host was unreachable'}. */
  failureHints?: Record<number, string>;
  /** How many stderr lines end up in an error message. */
  stderrTail?: number;
}

export const BASE_ENV = [
  'PATH',
  'HOME',
  'USER',
  'LANG',
  'LC_ALL',
  'TZ',
  'TMPDIR',
  'RUNNER_TEMP',
  'RUNNER_TOOL_CACHE',
  'SSL_CERT_FILE',
  'SSL_CERT_DIR',
  'HTTP_PROXY',
  'HTTPS_PROXY',
  'NO_PROXY',
  'http_proxy',
  'https_proxy',
  'no_proxy',
] as const;

export class ToolError extends UserError {
  constructor(
    message: string,
    readonly result: RunResult | undefined,
  ) {
    super(message);
    this.name = 'ToolError';
  }
}

/** Find an executable on PATH (or check an explicit path) without a shell. */
export function which(name: string, path = process.env.PATH ?? ''): string | undefined {
  const candidates = isAbsolute(name) || name.includes('/') ? [name] : path.split(delimiter).filter(Boolean).map((dir) => join(dir, name));
  for (const candidate of candidates) {
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here; keep looking
    }
  }
  return undefined;
}

export class Tool {
  private constructor(
    readonly name: string,
    readonly path: string,
    private readonly options: ToolOptions,
  ) {}

  /**
   * Resolve the binary once. `override` (e.g. an input or an env var naming a binary) wins over PATH.
   * A missing binary is a clear error that says what to install.
   */
  static find(name: string, options: ToolOptions & { override?: string; installHint?: string } = {}): Tool {
    const wanted = options.override && options.override.trim() !== '' ? options.override.trim() : name;
    const path = which(wanted);
    if (!path) {
      const hint = options.installHint ? ` ${options.installHint}` : '';
      throw new UserError(`'${wanted}' was not found on PATH (${process.env.PATH ?? ''}).${hint}`);
    }
    return new Tool(name, path, options);
  }

  /** The environment a child process gets: the allow-listed variables plus what the caller passes. */
  environment(extra: Record<string, string | undefined> = {}): Record<string, string> {
    const env: Record<string, string> = {};
    for (const key of this.options.inheritEnv ?? BASE_ENV) {
      const value = process.env[key];
      if (value !== undefined) env[key] = value;
    }
    for (const [key, value] of Object.entries(extra)) {
      if (value === undefined) delete env[key];
      else env[key] = value;
    }
    return env;
  }

  async run(args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
    const exitCodes: ExitCodeMap = { 0: 'ok', ...this.options.exitCodes, ...options.exitCodes };
    const echo = options.echo ?? options.group !== undefined;
    if (options.group) core.startGroup(options.group);
    try {
      const result = await this.spawn(args, options, echo, exitCodes);
      const outcome = exitCodes[result.exitCode];
      if (outcome === undefined) {
        throw new ToolError(this.failureMessage(args, result), result);
      }
      return { ...result, outcome };
    } finally {
      if (options.group) core.endGroup();
    }
  }

  private failureMessage(args: readonly string[], result: RunResult): string {
    const sub = args.find((a) => !a.startsWith('-'));
    const what = sub ? `${this.name} ${sub}` : this.name;
    const hint = this.options.failureHints?.[result.exitCode];
    const head = result.exitCode < 0 ? `${what} ${result.outcome}` : `${what} failed with exit code ${result.exitCode}`;
    const tail = lastLines(result.stderr || result.stdout, this.options.stderrTail ?? 20);
    return `${head}${hint ? `: ${hint}` : ''}${tail ? `\n${tail}` : ''}`;
  }

  private spawn(args: readonly string[], options: RunOptions, echo: boolean, exitCodes: ExitCodeMap): Promise<RunResult> {
    const started = Date.now();
    forwardSignals();
    return new Promise((resolve, reject) => {
      const child = spawn(this.path, [...args], {
        cwd: options.cwd,
        env: this.environment(options.env),
        stdio: ['pipe', 'pipe', 'pipe'],
        shell: false,
        // Its own process group, so that a timeout kills the tool's children too (a shell wrapper's
        // `sleep`, terraform's provider plugins, ansible's forks) instead of leaving them holding the pipes.
        detached: true,
      });
      live.add(child);
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      let timedOut = false;
      let killTimer: NodeJS.Timeout | undefined;
      const timer =
        options.timeoutMs !== undefined
          ? setTimeout(() => {
              timedOut = true;
              killGroup(child, 'SIGTERM');
              killTimer = setTimeout(() => killGroup(child, 'SIGKILL'), 10_000);
            }, options.timeoutMs)
          : undefined;

      const lineSplitter = (onLine?: (line: string) => void) => {
        let pending = '';
        return {
          push(chunk: Buffer) {
            if (!onLine) return;
            pending += chunk.toString('utf8');
            let nl = pending.indexOf('\n');
            while (nl >= 0) {
              onLine(pending.slice(0, nl).replace(/\r$/, ''));
              pending = pending.slice(nl + 1);
              nl = pending.indexOf('\n');
            }
          },
          flush() {
            if (onLine && pending !== '') onLine(pending);
            pending = '';
          },
        };
      };
      const outLines = lineSplitter(options.onStdoutLine);
      const errLines = lineSplitter(options.onStderrLine);

      child.stdout.on('data', (chunk: Buffer) => {
        out.push(chunk);
        outLines.push(chunk);
        if (echo) process.stdout.write(chunk);
      });
      child.stderr.on('data', (chunk: Buffer) => {
        err.push(chunk);
        errLines.push(chunk);
        if (echo) process.stderr.write(chunk);
      });
      child.on('error', (error) => {
        live.delete(child);
        if (timer) clearTimeout(timer);
        reject(new ToolError(`${this.name} could not be started (${this.path}): ${error.message}`, undefined));
      });
      child.on('close', (code, signal) => {
        live.delete(child);
        if (timer) clearTimeout(timer);
        if (killTimer) clearTimeout(killTimer);
        outLines.flush();
        errLines.flush();
        const stdout = Buffer.concat(out).toString('utf8');
        const stderr = Buffer.concat(err).toString('utf8');
        const durationMs = Date.now() - started;
        if (timedOut) {
          const result = { exitCode: -1, outcome: `timed out after ${formatMs(options.timeoutMs ?? 0)}`, stdout, stderr, durationMs };
          resolve(result);
          return;
        }
        const exitCode = code ?? (signal ? 128 + signalNumber(signal) : -1);
        resolve({ exitCode, outcome: exitCodes[exitCode] ?? (signal ? `killed by ${signal}` : 'failed'), stdout, stderr, durationMs });
      });
      child.stdin.on('error', () => {
        // a tool that exits without reading stdin is not an error of ours
      });
      child.stdin.end(options.input ?? '');
    });
  }
}

const live = new Set<ChildProcess>();
let forwarding = false;

/**
 * Children run in their own process group, so the runner's cancellation signal does not reach them
 * by itself: pass it on, so that terraform or ansible can stop cleanly (and release locks).
 */
function forwardSignals(): void {
  if (forwarding) return;
  forwarding = true;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      for (const child of live) killGroup(child, signal);
      process.exitCode = 1;
      setTimeout(() => process.exit(1), 30_000).unref();
    });
  }
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    if (child.pid !== undefined) process.kill(-child.pid, signal);
  } catch {
    child.kill(signal);
  }
}

function signalNumber(signal: NodeJS.Signals): number {
  const numbers: Partial<Record<NodeJS.Signals, number>> = { SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15 };
  return numbers[signal] ?? 0;
}

export function lastLines(text: string, count: number): string {
  const lines = text.replace(/\s+$/, '').split('\n');
  return lines.slice(-count).join('\n');
}

export function formatMs(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
}
