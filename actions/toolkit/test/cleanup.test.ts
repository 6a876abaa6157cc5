import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync, readFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { privateDir, registerCleanup, runPost, writePrivateFile } from '../src/cleanup';

let runnerTemp: string;
let stateFile: string;
let outside: string;

beforeEach(() => {
  runnerTemp = mkdtempSync(join(tmpdir(), 'cleanup-runner-'));
  stateFile = join(runnerTemp, 'state');
  writeFileSync(stateFile, '');
  // A sibling of RUNNER_TEMP: under /tmp, like a workspace may be, but not under the temp root.
  outside = mkdtempSync(join(tmpdir(), 'cleanup-outside-'));
  process.env.RUNNER_TEMP = runnerTemp;
  process.env.GITHUB_STATE = stateFile;
});

afterEach(() => {
  delete process.env.RUNNER_TEMP;
  delete process.env.GITHUB_STATE;
  for (const k of Object.keys(process.env)) if (k.startsWith('STATE_')) delete process.env[k];
  rmSync(runnerTemp, { recursive: true, force: true });
  rmSync(outside, { recursive: true, force: true });
});

/** What the runner does between main and post: saved state becomes STATE_* variables. */
function handStateToPost() {
  const text = readFileSync(stateFile, 'utf8');
  const re = /^([^<\n]+)<<(.+)\n([\s\S]*?)\n\2$/gm;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text))) process.env[`STATE_${m[1]}`] = m[3];
}

describe('cleanup', () => {
  it('writes private files 0600 in 0700 directories under RUNNER_TEMP and removes them in post', async () => {
    const file = writePrivateFile('id_ed25519', 'key material');
    const dir = privateDir('inv-');
    expect(file.startsWith(runnerTemp)).toBe(true);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    handStateToPost();
    await runPost();
    expect(existsSync(file)).toBe(false);
    expect(existsSync(dir)).toBe(false);
  });

  it('never deletes a path outside the temp root, even if the state says so', async () => {
    const keep = join(outside, 'workspace-file');
    mkdirSync(outside, { recursive: true });
    writeFileSync(keep, 'precious');
    registerCleanup(keep);
    handStateToPost();
    await runPost();
    expect(readFileSync(keep, 'utf8')).toBe('precious');
  });

  it('does not fail the job when cleanup or the extra post work throws', async () => {
    process.env.STATE_homelab_cleanup = '{not json';
    await expect(runPost(() => { throw new Error('boom'); })).resolves.toBeUndefined();
    expect(process.exitCode ?? 0).toBe(0);
  });

  it('refuses a file name with a path in it', () => {
    expect(() => writePrivateFile('../escape', 'x')).toThrowError('plain file name');
  });
});
