# The K3s nodes of docs ARCHITECTURE.md: three servers with embedded etcd. Two share pve1, so losing
# pve1 loses the etcd quorum (see README.md). IPs from 192.168.10.50 (VLAN 10); VM ids follow the IP.
nodes = {
  "k3s-node-01" = { proxmox_host = "pve1", role = "general", ip = "192.168.10.50", vm_id = 1050 }
  "k3s-node-02" = { proxmox_host = "pve2", role = "general", ip = "192.168.10.51", vm_id = 1051 }
  "k3s-node-03" = { proxmox_host = "pve1", role = "storage", ip = "192.168.10.52", vm_id = 1052 }
}
