# Ubuntu 24.04 LTS base template for the K3s nodes, one per Proxmox node (see README.md).

packer {
  required_version = ">= 1.10.0"
  required_plugins {
    proxmox = {
      source  = "github.com/hashicorp/proxmox"
      version = "1.2.4" # renovate: datasource=github-releases depName=hashicorp/packer-plugin-proxmox extractVersion=^v(?<version>.+)$
    }
  }
}

locals {
  # Proxmox tags: lowercase, ';'-separated. fp-<fingerprint> is how actions/packer-build recognises
  # an up-to-date template and skips the rebuild.
  tags = join(";", compact(["packer", "ubuntu-2404", var.fingerprint == "" ? "" : "fp-${var.fingerprint}"]))
}

source "proxmox-iso" "ubuntu" {
  proxmox_url              = var.proxmox_url
  username                 = var.proxmox_username
  token                    = var.proxmox_token
  insecure_skip_tls_verify = var.proxmox_insecure_tls
  node                     = var.node

  vm_id                = var.vm_id
  vm_name              = "${var.template_name}-build-${var.node}"
  template_name        = var.template_name
  template_description = "Ubuntu 24.04 K3s node template built by Packer; fingerprint ${var.fingerprint}"
  tags                 = local.tags

  boot_iso {
    type             = "scsi"
    iso_url          = var.iso_url
    iso_checksum     = var.iso_checksum
    iso_storage_pool = var.iso_storage_pool
    iso_download_pve = true
    unmount          = true
  }

  os              = "l26"
  cpu_type        = "host"
  cores           = var.cores
  memory          = var.memory
  scsi_controller = "virtio-scsi-single"
  qemu_agent      = true

  disks {
    type         = "scsi"
    disk_size    = var.disk_size
    storage_pool = var.disk_storage_pool
    format       = "raw"
    io_thread    = true
    discard      = true
  }

  network_adapters {
    bridge   = var.bridge
    model    = "virtio"
    vlan_tag = var.vlan_tag
    firewall = false
  }

  # The cloud-init drive Terraform fills in (user, keys, static IP on VLAN 10) when it clones.
  cloud_init              = true
  cloud_init_storage_pool = var.disk_storage_pool

  # Autoinstall seed served by Packer's HTTP server; rendered in memory so that the SSH keys
  # (from the environment) never touch a file.
  http_content = {
    "/meta-data" = ""
    "/user-data" = templatefile("${path.root}/http/user-data.pkrtpl.yaml", {
      timezone             = var.timezone
      ssh_public_key       = var.ssh_public_key
      build_ssh_public_key = var.build_ssh_public_key
    })
  }

  boot_wait = "10s"
  boot_command = [
    "c<wait>",
    "linux /casper/vmlinuz --- autoinstall ds='nocloud-net;s=http://{{ .HTTPIP }}:{{ .HTTPPort }}/'",
    "<enter><wait>",
    "initrd /casper/initrd",
    "<enter><wait>",
    "boot<enter>",
  ]

  communicator         = "ssh"
  ssh_username         = "ubuntu"
  ssh_private_key_file = var.build_ssh_private_key_file
  ssh_timeout          = "45m"
}

build {
  name    = "ubuntu"
  sources = ["source.proxmox-iso.ubuntu"]

  provisioner "shell" {
    execute_command = "chmod +x {{ .Path }}; sudo env {{ .Vars }} {{ .Path }}"
    # The cleanup script removes this key from the image again.
    environment_vars = ["BUILD_SSH_PUBLIC_KEY=${var.build_ssh_public_key}"]
    scripts = [
      "${path.root}/scripts/10-wait-cloud-init.sh",
      "${path.root}/scripts/20-packages.sh",
      "${path.root}/scripts/30-node-prereqs.sh",
      "${path.root}/scripts/90-cleanup.sh",
    ]
  }
}
