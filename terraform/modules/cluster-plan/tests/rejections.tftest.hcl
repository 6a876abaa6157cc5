# Each run changes ONE thing from the valid nodes of valid.tftest.hcl and expects the plan to be
# rejected by input validation.

variables {
  nodes = {
    "k3s-node-01" = { proxmox_host = "pve1", role = "general", ip = "192.168.10.50", vm_id = 1050 }
    "k3s-node-02" = { proxmox_host = "pve2", role = "general", ip = "192.168.10.51", vm_id = 1051 }
    "k3s-node-03" = { proxmox_host = "pve1", role = "storage", ip = "192.168.10.52", vm_id = 1052 }
  }
  template_ids = { pve1 = 9000, pve2 = 9001 }
}

run "ip_outside_the_vlan_subnet" {
  command = plan
  variables {
    nodes = {
      "k3s-node-01" = { proxmox_host = "pve1", role = "general", ip = "192.168.11.50", vm_id = 1050 }
      "k3s-node-02" = { proxmox_host = "pve2", role = "general", ip = "192.168.10.51", vm_id = 1051 }
      "k3s-node-03" = { proxmox_host = "pve1", role = "storage", ip = "192.168.10.52", vm_id = 1052 }
    }
  }
  expect_failures = [var.nodes]
}

run "ip_not_an_address" {
  command = plan
  variables {
    nodes = {
      "k3s-node-01" = { proxmox_host = "pve1", role = "general", ip = "192.168.10.300", vm_id = 1050 }
      "k3s-node-02" = { proxmox_host = "pve2", role = "general", ip = "192.168.10.51", vm_id = 1051 }
      "k3s-node-03" = { proxmox_host = "pve1", role = "storage", ip = "192.168.10.52", vm_id = 1052 }
    }
  }
  expect_failures = [var.nodes]
}

run "ip_at_the_start_of_the_metallb_pool" {
  command = plan
  variables {
    nodes = {
      "k3s-node-01" = { proxmox_host = "pve1", role = "general", ip = "192.168.10.50", vm_id = 1050 }
      "k3s-node-02" = { proxmox_host = "pve2", role = "general", ip = "192.168.10.200", vm_id = 1051 }
      "k3s-node-03" = { proxmox_host = "pve1", role = "storage", ip = "192.168.10.52", vm_id = 1052 }
    }
  }
  expect_failures = [var.nodes]
}

run "ip_at_the_end_of_the_metallb_pool" {
  command = plan
  variables {
    nodes = {
      "k3s-node-01" = { proxmox_host = "pve1", role = "general", ip = "192.168.10.50", vm_id = 1050 }
      "k3s-node-02" = { proxmox_host = "pve2", role = "general", ip = "192.168.10.51", vm_id = 1051 }
      "k3s-node-03" = { proxmox_host = "pve1", role = "storage", ip = "192.168.10.250", vm_id = 1052 }
    }
  }
  expect_failures = [var.nodes]
}

run "ip_is_the_gateway" {
  command = plan
  variables {
    nodes = {
      "k3s-node-01" = { proxmox_host = "pve1", role = "general", ip = "192.168.10.1", vm_id = 1050 }
      "k3s-node-02" = { proxmox_host = "pve2", role = "general", ip = "192.168.10.51", vm_id = 1051 }
      "k3s-node-03" = { proxmox_host = "pve1", role = "storage", ip = "192.168.10.52", vm_id = 1052 }
    }
  }
  expect_failures = [var.nodes]
}

run "duplicate_ip" {
  command = plan
  variables {
    nodes = {
      "k3s-node-01" = { proxmox_host = "pve1", role = "general", ip = "192.168.10.50", vm_id = 1050 }
      "k3s-node-02" = { proxmox_host = "pve2", role = "general", ip = "192.168.10.50", vm_id = 1051 }
      "k3s-node-03" = { proxmox_host = "pve1", role = "storage", ip = "192.168.10.52", vm_id = 1052 }
    }
  }
  expect_failures = [var.nodes]
}

