#!/usr/bin/env bash
# Kernel and service settings K3s and Longhorn expect on every node.
set -euo pipefail

# Modules: overlay/br_netfilter for containerd and flannel, iscsi_tcp for Longhorn, dm_crypt for
# encrypted Longhorn volumes.
cat >/etc/modules-load.d/k3s.conf <<'MODULES'
overlay
br_netfilter
iscsi_tcp
dm_crypt
MODULES

cat >/etc/sysctl.d/90-k3s.conf <<'SYSCTL'
net.bridge.bridge-nf-call-iptables = 1
net.bridge.bridge-nf-call-ip6tables = 1
net.ipv4.ip_forward = 1
fs.inotify.max_user_instances = 8192
fs.inotify.max_user_watches = 524288
SYSCTL

# multipathd would claim Longhorn's /dev/sdX block devices ("already mounted or mount point busy");
# Longhorn's documented fix is to blacklist them.
cat >/etc/multipath.conf <<'MULTIPATH'
defaults {
    user_friendly_names yes
}
blacklist {
    devnode "^sd[a-z0-9]+"
}
MULTIPATH
systemctl restart multipathd.service || true

# Kubernetes wants no swap.
swapoff -a
sed -i.bak '/\sswap\s/d' /etc/fstab
rm -f /swap.img

# Let Proxmox's cloud-init drive configure the network of every clone: drop the installer's
# network config and the setting that disabled cloud-init networking.
rm -f /etc/cloud/cloud.cfg.d/subiquity-disable-cloudinit-networking.cfg \
  /etc/cloud/cloud.cfg.d/99-installer.cfg \
  /etc/netplan/00-installer-config.yaml \
  /etc/netplan/50-cloud-init.yaml
cat >/etc/cloud/cloud.cfg.d/99-pve.cfg <<'CLOUD'
datasource_list: [NoCloud, ConfigDrive]
CLOUD
