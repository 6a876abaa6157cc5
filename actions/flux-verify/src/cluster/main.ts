import { UserError } from '@homelab/toolkit';

/** Entry point of `mode: cluster` (skeleton; being implemented). */
export async function runClusterMode(): Promise<void> {
  await Promise.resolve();
  throw new UserError('flux-verify mode "cluster" is not implemented yet');
}
