#!/bin/bash
# The bare image's package repository: what a host script may install on it (mail-host-packages.txt) and
# every dependency the image lacks, downloaded with apt-get download and indexed with dpkg-scanpackages, as a
# flat repository in /var/lib/lab/repo of the image. The VM serves it over HTTP from the provider namespace
# (lab-repo.service), and the image's apt sources name only it: apt on the mail host installs from the lab,
# never from outside. Also unpacks a private nft for the lab's own namespaces (/usr/local/lib/lab/nft), so
# the lab's switches work while the mail host itself has no nftables.
# Runs on the build machine as an mmdebstrap customize hook, while the bootstrap's apt still knows the archive:
#   local-repo.sh ROOTFS_DIR CACHE_DIR PACKAGE... [-- ALTERNATIVE...]
# CACHE_DIR keeps the downloaded .debs between builds (only missing ones are downloaded). Each group after a
# `--` (repo-alternative-packages.txt: another MTA than Postfix) is resolved on its own, since it conflicts with
# the first group as packages; the repository carries the union.
set -euo pipefail
root=$1
cache=$2
shift 2
[ "$#" -gt 0 ] || {
  echo "local-repo: no packages given" >&2
  exit 2
}
repo=$root/var/lib/lab/repo
mkdir -p "$repo" "$cache"
in_root() { chroot "$root" "$@"; }

# The packages (name=version) apt would install on the image for the given ones, with no recommends, as the
# host scripts install them.
install_set() {
  in_root apt-get -s -q -o APT::Install-Recommends=false install "$@" |
    awk '$1 == "Inst" { v = $3; sub(/^\(/, "", v); print $2 "=" v }'
}

# The install set of every group (groups are separated by `--`), each resolved alone.
group_sets() {
  local group=()
  for arg in "$@" --; do
    if [ "$arg" = -- ]; then
      [ "${#group[@]}" -eq 0 ] || install_set "${group[@]}"
      group=()
    else
      group+=("$arg")
    fi
  done
}

mapfile -t wanted < <(group_sets "$@" | sort -u)
[ "${#wanted[@]}" -gt 0 ] || {
  echo "local-repo: apt would install nothing for: $* (already in the image?)" >&2
  exit 1
}
missing=()
for nv in "${wanted[@]}"; do
  name=${nv%%=*}
  version=${nv#*=}
  # apt-get download names files name_version_arch.deb, with the epoch's colon as %3a.
  if ! compgen -G "$cache/${name}_${version//:/%3a}_*.deb" >/dev/null; then missing+=("$nv"); fi
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "local-repo: downloading ${#missing[@]} of ${#wanted[@]} packages" >&2
  rm -rf "$root/tmp/lab-repo-download"
  mkdir -p "$root/tmp/lab-repo-download"
  in_root sh -c 'cd /tmp/lab-repo-download && apt-get -q -o APT::Sandbox::User=root download "$@"' sh "${missing[@]}" >&2
  cp -n "$root"/tmp/lab-repo-download/*.deb "$cache/"
  rm -rf "$root/tmp/lab-repo-download"
fi
for nv in "${wanted[@]}"; do
  name=${nv%%=*}
  version=${nv#*=}
  cp "$cache/${name}_${version//:/%3a}_"*.deb "$repo/"
done
(cd "$repo" && dpkg-scanpackages --multiversion . /dev/null 2>/dev/null >Packages && gzip -9nkf Packages)
[ -s "$repo/Packages" ] || {
  echo "local-repo: dpkg-scanpackages wrote an empty index" >&2
  exit 1
}

# The lab's private nft: nftables and the libraries the image lacks, unpacked outside the system's paths.
private=$root/usr/local/lib/lab/nft
rm -rf "$private"
mkdir -p "$private"
while IFS= read -r nv; do
  dpkg-deb -x "$cache/${nv%%=*}_$(printf '%s' "${nv#*=}" | sed 's/:/%3a/')_"*.deb "$private"
done < <(install_set nftables)
[ -x "$private/usr/sbin/nft" ] || {
  echo "local-repo: the private nft was not unpacked" >&2
  exit 1
}
rm -rf "${private:?}/usr/share"
echo "local-repo: $(grep -c '^Package:' "$repo/Packages") packages in /var/lib/lab/repo; private nft in /usr/local/lib/lab/nft" >&2
