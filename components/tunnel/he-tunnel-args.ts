import * as pulumi from "@pulumi/pulumi";
import {
  checkSmtpAddressInPrefix,
  checkSetting,
  checkTunnelPrefixes,
  ConfigProblem,
  DEFAULT_SMTP_INTERFACE_ID,
  hashedSubnetIndex,
  HE_SERVER_IPV4,
  HE_TUNNEL_ID,
  HE_UPDATE_ENDPOINT,
  ipv6ToBigInt,
  isIpv4Address,
  isIpv6Address,
  parseIpv6Address,
  parseIpv6Prefix,
  PrefixSource,
  PROVIDER_DEFAULT_ROUTE,
  ProviderDefaultRoute,
  PROVIDER_INTERFACE_NAME,
  serviceAddress,
  settingValue,
  SUBNET_INDEX,
  tryParseIpv6Prefix,
  TUNNEL_INTERFACE_NAME,
  TUNNEL_MTU,
  TUNNEL_VERIFY_TARGET,
} from "../../net";
import { knownValue, NOT_YET_KNOWN } from "../known-input";
import type { PrefixOrigin } from "../prefix-claims";

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
  providerDefaultRoute?: ProviderDefaultRoute;
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
  readonly providerDefaultRoute: ProviderDefaultRoute;
  readonly providerInterface: string;
  readonly providerPrefix?: string;
  readonly updateUrl: string;
  readonly sageCertified: boolean;
  readonly verifyTarget: string;
  readonly prefixSource: PrefixSource;
}

/** Checks tunnel settings; fields are prefixed with `fieldPrefix` (e.g. `tunnel.`). */
export function checkTunnelSettings(
  tunnel: HeTunnelSettings | undefined,
  fieldPrefix: string,
  allowDocumentation: boolean,
): ConfigProblem[] {
  const field = (name: string) => `${fieldPrefix}${name}`;
  if (tunnel === undefined) return [];
  const problems: ConfigProblem[] = [];
  problems.push(...checkSetting(HE_TUNNEL_ID, tunnel.tunnelId, field("tunnelId"), true));
  problems.push(...checkSetting(HE_SERVER_IPV4, tunnel.heServerIpv4, field("heServerIpv4"), true));
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
        routedPrefix: tunnel.routedPrefix,
        routed48: tunnel.routed48,
      },
      fieldPrefix,
      { allowDocumentation },
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
    } else {
      problems.push(...checkSetting(SUBNET_INDEX, tunnel.subnetIndex, field("subnetIndex")));
    }
  }
  problems.push(
    ...checkSetting(TUNNEL_MTU, tunnel.mtu, field("mtu")),
    ...checkSetting(TUNNEL_INTERFACE_NAME, tunnel.interfaceName, field("interfaceName")),
    ...checkSetting(PROVIDER_INTERFACE_NAME, tunnel.providerInterface, field("providerInterface")),
    ...checkSetting(PROVIDER_DEFAULT_ROUTE, tunnel.providerDefaultRoute, field("providerDefaultRoute")),
  );
  if ((tunnel.username === undefined) !== (tunnel.updateKey === undefined)) {
    problems.push({
      field: field(tunnel.username === undefined ? "username" : "updateKey"),
      value: "(secret)",
      problem: "is needed together with the other endpoint-update credential",
      fix: "set both username and updateKey (pulumi config set --secret), or neither",
    });
  }
  problems.push(...checkSetting(HE_UPDATE_ENDPOINT, tunnel.updateUrl, field("updateUrl")));
  if (tunnel.providerPrefix !== undefined && tryParseIpv6Prefix(tunnel.providerPrefix) === undefined) {
    problems.push({
      field: field("providerPrefix"),
      value: tunnel.providerPrefix,
      problem: "is not an IPv6 prefix",
      fix: "give the provider's /64 on providerInterface, e.g. 2a03:b0c0:3:d0::/64",
    });
  }
  problems.push(...checkSetting(TUNNEL_VERIFY_TARGET, tunnel.verifyTarget, field("verifyTarget")));
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

/**
 * Where the tunnel's dedicated /64 comes from, as the user wrote it (fields prefixed with `fieldPrefix`):
 * the routed /64 itself, the `subnetIndex` of the routed /48, or, when neither is given, the routed /48 with
 * the hash of the host name picking the /64. A /64 that collides is reported under that field.
 */
export function tunnelPrefixOrigin(
  tunnel: HeTunnelSettings,
  fieldPrefix: string,
  hostName: string,
): PrefixOrigin {
  if (tunnel.routedPrefix !== undefined) {
    return {
      field: `${fieldPrefix}routedPrefix`,
      value: tunnel.routedPrefix,
      fix: "give every mail host its own /64 (the routed /64 of its own tunnel)",
    };
  }
  if (tunnel.subnetIndex !== undefined) {
    return {
      field: `${fieldPrefix}subnetIndex`,
      value: tunnel.subnetIndex,
      derivation: `picks subnet ${tunnel.subnetIndex} of ${fieldPrefix}routed48 ${tunnel.routed48}`,
      fix: "give every mail host its own /64: another subnetIndex than the other host's",
    };
  }
  return {
    field: `${fieldPrefix}routed48`,
    value: tunnel.routed48,
    derivation: `the hash of hostName "${hostName}" picks subnet ${hashedSubnetIndex(hostName)} of it`,
    fix: `give every mail host its own /64: pin this one with ${fieldPrefix}subnetIndex (0..65535, another index than the other host's)`,
  };
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
    mtu: settingValue(TUNNEL_MTU, tunnel.mtu, "tunnel mtu"),
    interfaceName: settingValue(TUNNEL_INTERFACE_NAME, tunnel.interfaceName, "tunnel interfaceName"),
    providerDefaultRoute: settingValue(
      PROVIDER_DEFAULT_ROUTE,
      tunnel.providerDefaultRoute,
      "tunnel providerDefaultRoute",
    ),
    providerInterface: settingValue(
      PROVIDER_INTERFACE_NAME,
      tunnel.providerInterface,
      "tunnel providerInterface",
    ),
    providerPrefix:
      tunnel.providerPrefix === undefined ? undefined : parseIpv6Prefix(tunnel.providerPrefix).text,
    updateUrl: settingValue(HE_UPDATE_ENDPOINT, tunnel.updateUrl, "tunnel updateUrl"),
    sageCertified: tunnel.sageCertified ?? false,
    verifyTarget: parseIpv6Address(
      settingValue(TUNNEL_VERIFY_TARGET, tunnel.verifyTarget, "tunnel verifyTarget"),
    ),
    prefixSource: tunnel.routedPrefix !== undefined ? "he-routed-64" : "he-routed-48",
  };
}
