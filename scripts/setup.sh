#!/usr/bin/env bash
# Installs everything the tests and the main job need on a fresh Debian machine: the system packages
# (qemu and mmdebstrap for the lab, shellcheck and nftables for the host-config tests), the npm
# dependencies from the committed lockfile (no install scripts run), the Pulumi engine built from Go
# modules, the lab's three VM images (full, bare and docker), and the pinned Python packages of the Python
# consumer program (scripts/python-wheels.sh). Idempotent: what is already there is kept.
#
# The engine and the lab images do not depend on each other, so they are made at the same time: the engine
# is Go compiling (CPU), the images are mmdebstrap (downloads, dpkg, disk). Each writes its own log, in
# $IPV6_MAIL_SETUP_LOGS (default .cache/setup-logs: pulumi-engine.log, lab-images.log), and its progress here
# as it goes. Setup waits for both and fails, naming it and its log, if either failed.
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
  logs=${IPV6_MAIL_SETUP_LOGS:-$repo/.cache/setup-logs}
  mkdir -p "$logs"
  job_pids=()
  job_names=()
  # Runs a function in the background, its output to $logs/<name>.log and to stderr; says how it ended.
  start_job() { # name function
    local name=$1 fn=$2
    (
      start=$SECONDS
      if "$fn" 2>&1 | tee "$logs/$name.log" >&2; then
        echo "setup: $name done in $((SECONDS - start)) s" >&2
      else
        echo "setup: ERROR: $name failed after $((SECONDS - start)) s (log: $logs/$name.log)" >&2
        exit 1
      fi
    ) &
    job_pids+=("$!")
    job_names+=("$name")
  }
  pulumi_engine() { bash scripts/pulumi-engine.sh >/dev/null; }
  lab_images() {
    LAB_FLAVOUR=full bash lab/lab.sh build && LAB_FLAVOUR=bare bash lab/lab.sh build &&
      LAB_FLAVOUR=docker bash lab/lab.sh build
  }

  echo "setup: Pulumi engine and lab images (full, bare, docker), side by side; logs in $logs"
  start_job pulumi-engine pulumi_engine
  start_job lab-images lab_images
  failed=()
  for i in "${!job_pids[@]}"; do
    wait "${job_pids[$i]}" || failed+=("${job_names[$i]}")
  done
  if [ "${#failed[@]}" -gt 0 ]; then
    echo "setup: ERROR: ${failed[*]} failed (logs in $logs)" >&2
    exit 1
  fi
  echo "setup: the Python SDK's packages (pinned, from PyPI)"
  bash scripts/python-wheels.sh
fi
echo "setup: done in ${SECONDS} s"
