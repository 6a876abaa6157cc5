import { createHash, randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleEntry, NATIVE } from '../../../scripts/bundle-lib.mjs';
import { BitwardenServer, nodeRuntimes, readTree, repoRoot, runAction, type ActionRun } from '@homelab/toolkit/testing';

// The pipeline end to end: an entry that uses the toolkit's secrets module is bundled with ncc the
// way scripts/bundle.mjs bundles every action (native addon shared from actions/toolkit/native/),
// then run with plain `node` and with Node 24 like the runner runs it, against the loopback
// Bitwarden server, followed by its post step. A canary value must show up nowhere.

const fixtures = join(repoRoot, 'actions', 'toolkit', 'test', 'fixtures', 'secrets-entry');
const sha256 = (value: string | Buffer): string => createHash('sha256').update(value).digest('hex');

let tmp: string;
let action: string;
let server: BitwardenServer;
let token: string;
const canary = `canary-${randomBytes(18).toString('base64url')}`;
const other = `other-${randomBytes(18).toString('hex')}`;
let ids: { canary: string; other: string };
const sizes: Record<string, number> = {};

/** Bundle an entry exactly as scripts/bundle.mjs bundles every action (its bundleEntry). */
async function bundle(entry: string, out: string, depth: number): Promise<void> {
  const prefix = depth === 0 ? '' : 'post';
  const base = depth === 0 ? out : dirname(out);
  for (const [path, source] of await bundleEntry(entry, prefix)) {
    const file = path === `native:${NATIVE}` ? join(tmp, 'actions', 'toolkit', 'native', NATIVE) : join(base, path);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, source, path.startsWith('native:') ? { mode: 0o755 } : {});
    if (path.endsWith('index.js')) sizes[relative(tmp, file)] = Buffer.byteLength(source);
  }
}

const RUNTIMES = nodeRuntimes().map((r) => ({ ...r, name: `node ${execFileSync(r.path, ['--version'], { encoding: 'utf8' }).trim()}` }));

/** A fresh set of runner files (output, summary, state, env, RUNNER_TEMP) for one job step. */
function freshRunner(): ActionRun {
  const work = mkdtempSync(join(tmp, 'run-'));
  const files = { output: join(work, 'output'), summary: join(work, 'summary.md'), state: join(work, 'state'), env: join(work, 'env') };
  for (const f of Object.values(files)) writeFileSync(f, '');
  const runnerTemp = join(work, 'runner-temp');
  mkdirSync(runnerTemp);
  return { exitCode: 0, stdout: '', stderr: '', outputs: {}, summary: '', state: {}, exported: {}, runnerTemp, files };
}

function inputs(mapping: string): Record<string, string> {
  return { 'bitwarden-access-token': token, 'bitwarden-server': server.url, 'bitwarden-secrets': mapping };
}

/** Every place a value could leak to, except the runner's own `::add-mask::` commands. */
function leaks(runs: ActionRun[], value: string): string[] {
  const found: string[] = [];
  for (const run of runs) {
    for (const [stream, text] of [['stdout', run.stdout], ['stderr', run.stderr]] as const) {
      text.split('\n').forEach((line, i) => {
        // `::add-mask::` lines are consumed by the runner and never reach the log.
        if (line.includes(value) && !line.startsWith('::add-mask::')) found.push(`${stream} line ${i + 1}`);
      });
    }
  }
  const last = runs[runs.length - 1]!;
  for (const file of Object.values(last.files)) if (readFileSync(file, 'utf8').includes(value)) found.push(file);
  for (const { path, content } of readTree(last.runnerTemp)) if (content.includes(value)) found.push(path);
  return found;
}

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'bw-bundle-'));
  const actionDir = join(tmp, 'actions', 'secrets-canary');
  action = relative(join(repoRoot, 'actions'), actionDir);
  await bundle(join(fixtures, 'main.ts'), join(actionDir, 'dist'), 0);
  await bundle(join(fixtures, 'post.ts'), join(actionDir, 'dist', 'post'), 1);
  server = await BitwardenServer.start();
  ids = { canary: server.addSecret({ key: 'canary', value: canary }).id, other: server.addSecret({ key: 'other', value: other }).id };
  token = server.mintAccessToken();
});

