import * as pulumi from "@pulumi/pulumi";
import {
  checkSmtpAddressInPrefix,
  checkTunnelPrefixes,
  ConfigProblem,
  DEFAULT_SMTP_INTERFACE_ID,
  ipv6ToBigInt,
  isIpv4Address,
  isIpv6Address,
  parseIpv6Address,
  parseIpv6Prefix,
  PrefixSource,
  serviceAddress,
  tryParseIpv6Prefix,
} from "../../net";
import { knownValue, NOT_YET_KNOWN } from "../known-input";

/** Hurricane Electric's endpoint update URL (dyndns-style; answers `good` or `nochg`). */
export const HE_UPDATE_URL = "https://ipv4.tunnelbroker.net/nic/update";

/**
 * A Hurricane Electric 6in4 tunnel as shown on its tunnelbroker details page. The tunnel itself is created
 * once by hand on the website (HE has no API for that); everything here is what the host needs.
 */
export interface HeTunnelSettings {
  /** The tunnel id (digits), used for the endpoint update. */
  tunnelId: string;
  /** "Server IPv4 Address": HE's end of the tunnel. */
  heServerIpv4: string;
  /** The host's own IPv4 the tunnel leaves from; its *private* address when behind NAT. Default: the host's IPv4. */
  localIpv4?: pulumi.Input<string>;
  /** "Client IPv6 Address" without the length (`…::2`). */
  linkClientAddress: string;
  /** "Server IPv6 Address" without the length (`…::1`). */
  linkServerAddress: string;
  /** "Routed /64". Mail is sent from here. Give this or `routed48`. */
  routedPrefix?: string;
  /** "Routed /48", if requested; a /64 of it is allocated when `routedPrefix` is not given. */
  routed48?: string;
  /** Which /64 of `routed48` this host gets (0..65535); default a stable hash of the host name. */
  subnetIndex?: number;
  /** Tunnel MTU, 1280..1480 (default 1480 = 1500 minus the 20-byte IPv4 header). */
  mtu?: number;
  /** Name of the sit interface (default `he-ipv6`). */
  interfaceName?: string;
  /**
   * What happens to the provider's RA-learned IPv6 default route: `keep` (default) keeps it for answers
   * from the provider address while new connections leave through the tunnel; `disable` stops accepting it.
   */
  providerDefaultRoute?: "keep" | "disable";
  /** The provider-facing interface (default `eth0`). */
  providerInterface?: string;
  /**
   * The provider's own IPv6 /64 on `providerInterface` (with `keep`, answers from it leave through the
   * provider). Default: the droplet's native /64 on DigitalOcean.
   */
  providerPrefix?: string;
  /** Tunnelbroker user name, for the endpoint update (secret). */
  username?: pulumi.Input<string>;
  /** The tunnel's update key from the Advanced tab (secret). Without it the endpoint is not updated. */
  updateKey?: pulumi.Input<string>;
  /** Override the update URL (tests). */
  updateUrl?: string;
  /** HE filters tcp/25 until the account passes the "Sage" certification and asks: declare it here. */
  sageCertified?: boolean;
  /** An address that `ip -6 route get` checks the source address for (default a public one). */
  verifyTarget?: string;
}

/** The tunnel after defaults, with the dedicated /64 decided. */
export interface ResolvedTunnel {
  readonly tunnelId: string;
  readonly heServerIpv4: string;
  readonly linkClientAddress: string;
  readonly linkServerAddress: string;
  readonly routedPrefix?: string;
  readonly routed48?: string;
  readonly subnetIndex?: number;
  readonly mtu: number;
  readonly interfaceName: string;
  readonly providerDefaultRoute: "keep" | "disable";
  readonly providerInterface: string;
  readonly providerPrefix?: string;
  readonly updateUrl: string;
  readonly sageCertified: boolean;
  readonly verifyTarget: string;
  readonly prefixSource: PrefixSource;
}

const INTERFACE_NAME = /^[a-zA-Z0-9_.-]{1,15}$/;

