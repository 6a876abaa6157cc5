import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { annotations, nodeRuntimes, repoRoot, runAction, type ActionRun } from '@homelab/toolkit/testing';

/** The bundle, run like the runner runs it (and like `npm run verify` in a terminal), on both Node runtimes. */

const valid = join(__dirname, 'fixtures', 'valid');
const work = mkdtempSync(join(tmpdir(), 'flux-verify-action-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const good = join(work, 'good');
const bad = join(work, 'bad');
const deployment = 'kubernetes/apps/whoami/deployment.yaml';
beforeAll(() => {
  cpSync(valid, good, { recursive: true });
  cpSync(valid, bad, { recursive: true });
  const file = join(bad, deployment);
  writeFileSync(file, readFileSync(file, 'utf8').replace('value: ${TIMEZONE}', 'value: ${TIME_ZONE}'));
});
const badLine = () => readFileSync(join(bad, deployment), 'utf8').split('\n').findIndex((l) => l.includes('${TIME_ZONE}')) + 1;

describe.each(nodeRuntimes())('bundle on $name', ({ path: node }) => {
  let ok: ActionRun;
  let failed: ActionRun;
  beforeAll(async () => {
    [ok, failed] = await Promise.all([runAction('flux-verify', { cwd: good, node }), runAction('flux-verify', { cwd: bad, node })]);
  });
  // runAction keeps its runner files in a temporary directory of its own
  afterAll(() => {
    for (const run of [ok, failed]) if (run) rmSync(dirname(run.files.output), { recursive: true, force: true });
  });

  it('passes the valid tree with defaults and sets the outputs', () => {
    expect(ok.exitCode, ok.stderr + ok.stdout).toBe(0);
    expect(ok.outputs).toMatchObject({ findings: '0', errors: '0', kustomizations: '7', resources: '33' });
    const report = JSON.parse(readFileSync(ok.outputs.report!, 'utf8')) as { kustomizations: number; findings: unknown[]; kindsWithoutSchema: { kind: string }[]; timings: object };
    expect(ok.outputs.report!.startsWith(ok.runnerTemp)).toBe(true);
    expect(report).toMatchObject({ kustomizations: 7, resources: 33, findings: [] });
    expect(report.kindsWithoutSchema.map((k) => k.kind)).toEqual(['Middleware']);
    expect(ok.summary).toContain('flux-verify: passed');
    expect(ok.summary).toContain('```mermaid');
    expect(ok.summary).toMatch(/n_flux_system_infrastructure_sources --> n_flux_system_metallb/);
    expect(ok.summary).toContain('| traefik.io/v1alpha1 | Middleware | 1 | kubernetes/apps/whoami/middleware.yaml:1 |');
  });

  it('fails the broken tree with an annotation at the source line', () => {
    expect(failed.exitCode).toBe(1);
    const found = annotations(failed.stdout).filter((a) => a.level === 'error');
    expect(found).toContainEqual(expect.objectContaining({ file: deployment, line: badLine(), title: 'flux-verify substitute-unset-variable' }));
    expect(failed.outputs.errors).toBe('1');
    expect(failed.summary).toContain('flux-verify: failed');
    expect(failed.summary).toContain('`substitute-unset-variable`');
    expect(failed.summary).toContain(':::error');
  });
});

describe('in a terminal', () => {
  const env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/root', LANG: 'C.UTF-8', TMPDIR: work };
  const bundle = join(repoRoot, 'actions', 'flux-verify', 'dist', 'index.js');

  it('verifies ./kubernetes with no inputs at all and prints a readable report', () => {
    const result = spawnSync(process.execPath, [bundle], { cwd: bad, env, encoding: 'utf8' });
    expect(result.status).toBe(1);
    expect(result.stdout).toContain(`${deployment}:${badLine()}: error: substitute-unset-variable: variable 'TIME_ZONE' is not set`);
    expect(result.stdout).toMatch(/flux-verify: 7 Kustomizations, 33 resources: 1 error\(s\), 0 warning\(s\)/);
    expect(result.stdout).not.toContain('::');
    expect(result.stderr).toContain('error: flux-verify found 1 error(s) in kubernetes');
    const ok = spawnSync(process.execPath, [bundle], { cwd: good, env, encoding: 'utf8' });
    expect(ok.status, ok.stderr).toBe(0);
    expect(existsSync(join(work, 'flux-verify-report.json'))).toBe(true);
  });

  it('rejects a bad input with a clear message', () => {
    const result = spawnSync(process.execPath, [bundle], { cwd: good, env: { ...env, 'INPUT_MODE': 'dryrun' }, encoding: 'utf8' });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("Input 'mode' is 'dryrun'; expected one of 'dry-run', 'cluster'.");
    const missing = spawnSync(process.execPath, [bundle], { cwd: good, env: { ...env, INPUT_CLUSTER: 'kubernetes/clusters/staging' }, encoding: 'utf8' });
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain("Input 'cluster' is 'kubernetes/clusters/staging'");
  });
});
