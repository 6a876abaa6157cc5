locals {
  zone_label = "topology.kubernetes.io/zone"
  prefix_len = split("/", var.subnet_cidr)[1]

  # One spec per node: everything the root module needs to create the VM, nothing secret.
  vms = {
    for name, n in var.nodes : name => {
      name         = name
      vm_id        = n.vm_id
      proxmox_host = n.proxmox_host
      template_id  = var.template_ids[n.proxmox_host]
      role         = n.role
      zone         = n.proxmox_host
      ip           = n.ip
      ip_cidr      = "${n.ip}/${local.prefix_len}"
      gateway      = var.gateway
      vlan_id      = var.vlan_id
      cores        = var.role_sizes[n.role].cores
      memory_mb    = var.role_sizes[n.role].memory_mb
      disk_gb      = var.role_sizes[n.role].disk_gb
      data_disk_gb = var.role_sizes[n.role].data_disk_gb
      # Proxmox stores tags sorted and lowercase; sorting here keeps plans free of spurious diffs.
      tags = sort(distinct([for t in concat(var.tags, ["k3s-server", n.role, n.proxmox_host]) : lower(t)]))
      labels = {
        (local.zone_label) = n.proxmox_host
        (var.role_label)   = n.role
      }
    }
  }

  # Ansible inventory: every node is a K3s server. yamlencode sorts keys, so the host order (and
  # the first server, k3s-node-01) is stable.
  inventory = {
    all = {
      children = {
        k3s_cluster = {
          children = {
            k3s_servers = {
              hosts = {
                # k3s_zone / k3s_role are what ansible/roles/k3s turns into node labels;
                # k3s_labels spells the labels out with their keys for any other consumer.
                for name, vm in local.vms : name => {
                  ansible_host = vm.ip
                  ansible_user = var.ansible_user
                  proxmox_host = vm.proxmox_host
                  vm_id        = vm.vm_id
                  k3s_role     = vm.role
                  k3s_zone     = vm.zone
                  k3s_labels   = vm.labels
                }
              }
            }
          }
        }
      }
    }
  }
}
