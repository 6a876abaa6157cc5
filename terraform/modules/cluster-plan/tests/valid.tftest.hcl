# The architecture's three nodes (terraform/nodes.auto.tfvars) plan into the expected VMs and inventory.

variables {
  nodes = {
    "k3s-node-01" = { proxmox_host = "pve1", role = "general", ip = "192.168.10.50", vm_id = 1050 }
    "k3s-node-02" = { proxmox_host = "pve2", role = "general", ip = "192.168.10.51", vm_id = 1051 }
    "k3s-node-03" = { proxmox_host = "pve1", role = "storage", ip = "192.168.10.52", vm_id = 1052 }
  }
  template_ids = { pve1 = 9000, pve2 = 9001 }
}

run "vm_specs_follow_the_nodes" {
  command = plan

  assert {
    condition     = length(output.vms) == 3
    error_message = "expected three VMs"
  }
  assert {
    condition     = output.vms["k3s-node-02"].proxmox_host == "pve2" && output.vms["k3s-node-02"].template_id == 9001
    error_message = "k3s-node-02 must be cloned on pve2 from pve2's template"
  }
  assert {
    condition     = output.vms["k3s-node-01"].template_id == 9000 && output.vms["k3s-node-03"].template_id == 9000
    error_message = "the pve1 nodes must be cloned from pve1's template"
  }
  assert {
    condition     = output.vms["k3s-node-01"].ip_cidr == "192.168.10.50/24" && output.vms["k3s-node-01"].gateway == "192.168.10.1" && output.vms["k3s-node-01"].vlan_id == 10
    error_message = "network settings of k3s-node-01 are wrong: ${jsonencode(output.vms["k3s-node-01"])}"
  }
  assert {
    condition     = output.vms["k3s-node-03"].data_disk_gb > 0 && output.vms["k3s-node-01"].data_disk_gb == 0
    error_message = "only the storage node gets a data disk"
  }
  assert {
    condition     = jsonencode(output.vms["k3s-node-03"].tags) == jsonencode(["k3s", "k3s-server", "pve1", "storage", "terraform"])
    error_message = "tags must be sorted, lowercase and carry role and zone: ${jsonencode(output.vms["k3s-node-03"].tags)}"
  }
  assert {
    condition     = jsonencode(output.vms["k3s-node-02"].labels) == jsonencode({ "node.homelab.dev/role" = "general", "topology.kubernetes.io/zone" = "pve2" })
    error_message = "labels of k3s-node-02: ${jsonencode(output.vms["k3s-node-02"].labels)}"
  }
}

run "inventory_lists_every_server_with_labels" {
  command = plan

  assert {
    condition     = keys(yamldecode(output.inventory_yaml).all.children.k3s_cluster.children.k3s_servers.hosts) == ["k3s-node-01", "k3s-node-02", "k3s-node-03"]
    error_message = "the k3s_servers group must hold the three nodes"
  }
  assert {
    condition     = yamldecode(output.inventory_yaml).all.children.k3s_cluster.children.k3s_servers.hosts["k3s-node-03"].ansible_host == "192.168.10.52"
    error_message = "ansible_host of k3s-node-03 must be its IP"
  }
  assert {
    condition     = yamldecode(output.inventory_yaml).all.children.k3s_cluster.children.k3s_servers.hosts["k3s-node-03"].k3s_labels["node.homelab.dev/role"] == "storage" && yamldecode(output.inventory_yaml).all.children.k3s_cluster.children.k3s_servers.hosts["k3s-node-03"].k3s_role == "storage"
    error_message = "k3s-node-03 must carry the storage role label"
  }
  assert {
    condition     = yamldecode(output.inventory_yaml).all.children.k3s_cluster.children.k3s_servers.hosts["k3s-node-02"].k3s_labels["topology.kubernetes.io/zone"] == "pve2" && yamldecode(output.inventory_yaml).all.children.k3s_cluster.children.k3s_servers.hosts["k3s-node-02"].k3s_zone == "pve2"
    error_message = "k3s-node-02 must carry zone pve2"
  }
  assert {
    condition     = jsonencode(output.nodes["k3s-node-01"]) == jsonencode({ ip = "192.168.10.50", proxmox_host = "pve1", role = "general", vm_id = 1050, zone = "pve1" })
    error_message = "nodes view of k3s-node-01: ${jsonencode(output.nodes["k3s-node-01"])}"
  }
}

run "addresses_next_to_the_metallb_pool_and_five_servers_are_fine" {
  command = plan

  variables {
    nodes = {
      "k3s-node-01" = { proxmox_host = "pve1", role = "general", ip = "192.168.10.199", vm_id = 1050 }
      "k3s-node-02" = { proxmox_host = "pve2", role = "general", ip = "192.168.10.251", vm_id = 1051 }
      "k3s-node-03" = { proxmox_host = "pve1", role = "storage", ip = "192.168.10.2", vm_id = 1052 }
      "k3s-node-04" = { proxmox_host = "pve2", role = "storage", ip = "192.168.10.254", vm_id = 1053 }
      "k3s-node-05" = { proxmox_host = "pve2", role = "general", ip = "192.168.10.53", vm_id = 1054 }
    }
  }

  assert {
    condition     = length(output.vms) == 5
    error_message = "five servers are a valid (odd) cluster"
  }
}

run "sizes_follow_the_role_table" {
  command = plan

  variables {
    role_sizes = {
      general = { cores = 2, memory_mb = 4096, disk_gb = 32, data_disk_gb = 0 }
      storage = { cores = 6, memory_mb = 16384, disk_gb = 64, data_disk_gb = 500 }
    }
  }

  assert {
    condition     = output.vms["k3s-node-01"].cores == 2 && output.vms["k3s-node-01"].memory_mb == 4096 && output.vms["k3s-node-01"].disk_gb == 32
    error_message = "general size not applied: ${jsonencode(output.vms["k3s-node-01"])}"
  }
  assert {
    condition     = output.vms["k3s-node-03"].cores == 6 && output.vms["k3s-node-03"].memory_mb == 16384 && output.vms["k3s-node-03"].data_disk_gb == 500
    error_message = "storage size not applied: ${jsonencode(output.vms["k3s-node-03"])}"
  }
}
