#!/usr/bin/env bash
# podman-setup.sh — what the crun handler test (tests/ship/podman.sh, suite
# podman) and its benchmark need: podman, crun, buildah. Not in deps.sh:
# the test takes about a minute and needs root, so CI skips it.
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
