import { containingIpv6Prefix } from "./ip-prefix";

/**
 * Where a host's IPv6 prefix comes from. Blocklists judge a /64 as one sender, so what matters for mail is
 * whether anybody else can send from the same /64. A named choice (a const object and its union), so that
 * other Pulumi languages get it as an enum.
 */
export const PrefixSource = {
  /** A Hurricane Electric tunnel's routed /64. */
  HeRouted64: "he-routed-64",
  /** A /64 of a Hurricane Electric tunnel's routed /48. */
  HeRouted48: "he-routed-48",
  /** A Hetzner Cloud server's own /64. */
  HetznerServer64: "hetzner-server-64",
  /** A /64 the user declares routed to this host alone. */
  DeclaredDedicated: "declared-dedicated",
  /** A droplet's /124 of a /64 DigitalOcean shares between customers. */
  DigitaloceanNative: "digitalocean-native",
  /** A tunnel's link /64 (no rDNS). */
  HeLink64: "he-link-64",
  /** Not known. */
  Unknown: "unknown",
} as const;
/** One of {@link PrefixSource}'s values. */
export type PrefixSource = (typeof PrefixSource)[keyof typeof PrefixSource];

/** Whether a prefix is the stack's own, and why. */
export interface Ownership {
  readonly dedicated: boolean;
  readonly source: PrefixSource;
  readonly reason: string;
}

const OWNERSHIP: Record<PrefixSource, Ownership> = {
  "he-routed-64": {
    dedicated: true,
    source: "he-routed-64",
    reason: "Hurricane Electric routes this /64 to your tunnel alone, and delegates its reverse zone to you",
  },
  "he-routed-48": {
    dedicated: true,
    source: "he-routed-48",
    reason: "a /64 carved out of your Hurricane Electric routed /48 is routed to your tunnel alone",
  },
  "hetzner-server-64": {
    dedicated: true,
    source: "hetzner-server-64",
    reason: "Hetzner Cloud gives every server its own /64 (ipv6Network)",
  },
  "declared-dedicated": {
    dedicated: true,
    source: "declared-dedicated",
    reason: "declared dedicated by the stack (your provider assigns this /64 to you alone)",
  },
  "digitalocean-native": {
    dedicated: false,
    source: "digitalocean-native",
    reason:
      "a DigitalOcean droplet gets at most a /124 out of a /64 shared with other customers, and DigitalOcean blocks SMTP over IPv6",
  },
  "he-link-64": {
    dedicated: false,
    source: "he-link-64",
    reason:
      "the tunnel's link /64 (HE ::1, you ::2) is for the point-to-point link only; it gets no rDNS, so mail from ::2 has no PTR",
  },
  unknown: {
    dedicated: false,
    source: "unknown",
    reason:
      "nothing says this /64 is yours alone; blocklists list whole /64s, so a neighbour's spam would be yours",
  },
};

/**
 * Classifies a prefix by its source. Used by the components to refuse to send mail from a shared range, and
 * by the policy pack to judge stacks built without this package. Any text that is not a known source
 * (user input is not checked by the type system) is `unknown`, which is not dedicated.
 *
 * @example
 * prefixOwnership("digitalocean-native").dedicated; // false
 */
export function prefixOwnership(source: PrefixSource): Ownership {
  // Own keys only: user input such as "constructor" must not reach Object.prototype.
  return Object.hasOwn(OWNERSHIP, source) ? OWNERSHIP[source] : OWNERSHIP.unknown;
}

/** All known prefix sources, for validation of user input. */
export const PREFIX_SOURCES: readonly PrefixSource[] = Object.keys(OWNERSHIP) as PrefixSource[];

/**
 * The tunnel link /64 that holds the client's `::2` address, e.g. `2001:470:1f0a:9a::/64`; the routed
 * prefix must never be this one.
 */
export function heLinkPrefixOf(linkClientAddress: string): string {
  return containingIpv6Prefix(linkClientAddress, 64).text;
}
