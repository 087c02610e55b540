#!/usr/bin/env python3
"""Prints the machine's own apt sources for one Debian release, in deb822 form, for mmdebstrap.

The lab image is built from whatever Debian mirror the machine is configured to use, so no mirror's host name
is written into the project. Entries are taken from /etc/apt/sources.list and /etc/apt/sources.list.d/
(both one-line and deb822 formats); only binary ("deb") entries whose suite is the release itself or its
-updates/-security suite are kept, so third-party repositories configured on the machine are left out.
Usage: host-apt-sources.py CODENAME
"""
import glob
import os
import sys

APT = os.environ.get("LAB_APT_ETC", "/etc/apt")


def parse_deb822(text: str):
    for para in text.split("\n\n"):
        fields = {}
        key = None
        for line in para.splitlines():
            if line.startswith("#") or not line.strip():
                continue
            if line[0] in " \t" and key:
                fields[key] += "\n" + line.strip()
                continue
            key, _, value = line.partition(":")
            key = key.strip().lower()
            fields[key] = value.strip()
        if not fields or fields.get("enabled", "yes").lower() == "no":
            continue
        if "deb" not in fields.get("types", "").split():
            continue
        for uri in fields.get("uris", "").split():
            for suite in fields.get("suites", "").split():
                yield uri, suite, fields.get("components", "main").split(), fields.get("signed-by", "")


def parse_one_line(text: str):
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if not line.startswith("deb "):
            continue
        words = line.split()[1:]
        options = {}
        if words and words[0].startswith("["):
            opts = []
            while words:
                w = words.pop(0)
                opts.append(w)
                if w.endswith("]"):
                    break
            for o in " ".join(opts).strip("[]").split():
                k, _, v = o.partition("=")
                options[k] = v
        if len(words) < 2:
            continue
        yield words[0], words[1], words[2:] or ["main"], options.get("signed-by", "")


def main() -> None:
    codename = sys.argv[1]
    wanted = {codename, f"{codename}-updates", f"{codename}-security"}
    entries = []
    files = [os.path.join(APT, "sources.list")] + sorted(glob.glob(os.path.join(APT, "sources.list.d", "*")))
    for path in files:
        if not os.path.isfile(path):
            continue
        with open(path, encoding="utf-8", errors="replace") as f:
            text = f.read()
        if path.endswith(".sources"):
            entries += parse_deb822(text)
        elif path.endswith(".list") or path == os.path.join(APT, "sources.list"):
            entries += parse_one_line(text)
    seen = set()
    out = []
    for uri, suite, comps, signed_by in entries:
        if suite not in wanted or (uri, suite) in seen:
            continue
        seen.add((uri, suite))
        stanza = f"Types: deb\nURIs: {uri}\nSuites: {suite}\nComponents: {' '.join(comps)}\n"
        if signed_by and "\n" not in signed_by:
            stanza += f"Signed-By: {signed_by}\n"
        out.append(stanza)
    if not any(suite == codename for _, suite, _, _ in entries):
        sys.exit(f"host-apt-sources: the machine's apt sources have no '{codename}' entry (looked in {APT})")
    print("\n".join(out), end="")


if __name__ == "__main__":
    main()
