import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { repoRoot } from '@homelab/toolkit/testing';

/**
 * The real packer/ template, checked offline as deeply as the tools here allow. The Packer here is
 * Debian's 1.6.6: it parses HCL2, formats, and validates with its BUILT-IN proxmox builder, whose
 * schema predates plugin 1.2.4. So the checks go in three layers:
 *   1. the template as it is: fmt -check, and validate fails ONLY on what 1.6.6 cannot know;
 *   2. without the `packer {}` block: the only schema errors are the 1.2.x-only attributes;
 *   3. those attributes mapped to their 1.6.6 spelling: full validation (variables, locals,
 *      builder Prepare, communicator, provisioner scripts) passes.
 */

const packerDir = join(repoRoot, 'packer');
let work: string;
let keyFile: string;

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'packer-template-'));
  keyFile = join(work, 'build-key');
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'test', '-f', keyFile]);
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

function packer(args: string[], cwd: string, env: Record<string, string> = {}) {
  const r = spawnSync('packer', args, { cwd, encoding: 'utf8', env: { PATH: process.env.PATH ?? '', HOME: work, CHECKPOINT_DISABLE: '1', ...env } });
  if (r.error) throw r.error;
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

const nodeVars = ['-var', 'node=pve1', '-var', 'vm_id=9000'];
const mainFile = 'ubuntu-24.04.pkr.hcl';

function copyWith(name: string, edit: (text: string) => string): string {
  const dir = join(work, name);
  cpSync(packerDir, dir, { recursive: true });
  const path = join(dir, mainFile);
  writeFileSync(path, edit(readFileSync(path, 'utf8')));
  return dir;
}

const stripPackerBlock = (s: string) => s.replace(/^packer \{[\s\S]*?\n\}\n/m, '');

/** Each entry maps one plugin-1.2 spelling to what Packer 1.6.6's built-in builder understands. */
const toLegacy = (s: string) =>
  stripPackerBlock(s)
    .replace(/^(\s*)token(\s*)= var\.proxmox_token$/m, '$1password$2= var.proxmox_token')
    .replace(/^\s*tags\s*=\s*local\.tags\n/m, '')
    .replace(/^ {2}boot_iso \{[\s\S]*?\n {2}\}\n/m, '  iso_file    = "local:iso/ubuntu.iso"\n  unmount_iso = true\n')
    .replace(/^(\s*)discard(\s*)= true$/m, '$1storage_pool_type = "lvm"')
    .replace(/^ {2}http_content = \{[\s\S]*?\n {2}\}\n/m, '  http_directory = "http"\n');

function errorsOf(out: string): string[] {
  return [...out.matchAll(/(An argument named "([^"]+)" is not expected here|Blocks of type "([^"]+)" are not expected here)/g)].map((m) => m[2] ?? m[3]!).sort();
}

describe('packer/ template', () => {
  it('is formatted (packer fmt -check)', () => {
    const r = packer(['fmt', '-check', '-diff', '.'], packerDir);
    expect(r.out).toBe('');
    expect(r.code).toBe(0);
  });

  it('has provisioning scripts that pass shellcheck', () => {
    const scripts = readdirSync(join(packerDir, 'scripts')).filter((f) => f.endsWith('.sh'));
    expect(scripts.length).toBeGreaterThanOrEqual(4);
    const r = spawnSync('shellcheck', ['--severity=style', ...scripts.map((f) => join(packerDir, 'scripts', f))], { encoding: 'utf8' });
    expect(r.stdout + r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('as it is: Packer 1.6.6 parses it and stops only at required_plugins and required_version', () => {
    const r = packer(['validate', ...nodeVars, '.'], packerDir);
    expect(r.code).toBe(1);
    expect(errorsOf(r.out)).toEqual(['required_plugins']);
    expect(r.out).toContain('This configuration does not support Packer version 1.6.6');
    expect(r.out.match(/^Error: /gm)).toHaveLength(2);
  });

  it('without the packer block: the only schema errors are the plugin-1.2-only settings', () => {
    const r = packer(['validate', ...nodeVars, '.'], copyWith('stripped', stripPackerBlock));
    expect(r.code).toBe(1);
    // A typo anywhere else in the source block (e.g. `vlan_tg`) would show up here as an extra name.
    expect(errorsOf(r.out)).toEqual(['boot_iso', 'discard', 'http_content', 'tags', 'token']);
    expect(r.out.match(/^Error: /gm)).toHaveLength(5);
  });

  it('mapped to the 1.6.6 spelling: the built-in proxmox builder validates it', () => {
    const dir = copyWith('legacy', toLegacy);
    const env = { PKR_VAR_proxmox_username: 'packer@pve!build', PKR_VAR_proxmox_token: 'not-a-real-secret' };
    const ok = packer(['validate', ...nodeVars, '-var', `build_ssh_private_key_file=${keyFile}`, '.'], dir, env);
    expect(ok.out).toBe('');
    expect(ok.code).toBe(0);
    // ...and that validation is real: without the token from the environment the builder refuses.
    const bad = packer(['validate', ...nodeVars, '-var', `build_ssh_private_key_file=${keyFile}`, '.'], dir, { PKR_VAR_proxmox_username: 'packer@pve!build' });
    expect(bad.code).toBe(1);
    expect(bad.out).toContain('password must be specified');
  });

  it('evaluates the fingerprint tag and VLAN from variables (packer console)', () => {
    const dir = copyWith('console', toLegacy);
    const r = spawnSync('packer', ['console', ...nodeVars, '-var', 'fingerprint=0123456789ab', '.'], {
      cwd: dir,
      input: 'local.tags\nvar.vlan_tag\nvar.vm_id\n',
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '', HOME: work, CHECKPOINT_DISABLE: '1' },
    });
    expect(r.stdout.trim().split('\n')).toEqual(['packer;ubuntu-2404;fp-0123456789ab', '10', '9000']);
  });

  it('pins the proxmox plugin exactly, with a comment Renovate can read', () => {
    const text = readFileSync(join(packerDir, mainFile), 'utf8');
    expect(text).toMatch(/source\s+= "github.com\/hashicorp\/proxmox"\n\s+version = "1\.2\.4" # renovate: datasource=github-releases depName=hashicorp\/packer-plugin-proxmox extractVersion=\^v\(\?<version>\.\+\)\$\n/);
  });

  it('keeps secrets out of files: the secret variables have no value in git', () => {
    const declared: string[] = [];
    for (const file of readdirSync(packerDir).filter((f) => f.endsWith('.hcl'))) {
      const text = readFileSync(join(packerDir, file), 'utf8');
      // no literal value anywhere (a pkrvars line or a hard-coded attribute), only var. references
      expect(text).not.toMatch(/^\s*(proxmox_token|proxmox_username|ssh_public_key|token|password)\s*=\s*"/m);
      for (const m of text.matchAll(/variable "(proxmox_token|proxmox_username|ssh_public_key)" \{([^}]*)\}/g)) {
        expect(m[2]).toMatch(/default\s+= ""/);
        expect(m[2]).toMatch(/sensitive\s+= true/);
        declared.push(m[1]!);
      }
    }
    expect(declared.sort()).toEqual(['proxmox_token', 'proxmox_username', 'ssh_public_key']);
  });

  it('serves an autoinstall seed with the guest agent, cloud-init and both SSH keys', () => {
    const tpl = readFileSync(join(packerDir, 'http', 'user-data.pkrtpl.yaml'), 'utf8');
    // Render the two template constructs it uses the way templatefile() does.
    const rendered = tpl
      .replace(/^%\{ if ssh_public_key != "" ~\}\n([\s\S]*?)^%\{ endif ~\}\n/m, '$1')
      .replace(/\$\{timezone\}/g, 'Etc/UTC')
      .replace(/\$\{ssh_public_key\}/g, 'ssh-ed25519 AAAAoperator op')
      .replace(/\$\{build_ssh_public_key\}/g, 'ssh-ed25519 AAAAbuild packer-build-ephemeral');
    expect(rendered).not.toMatch(/[$%]\{/);
    expect(rendered.startsWith('#cloud-config\n')).toBe(true);
    const doc = parse(rendered) as { autoinstall: Record<string, unknown> };
    const ai = doc.autoinstall as {
      version: number;
      packages: string[];
      ssh: { 'install-server': boolean; 'allow-pw': boolean };
      'user-data': { users: { name: string; ssh_authorized_keys: string[]; lock_passwd: boolean }[] };
    };
    expect(ai.version).toBe(1);
    expect(ai.packages).toEqual(expect.arrayContaining(['qemu-guest-agent', 'cloud-init', 'openssh-server']));
    expect(ai.ssh).toEqual({ 'install-server': true, 'allow-pw': false });
    expect(ai['user-data'].users[0]).toMatchObject({ name: 'ubuntu', lock_passwd: true, ssh_authorized_keys: ['ssh-ed25519 AAAAoperator op', 'ssh-ed25519 AAAAbuild packer-build-ephemeral'] });
  });

  it('installs what the K3s nodes need and cleans identity from the image', () => {
    const scripts = readdirSync(join(packerDir, 'scripts'))
      .map((f) => readFileSync(join(packerDir, 'scripts', f), 'utf8'))
      .join('\n');
    for (const pkg of ['qemu-guest-agent', 'cloud-init', 'open-iscsi', 'nfs-common', 'multipath-tools']) expect(scripts).toContain(pkg);
    expect(scripts).toMatch(/truncate -s 0 \/etc\/machine-id/);
    expect(scripts).toMatch(/rm -f \/etc\/ssh\/ssh_host_\*/);
    expect(scripts).toMatch(/cloud-init clean/);
    expect(scripts).toMatch(/grep -vxF "\$BUILD_SSH_PUBLIC_KEY"/);
    const hcl = readFileSync(join(packerDir, mainFile), 'utf8');
    expect(hcl).toMatch(/cloud_init\s+= true/);
    expect(hcl).toMatch(/qemu_agent\s+= true/);
    expect(hcl).toMatch(/vlan_tag = var\.vlan_tag/);
  });
});
