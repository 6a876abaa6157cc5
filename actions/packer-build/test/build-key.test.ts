import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generateBuildKey } from '../src/build-key';

const dir = mkdtempSync(join(tmpdir(), 'packer-key-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('ephemeral build key', () => {
  it('is an OpenSSH private key whose public half ssh-keygen derives identically', () => {
    const key = generateBuildKey('packer-build-ephemeral');
    const file = join(dir, 'key');
    writeFileSync(file, key.privateKey, { mode: 0o600 });
    const derived = execFileSync('ssh-keygen', ['-y', '-f', file], { encoding: 'utf8' }).trim();
    expect(derived.split(' ').slice(0, 2)).toEqual(key.publicKey.split(' ').slice(0, 2));
    expect(key.publicKey).toMatch(/^ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI[A-Za-z0-9+/]{43} packer-build-ephemeral$/);
  });

  it('is new for every build', () => {
    expect(generateBuildKey().publicKey).not.toBe(generateBuildKey().publicKey);
  });
});
