import { describeIpv6AddressKind, ipv6AddressKind } from "./address-kind";
import { isIpv4Address, isIpv6Address, tryParseIpv6Prefix } from "./ip-prefix";
import { integerSetting, oneOfSetting, patternSetting, Setting, withDefault } from "./setting";

/**
 * The declared settings of a mail host, each once (see {@link Setting}): the components check the user's
 * values with them and name the user's field; the host-config renderers assert them on their specs and
 * apply the same defaults.
 */

/** Tunnel MTU: IPv6 needs at least 1280; 6in4 adds a 20-byte IPv4 header to the 1500 of Ethernet. */
export const TUNNEL_MTU = integerSetting({
  min: 1280,
  max: 1480,
  default: 1480,
  problem: "must be 1280..1480 (IPv6 needs 1280; 6in4 adds 20 bytes to 1500)",
  fix: "use 1480, or 1280 behind links with a smaller MTU",
});

/**
 * Seconds until an unconfirmed firewall ruleset rolls back: long enough for the confirming SSH connection,
 * short enough that a ruleset that locked the admins out is gone before they give up.
 */
export const FIREWALL_ROLLBACK_SECONDS = integerSetting({
  min: 10,
  max: 600,
  default: 60,
  unit: "seconds",
  fix: "use 60: long enough for the confirming SSH connection, short enough to recover fast",
});

/** A TCP port. */
export const TCP_PORT = integerSetting({
  min: 1,
  max: 65535,
  problem: "is not a TCP port",
  fix: "use a whole number from 1 to 65535",
});

/** The port sshd listens on. */
export const SSH_PORT = withDefault(TCP_PORT, 22, "use 22 or the port your sshd listens on");

/** Which /64 of a routed /48 a host gets: a /48 holds 65536. */
export const SUBNET_INDEX = integerSetting({
  min: 0,
  max: 65535,
  problem: "is outside 0..65535",
  fix: "use a whole number from 0 to 65535",
});

/** A Linux network interface name (IFNAMSIZ: at most 15 characters), safe in shell and unit files. */
export const INTERFACE_NAME = patternSetting({
  pattern: /^[a-zA-Z0-9_.-]{1,15}$/,
  problem: "is not a Linux interface name",
  fix: "use at most 15 letters, digits, '.', '_' or '-'",
});

/** The sit interface of the Hurricane Electric tunnel. */
export const TUNNEL_INTERFACE_NAME = withDefault(INTERFACE_NAME, "he-ipv6");

/** The provider NIC (the one with the IPv4 SSH uses and the provider's own IPv6). */
export const PROVIDER_INTERFACE_NAME = withDefault(INTERFACE_NAME, "eth0");

/** A Hurricane Electric tunnel id, as tunnelbroker.net shows it ("Tunnel ID"). */
export const HE_TUNNEL_ID = patternSetting({
  pattern: /^\d{1,10}$/,
  problem: "is not a tunnel id",
  fix: "copy the numeric Tunnel ID from the tunnel details page",
});

/** Hurricane Electric's endpoint update URL (dyndns-style; answers `good` or `nochg`). */
export const HE_UPDATE_URL = "https://ipv4.tunnelbroker.net/nic/update";

