import { anyIpv6Source } from "./ip-text";
import { parsePorts, PortRange, ALL_PORTS } from "./port-range";
import { readArray, readString, readStringList, ResourceView } from "./resource-view";
import { T } from "./type-tokens";
import { describeMaybe, Maybe, UNKNOWN } from "./unknown";

/** One inbound allow rule of a cloud firewall, provider-neutral. */
export interface CloudRule {
  readonly protocol: Maybe<string>;
  /** Undefined when the port text does not parse (the rule is then judged as opening every port). */
  readonly ports: readonly PortRange[];
  readonly sources: Maybe<string[]>;
  readonly text: string;
}

/** A DigitalOcean or Hetzner Cloud firewall with its inbound allow rules. */
export interface CloudFirewall {
  readonly resource: ResourceView;
  readonly provider: "digitalocean" | "hcloud";
  /** `UNKNOWN` when the rule list itself is unknown at preview. */
  readonly inbound: readonly CloudRule[] | typeof UNKNOWN;
}

function portsOf(text: Maybe<string>, protocol: Maybe<string>): PortRange[] {
  if (typeof protocol === "string" && !/^(tcp|udp)$/i.test(protocol)) return [...ALL_PORTS];
  if (typeof text !== "string") return [...ALL_PORTS];
  return parsePorts(text) ?? [...ALL_PORTS];
}

/** Reads a cloud firewall resource; undefined for other types. */
export function readCloudFirewall(r: ResourceView): CloudFirewall | undefined {
  if (r.type === T.doFirewall) {
    const rules = readArray(r.props, "inboundRules");
    if (rules === UNKNOWN) return { resource: r, provider: "digitalocean", inbound: UNKNOWN };
    const inbound: CloudRule[] = [];
    for (let i = 0; i < (rules ?? []).length; i++) {
      const action = readString(r.props, "inboundRules", i, "action");
      if (typeof action === "string" && action.toLowerCase() !== "allow") continue;
      const protocol = readString(r.props, "inboundRules", i, "protocol");
      const portRange = readString(r.props, "inboundRules", i, "portRange");
      inbound.push({
        protocol,
        ports: portsOf(portRange, protocol),
        sources: readStringList(r.props, "inboundRules", i, "sourceAddresses") ?? [],
        text: `${describeMaybe(protocol)} ${portRange === UNKNOWN ? "(unknown ports)" : (portRange ?? "(all ports)")}`,
      });
    }
    return { resource: r, provider: "digitalocean", inbound };
  }
  if (r.type === T.hcloudFirewall) {
    const rules = readArray(r.props, "rules");
    if (rules === UNKNOWN) return { resource: r, provider: "hcloud", inbound: UNKNOWN };
    const inbound: CloudRule[] = [];
    for (let i = 0; i < (rules ?? []).length; i++) {
      const direction = readString(r.props, "rules", i, "direction");
      if (direction !== "in" && direction !== UNKNOWN) continue;
      const protocol = readString(r.props, "rules", i, "protocol");
      const port = readString(r.props, "rules", i, "port");
      inbound.push({
        protocol,
        ports: portsOf(port, protocol),
        sources: direction === UNKNOWN ? UNKNOWN : (readStringList(r.props, "rules", i, "sourceIps") ?? []),
        text: `${describeMaybe(protocol)} ${port === UNKNOWN ? "(unknown ports)" : (port ?? "(all ports)")}`,
      });
    }
    return { resource: r, provider: "hcloud", inbound };
  }
  return undefined;
}

/**
 * Whether the firewall's inbound rules were written with IPv6 in mind: no inbound rules at all (deny every
 * inbound packet of both families), or at least one rule with an IPv6 source. A firewall whose rules name only
 * IPv4 sources shows IPv6 was never considered. `UNKNOWN` when that depends on values unknown at preview.
 */
export function coversIpv6Sources(firewall: CloudFirewall): boolean | typeof UNKNOWN {
  if (firewall.inbound === UNKNOWN) return UNKNOWN;
  if (firewall.inbound.length === 0) return true;
  let unknown = false;
  for (const rule of firewall.inbound) {
    if (rule.sources === UNKNOWN) {
      unknown = true;
      continue;
    }
    if (rule.sources !== undefined && anyIpv6Source(rule.sources)) return true;
  }
  return unknown ? UNKNOWN : false;
}
