// flux-verify full verification vs the naive baseline (`kubectl kustomize` once per Flux
// Kustomization path, sequentially, like validate.sh-style scripts), on synthetic trees of 100 and
// 200 Kustomizations, in the same run. Medians of --runs=N runs (default 3), interleaved.
// Targets: ratio <= 1.0 at both sizes, time(200) <= 2.2 x time(100), peak RSS < 500 MB.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeFluxTree } from './lib/flux-tree.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'actions', 'flux-verify', 'dist', 'index.js');
const measure = join(root, 'bench', 'lib', 'measure.mjs');
const runs = Number(process.argv.find((a) => a.startsWith('--runs='))?.slice(7) ?? 3);
const sizes = [100, 200];

if (!existsSync(dist)) {
  console.error(`${dist} is missing: run \`node scripts/bundle.mjs flux-verify\` first`);
  process.exit(2);
}
const kubectl = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' });
if (kubectl.status !== 0) {
  console.error('kubectl is required for the baseline');
  process.exit(2);
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

function baseline(tree, paths) {
  const t0 = performance.now();
  for (const p of paths) {
    const r = spawnSync('kubectl', ['kustomize', join(tree, p)], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    if (r.status !== 0) throw new Error(`kubectl kustomize ${p} failed: ${r.stderr}`);
  }
  return performance.now() - t0;
}

function verify(tree, scratch) {
  const rssFile = join(scratch, 'rss');
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [measure, dist], {
    cwd: tree,
    encoding: 'utf8',
    env: { PATH: process.env.PATH, HOME: process.env.HOME, LANG: 'C.UTF-8', RUNNER_TEMP: scratch, BENCH_RSS_FILE: rssFile, INPUT_REPORT: join(scratch, 'report.json') },
  });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`flux-verify failed on the synthetic tree (exit ${r.status}):\n${r.stdout.slice(0, 3000)}\n${r.stderr.slice(0, 2000)}`);
  const summary = r.stdout.split('\n').find((l) => l.startsWith('flux-verify:')) ?? '';
  return { ms, rssKiB: Number(readFileSync(rssFile, 'utf8')), summary };
}

const rows = [];
for (const n of sizes) {
  const tree = mkdtempSync(join(tmpdir(), `bench-flux-${n}-`));
  const scratch = mkdtempSync(join(tmpdir(), `bench-flux-${n}-scratch-`));
  try {
    const paths = writeFluxTree(tree, n);
    // one untimed warm-up of each (page cache, kubectl's first start)
    baseline(tree, paths.slice(0, 5));
    verify(tree, scratch);
    const base = [];
    const fv = [];
    let summary = '';
    let rss = 0;
    for (let i = 0; i < runs; i++) {
      base.push(baseline(tree, paths));
      const v = verify(tree, scratch);
      fv.push(v.ms);
      rss = Math.max(rss, v.rssKiB);
      summary = v.summary;
    }
    rows.push({ n, builds: paths.length, base: median(base), fv: median(fv), rssMiB: rss / 1024, summary });
    console.log(`${n} Kustomizations: baseline ${base.map((x) => x.toFixed(0)).join('/')} ms, flux-verify ${fv.map((x) => x.toFixed(0)).join('/')} ms`);
    console.log(`  ${summary}`);
  } finally {
    rmSync(tree, { recursive: true, force: true });
    rmSync(scratch, { recursive: true, force: true });
  }
}

const pad = (s, w) => String(s).padStart(w);
console.log(`\nflux-verify vs naive kubectl kustomize per path (medians of ${runs} runs)`);
console.log(`${pad('Kustomizations', 14)} ${pad('naive builds', 12)} ${pad('naive ms', 9)} ${pad('flux-verify ms', 14)} ${pad('ratio', 6)} ${pad('peak RSS MiB', 12)}`);
for (const r of rows) console.log(`${pad(r.n, 14)} ${pad(r.builds, 12)} ${pad(r.base.toFixed(0), 9)} ${pad(r.fv.toFixed(0), 14)} ${pad((r.fv / r.base).toFixed(2), 6)} ${pad(r.rssMiB.toFixed(0), 12)}`);
const [small, large] = rows;
const scaling = large.fv / small.fv;
console.log(`scaling time(200)/time(100): flux-verify ${scaling.toFixed(2)} (naive ${(large.base / small.base).toFixed(2)})`);
const checks = [
  ['ratio <= 1.0 at 100', small.fv / small.base <= 1.0],
  ['ratio <= 1.0 at 200', large.fv / large.base <= 1.0],
  ['time(200) <= 2.2 x time(100)', scaling <= 2.2],
  ['peak RSS < 500 MB', rows.every((r) => r.rssMiB * 1.048576 < 500)],
];
for (const [name, ok] of checks) console.log(`${ok ? 'PASS' : 'FAIL'} ${name}`);
process.exit(checks.every(([, ok]) => ok) ? 0 : 1);
