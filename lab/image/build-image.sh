#!/bin/bash
# Builds the lab VM image from Debian packages only, through the machine's own apt sources:
#   mmdebstrap (packages.txt) -> customize.sh -> ext4 image (mkfs.ext4 -d) + the image's own kernel and initrd.
# The result goes to $LAB_BUILD_DIR/image and is rebuilt only when its inputs change: the cache key is a
# hash of packages.txt, every file under lab/image, lab/topology.json, the Debian release and the flavour.
#   build-image.sh [--force]
# Output: image/root.ext4, image/vmlinuz, image/initrd.img, image/build.json (key, timings, sizes).
# LAB_FLAVOUR=full (default) also installs mail-host-packages.txt and receiver-packages.txt (the strict
# receiving MTA of the internet namespace). LAB_FLAVOUR=bare leaves them out, like a
# fresh cloud image, and carries them instead as a local package repository (local-repo.sh: apt-get download
# of them, of repo-alternative-packages.txt (Exim, another MTA) and of their missing dependencies, indexed
# with dpkg-scanpackages) that the VM serves from the provider namespace; its output goes to
# $LAB_BUILD_DIR/image-bare. Downloaded packages are cached in $LAB_BUILD_DIR/debs (the image's) and
# $LAB_BUILD_DIR/repo-debs (the repository's).
# LAB_FLAVOUR=docker is the full flavour plus docker-packages.txt (Debian's docker.io) and the root file system
# of a test container (docker-listener-rootfs.sh) in /var/lib/lab/docker; output in $LAB_BUILD_DIR/image-docker.
# SSH keys live beside it in $LAB_BUILD_DIR/ssh and are made once, never committed: id_ed25519 (the key
# tests and the lab stack log in with), host/ (the VM's host key) and known_hosts (that key, pinned). They
# survive rebuilds, so a rebuild never locks out a VM that is still running from the previous image.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
lab=$(dirname "$here")
build=${LAB_BUILD_DIR:-$lab/build}
flavour=${LAB_FLAVOUR:-full}
case $flavour in
  full) out=$build/image ;;
  bare) out=$build/image-bare ;;
  docker) out=$build/image-docker ;;
  *)
    printf 'lab build: ERROR: LAB_FLAVOUR must be full, bare or docker (got %s)\n' "$flavour" >&2
    exit 2
    ;;
esac
force=0
[ "${1:-}" = "--force" ] && force=1

log() { printf 'lab build: %s\n' "$*" >&2; }
die() {
  printf 'lab build: ERROR: %s\n' "$*" >&2
  exit 1
}

tools=(mmdebstrap mkfs.ext4 ssh-keygen python3 sha256sum)
[ "$flavour" != bare ] || tools+=(dpkg-scanpackages dpkg-deb)
for tool in "${tools[@]}"; do
  command -v "$tool" >/dev/null 2>&1 || die "$tool is missing: run 'bash scripts/lab-deps.sh' (as root)"
done
[ "$(id -u)" = 0 ] || die "building the image needs root (mmdebstrap and mkfs.ext4 -d keep file ownership)"

# shellcheck disable=SC1091
codename=${LAB_SUITE:-$(. /etc/os-release && printf '%s' "${VERSION_CODENAME:-}")}
[ -n "$codename" ] || die "cannot tell the Debian release of this machine (set LAB_SUITE, e.g. bookworm)"

input_key() {
  {
    printf 'suite %s\nflavour %s\n' "$codename" "$flavour"
    (cd "$lab" && find image topology.json -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum)
  } | sha256sum | cut -d' ' -f1
}
key=$(input_key)

mkdir -p "$build"
exec 9>"$build/.build.lock"
flock 9

if [ "$force" = 0 ] && [ -f "$out/build.json" ] && [ -f "$out/root.ext4" ] && [ -f "$out/vmlinuz" ] &&
  [ -f "$out/initrd.img" ] && [ -f "$build/ssh/id_ed25519" ] && [ -f "$build/ssh/known_hosts" ] &&
  python3 -c 'import json,sys; sys.exit(json.load(open(sys.argv[1]))["key"] != sys.argv[2])' "$out/build.json" "$key"; then
  log "image is up to date (key ${key:0:12})"
  exit 0
fi

log "building the $flavour image (key ${key:0:12}, Debian $codename)"
t0=$(date +%s.%N)
work=$out.new
rm -rf "$work"
mkdir -p "$work" "$build/debs" "$build/ssh/host"
chmod 0700 "$build/ssh"
rootfs=$work/rootfs

# The SSH key pair the tests and the lab stack log in with, and the VM's host key (made once).
[ -f "$build/ssh/id_ed25519" ] || ssh-keygen -q -t ed25519 -N '' -C "ipv6-mail-lab" -f "$build/ssh/id_ed25519"
[ -f "$build/ssh/host/ssh_host_ed25519_key" ] ||
  ssh-keygen -q -t ed25519 -N '' -C "root@ipv6-mail-lab" -f "$build/ssh/host/ssh_host_ed25519_key"
printf 'ipv6-mail-lab %s\n' "$(cut -d' ' -f1,2 "$build/ssh/host/ssh_host_ed25519_key.pub")" >"$build/ssh/known_hosts"

