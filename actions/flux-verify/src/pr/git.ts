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

  private async git(args: string[]): Promise<string> {
    const { stdout } = await this.tool.run(args, { cwd: this.cwd, env: { GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C' } });
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

  /** The commit a pull request branches from: what its changes are measured against. */
  async mergeBase(base: string): Promise<string> {
    try {
      return (await this.git(['merge-base', base, 'HEAD'])).trim();
    } catch {
      throw new UserError(
        `Input 'base-ref' is '${base}', which shares no history with HEAD in this clone; check out with fetch-depth: 0 so that the merge base can be found.`,
      );
    }
  }

  /**
   * Repository-relative (top-level) paths that differ between `commit` and the working tree:
   * committed and uncommitted changes, deletions, both sides of a rename, and untracked files
   * (a local run sees what it renders).
   */
  async changedFiles(commit: string): Promise<string[]> {
    const tracked = await this.git(['diff', '--name-only', '--no-renames', '-z', commit, '--']);
    const untracked = await this.git(['ls-files', '--others', '--exclude-standard', '--full-name', '-z']);
    return [...new Set([...tracked.split('\0'), ...untracked.split('\0')].filter(Boolean))].sort();
  }

  async topLevel(): Promise<string> {
    return (await this.git(['rev-parse', '--show-toplevel'])).trim();
  }

  /**
   * Check the base revision out in a detached worktree under RUNNER_TEMP. The caller removes it with
   * the returned function; the directory is also registered for the post step in case main dies.
   */
  async worktree(commit: string): Promise<{ dir: string; remove: () => Promise<void> }> {
    const dir = join(mkdtempSync(join(tempRoot(), 'flux-verify-base-')), 'tree');
    registerCleanup(join(dir, '..'));
    await this.git(['worktree', 'add', '--detach', '--quiet', dir, commit]);
    return {
      dir,
      remove: async () => {
        await this.git(['worktree', 'remove', '--force', dir]).catch(() => undefined);
        rmSync(join(dir, '..'), { recursive: true, force: true });
        await this.git(['worktree', 'prune']).catch(() => undefined);
      },
    };
  }
}
