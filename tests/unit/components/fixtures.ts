/**
 * Arguments shared by the component tests: a Hurricane Electric tunnel as its details page shows it, admin
 * networks, and dummy secrets that are easy to search for in everything the components register.
 */
import * as assert from "node:assert/strict";
import { HeTunnelSettings, MailServerArgs } from "../../../components";
import { MockEnvironment } from "./mock-harness";

/** Dummy secrets: none of them may ever appear outside a secret. */
export const SSH_PRIVATE_KEY =
  "-----BEGIN OPENSSH PRIVATE KEY-----\nfixture-ssh-key-material-5e1f\n-----END OPENSSH PRIVATE KEY-----\n";
export const HE_USERNAME = "fixture-he-user-7c1d";
export const HE_UPDATE_KEY = "fixture-he-update-key-91b2e5";
export const SECRETS = [SSH_PRIVATE_KEY, "fixture-ssh-key-material-5e1f", HE_USERNAME, HE_UPDATE_KEY];

/** A tunnel's details page: HE's server, the link /64 and the routed /64. */
export const HE_TUNNEL: HeTunnelSettings = {
  tunnelId: "912345",
  heServerIpv4: "216.66.80.30",
  linkClientAddress: "2001:470:1f0a:9a::2",
  linkServerAddress: "2001:470:1f0a:9a::1",
  routedPrefix: "2001:470:1f0b:9a::/64",
};
export const HE_ROUTED_64 = "2001:470:1f0b:9a::/64";
export const HE_SMTP_ADDRESS = "2001:470:1f0b:9a::25";
/** The PTR owner name of {@link HE_SMTP_ADDRESS}. */
export const HE_SMTP_PTR = "5.2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.a.9.0.0.b.0.f.1.0.7.4.0.1.0.0.2.ip6.arpa";

/** The tunnel with endpoint-update credentials (plain strings: the components must make them secret). */
export const HE_TUNNEL_WITH_CREDENTIALS: HeTunnelSettings = {
  ...HE_TUNNEL,
  username: HE_USERNAME,
  updateKey: HE_UPDATE_KEY,
};

export const ADMIN_IPV4 = "198.51.100.7/32";
export const ADMIN_IPV6 = "2001:db8:ad::/48";
export const FIREWALL = { adminSources: [ADMIN_IPV4, ADMIN_IPV6] };

/** A DigitalOcean droplet sending through the HE tunnel, DNS in Cloudflare. */
export function digitalOceanMailServer(overrides: Partial<MailServerArgs> = {}): MailServerArgs {
  return {
    hostName: "mx1.example.org",
    zone: "example.org",
    digitalocean: {
      sshKeys: ["3b:16:bf:e4:8b:00:8b:b8:59:8c:a9:d3:f0:19:45:fa"],
      sshPrivateKey: SSH_PRIVATE_KEY,
    },
    tunnel: HE_TUNNEL_WITH_CREDENTIALS,
    firewall: FIREWALL,
    dns: { cloudflare: { zoneId: "zone-example-org", reverseZoneId: "zone-he-reverse" }, aaaaTtl: 300 },
    ...overrides,
  };
}

/** A Hetzner Cloud server sending from its own /64, DNS in Cloudflare. */
export function hetznerMailServer(overrides: Partial<MailServerArgs> = {}): MailServerArgs {
  return {
    hostName: "mx2.example.org",
    zone: "example.org",
    hetzner: { sshKeys: ["admin"], sshPrivateKey: SSH_PRIVATE_KEY },
    firewall: FIREWALL,
    dns: { cloudflare: { zoneId: "zone-example-org" } },
    ...overrides,
  };
}

/** One expected registration: its type, name, and the parent's type and name (none for the top one). */
export type ExpectedResource = readonly [type: string, name: string, parent?: readonly [string, string]];

/**
 * Asserts that exactly `expected` was registered and that every resource's parent is the one expected,
 * comparing parent URNs as the monitor received them.
 */
export function assertTree(env: MockEnvironment, expected: readonly ExpectedResource[]): void {
  assert.deepEqual(env.inventory(), expected.map(([type, name]) => `${type} ${name}`).sort());
  for (const [type, name, parent] of expected) {
    const registration = env.get(type, name);
    if (parent === undefined) {
      assert.equal(registration.parent, undefined, `${type} "${name}" is top-level`);
    } else {
      assert.equal(
        registration.parent,
        env.get(parent[0], parent[1]).urn,
        `${type} "${name}" is parented to ${parent[0]} "${parent[1]}"`,
      );
    }
  }
}