/** Checks tunnel settings; fields are prefixed with `fieldPrefix` (e.g. `tunnel.`). */
export function checkTunnelSettings(
  tunnel: HeTunnelSettings | undefined,
  fieldPrefix: string,
  allowDocumentation: boolean,
): ConfigProblem[] {
  const field = (name: string) => `${fieldPrefix}${name}`;
  if (tunnel === undefined) return [];
  const problems: ConfigProblem[] = [];
  if (typeof tunnel.tunnelId !== "string" || !/^\d{1,10}$/.test(tunnel.tunnelId)) {
    problems.push({
      field: field("tunnelId"),
      value: tunnel.tunnelId,
      problem: "is not a tunnel id",
      fix: "copy the numeric Tunnel ID from the tunnel details page",
    });
  }
  if (!isIpv4Address(tunnel.heServerIpv4)) {
    problems.push({
      field: field("heServerIpv4"),
      value: tunnel.heServerIpv4,
      problem: "is not an IPv4 address",
      fix: 'copy "Server IPv4 Address" from the tunnel details page',
    });
  }
  const local = knownValue(tunnel.localIpv4);
  if (local !== NOT_YET_KNOWN && local !== undefined && !isIpv4Address(local)) {
    problems.push({
      field: field("localIpv4"),
      value: local,
      problem: "is not an IPv4 address",
      fix: "give the host's IPv4 (its private one behind NAT), or leave it unset",
    });
  }
  problems.push(
    ...checkTunnelPrefixes(
      {
        linkClientAddress: tunnel.linkClientAddress,
        linkServerAddress: tunnel.linkServerAddress,
        routedPrefix: tunnel.routedPrefix ?? firstSubnetOf(tunnel.routed48),
        routed48: tunnel.routed48,
      },
      fieldPrefix,
      { allowDocumentation, routedPrefixFromRouted48: tunnel.routedPrefix === undefined },
    ),
  );
  if (tunnel.subnetIndex !== undefined) {
    if (tunnel.routed48 === undefined || tunnel.routedPrefix !== undefined) {
      problems.push({
        field: field("subnetIndex"),
        value: tunnel.subnetIndex,
        problem: "only applies when the /64 is allocated from routed48",
        fix: "remove subnetIndex, or give routed48 without routedPrefix",
      });
    } else if (
      !Number.isInteger(tunnel.subnetIndex) ||
      tunnel.subnetIndex < 0 ||
      tunnel.subnetIndex > 65535
    ) {
      problems.push({
        field: field("subnetIndex"),
        value: tunnel.subnetIndex,
        problem: "is outside 0..65535",
        fix: "use a whole number from 0 to 65535",
      });
    }
  }
  const mtu = tunnel.mtu ?? 1480;
  if (!Number.isInteger(mtu) || mtu < 1280 || mtu > 1480) {
    problems.push({
      field: field("mtu"),
      value: tunnel.mtu,
      problem: "must be 1280..1480 (IPv6 needs 1280; 6in4 adds 20 bytes to 1500)",
      fix: "use 1480, or 1280 behind links with a smaller MTU",
    });
  }
  for (const [name, value] of [
    ["interfaceName", tunnel.interfaceName],
    ["providerInterface", tunnel.providerInterface],
  ] as const) {
    if (value !== undefined && !INTERFACE_NAME.test(value)) {
      problems.push({
        field: field(name),
        value,
        problem: "is not a Linux interface name",
        fix: "use at most 15 letters, digits, '.', '_' or '-'",
      });
    }
  }
  if (
    tunnel.providerDefaultRoute !== undefined &&
    !["keep", "disable"].includes(tunnel.providerDefaultRoute)
  ) {
    problems.push({
      field: field("providerDefaultRoute"),
      value: tunnel.providerDefaultRoute,
      problem: 'must be "keep" or "disable"',
      fix: 'use "keep" to answer on the provider address too, "disable" to use only the tunnel',
    });
  }
  if ((tunnel.username === undefined) !== (tunnel.updateKey === undefined)) {
    problems.push({
      field: field(tunnel.username === undefined ? "username" : "updateKey"),
      value: "(secret)",
      problem: "is needed together with the other endpoint-update credential",
      fix: "set both username and updateKey (pulumi config set --secret), or neither",
    });
  }
  if (tunnel.updateUrl !== undefined && !/^https?:\/\/[^\s'"]+$/.test(tunnel.updateUrl)) {
    problems.push({
      field: field("updateUrl"),
      value: tunnel.updateUrl,
      problem: "is not an http(s) URL",
      fix: `leave it unset to use ${HE_UPDATE_URL}`,
    });
  }
  if (tunnel.providerPrefix !== undefined && tryParseIpv6Prefix(tunnel.providerPrefix) === undefined) {
    problems.push({
      field: field("providerPrefix"),
      value: tunnel.providerPrefix,
      problem: "is not an IPv6 prefix",
      fix: "give the provider's /64 on providerInterface, e.g. 2a03:b0c0:3:d0::/64",
    });
  }
  if (tunnel.verifyTarget !== undefined) {
    try {
      parseIpv6Address(tunnel.verifyTarget);
    } catch {
      problems.push({
        field: field("verifyTarget"),
        value: tunnel.verifyTarget,
        problem: "is not an IPv6 address",
        fix: "give a public IPv6 address, e.g. 2001:4860:4860::8888",
      });
    }
  }
  return problems;
}

/**
 * Checks the SMTP source inside the dedicated /64: an interface id such as `::25`, or a full address of the
 * /64 (whether it lies inside is checked once the /64 is decided). The unspecified address `::` names nothing.
 */
export function checkSmtpInterfaceId(value: unknown, field: string): ConfigProblem[] {
  if (value === undefined) return [];
  if (typeof value === "string" && isIpv6Address(value) && ipv6ToBigInt(value) !== 0n) return [];
  return [
    {
      field,
      value,
      problem: "is neither an interface id (such as ::25) nor an IPv6 address",
      fix: `use e.g. "${DEFAULT_SMTP_INTERFACE_ID}", or a full address inside the dedicated /64`,
    },
  ];
}

/**
 * Checks the SMTP address that `interfaceId` makes in the decided dedicated /64: inside it, and a host
 * address (not the subnet-router anycast address). Problems are named `field`.
 */
export function checkSmtpAddressOf(prefix: string, interfaceId: string, field: string): ConfigProblem[] {
  try {
    return checkSmtpAddressInPrefix(serviceAddress(prefix, interfaceId), prefix, field);
  } catch (error) {
    return [
      {
        field,
        value: interfaceId,
        problem: (error as Error).message,
        fix: `use e.g. "${DEFAULT_SMTP_INTERFACE_ID}"`,
      },
    ];
  }
}

function firstSubnetOf(routed48: string | undefined): string | undefined {
  if (routed48 === undefined) return undefined;
  try {
    const prefix = parseIpv6Prefix(routed48);
    return prefix.length === 48 ? `${prefix.address}/64` : undefined;
  } catch {
    return undefined;
  }
}

/** Applies defaults to checked settings. */
export function resolveTunnel(tunnel: HeTunnelSettings): ResolvedTunnel {
  return {
    tunnelId: tunnel.tunnelId,
    heServerIpv4: tunnel.heServerIpv4,
    linkClientAddress: parseIpv6Address(tunnel.linkClientAddress),
    linkServerAddress: parseIpv6Address(tunnel.linkServerAddress),
    routedPrefix: tunnel.routedPrefix === undefined ? undefined : parseIpv6Prefix(tunnel.routedPrefix).text,
    routed48: tunnel.routed48 === undefined ? undefined : parseIpv6Prefix(tunnel.routed48).text,
    subnetIndex: tunnel.subnetIndex,
    mtu: tunnel.mtu ?? 1480,
    interfaceName: tunnel.interfaceName ?? "he-ipv6",
    providerDefaultRoute: tunnel.providerDefaultRoute ?? "keep",
    providerInterface: tunnel.providerInterface ?? "eth0",
    providerPrefix:
      tunnel.providerPrefix === undefined ? undefined : parseIpv6Prefix(tunnel.providerPrefix).text,
    updateUrl: tunnel.updateUrl ?? HE_UPDATE_URL,
    sageCertified: tunnel.sageCertified ?? false,
    verifyTarget:
      tunnel.verifyTarget === undefined ? "2001:4860:4860::8888" : parseIpv6Address(tunnel.verifyTarget),
    prefixSource: tunnel.routedPrefix !== undefined ? "he-routed-64" : "he-routed-48",
  };
}
