import { Address4, Address6 } from "ip-address";
import { IpParseError } from "./ip-parse-error";
import { boundedMemo } from "./bounded-memo";

/** An IPv6 network: canonical text plus the numeric range it spans, for exact containment and overlap tests. */
export interface Ipv6Prefix {
  /** Canonical (RFC 5952 compressed, lower case) network address, e.g. `2001:db8:25::`. */
  readonly address: string;
  readonly length: number;
  /** Canonical CIDR text, e.g. `2001:db8:25::/64`. */
  readonly text: string;
  /** First address of the range as a 128-bit integer. */
  readonly first: bigint;
  /** Last address of the range as a 128-bit integer. */
  readonly last: bigint;
}

/** An IPv4 network; the same shape as {@link Ipv6Prefix} so range logic can serve both families. */
export interface Ipv4Prefix {
  readonly address: string;
  readonly length: number;
  readonly text: string;
  readonly first: bigint;
  readonly last: bigint;
}

/** Either family, tagged, as accepted by firewall rules and SPF mechanisms. */
export interface Cidr {
  readonly family: 4 | 6;
  readonly prefix: Ipv4Prefix | Ipv6Prefix;
}

const IPV6_BITS = 128;
const IPV4_BITS = 32;

function hostMask(bits: number, length: number): bigint {
  return (1n << BigInt(bits - length)) - 1n;
}

/** The message for a value that is not text at all (a number, `undefined`, an object from a config file). */
function notAStringMessage(value: unknown, expected: string): string {
  return `${describeNonString(value)} is not a string; expected ${expected}`;
}

