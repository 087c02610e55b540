import { ConfigProblem } from "./config-problem";
import { checkPublicIpv6Address, checkPublicIpv6Prefix, parseProblem } from "./public-prefix-check";
import {
  containingIpv6Prefix,
  formatIpv6,
  ipv6ToBigInt,
  parseIpv6Address,
  parseIpv6Prefix,
  prefixContainsAddress,
  prefixesOverlap,
} from "./ip-prefix";

/** The IPv6 side of a Hurricane Electric tunnel, as shown on the tunnel's details page. */
export interface TunnelPrefixes {
  /** The client end of the link /64, `…::2`. */
  readonly linkClientAddress: unknown;
  /** HE's end of the link /64, `…::1`. */
  readonly linkServerAddress: unknown;
  /**
   * The routed /64: the prefix mail is sent from. May be left out when `routed48` is given: the host's /64 is
   * then allocated out of the /48, and only the /48 is the user's to check.
   */
  readonly routedPrefix?: unknown;
  /** The routed /48, if one was requested. */
  readonly routed48?: unknown;
}

/**
 * Checks a tunnel's prefixes against each other: both link addresses in one /64, the routed /64 neither equal
 * to nor overlapping the link /64 (mail from the link gets no PTR), and the routed /64 inside the /48 when one
 * is given. Field names are prefixed with `fieldPrefix` (e.g. `tunnel.`), and only fields the caller gave
 * are named: a /64 to be allocated out of the /48 is the /48's problem.
 */
export function checkTunnelPrefixes(
  tunnel: TunnelPrefixes,
  fieldPrefix: string,
  options: { allowDocumentation?: boolean; routedPrefixFromRouted48?: boolean } = {},
): ConfigProblem[] {
  const field = (name: string) => `${fieldPrefix}${name}`;
  const problems: ConfigProblem[] = [
    ...checkPublicIpv6Address(tunnel.linkClientAddress, field("linkClientAddress"), options),
    ...checkPublicIpv6Address(tunnel.linkServerAddress, field("linkServerAddress"), options),
  ];
  const routedGiven = tunnel.routedPrefix !== undefined;
  if (!routedGiven && tunnel.routed48 === undefined) {
    problems.push({
      field: field("routedPrefix"),
      value: undefined,
      problem: "is missing, and no routed48 is given to allocate a /64 from",
      fix: 'copy the "Routed /64" from the tunnel details page (or give routed48, the "Routed /48")',
    });
  } else if (routedGiven) {
    problems.push(
      ...checkPublicIpv6Prefix(tunnel.routedPrefix, field("routedPrefix"), {
        ...options,
        requiredLength: 64,
      }),
    );
  }
  if (tunnel.routed48 !== undefined) {
    problems.push(
      ...checkPublicIpv6Prefix(tunnel.routed48, field("routed48"), { ...options, requiredLength: 48 }),
    );
  }
  if (problems.length > 0) return problems;

  const client = parseIpv6Address(tunnel.linkClientAddress as string);
  const server = parseIpv6Address(tunnel.linkServerAddress as string);
  const link = containingIpv6Prefix(client, 64);
  const routed = routedGiven ? parseIpv6Prefix(tunnel.routedPrefix as string) : undefined;
  if (client === server) {
    problems.push({
      field: field("linkServerAddress"),
      value: tunnel.linkServerAddress,
      problem: "is the same as linkClientAddress",
      fix: "copy both from the tunnel details: Server IPv6 Address (…::1) and Client IPv6 Address (…::2)",
    });
  } else if (!prefixContainsAddress(link, server)) {
    problems.push({
      field: field("linkServerAddress"),
      value: tunnel.linkServerAddress,
      problem: `is not in the link /64 ${link.text} of linkClientAddress ${client}`,
      fix: "copy both link addresses from the same tunnel's details page",
    });
  }
  if (routed !== undefined && prefixesOverlap(link, routed)) {
    problems.push({
      field: field("routedPrefix"),
      value: tunnel.routedPrefix,
      problem: `is the tunnel's link /64 (${link.text}), which has no rDNS and is not yours to send mail from`,
      fix: 'use the "Routed /64" from the tunnel details, not the "Client IPv6 Address" network',
    });
  }
  if (tunnel.routed48 !== undefined) {
    const routed48 = parseIpv6Prefix(tunnel.routed48 as string);
    if (prefixesOverlap(routed48, link)) {
      problems.push({
        field: field("routed48"),
        value: tunnel.routed48,
        problem: `overlaps the tunnel's link /64 ${link.text}`,
        fix: 'use the "Routed /48" from the tunnel details',
      });
    } else if (
      routed !== undefined &&
      options.routedPrefixFromRouted48 &&
      !prefixesOverlap(routed48, routed)
    ) {
      problems.push({
        field: field("routedPrefix"),
        value: tunnel.routedPrefix,
        problem: `is not inside routed48 ${routed48.text}`,
        fix: "allocate the /64 out of the routed /48, or give the routed /64 without routed48",
      });
    }
  }
  return problems;
}

/**
 * Checks that the SMTP source address lies in the dedicated /64: sending from any other address throws away
 * the point of having one (and its PTR). The prefix's first address is refused too: it is the subnet-router
 * anycast address (RFC 4291 §2.6.1), not a host's, just as `serviceAddress` refuses it.
 *
 * `dedicatedPrefix` is expected to be checked already (e.g. by {@link checkPublicIpv6Prefix}); a text that
 * does not parse as a prefix throws `IpParseError`. A bad `smtpAddress` is reported as a problem.
 */
export function checkSmtpAddressInPrefix(
  smtpAddress: string,
  dedicatedPrefix: string,
  field: string,
): ConfigProblem[] {
  const prefix = parseIpv6Prefix(dedicatedPrefix);
  const example = formatIpv6(prefix.first | (0x25n & ((1n << BigInt(128 - prefix.length)) - 1n)));
  let address: string;
  try {
    address = parseIpv6Address(smtpAddress);
  } catch (error) {
    return [
      parseProblem(error, smtpAddress, field, `a single IPv6 address of ${prefix.text}, e.g. ${example}`),
    ];
  }
  if (!prefixContainsAddress(prefix, address)) {
    return [
      {
        field,
        value: smtpAddress,
        problem: `lies outside the dedicated prefix ${prefix.text}`,
        fix: `use an address of ${prefix.text} (e.g. ${example}) or an interface id such as "::25"`,
      },
    ];
  }
  if (ipv6ToBigInt(address) === prefix.first && prefix.length < 128) {
    return [
      {
        field,
        value: smtpAddress,
        problem: `${address} is the subnet-router anycast address of ${prefix.text}, not a host address`,
        fix: `use a host address of ${prefix.text}, e.g. ${example}`,
      },
    ];
  }
  return [];
}