/** Where the endpoint update goes: an http(s) URL with nothing a shell or curl config would interpret. */
export const HE_UPDATE_ENDPOINT = patternSetting({
  pattern: /^https?:\/\/[^\s'"\\]+$/,
  default: HE_UPDATE_URL,
  problem: "is not an http(s) URL",
  fix: `leave it unset to use ${HE_UPDATE_URL}`,
});

/** Hurricane Electric's end of the tunnel ("Server IPv4 Address"): the only source of protocol 41 let in. */
export const HE_SERVER_IPV4: Setting<string> = {
  accepts: (value: unknown): value is string => typeof value === "string" && isIpv4Address(value),
  problem: "is not an IPv4 address",
  fix: 'copy "Server IPv4 Address" from the tunnel details page',
};

/** The address `ip -6 route get` checks the tunnel's source address for: a public resolver by default. */
export const TUNNEL_VERIFY_TARGET: Setting<string> = {
  accepts: (value: unknown): value is string => typeof value === "string" && isIpv6Address(value),
  default: "2001:4860:4860::8888",
  problem: "is not an IPv6 address",
  fix: "give a public IPv6 address, e.g. 2001:4860:4860::8888",
};

/** What the tunnel does with the provider's RA-learned IPv6 default route; a named choice (a const object and its union), so that other Pulumi languages get it as an enum. */
export const ProviderDefaultRoute = {
  /** Keep it, for answers from the provider address; new connections leave through the tunnel. */
  Keep: "keep",
  /** Stop accepting it: IPv6 leaves only through the tunnel. */
  Disable: "disable",
} as const;
/** One of {@link ProviderDefaultRoute}'s values. */
export type ProviderDefaultRoute = (typeof ProviderDefaultRoute)[keyof typeof ProviderDefaultRoute];

/** What the tunnel does with the provider's RA-learned IPv6 default route. */
export const PROVIDER_DEFAULT_ROUTE = oneOfSetting({
  values: Object.values(ProviderDefaultRoute),
  default: "keep",
  fix: 'use "keep" to answer on the provider address too, "disable" to use only the tunnel',
});

/** The ULA network docker-mailserver's container gets by default (never a documentation or public range). */
export const DEFAULT_DOCKER_IPV6_SUBNET = "fd00:cafe:face:feed::/64";

/**
 * The container network's IPv6 subnet: a unique local /64. Documentation ranges never carry traffic and a
 * public range would collide with someone's real network once NAT66 hides the container behind the host.
 */
export const DOCKER_IPV6_SUBNET: Setting<string> = {
  accepts: (value: unknown): value is string => {
    const prefix = typeof value === "string" ? tryParseIpv6Prefix(value) : undefined;
    return prefix !== undefined && prefix.length === 64 && ipv6AddressKind(prefix.text) === "unique-local";
  },
  default: DEFAULT_DOCKER_IPV6_SUBNET,
  problem: (value: unknown) => {
    const prefix = typeof value === "string" ? tryParseIpv6Prefix(value) : undefined;
    const what =
      prefix === undefined
        ? "not an IPv6 prefix"
        : ipv6AddressKind(prefix.text) !== "unique-local"
          ? `${describeIpv6AddressKind(prefix.text)}, not unique-local`
          : `a /${prefix.length}`;
    return `must be a unique local (fc00::/7) /64, and ${String(value)} is ${what}; documentation and public ranges leak or collide`;
  },
  fix: `use ${DEFAULT_DOCKER_IPV6_SUBNET} or another fd00::/8 /64`,
};

/** TTL of the mail host's DNS records; a low one (300) while rolling IPv6 out withdraws it fast. */
export const DNS_TTL = integerSetting({
  min: 60,
  max: 86400,
  default: 3600,
  unit: "seconds",
  fix: "use 3600, or 300 while rolling out",
});

/** MX preference of the mail host (lower is preferred). */
export const MX_PRIORITY = integerSetting({
  min: 0,
  max: 65535,
  default: 10,
  fix: "use 10 (lower is preferred)",
});

/** How the zone's SPF record ends; a named choice (a const object and its union), so that other Pulumi languages get it as an enum. */
export const SpfAll = {
  /** `-all`: mail from anywhere else fails SPF. */
  Fail: "-all",
  /** `~all`: mail from anywhere else soft-fails (while migrating). */
  SoftFail: "~all",
} as const;
/** One of {@link SpfAll}'s values. */
export type SpfAll = (typeof SpfAll)[keyof typeof SpfAll];

/** How the zone's SPF record ends. */
export const SPF_ALL = oneOfSetting({
  values: Object.values(SpfAll),
  default: "-all",
  fix: 'use "-all" (or "~all" while migrating); anything else lets any host send as the domain',
});

/** What SPF authorizes for IPv6; a named choice (a const object and its union), so that other Pulumi languages get it as an enum. */
export const SpfAuthorize = {
  /** The whole dedicated /64. */
  Prefix: "prefix",
  /** Only the SMTP address (a /128). */
  Address: "address",
} as const;
/** One of {@link SpfAuthorize}'s values. */
export type SpfAuthorize = (typeof SpfAuthorize)[keyof typeof SpfAuthorize];

/** What SPF authorizes for IPv6: the whole dedicated /64, or only the SMTP address. */
export const SPF_AUTHORIZE = oneOfSetting({
  values: Object.values(SpfAuthorize),
  default: "prefix",
  fix: 'use "prefix" to authorize the dedicated /64, "address" for the SMTP address alone',
});