function describeNonString(value: unknown): string {
  if (value === undefined) return "(not set)";
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

function toAddress6(text: string): Address6 {
  if (typeof text !== "string") {
    throw new IpParseError(String(text), notAStringMessage(text, "an IPv6 address or prefix"));
  }
  const trimmed = text.trim();
  if (trimmed.includes("%")) {
    throw new IpParseError(
      text,
      `"${text}" carries a zone index (%…); zones only make sense for link-local use`,
    );
  }
  // Construct once: `Address6.isValid` constructs too, so checking first parsed every address twice.
  try {
    return new Address6(trimmed);
  } catch {
    throw new IpParseError(text, `"${text}" is not an IPv6 address or prefix`);
  }
}

/** Canonical RFC 5952 text of a 128-bit value. */
export const formatIpv6: (value: bigint) => string = boundedMemo((value: bigint) =>
  Address6.fromBigInt(value).correctForm(),
);

/**
 * Parses an IPv6 address (no prefix length) to its canonical compressed lower-case form.
 *
 * @example
 * parseIpv6Address("2001:DB8:0:0::25"); // "2001:db8::25"
 */
export function parseIpv6Address(text: string): string {
  if (typeof text !== "string") {
    throw new IpParseError(String(text), notAStringMessage(text, "a single IPv6 address"));
  }
  return canonicalIpv6Address(text);
}

const canonicalIpv6Address = boundedMemo((text: string): string => {
  if (text.includes("/")) {
    throw new IpParseError(String(text), `"${text}" is not a single IPv6 address (it has a prefix length)`);
  }
  return toAddress6(text).correctForm();
});

/** The non-throwing twin of {@link parseIpv6Address}. */
export function isIpv6Address(text: string): boolean {
  try {
    parseIpv6Address(text);
    return true;
  } catch {
    return false;
  }
}

/** The address as a 128-bit integer. */
export function ipv6ToBigInt(address: string): bigint {
  if (typeof address !== "string") return toAddress6(address).bigInt();
  return ipv6Value(address);
}

const ipv6Value = boundedMemo((address: string): bigint => toAddress6(address).bigInt());

/**
 * Parses an IPv6 prefix such as `2001:db8:25::/64`. Host bits must be zero: `2001:db8:25::1/64` is an address
 * with a length, not a network, and accepting it silently is how a wrong prefix ends up routed.
 *
 * @example
 * parseIpv6Prefix("2001:0DB8:25:0::/64").text; // "2001:db8:25::/64"
 */
export function parseIpv6Prefix(text: string): Ipv6Prefix {
  if (typeof text !== "string") {
    throw new IpParseError(String(text), notAStringMessage(text, "an IPv6 prefix such as 2001:db8:25::/64"));
  }
  return ipv6PrefixOfText(text);
}

const ipv6PrefixOfText = boundedMemo((text: string): Ipv6Prefix => {
  if (!text.includes("/")) {
    throw new IpParseError(String(text), `"${text}" has no prefix length; write it as address/length`);
  }
  const lengthText = text.trim().split("/")[1];
  if (!/^\d{1,3}$/.test(lengthText) || Number(lengthText) > IPV6_BITS) {
    throw new IpParseError(text, `"${text}" has an invalid prefix length; it must be 0 to 128`);
  }
  const parsed = toAddress6(text);
  const length = Number(lengthText);
  const value = parsed.bigInt();
  const mask = hostMask(IPV6_BITS, length);
  if ((value & mask) !== 0n) {
    const network = formatIpv6(value & ~mask);
    throw new IpParseError(text, `"${text}" has host bits set; the network is ${network}/${length}`);
  }
  const address = formatIpv6(value);
  return Object.freeze({ address, length, text: `${address}/${length}`, first: value, last: value | mask });
});

/** The non-throwing twin of {@link parseIpv6Prefix}. */
export function tryParseIpv6Prefix(text: string): Ipv6Prefix | undefined {
  try {
    return parseIpv6Prefix(text);
  } catch {
    return undefined;
  }
}

/** Builds the prefix of the given length that contains a 128-bit value (host bits cleared). */
export function ipv6PrefixFromValue(value: bigint, length: number): Ipv6Prefix {
  const mask = hostMask(IPV6_BITS, length);
  const first = value & ~mask;
  const address = formatIpv6(first);
  return { address, length, text: `${address}/${length}`, first, last: first | mask };
}

/** The /`length` network that contains an address, e.g. the /64 of `2001:db8:1e::2` is `2001:db8:1e::/64`. */
export function containingIpv6Prefix(address: string, length: number): Ipv6Prefix {
  return ipv6PrefixFromValue(ipv6ToBigInt(parseIpv6Address(address)), length);
}

function toAddress4(text: string): Address4 {
  const trimmed = String(text).trim();
  try {
    return new Address4(trimmed);
  } catch {
    throw new IpParseError(String(text), `"${text}" is not an IPv4 address or prefix`);
  }
}

/** Parses a single IPv4 address to dotted-quad form. */
export function parseIpv4Address(text: string): string {
  if (typeof text !== "string") {
    throw new IpParseError(String(text), notAStringMessage(text, "a single IPv4 address"));
  }
  return canonicalIpv4Address(text);
}

const canonicalIpv4Address = boundedMemo((text: string): string => {
  if (text.includes("/")) {
    throw new IpParseError(String(text), `"${text}" is not a single IPv4 address (it has a prefix length)`);
  }
  return toAddress4(text).correctForm();
});

/** The non-throwing twin of {@link parseIpv4Address}. */
export function isIpv4Address(text: string): boolean {
  try {
    parseIpv4Address(text);
    return true;
  } catch {
    return false;
  }
}

/** Parses an IPv4 prefix such as `203.0.113.0/24`; host bits must be zero. */
export function parseIpv4Prefix(text: string): Ipv4Prefix {
  if (typeof text !== "string") {
    throw new IpParseError(String(text), notAStringMessage(text, "an IPv4 prefix such as 192.0.2.0/24"));
  }
  return ipv4PrefixOfText(text);
}

const ipv4PrefixOfText = boundedMemo((text: string): Ipv4Prefix => {
  if (!text.includes("/")) {
    throw new IpParseError(String(text), `"${text}" has no prefix length; write it as address/length`);
  }
  const lengthText = text.trim().split("/")[1];
  if (!/^\d{1,2}$/.test(lengthText) || Number(lengthText) > IPV4_BITS) {
    throw new IpParseError(text, `"${text}" has an invalid prefix length; it must be 0 to 32`);
  }
  const parsed = toAddress4(text);
  const length = Number(lengthText);
  const value = parsed.bigInt();
  const mask = hostMask(IPV4_BITS, length);
  if ((value & mask) !== 0n) {
    const network = Address4.fromBigInt(value & ~mask).correctForm();
    throw new IpParseError(text, `"${text}" has host bits set; the network is ${network}/${length}`);
  }
  const address = Address4.fromBigInt(value).correctForm();
  return Object.freeze({ address, length, text: `${address}/${length}`, first: value, last: value | mask });
});

/** The non-throwing twin of {@link parseIpv4Prefix}. */
export function tryParseIpv4Prefix(text: string): Ipv4Prefix | undefined {
  try {
    return parseIpv4Prefix(text);
  } catch {
    return undefined;
  }
}

/**
 * Parses a firewall-style source of either family. A bare address means a single host (/32 or /128), the way
 * cloud firewalls and SPF read it.
 *
 * @example
 * parseCidr("::0/0"); // { family: 6, prefix: { text: "::/0", … } }
 * parseCidr("192.0.2.7"); // { family: 4, prefix: { text: "192.0.2.7/32", … } }
 */
export function parseCidr(text: string): Cidr {
  if (typeof text !== "string") {
    throw new IpParseError(String(text), notAStringMessage(text, "an IPv4 or IPv6 address or network"));
  }
  const trimmed = text.trim();
  const withLength = trimmed.includes("/") ? trimmed : `${trimmed}/${trimmed.includes(":") ? 128 : 32}`;
  if (trimmed.includes(":")) return { family: 6, prefix: parseIpv6Prefix(withLength) };
  return { family: 4, prefix: parseIpv4Prefix(withLength) };
}

/** The non-throwing twin of {@link parseCidr}. */
export function tryParseCidr(text: string): Cidr | undefined {
  try {
    return parseCidr(text);
  } catch {
    return undefined;
  }
}

/** A numeric address range of one family; every prefix is one. */
export interface AddressRange {
  readonly first: bigint;
  readonly last: bigint;
}

/** Whether `outer` contains every address of `inner` (same family). */
export function prefixContainsPrefix(outer: AddressRange, inner: AddressRange): boolean {
  return outer.first <= inner.first && inner.last <= outer.last;
}

/** Whether an IPv6 prefix contains an IPv6 address. */
export function prefixContainsAddress(prefix: Ipv6Prefix, address: string): boolean {
  const value = ipv6ToBigInt(parseIpv6Address(address));
  return prefix.first <= value && value <= prefix.last;
}

/** Whether two prefixes of the same family share at least one address. */
export function prefixesOverlap(a: AddressRange, b: AddressRange): boolean {
  return a.first <= b.last && b.first <= a.last;
}
