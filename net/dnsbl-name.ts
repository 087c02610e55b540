import { isDomainName } from "./mail-dns-plan";
import { ptrOwnerName } from "./reverse-dns";

/**
 * The name a DNSBL is asked for an IPv6 address (RFC 5782 section 2.4): the address's 32 nibbles, least
 * significant first, one a label, under the list's zone. The same nibbles as the PTR name; Mail-in-a-Box's
 * lookup of 16-bit groups instead of nibbles is the mistake this avoids (a listed address reads as clean).
 * A list that works by /64 answers for every such name of a listed prefix.
 *
 * @example
 * dnsblQueryName("2001:db8:5ace::1", "dnsbl.example.net");
 * // "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.e.c.a.5.8.b.d.0.1.0.0.2.dnsbl.example.net"
 */
export function dnsblQueryName(address: string, zone: string): string {
  if (!isDomainName(zone)) throw new Error(`dnsblQueryName: zone "${zone}" is not a domain name`);
  return `${ptrOwnerName(address).replace(/\.ip6\.arpa$/, "")}.${zone.toLowerCase()}`;
}
