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

  /** Files changed between the merge base of `base` and the working tree's HEAD, renames as both paths. */
  async changedFiles(base: string): Promise<string[]> {
    const out = await this.git(['diff', '--name-status', '--no-renames', '-z', `${base}...HEAD`]);
    const parts = out.split('\0').filter(Boolean);
    const files: string[] = [];
    for (let i = 0; i + 1 < parts.length; i += 2) files.push(parts[i + 1]!);
    return [...new Set(files)].sort();
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
