#!/usr/bin/env bash
# The first boot after autoinstall still runs cloud-init (user creation, keys); apt and the
# cleanup below must not race with it.
set -euo pipefail

cloud-init status --wait >/dev/null || {
  status=$?
  # 2 = finished with recoverable errors (e.g. a deprecated key): not fatal for a template.
  if [ "$status" -ne 2 ]; then
    echo "cloud-init failed (exit $status)" >&2
    exit "$status"
  fi
}
echo "cloud-init finished"
