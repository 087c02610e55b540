#!/usr/bin/env python3
"""Zone files for the lab's authoritative DNS server (NSD in the `internet` namespace).

A DNS plan is a plain JSON list of records, {"type", "name", "content", "ttl"} (optionally "priority" for
MX), with fully qualified names as a DNS provider's API takes them. `records` turns such a list into one zone
file per zone named on the command line, so the records a stack would publish can be served and queried for
real. Every record must fall inside one of the zones; anything else is an error naming the record.

Subcommands (all take --dir, the state directory holding zones.list, zones/ and nsd.conf):
  records --ns NAME ZONE...   records JSON on stdin
  zone ZONE                   a complete zone file on stdin
  unload ZONE
  base --topology FILE --ns NAME   the zones of the topology: the remote mail domain, the strict receiver's
                                   domain, the DNSBL and the documentation range's reverse zone
  write-conf --listen ADDR...      nsd.conf serving every zone in zones.list
"""
import argparse
import ipaddress
import json
import os
import re
import sys
import time

TYPES = {"A", "AAAA", "PTR", "CNAME", "NS", "MX", "TXT", "SRV", "CAA"}
LABEL = re.compile(r"^(?!-)[a-z0-9_-]{1,63}(?<!-)$|^\*$")


class PlanError(Exception):
    pass


def norm_name(name: str) -> str:
    name = name.strip().lower()
    return name[:-1] if name.endswith(".") else name


def check_zone(zone: str) -> str:
    z = norm_name(zone)
    if not z or not all(LABEL.match(label) for label in z.split(".")):
        raise PlanError(f"zone '{zone}' is not a valid domain name")
    return z


def absolute(host: str, field: str) -> str:
    h = norm_name(host)
    if not h or not all(LABEL.match(label) for label in h.split(".")):
        raise PlanError(f"{field} '{host}' is not a valid host name")
    return h + "."


def txt_strings(content: str) -> str:
    text = content.strip()
    if text.startswith('"'):
        return text  # already in zone-file form
    chunks = [text[i : i + 255] for i in range(0, len(text), 255)] or [""]
    return " ".join('"' + c.replace("\\", "\\\\").replace('"', '\\"') + '"' for c in chunks)


def rdata(rec: dict, where: str) -> str:
    rtype = rec["type"]
    content = str(rec.get("content", ""))
    if rtype == "A":
        try:
            return str(ipaddress.IPv4Address(content))
        except ValueError:
            raise PlanError(f"{where}: content '{content}' is not an IPv4 address") from None
    if rtype == "AAAA":
        try:
            return str(ipaddress.IPv6Address(content))
        except ValueError:
            raise PlanError(f"{where}: content '{content}' is not an IPv6 address") from None
    if rtype in ("PTR", "CNAME", "NS"):
        return absolute(content, f"{where}: content")
    if rtype == "MX":
        parts = content.split()
        if "priority" in rec and len(parts) == 1:
            return f"{int(rec['priority'])} {absolute(parts[0], where + ': content')}"
        if len(parts) == 2 and parts[0].isdigit():
            return f"{parts[0]} {absolute(parts[1], where + ': content')}"
        raise PlanError(f"{where}: MX content '{content}' needs a priority (field 'priority' or '10 host')")
    if rtype == "TXT":
        return txt_strings(content)
    return content  # SRV, CAA: taken as written


def owner(name: str, zones: list) -> tuple:
    """Returns (zone, owner name relative to it) for the zone that most closely contains `name`."""
    n = norm_name(name)
    if n == "@" and len(zones) == 1:
        return zones[0], "@"
    best = None
    for z in zones:
        if n == z or n.endswith("." + z):
            if best is None or len(z) > len(best):
                best = z
    if best is None:
        return None, None
    return best, "@" if n == best else n[: -len(best) - 1]


def zone_text(zone: str, ns: str, records: list) -> str:
    serial = int(time.time())
    lines = [
        f"$ORIGIN {zone}.",
        "$TTL 300",
        f"@ 300 IN SOA {absolute(ns, 'name server')} hostmaster.{zone}. {serial} 3600 600 86400 60",
        f"@ 300 IN NS {absolute(ns, 'name server')}",
    ]
    for rel, ttl, rtype, data in records:
        lines.append(f"{rel} {ttl} IN {rtype} {data}")
    return "\n".join(lines) + "\n"


