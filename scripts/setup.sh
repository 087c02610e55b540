#!/usr/bin/env bash
# Installs everything the tests and the main job need on a fresh Debian machine: the system packages
# (qemu and mmdebstrap for the lab, shellcheck and nftables for the host-config tests), the npm
# dependencies from the committed lockfile (no install scripts run), the Pulumi engine built from Go
# modules, and the pinned Python packages of the Python consumer program (scripts/python-wheels.sh).
# Idempotent: what is already there is kept.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"

need=()
for pair in shellcheck:shellcheck nft:nftables ip:iproute2 ping:iputils-ping nc:netcat-openbsd; do
  command -v "${pair%%:*}" >/dev/null 2>&1 || need+=("${pair#*:}")
done
# The Python consumer program's virtualenv (Debian splits venv's pip bootstrap into python3-venv).
if [ "${IPV6_MAIL_SKIP_LAB:-0}" != 1 ] && ! python3 -c 'import ensurepip, venv' >/dev/null 2>&1; then
  need+=(python3-venv)
fi
if [ "${#need[@]}" -gt 0 ]; then
  echo "setup: installing ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
if [ "${IPV6_MAIL_SKIP_LAB:-0}" != 1 ]; then bash scripts/lab-deps.sh; fi

echo "setup: npm ci"
npm ci --ignore-scripts --no-audit --no-fund --loglevel=error

if [ "${IPV6_MAIL_SKIP_LAB:-0}" != 1 ]; then
  echo "setup: Pulumi engine"
  bash scripts/pulumi-engine.sh >/dev/null
  echo "setup: the Python SDK's packages (pinned, from PyPI)"
  bash scripts/python-wheels.sh
fi
echo "setup: done"
