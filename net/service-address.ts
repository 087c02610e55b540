import { IpParseError } from "./ip-parse-error";
import { formatIpv6, ipv6ToBigInt, parseIpv6Address, parseIpv6Prefix } from "./ip-prefix";

/**
 * The default interface identifier of the SMTP source address: `::25` reads as "the mail address" in logs,
 * PTR zones and SPF records, which matters when a human debugs delivery at 3 a.m.
 */
export const DEFAULT_SMTP_INTERFACE_ID = "::25";

/**
 * Picks a service address inside a /64. The second argument is either an interface identifier (`::25`, which
 * is OR-ed into the prefix) or a full address, which must then lie inside the prefix.
 *
 * @example
 * serviceAddress("2001:db8:25::/64");                     // "2001:db8:25::25"
 * serviceAddress("2001:db8:25::/64", "::a:25");           // "2001:db8:25::a:25"
 * serviceAddress("2001:db8:25::/64", "2001:db8:25::1");   // "2001:db8:25::1"
 */
export function serviceAddress(
  prefix64: string,
  interfaceIdOrAddress: string = DEFAULT_SMTP_INTERFACE_ID,
): string {
  const prefix = parseIpv6Prefix(prefix64);
  const candidate = ipv6ToBigInt(parseIpv6Address(interfaceIdOrAddress));
  const hostMask = (1n << BigInt(128 - prefix.length)) - 1n;
  const isInterfaceId = (candidate & ~hostMask) === 0n;
  const address = isInterfaceId ? prefix.first | candidate : candidate;
  if (address < prefix.first || address > prefix.last) {
    throw new IpParseError(
      interfaceIdOrAddress,
      `${interfaceIdOrAddress} lies outside the dedicated prefix ${prefix.text}`,
    );
  }
  if (address === prefix.first) {
    throw new IpParseError(
      interfaceIdOrAddress,
      `${formatIpv6(address)} is the subnet-router anycast address of ${prefix.text}, not a host address`,
    );
  }
  return formatIpv6(address);
}
