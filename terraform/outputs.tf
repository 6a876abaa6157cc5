output "inventory" {
  description = "The Ansible inventory (YAML) for actions/ansible-k3s: group k3s_cluster > k3s_servers, ansible_host, zone and role labels per host."
  value       = module.cluster.inventory_yaml
}

output "nodes" {
  description = "Per node: ip, vm_id, proxmox_host, role, zone. No secrets: safe for job summaries and later jobs."
  value       = module.cluster.nodes
}

output "vm_ids" {
  description = "VM id of each node as created in Proxmox."
  value       = { for name, vm in proxmox_virtual_environment_vm.node : name => vm.vm_id }
}
