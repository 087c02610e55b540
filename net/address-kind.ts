import { Ipv6Prefix, parseIpv6Prefix, ipv6ToBigInt, parseIpv6Address } from "./ip-prefix";

/**
 * The special-purpose class of an IPv6 address or prefix. Mail needs `global-unicast`; everything else is
 * either unroutable on the internet (ULA, link-local, loopback…) or reserved for examples (documentation).
 */
export type Ipv6AddressKind =
  | "unspecified"
  | "loopback"
  | "ipv4-mapped"
  | "link-local"
  | "multicast"
  | "unique-local"
  | "documentation"
  | "global-unicast"
  | "other-reserved";

interface KindRange {
  readonly kind: Ipv6AddressKind;
  readonly prefix: Ipv6Prefix;
  readonly description: string;
}

/** Ranges checked in order; more specific ranges come before the global-unicast catch-all. */
const KIND_RANGES: readonly KindRange[] = [
  { kind: "unspecified", prefix: parseIpv6Prefix("::/128"), description: "the unspecified address ::" },
  { kind: "loopback", prefix: parseIpv6Prefix("::1/128"), description: "the loopback address ::1" },
  {
    kind: "ipv4-mapped",
    prefix: parseIpv6Prefix("::ffff:0:0/96"),
    description: "an IPv4-mapped address (::ffff:0:0/96)",
  },
  { kind: "link-local", prefix: parseIpv6Prefix("fe80::/10"), description: "link-local (fe80::/10)" },
  { kind: "multicast", prefix: parseIpv6Prefix("ff00::/8"), description: "multicast (ff00::/8)" },
  { kind: "unique-local", prefix: parseIpv6Prefix("fc00::/7"), description: "unique local (ULA, fc00::/7)" },
  {
    kind: "documentation",
    prefix: parseIpv6Prefix("2001:db8::/32"),
    description: "the documentation range 2001:db8::/32",
  },
  {
    kind: "documentation",
    prefix: parseIpv6Prefix("3fff::/20"),
    description: "the documentation range 3fff::/20",
  },
  {
    kind: "global-unicast",
    prefix: parseIpv6Prefix("2000::/3"),
    description: "global unicast (2000::/3)",
  },
];

/** The documentation prefixes (RFC 3849, RFC 9637): fine in labs and examples, never in a real stack. */
export const DOCUMENTATION_PREFIXES: readonly string[] = ["2001:db8::/32", "3fff::/20"];

function rangeOf(addressOrPrefix: string): { first: bigint; last: bigint } {
  if (typeof addressOrPrefix === "string" && addressOrPrefix.includes("/"))
    return parseIpv6Prefix(addressOrPrefix);
  const value = ipv6ToBigInt(parseIpv6Address(addressOrPrefix));
  return { first: value, last: value };
}

function classify(addressOrPrefix: string): KindRange | undefined {
  const range = rangeOf(addressOrPrefix);
  return KIND_RANGES.find((k) => k.prefix.first <= range.first && range.last <= k.prefix.last);
}

/**
 * Classifies an address or a prefix. A prefix gets a kind only when it lies wholly inside that kind's range;
 * a prefix wider than every special range (e.g. `::/0`) is `other-reserved`.
 *
 * @example
 * ipv6AddressKind("fd00:cafe::1");      // "unique-local"
 * ipv6AddressKind("2001:db8:25::/64");  // "documentation"
 * ipv6AddressKind("2a01:4f8:1:2::/64"); // "global-unicast"
 */
export function ipv6AddressKind(addressOrPrefix: string): Ipv6AddressKind {
  return classify(addressOrPrefix)?.kind ?? "other-reserved";
}

/** A human description of the kind's range, for error messages ("unique local (ULA, fc00::/7)"). */
export function describeIpv6AddressKind(addressOrPrefix: string): string {
  return classify(addressOrPrefix)?.description ?? "a reserved or non-unicast range";
}

/** Whether an address or prefix lies inside a documentation range (2001:db8::/32 or 3fff::/20). */
export function isDocumentationPrefix(addressOrPrefix: string): boolean {
  return ipv6AddressKind(addressOrPrefix) === "documentation";
}
