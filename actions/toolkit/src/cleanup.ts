import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, sep } from 'node:path';
import * as core from '@actions/core';

/**
 * Files registered here during `main` are removed in the action's `post` step, which the runner
 * runs even when `main` failed or was cancelled. The list travels in the step's saved state.
 * Outside Actions (no post step) they are removed when the process exits.
 */

const STATE_KEY = 'homelab-cleanup';
const registered: string[] = [];
let exitHookInstalled = false;

export function tempRoot(): string {
  return process.env.RUNNER_TEMP && process.env.RUNNER_TEMP !== '' ? process.env.RUNNER_TEMP : tmpdir();
}

export function registerCleanup(path: string): void {
  registered.push(resolve(path));
  if (process.env.GITHUB_STATE) {
    core.saveState(STATE_KEY, JSON.stringify(registered));
  } else if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => removeAll(registered));
  }
}

/** A private directory (0700) under RUNNER_TEMP, removed in post. */
export function privateDir(prefix = 'homelab-'): string {
  const dir = mkdtempSync(join(tempRoot(), prefix));
  chmodSync(dir, 0o700);
  registerCleanup(dir);
  return dir;
}

/** Write content to a new 0600 file in a private directory under RUNNER_TEMP; removed in post. */
export function writePrivateFile(name: string, content: string | Buffer): string {
  if (name.includes('/') || name === '' || name === '.' || name === '..') {
    throw new Error(`private file name must be a plain file name, got '${name}'`);
  }
  const path = join(privateDir(), name);
  writeFileSync(path, content, { mode: 0o600, flag: 'wx' });
  return path;
}

/**
 * Only paths under the temp root (RUNNER_TEMP in a job) are ever deleted: a corrupted state must not
 * remove a workspace, even one that happens to live under /tmp.
 */
function removable(path: string): boolean {
  return path.startsWith(resolve(tempRoot()) + sep);
}

function removeAll(paths: readonly string[]): { removed: number; refused: string[] } {
  let removed = 0;
  const refused: string[] = [];
  for (const path of paths) {
    if (!removable(path)) {
      refused.push(path);
      continue;
    }
    try {
      rmSync(path, { recursive: true, force: true });
      removed++;
    } catch {
      refused.push(path);
    }
  }
  return { removed, refused };
}

/** The post step. It never fails the job: a cleanup problem is a warning. */
export async function runPost(extra?: () => Promise<void> | void): Promise<void> {
  try {
    if (extra) await extra();
  } catch (err) {
    core.warning(`post step: ${err instanceof Error ? err.message : String(err)}`);
  }
  try {
    const state = core.getState(STATE_KEY);
    const paths = state ? (JSON.parse(state) as unknown) : [];
    if (!Array.isArray(paths)) return;
    const { removed, refused } = removeAll(paths.filter((p): p is string => typeof p === 'string'));
    core.info(`Removed ${removed} temporary path(s).`);
    for (const path of refused) core.warning(`Did not remove ${path}: it is outside ${tempRoot()} or could not be deleted.`);
  } catch (err) {
    core.warning(`post step cleanup: ${err instanceof Error ? err.message : String(err)}`);
  }
}
