module "cluster" {
  source = "./modules/cluster-plan"

  nodes        = var.nodes
  template_ids = var.template_ids
  ansible_user = var.vm_username
}

resource "proxmox_virtual_environment_vm" "node" {
  for_each = module.cluster.vms

  name        = each.key
  description = "K3s server (${each.value.role}), managed by Terraform from terraform/ in git."
  node_name   = each.value.proxmox_host
  vm_id       = each.value.vm_id
  tags        = each.value.tags
  on_boot     = true
  started     = true

  clone {
    vm_id     = each.value.template_id
    node_name = each.value.proxmox_host
    full      = true
  }

  # qemu-guest-agent is installed in the Packer template; it reports the IP and allows a clean shutdown.
  agent {
    enabled = true
  }

  cpu {
    cores = each.value.cores
    type  = "host"
  }

  memory {
    dedicated = each.value.memory_mb
  }

  operating_system {
    type = "l26"
  }

  disk {
    datastore_id = var.datastore_id
    interface    = "scsi0"
    size         = each.value.disk_gb
    discard      = "on"
    iothread     = true
    ssd          = true
  }

  # Longhorn's data disk, only on storage nodes.
  dynamic "disk" {
    for_each = each.value.data_disk_gb > 0 ? [each.value.data_disk_gb] : []
    content {
      datastore_id = var.datastore_id
      interface    = "scsi1"
      size         = disk.value
      discard      = "on"
      iothread     = true
      ssd          = true
    }
  }

  network_device {
    bridge  = var.bridge
    vlan_id = each.value.vlan_id
    model   = "virtio"
  }

  initialization {
    datastore_id = var.datastore_id

    ip_config {
      ipv4 {
        address = each.value.ip_cidr
        gateway = each.value.gateway
      }
    }

    dns {
      servers = var.dns_servers
      domain  = var.dns_domain
    }

    user_account {
      username = var.vm_username
      keys     = [trimspace(var.ssh_public_key)]
    }
  }

  lifecycle {
    # A rebuilt Packer template has a new VM id (and a new template on the same id changes nothing
    # Terraform can see): a changed clone source must NOT replace running cluster nodes. New
    # templates reach a node only when it is rebuilt on purpose (terraform apply -replace=...).
    ignore_changes = [clone]

    precondition {
      condition     = each.value.template_id != each.value.vm_id
      error_message = "${each.key}: its VM id ${each.value.vm_id} is the template's VM id."
    }
  }
}
