output "vms" {
  description = "VM spec per node name: vm_id, proxmox_host, template_id, role, zone, ip, ip_cidr, gateway, vlan_id, cores, memory_mb, disk_gb, data_disk_gb, tags, labels."
  value       = local.vms
}

output "inventory" {
  description = "The Ansible inventory as a data structure (group k3s_cluster > k3s_servers)."
  value       = local.inventory
}

output "inventory_yaml" {
  description = "The Ansible inventory as YAML, ready to be written to a file."
  value       = yamlencode(local.inventory)
}

output "nodes" {
  description = "A short, non-secret view per node for job summaries and later jobs."
  value = {
    for name, vm in local.vms : name => {
      ip           = vm.ip
      vm_id        = vm.vm_id
      proxmox_host = vm.proxmox_host
      role         = vm.role
      zone         = vm.zone
    }
  }
}
