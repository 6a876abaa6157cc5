variable "nodes" {
  description = "The K3s nodes by name. Every node is a K3s server (embedded etcd); ip and vm_id are explicit so that adding a node never renumbers the others."
  type = map(object({
    proxmox_host = string
    role         = string
    ip           = string
    vm_id        = number
  }))

  validation {
    condition     = length(var.nodes) > 0 && length(var.nodes) % 2 == 1
    error_message = "nodes: every node is a K3s server with embedded etcd, so their number must be odd (1, 3, 5...) to keep a quorum; got ${length(var.nodes)}."
  }

  validation {
    condition     = alltrue([for name in keys(var.nodes) : can(regex("^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$", name))])
    error_message = "nodes: names must be lowercase host names (letters, digits, '-'); invalid: ${join(", ", [for name in keys(var.nodes) : name if !can(regex("^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$", name))])}."
  }

  validation {
    condition     = alltrue([for n in var.nodes : contains(var.proxmox_hosts, n.proxmox_host)])
    error_message = "nodes: unknown Proxmox host for ${join(", ", [for name, n in var.nodes : "${name} (${n.proxmox_host})" if !contains(var.proxmox_hosts, n.proxmox_host)])}; known hosts: ${join(", ", var.proxmox_hosts)}."
  }

  validation {
    condition     = alltrue([for n in var.nodes : contains(keys(var.role_sizes), n.role)])
    error_message = "nodes: unknown role for ${join(", ", [for name, n in var.nodes : "${name} (${n.role})" if !contains(keys(var.role_sizes), n.role)])}; roles: ${join(", ", keys(var.role_sizes))}."
  }

  validation {
    condition = alltrue([for n in var.nodes :
      can(regex("^(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(\\.(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3}$", n.ip))
      && try(cidrhost("${n.ip}/${split("/", var.subnet_cidr)[1]}", 0) == cidrhost(var.subnet_cidr, 0), false)
    ])
    error_message = "nodes: IPs must be IPv4 addresses inside ${var.subnet_cidr} (the K3s VLAN); outside: ${join(", ", [for name, n in var.nodes : "${name} (${n.ip})" if !(can(regex("^(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(\\.(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3}$", n.ip)) && try(cidrhost("${n.ip}/${split("/", var.subnet_cidr)[1]}", 0) == cidrhost(var.subnet_cidr, 0), false))])}."
  }

  validation {
    # The network and broadcast addresses and the gateway are not host addresses.
    condition     = alltrue([for n in var.nodes : !contains([cidrhost(var.subnet_cidr, 0), cidrhost(var.subnet_cidr, -1), var.gateway], n.ip)])
    error_message = "nodes: ${join(", ", [for name, n in var.nodes : "${name} (${n.ip})" if contains([cidrhost(var.subnet_cidr, 0), cidrhost(var.subnet_cidr, -1), var.gateway], n.ip)])} uses the network, broadcast or gateway address of ${var.subnet_cidr}."
  }

  validation {
    # MetalLB hands out this range to LoadBalancer services; a node there would collide with a service IP.
    condition = alltrue([for n in var.nodes :
      try(
        sum([for i, o in split(".", n.ip) : tonumber(o) * pow(256, 3 - i)]) < sum([for i, o in split(".", var.metallb_pool.first) : tonumber(o) * pow(256, 3 - i)])
        || sum([for i, o in split(".", n.ip) : tonumber(o) * pow(256, 3 - i)]) > sum([for i, o in split(".", var.metallb_pool.last) : tonumber(o) * pow(256, 3 - i)]),
        true
      )
    ])
    error_message = "nodes: IPs inside the MetalLB pool ${var.metallb_pool.first}-${var.metallb_pool.last}: ${join(", ", [for name, n in var.nodes : "${name} (${n.ip})" if !try(sum([for i, o in split(".", n.ip) : tonumber(o) * pow(256, 3 - i)]) < sum([for i, o in split(".", var.metallb_pool.first) : tonumber(o) * pow(256, 3 - i)]) || sum([for i, o in split(".", n.ip) : tonumber(o) * pow(256, 3 - i)]) > sum([for i, o in split(".", var.metallb_pool.last) : tonumber(o) * pow(256, 3 - i)]), true)])}."
  }

  validation {
    condition     = length(distinct([for n in var.nodes : n.ip])) == length(var.nodes)
    error_message = "nodes: duplicate IPs: ${join(", ", distinct([for n in var.nodes : n.ip if length([for m in var.nodes : m if m.ip == n.ip]) > 1]))}."
  }

  validation {
    condition     = alltrue([for n in var.nodes : n.vm_id >= 100 && n.vm_id <= 999999999 && floor(n.vm_id) == n.vm_id])
    error_message = "nodes: VM ids must be whole numbers from 100 to 999999999 (Proxmox's range); invalid: ${join(", ", [for name, n in var.nodes : "${name} (${n.vm_id})" if !(n.vm_id >= 100 && n.vm_id <= 999999999 && floor(n.vm_id) == n.vm_id)])}."
  }

  validation {
    # VM ids are unique across the whole Proxmox cluster, not per host.
    condition     = length(distinct([for n in var.nodes : n.vm_id])) == length(var.nodes)
    error_message = "nodes: duplicate VM ids (unique across the Proxmox cluster): ${join(", ", distinct([for n in var.nodes : tostring(n.vm_id) if length([for m in var.nodes : m if m.vm_id == n.vm_id]) > 1]))}."
  }
}

variable "proxmox_hosts" {
  description = "The Proxmox hosts of the cluster; a node on any other host is rejected."
  type        = list(string)
  default     = ["pve1", "pve2"]

  validation {
    condition     = length(var.proxmox_hosts) > 0 && length(distinct(var.proxmox_hosts)) == length(var.proxmox_hosts)
    error_message = "proxmox_hosts: at least one host, each once."
  }
}

variable "template_ids" {
  description = "VM id of the Packer template on each Proxmox host (the packer-build job's output). Only hosts that carry a node need one."
  type        = map(number)

  validation {
    condition     = alltrue([for n in var.nodes : contains(keys(var.template_ids), n.proxmox_host)])
    error_message = "template_ids: no template for ${join(", ", distinct([for n in var.nodes : n.proxmox_host if !contains(keys(var.template_ids), n.proxmox_host)]))}; give the template VM id of every Proxmox host that carries a node (got: ${jsonencode(var.template_ids)})."
  }

  validation {
    condition     = alltrue([for id in values(var.template_ids) : id >= 100 && id <= 999999999 && floor(id) == id])
    error_message = "template_ids: VM ids must be whole numbers from 100 to 999999999; got ${jsonencode(var.template_ids)}."
  }

  validation {
    condition     = length(setintersection(toset(values(var.template_ids)), toset([for n in var.nodes : n.vm_id]))) == 0
    error_message = "template_ids: a template VM id is also a node's VM id: ${join(", ", [for id in setintersection(toset(values(var.template_ids)), toset([for n in var.nodes : n.vm_id])) : tostring(id)])}."
  }
}

variable "subnet_cidr" {
  description = "The K3s VLAN's subnet."
  type        = string
  default     = "192.168.10.0/24"

  validation {
    condition     = can(cidrhost(var.subnet_cidr, 0)) && can(regex("^[0-9.]+/[0-9]+$", var.subnet_cidr))
    error_message = "subnet_cidr: expected an IPv4 CIDR such as 192.168.10.0/24, got '${var.subnet_cidr}'."
  }
}

variable "gateway" {
  description = "Default gateway of the K3s VLAN."
  type        = string
  default     = "192.168.10.1"
}

variable "vlan_id" {
  description = "VLAN tag of the nodes' network device."
  type        = number
  default     = 10

  validation {
    condition     = var.vlan_id >= 1 && var.vlan_id <= 4094
    error_message = "vlan_id: expected 1-4094."
  }
}

variable "metallb_pool" {
  description = "MetalLB's address range; no node may use an address inside it."
  type = object({
    first = string
    last  = string
  })
  default = {
    first = "192.168.10.200"
    last  = "192.168.10.250"
  }
}

variable "role_sizes" {
  description = "Machine size by role. data_disk_gb > 0 adds a second disk (Longhorn's data disk on storage nodes)."
  type = map(object({
    cores        = number
    memory_mb    = number
    disk_gb      = number
    data_disk_gb = number
  }))
  default = {
    general = { cores = 4, memory_mb = 8192, disk_gb = 40, data_disk_gb = 0 }
    storage = { cores = 4, memory_mb = 8192, disk_gb = 40, data_disk_gb = 200 }
  }

  validation {
    condition     = alltrue([for s in var.role_sizes : s.cores >= 1 && s.memory_mb >= 2048 && s.disk_gb >= 20 && s.data_disk_gb >= 0])
    error_message = "role_sizes: K3s servers need at least 1 core, 2048 MB of memory and a 20 GB disk."
  }
}

variable "tags" {
  description = "Proxmox tags on every node VM (the role, the zone and 'k3s-server' are added)."
  type        = list(string)
  default     = ["k3s", "terraform"]
}

variable "ansible_user" {
  description = "SSH user Ansible connects as (the cloud-init user)."
  type        = string
  default     = "k3s"
}

variable "role_label" {
  description = "Node label key for the role. A custom prefix: the kubelet may not self-apply node-role.kubernetes.io/* (NodeRestriction)."
  type        = string
  default     = "node.homelab.dev/role"
}
