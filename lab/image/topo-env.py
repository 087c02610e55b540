#!/usr/bin/env python3
"""Prints lab/topology.json as shell assignments, so shell scripts read the one topology file.

Each leaf becomes TOPO_<PATH> in upper snake case: host.public.ipv4 -> TOPO_HOST_PUBLIC_IPV4. Lists become
space-separated words. Values are shell-quoted, so `eval "$(topo-env.py FILE)"` is safe. The image build
writes the output to /etc/lab/topology.env, which the scripts inside the VM source (no Python start-up on
the boot path).
"""
import json
import re
import shlex
import sys


def snake(key: str) -> str:
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", key).upper()


def flatten(prefix: str, value, out: dict) -> None:
    if isinstance(value, dict):
        for k, v in value.items():
            flatten(f"{prefix}_{snake(k)}", v, out)
    elif isinstance(value, list):
        out[prefix] = " ".join(str(v) for v in value)
    else:
        out[prefix] = str(value)


def main() -> None:
    path = sys.argv[1] if len(sys.argv) > 1 else "/etc/lab/topology.json"
    with open(path, encoding="utf-8") as f:
        topo = json.load(f)
    out: dict = {}
    flatten("TOPO", topo, out)
    for k, v in out.items():
        print(f"{k}={shlex.quote(v)}")


if __name__ == "__main__":
    main()
