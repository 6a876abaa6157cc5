import { UserError, type SecretSet } from '@homelab/toolkit';

/**
 * Which Bitwarden NAMEs terraform may receive, always through its environment (never argv or a
 * file terraform would persist): input variables, the S3 backend's credentials, the Proxmox
 * provider's settings. Anything else is a mapping mistake worth stopping for.
 */
const BACKEND = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN'];

export function isTerraformSecretName(name: string): boolean {
  return /^TF_VAR_[A-Za-z_][A-Za-z0-9_-]*$/.test(name) || BACKEND.includes(name) || /^PROXMOX_VE_[A-Z0-9_]+$/.test(name);
}

export function terraformSecretEnv(secrets: SecretSet): Record<string, string> {
  const unknown = secrets.names().filter((n) => !isTerraformSecretName(n));
  if (unknown.length > 0) {
    throw new UserError(
      `Input 'bitwarden-secrets' maps ${unknown.join(', ')}, which terraform-apply does not use; expected TF_VAR_<variable> ` +
        `(e.g. TF_VAR_ssh_public_key), ${BACKEND.slice(0, 2).join(' / ')} for the S3 backend, or PROXMOX_VE_<setting> (e.g. PROXMOX_VE_API_TOKEN) for the provider.`,
    );
  }
  return secrets.env();
}
