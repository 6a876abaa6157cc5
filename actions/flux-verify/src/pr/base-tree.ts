import { copyFileSync, linkSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { registerCleanup, tempRoot } from '@homelab/toolkit';

export interface BaseTree {
  /** The directory that stands for the repository's top level at the base revision. */
  dir: string;
  remove: () => Promise<void>;
}

/**
 * Lay the base revision's files out under RUNNER_TEMP without a git checkout: a file the pull
 * request did not change is the same in the working tree (hard-linked from there: rendering never
 * writes to its source tree; copied when RUNNER_TEMP is another file system), a changed one is
 * written as git has it at the base. An order of magnitude faster than a worktree on a busy runner,
 * and only the files the base render reads are laid out. `changed` holds the base text of every changed file
 * in `files` (a binary one cannot be carried as text: the caller checks out a worktree instead).
 */
export function materializeBase(top: string, files: readonly string[], changed: ReadonlyMap<string, string>): BaseTree {
  const dir = mkdtempSync(join(tempRoot(), 'flux-verify-base-'));
  registerCleanup(dir);
  const made = new Set<string>();
  let link = true;
  try {
    for (const file of files) {
      const target = join(dir, file);
      const parent = dirname(target);
      if (!made.has(parent)) {
        mkdirSync(parent, { recursive: true });
        made.add(parent);
      }
      const text = changed.get(file);
      if (text !== undefined) writeFileSync(target, text);
      else if (link) {
        try {
          linkSync(join(top, file), target);
        } catch {
          link = false;
          copyFileSync(join(top, file), target);
        }
      } else copyFileSync(join(top, file), target);
    }
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return { dir, remove: async () => rmSync(dir, { recursive: true, force: true }) };
}

/** Text that did not survive decoding as UTF-8 (a binary file). */
export function isBinaryText(text: string): boolean {
  return text.includes('\uFFFD') || text.includes('\0');
}
