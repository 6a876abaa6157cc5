#!/usr/bin/env bash
# Packages every K3s node needs: the guest agent (Proxmox reports IPs, clean shutdown), cloud-init
# (Terraform's per-VM config), and the storage clients Longhorn (iSCSI, multipath, dm-crypt) and
# the NFS media volumes use.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

apt-get update -q
apt-get -y -q -o Dpkg::Options::=--force-confold dist-upgrade
apt-get -y -q install --no-install-recommends \
  qemu-guest-agent \
  cloud-init \
  cloud-guest-utils \
  open-iscsi \
  nfs-common \
  multipath-tools \
  cryptsetup \
  jq \
  curl \
  ca-certificates

systemctl enable qemu-guest-agent
systemctl enable iscsid