run "duplicate_vm_id" {
  command = plan
  variables {
    nodes = {
      "k3s-node-01" = { proxmox_host = "pve1", role = "general", ip = "192.168.10.50", vm_id = 1050 }
      "k3s-node-02" = { proxmox_host = "pve2", role = "general", ip = "192.168.10.51", vm_id = 1050 }
      "k3s-node-03" = { proxmox_host = "pve1", role = "storage", ip = "192.168.10.52", vm_id = 1052 }
    }
  }
  expect_failures = [var.nodes]
}

run "vm_id_below_proxmox_range" {
  command = plan
  variables {
    nodes = {
      "k3s-node-01" = { proxmox_host = "pve1", role = "general", ip = "192.168.10.50", vm_id = 99 }
      "k3s-node-02" = { proxmox_host = "pve2", role = "general", ip = "192.168.10.51", vm_id = 1051 }
      "k3s-node-03" = { proxmox_host = "pve1", role = "storage", ip = "192.168.10.52", vm_id = 1052 }
    }
  }
  expect_failures = [var.nodes]
}

run "unknown_proxmox_host" {
  command = plan
  variables {
    nodes = {
      "k3s-node-01" = { proxmox_host = "pve1", role = "general", ip = "192.168.10.50", vm_id = 1050 }
      "k3s-node-02" = { proxmox_host = "pve3", role = "general", ip = "192.168.10.51", vm_id = 1051 }
      "k3s-node-03" = { proxmox_host = "pve1", role = "storage", ip = "192.168.10.52", vm_id = 1052 }
    }
    template_ids = { pve1 = 9000, pve2 = 9001, pve3 = 9002 }
  }
  expect_failures = [var.nodes]
}

run "unknown_role" {
  command = plan
  variables {
    nodes = {
      "k3s-node-01" = { proxmox_host = "pve1", role = "general", ip = "192.168.10.50", vm_id = 1050 }
      "k3s-node-02" = { proxmox_host = "pve2", role = "gpu", ip = "192.168.10.51", vm_id = 1051 }
      "k3s-node-03" = { proxmox_host = "pve1", role = "storage", ip = "192.168.10.52", vm_id = 1052 }
    }
  }
  expect_failures = [var.nodes]
}

run "two_servers_lose_quorum" {
  command = plan
  variables {
    nodes = {
      "k3s-node-01" = { proxmox_host = "pve1", role = "general", ip = "192.168.10.50", vm_id = 1050 }
      "k3s-node-02" = { proxmox_host = "pve2", role = "general", ip = "192.168.10.51", vm_id = 1051 }
    }
  }
  expect_failures = [var.nodes]
}

run "four_servers_are_even" {
  command = plan
  variables {
    nodes = {
      "k3s-node-01" = { proxmox_host = "pve1", role = "general", ip = "192.168.10.50", vm_id = 1050 }
      "k3s-node-02" = { proxmox_host = "pve2", role = "general", ip = "192.168.10.51", vm_id = 1051 }
      "k3s-node-03" = { proxmox_host = "pve1", role = "storage", ip = "192.168.10.52", vm_id = 1052 }
      "k3s-node-04" = { proxmox_host = "pve2", role = "storage", ip = "192.168.10.53", vm_id = 1053 }
    }
  }
  expect_failures = [var.nodes]
}

run "invalid_host_name" {
  command = plan
  variables {
    nodes = {
      "k3s-node-01" = { proxmox_host = "pve1", role = "general", ip = "192.168.10.50", vm_id = 1050 }
      "K3s_Node_02" = { proxmox_host = "pve2", role = "general", ip = "192.168.10.51", vm_id = 1051 }
      "k3s-node-03" = { proxmox_host = "pve1", role = "storage", ip = "192.168.10.52", vm_id = 1052 }
    }
  }
  expect_failures = [var.nodes]
}

run "missing_template_for_a_host" {
  command = plan
  variables {
    template_ids = { pve1 = 9000 }
  }
  expect_failures = [var.template_ids]
}

run "template_id_clashes_with_a_node" {
  command = plan
  variables {
    template_ids = { pve1 = 9000, pve2 = 1051 }
  }
  expect_failures = [var.template_ids]
}
