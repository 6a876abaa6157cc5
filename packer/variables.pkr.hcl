# Variables of the Ubuntu template. Non-secret values live here or in ubuntu.auto.pkrvars.hcl;
# secrets come ONLY from the environment (PKR_VAR_<name>), set by actions/packer-build from
# Bitwarden. Nothing secret is ever written to a file in git.

# --- set per node by actions/packer-build (-var) -----------------------------------------------

variable "node" {
  type        = string
  description = "Proxmox node that builds and keeps this template (one template per node)."
}

variable "vm_id" {
  type        = number
  description = "VM id of the template on var.node; unique cluster-wide (pve1 9000, pve2 9001)."
}

variable "fingerprint" {
  type        = string
  default     = ""
  description = "Content fingerprint computed by actions/packer-build; written to the template as tag fp-<fingerprint>."
}

variable "proxmox_url" {
  type        = string
  default     = "https://pve1.lan:8006/api2/json"
  description = "Proxmox API endpoint (the action passes its proxmox-endpoint input)."
}

variable "proxmox_insecure_tls" {
  type        = bool
  default     = false
  description = "Skip TLS verification of the Proxmox API (self-signed certificate). Prefer a trusted certificate."
}

# --- secrets: environment only (PKR_VAR_...) ----------------------------------------------------

variable "proxmox_username" {
  type        = string
  default     = ""
  sensitive   = true
  description = "API token id 'user@realm!tokenid' (from Bitwarden secret PROXMOX_API_TOKEN)."
}

variable "proxmox_token" {
  type        = string
  default     = ""
  sensitive   = true
  description = "API token secret (from Bitwarden secret PROXMOX_API_TOKEN)."
}

variable "ssh_public_key" {
  type        = string
  default     = ""
  sensitive   = true
  description = "Operator SSH public key authorised for the 'ubuntu' user (Bitwarden secret SSH_PUBLIC_KEY)."
}

variable "build_ssh_public_key" {
  type        = string
  default     = ""
  description = "Ephemeral key pair made by the action for this build only; removed from the image at cleanup."
}

variable "build_ssh_private_key_file" {
  type        = string
  default     = ""
  description = "0600 file under RUNNER_TEMP holding the ephemeral private key (removed in the action's post step)."
}

# --- the image -----------------------------------------------------------------------------------

variable "template_name" {
  type    = string
  default = "ubuntu-2404-k3s"
}

variable "iso_url" {
  type    = string
  default = "https://releases.ubuntu.com/24.04.3/ubuntu-24.04.3-live-server-amd64.iso"
}

variable "iso_checksum" {
  type    = string
  default = "file:https://releases.ubuntu.com/24.04.3/SHA256SUMS"
}

variable "iso_storage_pool" {
  type    = string
  default = "local"
}

variable "disk_storage_pool" {
  type    = string
  default = "local-lvm"
}

variable "disk_size" {
  type    = string
  default = "32G"
}

variable "cores" {
  type    = number
  default = 2
}

variable "memory" {
  type    = number
  default = 4096
}

variable "bridge" {
  type    = string
  default = "vmbr0"
}

variable "vlan_tag" {
  type        = string
  default     = "10"
  description = "VLAN of the K3s network (192.168.10.0/24); the plugin takes it as a string."
}

variable "timezone" {
  type    = string
  default = "Etc/UTC"
}
