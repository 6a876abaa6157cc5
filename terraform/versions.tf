terraform {
  # 1.10: the S3 backend's native lock file (use_lockfile); 1.9: cross-variable validation.
  required_version = ">= 1.10"

  required_providers {
    proxmox = {
      source  = "bpg/proxmox"
      version = "~> 0.111"
    }
  }

  # Partial configuration: bucket, key, region and endpoint come from a 0600 file given at init
  # (-backend-config=<file>, written by actions/terraform-apply); the access keys come from
  # Bitwarden through AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY in terraform's environment.
  # Nothing about the state's location or credentials is kept in git.
  backend "s3" {
    use_lockfile = true
  }
}