def plan_to_zones(plan, zones: list, ns: str) -> dict:
    if not isinstance(plan, list):
        raise PlanError("the records JSON must be a list of {type, name, content, ttl} objects")
    per_zone = {z: [] for z in zones}
    problems = []
    for i, rec in enumerate(plan):
        where = f"record {i}"
        try:
            if not isinstance(rec, dict):
                raise PlanError(f"{where} is not an object")
            rtype = str(rec.get("type", "")).upper()
            name = str(rec.get("name", ""))
            where = f"record {i} ({rtype} {name})"
            if rtype not in TYPES:
                raise PlanError(f"{where}: type '{rtype}' is not one of {sorted(TYPES)}")
            zone, rel = owner(name, zones)
            if zone is None:
                raise PlanError(f"{where}: name is not inside any loaded zone ({', '.join(zones)})")
            ttl = int(rec.get("ttl") or 300)
            if ttl < 1:
                ttl = 300  # a provider's "automatic" TTL (Cloudflare uses 1)
            per_zone[zone].append((rel, ttl, rtype, rdata(dict(rec, type=rtype), where)))
        except PlanError as e:
            problems.append(str(e))
    if problems:
        raise PlanError("invalid DNS plan:\n - " + "\n - ".join(problems))
    return {z: zone_text(z, ns, recs) for z, recs in per_zone.items()}


