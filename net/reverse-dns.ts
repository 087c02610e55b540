import { IpParseError } from "./ip-parse-error";
import { ipv6ToBigInt, parseIpv6Address, parseIpv6Prefix } from "./ip-prefix";

/** The 32 hex nibbles of an address, most significant first. */
function nibbles(value: bigint): string[] {
  return value.toString(16).padStart(32, "0").split("");
}

/**
 * The PTR owner name of an IPv6 address: 32 nibbles, least significant first, under `ip6.arpa` (RFC 3596).
 * Returned without the trailing dot, as DNS providers' APIs take names.
 *
 * @example
 * ptrOwnerName("2001:db8:25::25");
 * // "5.2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.5.2.0.0.8.b.d.0.1.0.0.2.ip6.arpa"
 */
export function ptrOwnerName(address: string): string {
  return [...nibbles(ipv6ToBigInt(parseIpv6Address(address))).reverse(), "ip6", "arpa"].join(".");
}

/**
 * The reverse zone of a prefix. IPv6 reverse delegation happens on nibble (4-bit) boundaries only, so a /64
 * is 16 labels and a /48 12; other lengths cannot be delegated as one zone and are rejected.
 *
 * @example
 * reverseZoneName("2001:db8:25::/64"); // "0.0.0.0.5.2.0.0.8.b.d.0.1.0.0.2.ip6.arpa"
 */
export function reverseZoneName(prefixText: string): string {
  const prefix = parseIpv6Prefix(prefixText);
  if (prefix.length % 4 !== 0) {
    throw new IpParseError(
      prefixText,
      `${prefix.text} is not nibble-aligned (its length is not a multiple of 4), so it has no single ip6.arpa zone`,
    );
  }
  const labels = nibbles(prefix.first)
    .slice(0, prefix.length / 4)
    .reverse();
  return [...labels, "ip6", "arpa"].join(".");
}
