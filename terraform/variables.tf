variable "proxmox_endpoint" {
  description = "URL of the Proxmox VE API, e.g. https://pve1.lan:8006/. Null: the provider reads PROXMOX_VE_ENDPOINT from its environment."
  type        = string
  default     = null

  validation {
    condition     = var.proxmox_endpoint == null || can(regex("^https://[^/]+(:[0-9]+)?/?$", var.proxmox_endpoint))
    error_message = "proxmox_endpoint: expected https://host[:port]/, got '${var.proxmox_endpoint}'."
  }
}

variable "proxmox_insecure" {
  description = "Skip TLS verification of the Proxmox API (self-signed certificate). Prefer a trusted certificate."
  type        = bool
  default     = false
}

variable "nodes" {
  description = "The K3s nodes by name (see nodes.auto.tfvars); validated in modules/cluster-plan."
  type = map(object({
    proxmox_host = string
    role         = string
    ip           = string
    vm_id        = number
  }))
}

variable "template_ids" {
  description = "VM id of the Packer template on each Proxmox host, e.g. { pve1 = 9000, pve2 = 9001 } (packer-build's `templates` output)."
  type        = map(number)
}

variable "vm_username" {
  description = "The cloud-init user (TF_VAR_vm_username, from Bitwarden); Ansible connects as this user."
  type        = string

  validation {
    condition     = can(regex("^[a-z_][a-z0-9_-]{0,31}$", var.vm_username)) && var.vm_username != "root"
    error_message = "vm_username: expected a Linux user name other than root (lowercase letters, digits, '_' or '-', at most 32 characters)."
  }
}

variable "ssh_public_key" {
  description = "The SSH public key of vm_username (TF_VAR_ssh_public_key, from Bitwarden)."
  type        = string
  sensitive   = true

  validation {
    condition     = can(regex("^(ssh-ed25519|ecdsa-sha2-nistp(256|384|521)|ssh-rsa|sk-ssh-ed25519@openssh.com) [A-Za-z0-9+/=]+( .*)?$", trimspace(var.ssh_public_key)))
    error_message = "ssh_public_key: expected one OpenSSH public key line (ssh-ed25519 AAAA... comment); a private key or an empty value is refused."
  }
}

variable "datastore_id" {
  description = "Proxmox storage for the VM disks and the cloud-init drive."
  type        = string
  default     = "local-lvm"
}

variable "bridge" {
  description = "Proxmox bridge the nodes' VLAN-tagged network device is attached to."
  type        = string
  default     = "vmbr0"
}

variable "dns_servers" {
  description = "DNS servers written by cloud-init (Pi-hole first)."
  type        = list(string)
  default     = ["192.168.10.1"]
}

variable "dns_domain" {
  description = "Search domain written by cloud-init."
  type        = string
  default     = "lan"
}