def dnsbl_records(zone: str, prefix: str, answer: str, reason: str) -> list:
    """An RFC 5782 DNSBL listing a whole IPv6 prefix (a multiple of 4 bits long, e.g. a /64).

    A client is looked up as its 32 nibbles, least significant first, under the list's zone; a wildcard
    below the prefix's own nibbles answers for every address in it, which is how lists that work by /64
    answer. RFC 5782 section 5's test entries are there too: ::ffff:7f00:2 (and 127.0.0.2) listed,
    ::ffff:7f00:1 (and 127.0.0.1) not.
    """
    net = ipaddress.IPv6Network(prefix)
    if net.prefixlen % 4:
        raise PlanError(f"DNSBL prefix {prefix} is not a whole number of nibbles long")
    # reverse_pointer is the address's 32 nibbles (least significant first) + ".ip6.arpa".
    nibbles = net.network_address.reverse_pointer.split(".")[:32]
    listed = ".".join(nibbles[32 - net.prefixlen // 4 :])
    test_entry = ".".join(ipaddress.IPv6Address("::ffff:7f00:2").reverse_pointer.split(".")[:32])
    records = []
    for owner_name, text in (
        (f"*.{listed}.{zone}", reason),
        (f"{test_entry}.{zone}", "RFC 5782 test entry"),
        (f"2.0.0.127.{zone}", "RFC 5782 test entry"),
    ):
        records.append({"type": "A", "name": owner_name, "content": answer, "ttl": 300})
        records.append({"type": "TXT", "name": owner_name, "content": text, "ttl": 300})
    return records


def base_zones(topology: dict, ns: str) -> dict:
    """The zones the lab's DNS serves from the start (zone -> text).

    The remote mail domain (MX to the sink), the strict receiver's domain (its MX), the DNSBL, and an
    empty reverse zone covering the lab's documentation range: a sender without a PTR gets NXDOMAIN, as on
    the internet, rather than REFUSED (which a receiver treats as a temporary error). The reverse zones a
    stack loads are more specific and win inside their prefix.
    """
    t = topology["internet"]
    domain = t["mx"]["domain"]
    plan = [
        {"type": "MX", "name": domain, "content": f"10 {t['mx']['name']}", "ttl": 300},
        {"type": "AAAA", "name": t["mx"]["name"], "content": t["mx"]["ipv6"], "ttl": 300},
        {"type": "AAAA", "name": t["dns"]["name"], "content": t["dns"]["ipv6"], "ttl": 300},
        {"type": "A", "name": t["dns"]["name"], "content": t["dns"]["ipv4"], "ttl": 300},
    ]
    zones = plan_to_zones(plan, [domain], ns)
    strict = t["strictMx"]
    strict_plan = [
        {"type": "MX", "name": strict["domain"], "content": f"10 {strict['name']}", "ttl": 300},
        {"type": "AAAA", "name": strict["name"], "content": strict["ipv6"], "ttl": 300},
    ]
    zones.update(plan_to_zones(strict_plan, [strict["domain"]], ns))
    dnsbl = t["dnsbl"]
    listed = dnsbl_records(
        dnsbl["zone"], topology["provider"]["sharedPrefix"], dnsbl["listedAnswer"], dnsbl["reason"]
    )
    zones.update(plan_to_zones(listed, [dnsbl["zone"]], ns))
    zones.update(plan_to_zones([], [t["dns"]["reverseZone"]], ns))
    return zones


def read_list(d: str) -> list:
    path = os.path.join(d, "zones.list")
    if not os.path.exists(path):
        return []
    with open(path, encoding="utf-8") as f:
        return [line.strip() for line in f if line.strip()]


def write_atomic(path: str, text: str) -> None:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
    os.chmod(tmp, 0o644)
    os.replace(tmp, path)


def store(d: str, texts: dict) -> None:
    zones = read_list(d)
    for z, text in texts.items():
        write_atomic(os.path.join(d, "zones", z + ".zone"), text)
        if z not in zones:
            zones.append(z)
        print(f"zone {z}:\n{text}")
    write_atomic(os.path.join(d, "zones.list"), "".join(z + "\n" for z in zones))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("command", choices=["records", "zone", "unload", "base", "write-conf"])
    ap.add_argument("zones", nargs="*")
    ap.add_argument("--dir", required=True)
    ap.add_argument("--ns", default="ns.example.net")
    ap.add_argument("--topology")
    ap.add_argument("--listen", action="append", default=[])
    a = ap.parse_intermixed_args()
    try:
        if a.command == "records":
            zones = [check_zone(z) for z in a.zones]
            if not zones:
                raise PlanError("name at least one zone to load the records into")
            try:
                plan = json.load(sys.stdin)
            except json.JSONDecodeError as e:
                raise PlanError(f"the records on stdin are not JSON: {e}") from None
            store(a.dir, plan_to_zones(plan, zones, a.ns))
        elif a.command == "zone":
            if len(a.zones) != 1:
                raise PlanError("zone takes exactly one zone name")
            store(a.dir, {check_zone(a.zones[0]): sys.stdin.read()})
        elif a.command == "unload":
            z = check_zone(a.zones[0])
            zones = [x for x in read_list(a.dir) if x != z]
            write_atomic(os.path.join(a.dir, "zones.list"), "".join(x + "\n" for x in zones))
            try:
                os.remove(os.path.join(a.dir, "zones", z + ".zone"))
            except FileNotFoundError:
                pass
        elif a.command == "base":
            with open(a.topology, encoding="utf-8") as f:
                topology = json.load(f)
            store(a.dir, base_zones(topology, a.ns))
        elif a.command == "write-conf":
            conf = [
                "# Written by lab-ctl; serves every zone in zones.list.",
                "server:",
                "  username: nsd",
                f'  zonesdir: "{a.dir}/zones"',
                '  database: ""',
                f'  zonelistfile: "{a.dir}/nsd-zone.list"',
                '  xfrdfile: "/run/lab/nsd-xfrd.state"',
                '  pidfile: ""',
                "  hide-version: yes",
                "  verbosity: 1",
                "  server-count: 1",
                "  reuseport: no",
            ]
            conf += [f"  ip-address: {addr}" for addr in a.listen]
            conf.append("remote-control:\n  control-enable: no")
            for z in read_list(a.dir):
                conf += ["zone:", f"  name: {z}", f'  zonefile: "{z}.zone"']
            write_atomic(os.path.join(a.dir, "nsd.conf"), "\n".join(conf) + "\n")
    except PlanError as e:
        print(f"dns-zones: {e}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
