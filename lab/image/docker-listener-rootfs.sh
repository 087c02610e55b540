#!/bin/bash
# The root file system of the docker flavour's test container, as a tarball for `docker import` (no registry):
# Debian's python3.11-minimal and its libraries, extracted (not installed: no maintainer scripts, no shell),
# about 30 MiB. The test runs its own listener in it with `python3.11`.
# Runs on the build machine (build-image.sh, LAB_FLAVOUR=docker), through the same apt sources as the image:
#   docker-listener-rootfs.sh OUTPUT_TAR APT_SOURCES SUITE DEB_CACHE_DIR
set -euo pipefail
out=$1
sources=$2
suite=$3
cache=$4
mkdir -p "$(dirname "$out")" "$cache"
mmdebstrap --variant=extract --mode=root --include=python3.11-minimal \
  --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/doc/*' \
  --dpkgopt='path-exclude=/usr/share/locale/*' \
  --setup-hook='mkdir -p "$1/var/cache/apt/archives"' \
  --setup-hook="sync-in '$cache' /var/cache/apt/archives/" \
  --customize-hook="sync-out /var/cache/apt/archives '$cache'" \
  --customize-hook='chroot "$1" /usr/bin/python3.11 -c "import socket"' \
  "$suite" "$out" "$sources"
