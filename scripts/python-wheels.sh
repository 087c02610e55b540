#!/usr/bin/env bash
# Downloads the pinned Python packages of scripts/engine/python-requirements.txt (the Pulumi SDK 3.248.0 and
# what a generated SDK needs to build) from PyPI into the engine cache, once: Python consumer programs then
# get a virtualenv from there without reaching an index.
#
#   bash scripts/python-wheels.sh         download what is missing (a stamp of the requirements' hash)
#   bash scripts/python-wheels.sh --env   same; stdout is only `export` lines: PIP_NO_INDEX and PIP_FIND_LINKS,
#                                         so that pip (also the one `pulumi package add` runs) installs from it
#
# Environment: IPV6_MAIL_CACHE (default <repo>/.cache/pulumi-engine, as scripts/pulumi-engine.sh).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
requirements="$repo/scripts/engine/python-requirements.txt"
wheels="${IPV6_MAIL_CACHE:-$repo/.cache/pulumi-engine}/python-wheels"
stamp="$wheels/.stamp"
want=$(sha256sum "$requirements" | cut -d' ' -f1)

if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  command -v python3 >/dev/null || { echo "python-wheels: python3 is needed" >&2; exit 1; }
  echo "python-wheels: downloading $(grep -c '^[A-Za-z]' "$requirements") pinned packages into $wheels" >&2
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  python3 -m venv "$tmp/venv"
  "$tmp/venv/bin/pip" download --quiet --no-deps --only-binary=:all: -r "$requirements" -d "$tmp/wheels"
  rm -rf "$wheels"
  mkdir -p "$(dirname "$wheels")"
  mv "$tmp/wheels" "$wheels"
  echo "$want" >"$stamp"
fi
if [ "${1:-}" = "--env" ]; then
  printf 'export PIP_NO_INDEX=1\nexport PIP_FIND_LINKS=%q\n' "$wheels"
fi
