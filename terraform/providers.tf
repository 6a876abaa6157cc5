# Credentials are never in a file: PROXMOX_VE_API_TOKEN ("user@realm!id=secret") comes from
# Bitwarden in terraform's environment (actions/terraform-apply passes PROXMOX_VE_* names through),
# and so may PROXMOX_VE_ENDPOINT when var.proxmox_endpoint is left null.
provider "proxmox" {
  endpoint = var.proxmox_endpoint
  insecure = var.proxmox_insecure
}
