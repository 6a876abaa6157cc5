import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '@homelab/toolkit/testing';
import { computeFingerprint } from '../src/fingerprint';
import { parseRequiredPlugins, readTemplate } from '../src/template';

let work: string;
beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'packer-fp-'));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A fresh copy of the real packer/ template to mutate. */
function copy(name: string): string {
  const dir = join(work, name);
  cpSync(join(repoRoot, 'packer'), dir, { recursive: true });
  return dir;
}

function fp(dir: string, extra: { variables?: Record<string, string>; packerVersion?: string } = {}): string {
  const t = readTemplate(dir);
  return computeFingerprint({ files: t.files, variables: extra.variables ?? {}, plugins: t.plugins, packerVersion: extra.packerVersion ?? '1.11.2' }).sha256;
}

describe('template fingerprint', () => {
  it('is stable: two copies of the same template, read twice, give one fingerprint', () => {
    const a = copy('a');
    const b = copy('b');
    expect(fp(a)).toBe(fp(b));
    expect(fp(a)).toBe(fp(a));
    expect(fp(a)).toMatch(/^[0-9a-f]{64}$/);
  });

  it('ignores caches, logs and dot-files that Packer and editors leave behind', () => {
    const dir = copy('noise');
    const before = fp(dir);
    mkdirSync(join(dir, 'packer_cache'));
    writeFileSync(join(dir, 'packer_cache', 'iso.part'), 'x');
    writeFileSync(join(dir, 'crash.log'), 'boom');
    writeFileSync(join(dir, '.ubuntu-24.04.pkr.hcl.swp'), 'x');
    expect(fp(dir)).toBe(before);
  });

  it('changes with any file that shapes the image, its name, a variable value, a plugin or Packer version', () => {
    const dir = copy('sensitive');
    const base = fp(dir);
    const seen = new Set([base]);
    const expectNew = (value: string) => {
      expect(seen.has(value)).toBe(false);
      seen.add(value);
    };
    writeFileSync(join(dir, 'scripts', '20-packages.sh'), '#!/usr/bin/env bash\necho changed\n');
    expectNew(fp(dir));
    writeFileSync(join(dir, 'http', 'extra.txt'), 'new file');
    expectNew(fp(dir));
    expectNew(fp(dir, { variables: { disk_size: '64G' } }));
    expectNew(fp(dir, { variables: { disk_size: '65G' } }));
    expectNew(fp(dir, { packerVersion: '1.11.3' }));
    const t = readTemplate(dir);
    const plugins = t.plugins.map((p) => ({ ...p, version: '1.2.5' }));
    expectNew(computeFingerprint({ files: t.files, variables: {}, plugins, packerVersion: '1.11.2' }).sha256);
  });

  it('has no input for secrets: they reach Packer only as PKR_VAR_* environment', () => {
    // The fingerprint input type has no place for them; the end-to-end test shows that a changed
    // secret does not trigger a rebuild. Here: the manifest names only files, variables, versions.
    const t = readTemplate(copy('manifest'));
    const { manifest } = computeFingerprint({ files: t.files, variables: { disk_size: '32G' }, plugins: t.plugins, packerVersion: '1.11.2' });
    expect(Object.keys(JSON.parse(manifest))).toEqual(['schema', 'packer', 'plugins', 'variables', 'files']);
  });
});

describe('template reading', () => {
  it('finds the pinned proxmox plugin and the declared variables of packer/', () => {
    const t = readTemplate(join(repoRoot, 'packer'));
    expect(t.plugins).toEqual([{ name: 'proxmox', source: 'github.com/hashicorp/proxmox', version: '1.2.4' }]);
    for (const v of ['node', 'vm_id', 'fingerprint', 'proxmox_url', 'proxmox_token', 'ssh_public_key', 'build_ssh_public_key']) expect(t.variables.has(v)).toBe(true);
  });

  it('rejects a plugin without a version, naming the file', () => {
    expect(() => parseRequiredPlugins('packer {\n  required_plugins {\n    proxmox = {\n      source = "github.com/hashicorp/proxmox"\n    }\n  }\n}\n', 'x.pkr.hcl')).toThrow(
      /x.pkr.hcl: required_plugins entry 'proxmox' needs both source and version/,
    );
  });

  it('says which directory is missing or has no template', () => {
    expect(() => readTemplate(join(work, 'nope'))).toThrow(/Template directory '.*nope' does not exist/);
    const empty = join(work, 'empty');
    mkdirSync(empty);
    writeFileSync(join(empty, 'README.md'), 'x');
    expect(() => readTemplate(empty)).toThrow(/holds no \*.pkr.hcl file/);
  });
});
