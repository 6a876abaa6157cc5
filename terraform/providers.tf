# The API token is never in a file: PROXMOX_VE_API_TOKEN ("user@realm!id=secret") comes from
# Bitwarden in terraform's environment (actions/terraform-apply passes PROXMOX_VE_* names through).
provider "proxmox" {
  endpoint = var.proxmox_endpoint
  insecure = var.proxmox_insecure
}
