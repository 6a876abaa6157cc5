# Non-secret values for the home lab. Loaded automatically by `packer build <dir>`; part of the
# template fingerprint, so changing one rebuilds the template on every node.
template_name     = "ubuntu-2404-k3s"
iso_storage_pool  = "local"
disk_storage_pool = "local-lvm"
disk_size         = "32G"
cores             = 2
memory            = 4096
bridge            = "vmbr0"
vlan_tag          = "10"