python3 "$here/host-apt-sources.py" "$codename" >"$work/apt.sources"

package_list() { sed 's/#.*//' "$@" | tr -s ' \t\n' '\n' | grep .; }
mail_host_packages=$(package_list "$here/mail-host-packages.txt" | paste -sd' ' -)
alternative_packages=$(package_list "$here/repo-alternative-packages.txt" | paste -sd' ' -)
repo_hook=()
if [ "$flavour" = full ]; then
  packages=$(package_list "$here/packages.txt" "$here/mail-host-packages.txt" "$here/receiver-packages.txt" |
    paste -sd, -)
elif [ "$flavour" = docker ]; then
  packages=$(package_list "$here/packages.txt" "$here/mail-host-packages.txt" "$here/receiver-packages.txt" \
    "$here/docker-packages.txt" | paste -sd, -)
else
  packages=$(package_list "$here/packages.txt" | paste -sd, -)
  mkdir -p "$build/repo-debs"
  # While the bootstrap's apt still knows the archive: the repository of what the bare image lacks.
  repo_hook=(--customize-hook="$here/local-repo.sh \"\$1\" '$build/repo-debs' $mail_host_packages -- $alternative_packages")
fi

# Debconf answers and the initramfs settings must be in place before the packages are configured.
mmdebstrap --variant=minbase --mode=root --include="$packages" \
  --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/doc/*' \
  --dpkgopt='path-include=/usr/share/doc/*/copyright' --dpkgopt='path-exclude=/usr/share/locale/*' \
  --dpkgopt='path-exclude=/usr/share/info/*' \
  --essential-hook='echo "postfix postfix/main_mailer_type select Internet Site" | chroot "$1" debconf-set-selections' \
  --essential-hook="echo 'postfix postfix/mailname string mail.localdomain' | chroot \"\$1\" debconf-set-selections" \
  --essential-hook='mkdir -p "$1/etc/initramfs-tools/conf.d" "$1/etc/initramfs-tools/hooks"' \
  --essential-hook='printf "MODULES=list\n" > "$1/etc/initramfs-tools/conf.d/lab"' \
  --essential-hook="install -m 0755 '$here/initramfs-hook' \"\$1/etc/initramfs-tools/hooks/lab\"" \
  --setup-hook='mkdir -p "$1/var/cache/apt/archives"' \
  --setup-hook="sync-in '$build/debs' /var/cache/apt/archives/" \
  --customize-hook="sync-out /var/cache/apt/archives '$build/debs'" \
  "${repo_hook[@]}" \
  "$codename" "$rootfs" "$work/apt.sources" >"$work/mmdebstrap.log" 2>&1 ||
  {
    tail -30 "$work/mmdebstrap.log" >&2
    die "mmdebstrap failed (full log: $work/mmdebstrap.log)"
  }
# Keep the package caches to the packages recent builds used.
find "$build/debs" "$build/repo-debs" -name '*.deb' -mtime +30 -delete 2>/dev/null || true
if [ "$flavour" = docker ]; then
  "$here/docker-listener-rootfs.sh" "$rootfs/var/lib/lab/docker/listener-rootfs.tar" "$work/apt.sources" \
    "$codename" "$build/debs" >"$work/docker-listener-rootfs.log" 2>&1 ||
    {
      tail -30 "$work/docker-listener-rootfs.log" >&2
      die "the docker flavour's container root file system failed (full log: $work/docker-listener-rootfs.log)"
    }
fi
t1=$(date +%s.%N)

"$here/customize.sh" "$rootfs" "$lab/topology.json" "$build/ssh/id_ed25519.pub" "$build/ssh/host" "$flavour"

# The image's own kernel and initrd boot it directly (qemu -kernel/-initrd).
kernel=$(find "$rootfs/boot" -name 'vmlinuz-*' | sort -V | tail -1)
[ -n "$kernel" ] || die "no kernel in the image (is linux-image-amd64 in packages.txt?)"
kver=${kernel##*/vmlinuz-}
cp "$kernel" "$work/vmlinuz"
cp "$rootfs/boot/initrd.img-$kver" "$work/initrd.img"

used_mb=$(du -sm "$rootfs" | cut -f1)
size_mb=$((used_mb + 768))
mkfs.ext4 -q -F -L labroot -d "$rootfs" "$work/root.ext4" "${size_mb}M"
t2=$(date +%s.%N)
rm -rf "$rootfs"

python3 - "$work/build.json" "$key" "$codename" "$kver" "$t0" "$t1" "$t2" "$used_mb" "$size_mb" "$flavour" <<'EOF'
import json, sys, time
path, key, suite, kver, t0, t1, t2, used, size, flavour = sys.argv[1:]
json.dump({
    "key": key, "suite": suite, "flavour": flavour, "kernel": kver,
    "builtAt": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    "seconds": {"bootstrap": round(float(t1) - float(t0), 1), "customizeAndImage": round(float(t2) - float(t1), 1),
                "total": round(float(t2) - float(t0), 1)},
    "rootfsMiB": int(used), "imageMiB": int(size),
}, open(path, "w"), indent=2)
EOF
rm -rf "$out"
mv "$work" "$out"
log "$flavour image built in $(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["seconds"]["total"])' "$out/build.json") s (kernel $kver): $out"
