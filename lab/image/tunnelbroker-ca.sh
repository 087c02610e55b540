#!/bin/bash
# The simulated tunnelbroker.net's TLS (lab only): a lab CA made at every image build, a server certificate
# for the real name signed by it, and the CA in the image's local trust anchors, so the mail host's curl
# verifies the endpoint update as it verifies HE's real certificate: no insecure flag, no host script change.
# The CA's private key is used once here and thrown away: nothing else can ever be signed by it.
#   tunnelbroker-ca.sh ROOTFS_DIR NAME     (runs on the build machine: openssl)
set -euo pipefail
root=$1
name=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 3650 \
  -subj "/CN=ipv6-mail lab CA" -addext "basicConstraints=critical,CA:TRUE" \
  -addext "keyUsage=critical,keyCertSign,cRLSign" \
  -keyout "$work/ca.key" -out "$work/ca.crt" 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj "/CN=$name" \
  -keyout "$work/server.key" -out "$work/server.csr" 2>/dev/null
printf 'subjectAltName=DNS:%s\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n' "$name" >"$work/ext"
openssl x509 -req -in "$work/server.csr" -CA "$work/ca.crt" -CAkey "$work/ca.key" -CAcreateserial \
  -days 3650 -extfile "$work/ext" -out "$work/server.crt" 2>/dev/null

install -D -m 0644 "$work/server.crt" "$root/etc/lab/tunnelbroker/server.crt"
install -D -m 0600 "$work/server.key" "$root/etc/lab/tunnelbroker/server.key"
# ca-certificates picks up /usr/local/share/ca-certificates when it runs update-ca-certificates: at its
# install (the bare flavour's host scripts install it) or here (the full flavour has it).
install -D -m 0644 "$work/ca.crt" "$root/usr/local/share/ca-certificates/ipv6-mail-lab-ca.crt"
if [ -x "$root/usr/sbin/update-ca-certificates" ]; then
  chroot "$root" update-ca-certificates >/dev/null
fi
