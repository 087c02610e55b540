#!/usr/bin/env python3
"""Sends ICMPv6 router advertisements for a prefix from a chosen source address to ff02::1.

The lab uses it to check a host firewall: advertisements from a link-local (fe80::/10) source must reach
the host; the same advertisement from a global source must be dropped before the kernel counts it.
"""
import argparse
import ipaddress
import socket
import struct
import time


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--interface", required=True)
    ap.add_argument("--source", required=True, help="source address (must be on the interface)")
    ap.add_argument("--prefix", required=True, help="advertised prefix, e.g. 2001:db8:bad::/64")
    ap.add_argument("--count", type=int, default=1)
    ap.add_argument("--router-lifetime", type=int, default=0)
    a = ap.parse_args()

    prefix = ipaddress.IPv6Network(a.prefix)
    ifindex = socket.if_nametoindex(a.interface)
    sock = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
    sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_HOPS, 255)
    sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_UNICAST_HOPS, 255)
    sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_IF, ifindex)
    src = ipaddress.IPv6Address(a.source)
    sock.bind((str(src), 0, 0, ifindex if src.is_link_local else 0))

    # RA header (RFC 4861 4.2): type 134, code 0, checksum (kernel fills it), hop limit, flags,
    # router lifetime, reachable time, retrans timer; then a prefix information option (type 3, 32 bytes).
    ra = struct.pack("!BBHBBHII", 134, 0, 0, 64, 0, a.router_lifetime, 0, 0)
    pio = struct.pack("!BBBBIII", 3, 4, prefix.prefixlen, 0xC0, 86400, 14400, 0) + prefix.network_address.packed
    for i in range(a.count):
        sock.sendto(ra + pio, ("ff02::1", 0, 0, ifindex))
        if i + 1 < a.count:
            time.sleep(0.1)
    print(f"sent {a.count} router advertisement(s) for {prefix} from {src} on {a.interface}")


if __name__ == "__main__":
    main()
