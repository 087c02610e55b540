import {
  Cidr,
  containingIpv6Prefix,
  hasIpv6Source,
  Ipv6Prefix,
  ipv6PrefixFromValue,
  ipv6ToBigInt,
  tryParseIpv6Prefix,
  coversIpv6World,
  ParsedSpf,
  parseIpv6Address,
  parseSpf,
  ptrOwnerName,
  tryParseCidr,
} from "../../net";
import { memoByText } from "./memo";

/**
 * Cached front ends to `net/`'s parsers for the values rules look at again and again (every rule
 * re-reads the same firewall sources and addresses). Parsing stays in `net/`; this only remembers.
 */

/**
 * The canonical form of an IPv6 address, or undefined when the text is not one. One parse: `isIpv6Address` is
 * `parseIpv6Address` not throwing, so asking it first parsed every address twice.
 */
export const canonicalIpv6: (text: string) => string | undefined = memoByText((text) => {
  try {
    return parseIpv6Address(text);
  } catch {
    return undefined;
  }
});

/** `tryParseCidr`, cached. */
export const cidrOf: (text: string) => Cidr | undefined = memoByText((text) => tryParseCidr(text));

/** Whether the text is an IPv6 address (cached). */
export function isIpv6(text: string): boolean {
  return canonicalIpv6(text) !== undefined;
}

/** The canonical form of a text already known to be an IPv6 address. */
export function ipv6(text: string): string {
  const canonical = canonicalIpv6(text);
  if (canonical === undefined) throw new Error(`"${text}" is not an IPv6 address`);
  return canonical;
}

/** `ptrOwnerName`, cached. */
export const ptrName: (address: string) => string = memoByText((address) => ptrOwnerName(address));

const worldCache = memoByText((json) => coversIpv6World(JSON.parse(json) as string[]));

const ipv6SourceCache = memoByText((json) => hasIpv6Source(JSON.parse(json) as string[]));

/**
 * `hasIpv6Source`, cached by the list's content (as JSON, so no two lists share a key): every host's cloud
 * firewall rules are judged, and their source lists are the same few (`0.0.0.0/0`, `::/0`, an admin network).
 */
export function anyIpv6Source(cidrs: readonly string[]): boolean {
  return ipv6SourceCache(JSON.stringify(cidrs));
}

/** `coversIpv6World`, cached by the list's content (as JSON, so no two lists share a key). */
export function coversWorld(cidrs: readonly string[]): boolean {
  return worldCache(JSON.stringify(cidrs));
}

/** `parseSpf`, cached. */
export const spf: (text: string) => ParsedSpf = memoByText((text) => parseSpf(text));

/** `tryParseIpv6Prefix`, cached. */
export const ipv6PrefixOf: (text: string) => Ipv6Prefix | undefined = memoByText((text) =>
  tryParseIpv6Prefix(text),
);

/**
 * The /64 containing an IPv6 address, as text (cached): `containingIpv6Prefix(address, 64)`, computed from the
 * cached canonical form, so the address is not parsed again (the model asks both of every droplet's address).
 * Text that is not an address goes to `containingIpv6Prefix` itself, for its error.
 */
export const sixtyFourOf: (address: string) => string = memoByText((address) => {
  const canonical = canonicalIpv6(address);
  if (canonical === undefined) return containingIpv6Prefix(address, 64).text;
  return ipv6PrefixFromValue(ipv6ToBigInt(canonical), 64).text;
});
