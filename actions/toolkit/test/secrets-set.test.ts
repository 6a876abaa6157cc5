import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { inspect } from 'node:util';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { parseRunnerFile } from '@homelab/toolkit/testing';
import { runPost, SecretSet, UserError } from '../src/index';

let work: string;
let out: string[] = [];
const fresh = (label: string): string => `${label}-${randomBytes(9).toString('base64url')}`;

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'secrets-set-'));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));
beforeEach(() => {
  out = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out.push(String(chunk));
    return true;
  });
  const run = mkdtempSync(join(work, 'run-'));
  for (const f of ['state', 'env']) writeFileSync(join(run, f), '');
  vi.stubEnv('GITHUB_ACTIONS', 'true');
  vi.stubEnv('RUNNER_TEMP', run);
  vi.stubEnv('GITHUB_STATE', join(run, 'state'));
  vi.stubEnv('GITHUB_ENV', join(run, 'env'));
});
afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
});

const lines = (): string[] => out.join('').split('\n');

describe('SecretSet', () => {
  it('masks every value, and each line of a multi-line one, before anything else prints it', () => {
    const password = fresh('pw');
    const key = `-----BEGIN OPENSSH PRIVATE KEY-----\n${fresh('line1')}\n${fresh('line2')}\n-----END OPENSSH PRIVATE KEY-----\n`;
    const secrets = SecretSet.fromValues({ DB_PASSWORD: password, SSH_KEY: key });
    secrets.exportToLaterSteps(['DB_PASSWORD']);
    process.stdout.write(`a tool echoed ${password}\n`);
    const printed = lines();
    expect(printed).toContain(`::add-mask::${password}`);
    // The whole key as one (escaped) workflow command, then each line of it.
    expect(printed).toContain(`::add-mask::${key.replace(/\n/g, '%0A')}`);
    for (const line of key.split('\n').filter((l) => l !== '')) {
      expect(printed).toContain(`::add-mask::${line}`);
      const first = printed.findIndex((l) => l.includes(line));
      expect(printed[first]!.startsWith('::add-mask::')).toBe(true);
    }
    const first = printed.findIndex((l) => l.includes(password));
    expect(printed[first]).toBe(`::add-mask::${password}`);
  });

  it('does not mask very short lines of a multi-line value on their own', () => {
    const value = `${fresh('json')}\n}\n`;
    SecretSet.fromValues({ JSON: value });
    expect(lines()).not.toContain('::add-mask::}');
  });

  it('gives names, values and a child-process environment', () => {
    const secrets = SecretSet.fromValues({ A: 'alpha-value', B: 'beta-value', C: 'gamma-value' });
    expect(secrets.names()).toEqual(['A', 'B', 'C']);
    expect(secrets.size).toBe(3);
    expect(secrets.has('B')).toBe(true);
    expect(secrets.has('D')).toBe(false);
    expect(secrets.get('C')).toBe('gamma-value');
    expect(secrets.env()).toEqual({ A: 'alpha-value', B: 'beta-value', C: 'gamma-value' });
    expect(secrets.env(['B'])).toEqual({ B: 'beta-value' });
  });

  it('names the missing NAME and the input to fix, never a value', () => {
    const secrets = SecretSet.fromValues({ A: 'alpha-value' });
    expect(() => secrets.get('KUBECONFIG')).toThrow(UserError);
    expect(() => secrets.env(['KUBECONFIG'])).toThrow("'<secret-uuid> > KUBECONFIG' to the 'bitwarden-secrets' input (mapped: A)");
    expect(() => secrets.get('KUBECONFIG')).not.toThrow(/alpha-value/);
  });

  it('never serialises or prints a value', () => {
    const value = fresh('hidden');
    const secrets = SecretSet.fromValues({ TOKEN: value });
    for (const text of [JSON.stringify(secrets), inspect(secrets, { showHidden: true, depth: 5 }), String(secrets), `${secrets}`]) {
      expect(text).toContain('TOKEN');
      expect(text).not.toContain(value);
    }
  });

  it('writes a 0600 file in a 0700 directory under RUNNER_TEMP that the post step removes', async () => {
    const value = fresh('ssh');
    const secrets = SecretSet.fromValues({ SSH_KEY: value });
    const file = secrets.file('SSH_KEY', 'id_ed25519', { ensureNewline: true });
    expect(file.startsWith(process.env.RUNNER_TEMP! + '/')).toBe(true);
    expect(file.endsWith('/id_ed25519')).toBe(true);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(dirname(file)).mode & 0o777).toBe(0o700);
    expect(readFileSync(file, 'utf8')).toBe(`${value}\n`);
    expect(readFileSync(secrets.file('SSH_KEY'), 'utf8')).toBe(value);

    // The runner hands the saved state to the post step.
    const state = parseRunnerFile(readFileSync(process.env.GITHUB_STATE!, 'utf8'));
    expect(JSON.parse(state['homelab-cleanup']!)).toContain(dirname(file));
    vi.stubEnv('STATE_homelab-cleanup', state['homelab-cleanup']!);
    await runPost();
    expect(existsSync(file)).toBe(false);
    expect(existsSync(dirname(file))).toBe(false);
  });

  it('exports values to later steps only when asked, and only those named', () => {
    const secrets = SecretSet.fromValues({ A: fresh('a'), B: fresh('b') });
    secrets.env();
    secrets.file('A');
    expect(readFileSync(process.env.GITHUB_ENV!, 'utf8')).toBe('');
    secrets.exportToLaterSteps(['B']);
    expect(parseRunnerFile(readFileSync(process.env.GITHUB_ENV!, 'utf8'))).toEqual({ B: secrets.get('B') });
  });
});
