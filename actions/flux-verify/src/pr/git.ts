import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Tool, UserError, tempRoot, registerCleanup } from '@homelab/toolkit';

/** Every git call of the PR mode goes through here. */
export class Git {
  private constructor(
    private readonly tool: Tool,
    private readonly cwd: string,
  ) {}

  static find(cwd: string): Git {
    return new Git(Tool.find('git', { installHint: 'Install git (apt-get install git).' }), cwd);
  }

  private async git(args: string[], options: { cwd?: string; input?: string } = {}): Promise<string> {
    const { stdout } = await this.tool.run(args, {
      cwd: options.cwd ?? this.cwd,
      input: options.input,
      // paths are passed as they are, never as globs
      env: { GIT_TERMINAL_PROMPT: '0', GIT_LITERAL_PATHSPECS: '1', LC_ALL: 'C' },
    });
    return stdout;
  }

  /** The commit a ref names; a clear error when the base is not in the clone (shallow checkout). */
  async resolve(ref: string): Promise<string> {
    try {
      return (await this.git(['rev-parse', '--verify', '--quiet', `${ref}^{commit}`])).trim();
    } catch {
      throw new UserError(
        `Input 'base-ref' is '${ref}', which is not a commit in this clone; check out with fetch-depth: 0 (or fetch the base branch) so that the base revision can be rendered.`,
      );
    }
  }

  /**
   * The commit a pull request branches from: what its changes are measured against. A base that is
   * not in the clone, or shares no history with HEAD, is named clearly.
   */
  async mergeBase(base: string): Promise<string> {
    try {
      return (await this.git(['merge-base', base, 'HEAD'])).trim();
    } catch {
      await this.resolve(base);
      throw new UserError(
        `Input 'base-ref' is '${base}', which shares no history with HEAD in this clone; check out with fetch-depth: 0 so that the merge base can be found.`,
      );
    }
  }

  /**
   * Repository-relative (top-level) paths that differ between `commit` and the working tree:
   * committed and uncommitted changes, deletions, both sides of a rename, and untracked files below
   * `untrackedUnder` (relative to the top level `top`; a local run sees what it renders, a tool's
   * leftovers elsewhere are no change).
   */
  async changedFiles(commit: string, top: string, untrackedUnder: readonly string[]): Promise<string[]> {
    const [diff, others] = await Promise.all([
      this.git(['diff', '--name-only', '--no-renames', '-z', commit, '--']),
      this.git(['ls-files', '--others', '--exclude-standard', '--full-name', '-z', '--', ...untrackedUnder], { cwd: top }),
    ]);
    const tracked = diff.split('\0');
    const untracked = others.split('\0');
    const inside = untracked.filter((f) => untrackedUnder.some((p) => f.startsWith(`${p}/`)));
    return [...new Set([...tracked, ...inside].filter(Boolean))].sort();
  }

  async topLevel(): Promise<string> {
    return (await this.git(['rev-parse', '--show-toplevel'])).trim();
  }

  /** Every file of a commit, repository-relative (top-level). */
  async listFiles(commit: string): Promise<string[]> {
    return (await this.git(['ls-tree', '-r', '--name-only', '-z', '--full-tree', commit])).split('\0').filter(Boolean);
  }

  /** The text of files at a commit, in one git process; files the commit does not have are left out. */
  async readFiles(commit: string, files: readonly string[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    const wanted = files.filter((f) => !f.includes('\n'));
    if (wanted.length === 0) return out;
    const stdout = await this.git(['cat-file', '--batch'], { input: wanted.map((f) => `${commit}:${f}\n`).join('') });
    // sizes are in bytes: parse the bytes (the files are text, so the UTF-8 round trip is exact)
    const bytes = Buffer.from(stdout, 'utf8');
    let pos = 0;
    for (const file of wanted) {
      const eol = bytes.indexOf(10, pos);
      if (eol < 0) break;
      const header = bytes.subarray(pos, eol).toString('utf8').split(' ');
      pos = eol + 1;
      if (header.length !== 3) continue; // "<name> missing"
      const size = Number(header[2]);
      if (header[1] === 'blob') out.set(file, bytes.subarray(pos, pos + size).toString('utf8'));
      pos += size + 1;
    }
    return out;
  }

  /**
   * Check a revision out in a detached worktree under RUNNER_TEMP: only `files` (repository-relative)
   * when given — rendering the base needs the Flux tree, often only a part of it — else everything.
   * The caller removes it with the returned function; the directory is also registered for the post
   * step in case main dies.
   */
  async worktree(commit: string, files?: readonly string[]): Promise<{ dir: string; remove: () => Promise<void> }> {
    const dir = join(mkdtempSync(join(tempRoot(), 'flux-verify-base-')), 'tree');
    registerCleanup(join(dir, '..'));
    const remove = async () => {
      // deleting the files and pruning is much faster than `worktree remove`, which checks them first
      rmSync(join(dir, '..'), { recursive: true, force: true });
      await this.git(['worktree', 'prune']).catch(() => undefined);
    };
    try {
      await this.git(['worktree', 'add', '--detach', '--quiet', ...(files ? ['--no-checkout'] : []), dir, commit]);
      if (files && files.length > 0) {
        await this.git(['checkout', '--quiet', commit, '--pathspec-from-file=-', '--pathspec-file-nul'], { cwd: dir, input: files.join('\0') });
      }
    } catch (err) {
      await remove();
      throw err;
    }
    return { dir, remove };
  }
}
