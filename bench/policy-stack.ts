import type { CapturedResource } from "../testing/capture";
import { instantiate, Templates } from "./host-templates";
import { fleetIpv4 } from "./mail-fleet";

/**
 * Synthetic stacks for the policy benchmark: thousands of resources in the mix a platform stack has, built
 * from cloned MailServer registrations (see `host-templates.ts`) and hand-built provider resources, fast
 * enough to make 50,000 of them in seconds.
 */

/** The share of each kind of unit in a stack, by resource count. */
export const STACK_MIX = {
  /** MailServer on DigitalOcean with an HE tunnel and Cloudflare DNS (13 resources each). */
  mailServerDigitalOcean: 0.3,
  /** MailServer on Hetzner Cloud with Cloudflare DNS (16 resources each). */
  mailServerHetzner: 0.05,
  /** The DigitalOcean mail host built by hand: the same provider resources and scripts, no components. */
  rawMailDroplet: 0.15,
  /** Web droplets: droplet, firewall (80/443 from the world), A and AAAA records, a volume, a password. */
  webDroplet: 0.3,
  /** Hetzner tenants: four servers, a label-selector firewall, four A records. */
  hetznerTenant: 0.2,
} as const;

function urnOf(stackUrn: string, type: string, name: string): string {
  const [prefix] = stackUrn.split("::pulumi:pulumi:Stack::");
  return `${prefix}::${type}::${name}`;
}

/** Strips the components from a MailServer unit: what the same host looks like when built by hand. */
function rawUnit(resources: readonly CapturedResource[], stackUrn: string): CapturedResource[] {
  const custom = resources.filter((r) => r.custom);
  const urns = new Map(custom.map((r) => [r.urn, urnOf(stackUrn, r.type, `raw-${r.name}`)]));
  const mapList = (list: readonly string[]) =>
    list.map((u) => urns.get(u)).filter((u): u is string => u !== undefined);
  return custom.map((r) => {
    const propertyDependencies: Record<string, string[]> = {};
    for (const [k, v] of Object.entries(r.propertyDependencies)) propertyDependencies[k] = mapList(v);
    return {
      ...r,
      urn: urns.get(r.urn) as string,
      name: `raw-${r.name}`,
      parent: stackUrn,
      dependencies: mapList(r.dependencies),
      propertyDependencies,
    };
  });
}

function resource(
  stackUrn: string,
  type: string,
  name: string,
  props: Record<string, unknown>,
  edges: { dependencies?: string[]; propertyDependencies?: Record<string, string[]> } = {},
): CapturedResource {
  return {
    type,
    urn: urnOf(stackUrn, type, name),
    name,
    custom: true,
    parent: stackUrn,
    inputs: props,
    outputs: { ...props, id: `${name}-id` },
    dependencies: edges.dependencies ?? [],
    propertyDependencies: edges.propertyDependencies ?? {},
  };
}

const WORLD = ["0.0.0.0/0", "::/0"];
const ADMIN = ["203.0.113.7/32", "2001:470:abcd::/48"];

function webDroplet(stackUrn: string, j: number): CapturedResource[] {
  const host = `www${j}.example.com`;
  const h = j.toString(16);
  const droplet = resource(stackUrn, "digitalocean:index/droplet:Droplet", `web${j}`, {
    name: host,
    image: "debian-12-x64",
    region: "ams3",
    size: "s-2vcpu-4gb",
    ipv6: true,
    tags: ["web", `team-${j % 7}`],
    ipv4Address: fleetIpv4(j + 0x8000),
    ipv6Address: `2a03:b0c0:2:d0::${h}:1`,
  });
  const deps = { dependencies: [droplet.urn], propertyDependencies: { dropletIds: [droplet.urn] } };
  return [
    droplet,
    resource(
      stackUrn,
      "digitalocean:index/firewall:Firewall",
      `web${j}`,
      {
        name: `web${j}`,
        dropletIds: [`web${j}-id`],
        inboundRules: [
          { protocol: "tcp", portRange: "22", sourceAddresses: ADMIN },
          { protocol: "tcp", portRange: "80", sourceAddresses: WORLD },
          { protocol: "tcp", portRange: "443", sourceAddresses: WORLD },
        ],
        outboundRules: [{ protocol: "tcp", portRange: "1-65535", destinationAddresses: WORLD }],
      },
      deps,
    ),
    resource(stackUrn, "cloudflare:index/dnsRecord:DnsRecord", `web${j}-a`, {
      zoneId: "a1b2c3d4e5f60718293a4b5c6d7e8f90",
      name: host,
      type: "A",
      content: fleetIpv4(j + 0x8000),
      ttl: 300,
      proxied: true,
    }),
    resource(stackUrn, "cloudflare:index/dnsRecord:DnsRecord", `web${j}-aaaa`, {
      zoneId: "a1b2c3d4e5f60718293a4b5c6d7e8f90",
      name: host,
      type: "AAAA",
      content: `2a03:b0c0:2:d0::${h}:1`,
      ttl: 300,
      proxied: true,
    }),
    resource(stackUrn, "digitalocean:index/volume:Volume", `web${j}-data`, {
      name: `web${j}-data`,
      region: "ams3",
      size: 100,
      initialFilesystemType: "ext4",
    }),
    resource(stackUrn, "random:index/randomPassword:RandomPassword", `web${j}-db`, {
      length: 32,
      special: true,
      result: "bench-not-a-password",
    }),
  ];
}

