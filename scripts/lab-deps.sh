#!/usr/bin/env bash
# Installs what the lab (lab/lab.sh) needs on the machine that runs it, from the machine's own apt
# configuration: qemu (TCG is enough), qemu-img for the copy-on-write overlay, mmdebstrap to build the VM
# image from Debian packages, e2fsprogs for `mkfs.ext4 -d`, dpkg-dev for the bare image's package repository
# index (dpkg-scanpackages), and the OpenSSH client the tests drive the VM with.
# Idempotent: it installs only what is missing, so CI can call it on every run.
set -eu

need=()
command -v qemu-system-x86_64 >/dev/null 2>&1 || need+=(qemu-system-x86)
command -v qemu-img >/dev/null 2>&1 || need+=(qemu-utils)
command -v mmdebstrap >/dev/null 2>&1 || need+=(mmdebstrap)
command -v mkfs.ext4 >/dev/null 2>&1 || need+=(e2fsprogs)
command -v dpkg-scanpackages >/dev/null 2>&1 || need+=(dpkg-dev)
command -v ssh >/dev/null 2>&1 || need+=(openssh-client)
command -v ssh-keygen >/dev/null 2>&1 || need+=(openssh-client)
command -v python3 >/dev/null 2>&1 || need+=(python3)
command -v zstd >/dev/null 2>&1 || need+=(zstd)
# The lab CA of the simulated tunnelbroker.net is made at image build (lab/image/tunnelbroker-ca.sh).
command -v openssl >/dev/null 2>&1 || need+=(openssl)
# mmdebstrap checks release signatures with the archive keyring the machine's apt sources name.
[ -e /usr/share/keyrings/debian-archive-keyring.gpg ] || need+=(debian-archive-keyring)

if [ "${#need[@]}" -eq 0 ]; then
  echo "lab-deps: everything is installed"
  exit 0
fi

# Deduplicate (openssh-client may be listed twice).
mapfile -t need < <(printf '%s\n' "${need[@]}" | sort -u)
echo "lab-deps: installing ${need[*]}"
if [ "$(id -u)" -ne 0 ]; then
  echo "lab-deps: must run as root to install packages (apt-get install ${need[*]})" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
echo "lab-deps: done"
