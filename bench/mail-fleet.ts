import * as pulumi from "@pulumi/pulumi";
import type { MailServerArgs } from "../components";

/**
 * A fleet of mail hosts the way a platform team runs one stack of them: DigitalOcean droplets, each with its own
 * Hurricane Electric tunnel (its own routed /64, so every host has a distinct dedicated prefix), DNS in
 * Cloudflare, one mail domain per tenant. Addresses are made up inside real-looking ranges (HE's 2001:470::/32,
 * DigitalOcean's 2a03:b0c0::/32, the benchmarking range 198.18.0.0/15) so no documentation-prefix path is taken.
 */

/** Hexadecimal of `i` for building per-host prefixes. */
function hex(i: number): string {
  return i.toString(16);
}

/** What every host of the fleet shares: its tenant's zone, admin sources, Postfix, Cloudflare DNS. */
function tenant(i: number) {
  const zone = `tenant${i}.example.net`;
  return {
    hostName: `mx.${zone}`,
    zone,
    firewall: { adminSources: ["203.0.113.7/32", "2001:470:abcd::/48"], rollbackSeconds: 60 },
    mta: { kind: "postfix" as const },
    cloudflare: {
      zoneId: "0123456789abcdef0123456789abcdef",
      reverseZoneId: "fedcba9876543210fedcba9876543210",
    },
  };
}

/** The arguments of the `i`-th MailServer of the fleet (i < 65536). */
export function fleetHostArgs(i: number): MailServerArgs {
  const { cloudflare, ...common } = tenant(i);
  return {
    ...common,
    digitalocean: {
      region: "fra1",
      size: "s-1vcpu-1gb",
      image: "debian-12-x64",
      sshKeys: ["3b:16:bf:e4:8b:00:8b:b8:59:8c:a9:d3:f0:19:45:fa"],
      sshPrivateKey: pulumi.secret("bench-not-a-key"),
      tags: ["mail"],
    },
    tunnel: {
      tunnelId: String(900000 + i),
      heServerIpv4: "216.66.80.30",
      linkClientAddress: `2001:470:1f0a:${hex(i)}::2`,
      linkServerAddress: `2001:470:1f0a:${hex(i)}::1`,
      routedPrefix: `2001:470:1f0b:${hex(i)}::/64`,
      providerDefaultRoute: "keep",
      sageCertified: true,
    },
    dns: { cloudflare, spfAll: "-all", aaaaTtl: 300 },
  };
}

/**
 * The `i`-th Hetzner Cloud MailServer: the server's own /64 is the dedicated prefix (no tunnel), DNS in
 * Cloudflare. Used to vary the policy benchmark's stacks.
 */
export function fleetHetznerArgs(i: number): MailServerArgs {
  const { cloudflare, ...common } = tenant(i);
  return {
    ...common,
    hetzner: {
      serverType: "cx22",
      image: "debian-12",
      location: "fsn1",
      sshKeys: ["ops"],
      sshPrivateKey: pulumi.secret("bench-not-a-key"),
      labels: { role: "mail", tenant: `t${i}` },
    },
    dns: { cloudflare, spfAll: "-all" },
  };
}

/** The droplet's IPv4 for host `i`, inside the benchmarking range 198.18.0.0/15. */
export function fleetIpv4(i: number): string {
  return `198.${18 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}`;
}

/**
 * What the providers compute for a fleet host (its addresses), from the host number in the resource's name:
 * a droplet's IPv4 and IPv6, a Hetzner server's IPv4, address and own /64.
 */
export function fleetProviderOutputs(
  args: pulumi.runtime.MockResourceArgs,
): Record<string, unknown> | undefined {
  const i = Number(/(\d+)/.exec(args.name)?.[1] ?? "0");
  if (args.type === "digitalocean:index/droplet:Droplet") {
    return { ipv4Address: fleetIpv4(i), ipv6Address: `2a03:b0c0:3:d0::${hex(i)}:1`, ipv6: true };
  }
  if (args.type === "hcloud:index/server:Server") {
    return {
      ipv4Address: fleetIpv4(i),
      ipv6Address: `2a01:4f8:c17:${hex(i)}::1`,
      ipv6Network: `2a01:4f8:c17:${hex(i)}::/64`,
    };
  }
  return undefined;
}

/** The resource name of fleet host `i` (its digits are what {@link fleetProviderOutputs} reads). */
export function fleetResourceName(i: number): string {
  return `mail${i}`;
}
