#!/usr/bin/env bash
# podman-setup.sh — what the crun handler benchmark needs on top of
# scripts/deps.sh (which installs podman + crun for tests/ship/podman.sh):
# buildah, and the hugetlb cgroup mount crun wants on a hybrid hierarchy.
set -euo pipefail
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
missing=()
for p in podman crun buildah; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
# crun on a hybrid cgroup hierarchy ("cgroups in hybrid mode not supported")
# wants the hugetlb controller mounted.
if [ -d /sys/fs/cgroup ] && ! mountpoint -q /sys/fs/cgroup/hugetlb 2>/dev/null && [ ! -f /sys/fs/cgroup/cgroup.controllers ]; then
  $SUDO mkdir -p /sys/fs/cgroup/hugetlb && $SUDO mount -t cgroup -o hugetlb cgroup /sys/fs/cgroup/hugetlb || true
fi