function hetznerTenant(stackUrn: string, j: number): CapturedResource[] {
  const out: CapturedResource[] = [
    resource(stackUrn, "hcloud:index/firewall:Firewall", `tenant${j}`, {
      name: `tenant${j}`,
      rules: [
        { direction: "in", protocol: "tcp", port: "22", sourceIps: ADMIN },
        { direction: "in", protocol: "tcp", port: "443", sourceIps: WORLD },
      ],
      applyTos: [{ labelSelector: `tenant=h${j}` }],
    }),
  ];
  for (let k = 0; k < 4; k++) {
    const n = j * 4 + k;
    const h = n.toString(16);
    out.push(
      resource(stackUrn, "hcloud:index/server:Server", `app${n}`, {
        name: `app${n}.example.com`,
        serverType: "cx32",
        image: "debian-12",
        location: "nbg1",
        labels: { role: "app", tenant: `h${j}` },
        publicNets: [{ ipv4Enabled: true, ipv6Enabled: true }],
        ipv4Address: fleetIpv4((n % 0x7fff) + 0x10000),
        ipv6Address: `2a01:4f8:c0c:${h}::1`,
        ipv6Network: `2a01:4f8:c0c:${h}::/64`,
      }),
      resource(stackUrn, "cloudflare:index/dnsRecord:DnsRecord", `app${n}-a`, {
        zoneId: "a1b2c3d4e5f60718293a4b5c6d7e8f90",
        name: `app${n}.example.com`,
        type: "A",
        content: fleetIpv4((n % 0x7fff) + 0x10000),
        ttl: 300,
      }),
    );
  }
  return out;
}

/** How many resources of each kind a generated stack holds. */
export type StackComposition = Record<keyof typeof STACK_MIX | "filler" | "stack", number>;

/**
 * A stack of exactly `size` resources in the {@link STACK_MIX}: every host has its own names and addresses, so
 * nothing collides that would not collide in a real stack. Deterministic for a given size.
 */
export function buildStack(
  templates: Templates,
  size: number,
): { resources: CapturedResource[]; composition: StackComposition } {
  const resources: CapturedResource[] = [
    {
      type: "pulumi:pulumi:Stack",
      urn: templates.stackUrn,
      name: templates.stackUrn.split("::").pop() ?? "stack",
      custom: false,
      inputs: {},
      outputs: {},
      dependencies: [],
      propertyDependencies: {},
    },
  ];
  const composition: StackComposition = {
    stack: 1,
    mailServerDigitalOcean: 0,
    mailServerHetzner: 0,
    rawMailDroplet: 0,
    webDroplet: 0,
    hetznerTenant: 0,
    filler: 0,
  };
  let host = 1;
  const add = (kind: keyof typeof STACK_MIX, unit: () => CapturedResource[]) => {
    const budget = Math.floor(size * STACK_MIX[kind]);
    let used = 0;
    for (;;) {
      const next = unit();
      if (used + next.length > budget) break;
      resources.push(...next);
      used += next.length;
    }
    composition[kind] = used;
  };
  add("mailServerDigitalOcean", () => instantiate(templates.digitalocean, host++));
  add("mailServerHetzner", () => instantiate(templates.hetzner, host++));
  add("rawMailDroplet", () => rawUnit(instantiate(templates.digitalocean, host++), templates.stackUrn));
  let web = 1;
  add("webDroplet", () => webDroplet(templates.stackUrn, web++));
  let tenant = 1;
  add("hetznerTenant", () => hetznerTenant(templates.stackUrn, tenant++));
  for (let k = 0; resources.length < size; k++) {
    resources.push(
      resource(templates.stackUrn, "random:index/randomPassword:RandomPassword", `filler${k}`, {
        length: 24,
        result: "bench-not-a-password",
      }),
    );
    composition.filler++;
  }
  if (host > 0xffff) throw new Error(`bench: a stack of ${size} resources needs more than 65535 mail hosts`);
  return { resources, composition };
}
