import {
  Cidr,
  containingIpv6Prefix,
  Ipv6Prefix,
  tryParseIpv6Prefix,
  coversIpv6World,
  isIpv6Address,
  ParsedSpf,
  parseIpv6Address,
  parseSpf,
  ptrOwnerName,
  spfAuthorizesIpv6,
  tryParseCidr,
} from "../../components/net";
import { memoByText } from "./memo";

/**
 * Cached front ends to `components/net`'s parsers for the values rules look at again and again (every rule
 * re-reads the same firewall sources and addresses). Parsing stays in `components/net`; this only remembers.
 */

/** The canonical form of an IPv6 address, or undefined when the text is not one. */
export const canonicalIpv6: (text: string) => string | undefined = memoByText((text) =>
  isIpv6Address(text) ? parseIpv6Address(text) : undefined,
);

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

const worldCache = memoByText((joined) => coversIpv6World(joined.split("\n")));

/** `coversIpv6World`, cached by the list's content. */
export function coversWorld(cidrs: readonly string[]): boolean {
  return worldCache(cidrs.join("\n"));
}

/** `parseSpf`, cached. */
export const spf: (text: string) => ParsedSpf = memoByText((text) => parseSpf(text));

const authorizes = memoByText((key) => {
  const cut = key.lastIndexOf("\n");
  return spfAuthorizesIpv6(key.slice(0, cut), key.slice(cut + 1));
});

/** `spfAuthorizesIpv6`, cached. */
export function spfAuthorizes(text: string, address: string): boolean | "unknown" {
  return authorizes(`${text}\n${address}`);
}

/** `tryParseIpv6Prefix`, cached. */
export const ipv6PrefixOf: (text: string) => Ipv6Prefix | undefined = memoByText((text) =>
  tryParseIpv6Prefix(text),
);

/** The /64 containing an IPv6 address, as text (cached). */
export const sixtyFourOf: (address: string) => string = memoByText(
  (address) => containingIpv6Prefix(address, 64).text,
);