afterAll(async () => {
  await server?.close();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('a bundled entry using the secrets module', () => {
  it('runs on the system node and on Node 24', () => {
    expect(RUNTIMES.map((r) => r.name)).toEqual(expect.arrayContaining([expect.stringMatching(/^node v24\./)]));
    expect(RUNTIMES.length).toBeGreaterThanOrEqual(2);
  });

  it('loads the native addon from the shared copy, not from next to the bundle', () => {
    const dist = join(tmp, 'actions', 'secrets-canary', 'dist');
    expect(existsSync(join(dist, NATIVE))).toBe(false);
    expect(existsSync(join(tmp, 'actions', 'toolkit', 'native', NATIVE))).toBe(true);
    // The SDK is loaded lazily: its loader lives in a chunk next to index.js.
    const scripts = (dir: string) => readdirSync(dir).filter((f) => f.endsWith('.js')).map((f) => readFileSync(join(dir, f), 'utf8')).join('\n');
    expect(scripts(dist)).toContain(`"../../toolkit/native/${NATIVE}"`);
    // The post step only cleans up: it must not carry (or load) the SDK at all.
    expect(scripts(join(dist, 'post'))).not.toContain(NATIVE);
  });

  it('needs the native-shim: without it the SDK loader fails in the ESM bundle', async () => {
    const js = readFileSync(join(tmp, 'actions', 'secrets-canary', 'dist', 'index.js'), 'utf8');
    const shim = /^scope\.(__dirname|require) \?\?= .*$/gm;
    expect(js.match(shim)).toHaveLength(2);
    // Same depth as the real bundle, so the rewritten native path still resolves.
    const dir = join(tmp, 'actions', 'no-shim', 'dist');
    cpSync(join(tmp, 'actions', 'secrets-canary', 'dist'), dir, { recursive: true });
    writeFileSync(join(dir, 'index.js'), js.replace(shim, ''));
    const run = await runAction(relative(join(repoRoot, 'actions'), join(dir, '..')), { previous: freshRunner(), inputs: inputs(`${ids.other} > OTHER`) });
    expect(run.exitCode).not.toBe(0);
    expect(run.stdout + run.stderr).toContain('__dirname is not defined');
  });

  for (const runtime of RUNTIMES) {
    it(`fetches secrets on ${runtime.name}, leaks no value, and its post step removes the 0600 file`, async () => {
      const main = await runAction(action, { previous: freshRunner(), node: runtime.path, inputs: inputs(`${ids.canary} > CANARY\n${ids.other} > OTHER`) });
      expect(main.stderr).toBe('');
      expect(main.exitCode).toBe(0);
      expect(main.outputs['sha256-CANARY']).toBe(sha256(canary));
      expect(main.outputs['sha256-OTHER']).toBe(sha256(other));
      expect(main.outputs['child-sha256']).toBe(sha256(canary));
      expect(main.outputs['file-sha256']).toBe(sha256(canary));
      expect(main.outputs['file-mode']).toBe('600');
      const file = main.outputs.file!;
      expect(file.startsWith(main.runnerTemp + '/')).toBe(true);
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(main.summary).toContain('CANARY');
      expect(main.exported).toEqual({});
      // The mask comes before any other line that mentions the value.
      const lines = main.stdout.split('\n');
      for (const v of [canary, other]) expect(lines[lines.findIndex((l) => l.includes(v))]).toBe(`::add-mask::${v}`);
      expect(lines[lines.findIndex((l) => l.includes(token))]).toBe(`::add-mask::${token}`);

      const post = await runAction(action, { entry: 'post', previous: main, node: runtime.path });
      expect(post.exitCode).toBe(0);
      expect(post.stdout).toContain('Removed 1 temporary path(s).');
      expect(existsSync(file)).toBe(false);
      expect(readTree(main.runnerTemp)).toEqual([]);
      expect(leaks([main, post], canary)).toEqual([]);
      expect(leaks([main, post], other)).toEqual([]);
      expect(leaks([main, post], token.split(':')[1]!)).toEqual([]);
      expect(server.unknown).toEqual([]);
    });
  }

  it('fails cleanly on a missing secret, naming its id, still leaking nothing', async () => {
    const missing = '3f2504e0-4f89-41d3-9a0c-0305e82c3301';
    const main = await runAction(action, { previous: freshRunner(), inputs: inputs(`${ids.canary} > CANARY\n${missing} > GONE`) });
    expect(main.exitCode).toBe(1);
    expect(main.stdout).toContain(`::error::Bitwarden has no secret ${missing} ('bitwarden-secrets' line 2, GONE)`);
    const post = await runAction(action, { entry: 'post', previous: main });
    expect(post.exitCode).toBe(0);
    expect(leaks([main, post], canary)).toEqual([]);
  });

  it('starts fast (median of 5 cold runs per runtime)', async () => {
    const figures: string[] = [];
    for (const runtime of RUNTIMES) {
      for (const [what, mapping] of [
        ['fetching 2 secrets', `${ids.canary} > CANARY\n${ids.other} > OTHER`],
        ['no secrets mapped', ''],
      ] as const) {
        const times: number[] = [];
        for (let i = 0; i < 5; i++) {
          const started = performance.now();
          const run = await runAction(action, { previous: freshRunner(), node: runtime.path, inputs: inputs(mapping) });
          times.push(performance.now() - started);
          expect(run.exitCode).toBe(0);
        }
        times.sort((a, b) => a - b);
        figures.push(`${runtime.name}, ${what}: median ${times[2]!.toFixed(0)} ms (min ${times[0]!.toFixed(0)}, max ${times[4]!.toFixed(0)})`);
        expect(times[2]).toBeLessThan(5000);
      }
    }
    console.log(`Bundled secrets entry cold start (spawn to exit):\n  ${figures.join('\n  ')}\nBundle sizes: ${JSON.stringify(sizes)}`);
  });
});
