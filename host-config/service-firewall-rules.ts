import { coversIpv6World, HostService, parseIpv6Address, settingValue, TCP_PORT } from "../net";
import type { OpenPortFacts } from "../facts/mail-facts";

/** The sources of one port, as the rule and the facts name them: everyone, or a list of networks. */
function sourcesKey(sources: readonly string[]): string {
  return coversIpv6World(sources) ? "" : [...sources].sort().join(", ");
}

/**
 * The nftables input rules of the services: each service's ports accepted with its own address as destination
 * (`ip6 daddr`), so a port a service opens is closed on the SMTP address and on every other service's address.
 * Ports with the same sources share one rule. The address must be known (rendered once the /64 is).
 *
 * @example
 * serviceFirewallRules([{ name: "web", address: "2001:db8:25::80", ports: [{ port: 443, sources: ["::/0"] }], … }]);
 * // ['ip6 daddr 2001:db8:25::80 tcp dport 443 accept comment "service web"']
 */
export function serviceFirewallRules(services: readonly HostService[] | undefined): string[] {
  const rules: string[] = [];
  for (const service of services ?? []) {
    if (service.address === undefined) {
      throw new Error(
        `host-config firewall: service ${service.name} has no address yet; render once the /64 is known`,
      );
    }
    const address = parseIpv6Address(service.address);
    const bySources = new Map<string, number[]>();
    for (const p of service.ports) {
      const port = settingValue(TCP_PORT, p.port, `host-config firewall: service ${service.name} port`);
      const key = sourcesKey(p.sources);
      bySources.set(key, [...(bySources.get(key) ?? []), port]);
    }
    for (const [sources, ports] of bySources) {
      const saddr = sources === "" ? "" : ` ip6 saddr { ${sources} }`;
      const dport = ports.length === 1 ? `${ports[0]}` : `{ ${[...ports].sort((a, b) => a - b).join(", ")} }`;
      rules.push(`ip6 daddr ${address}${saddr} tcp dport ${dport} accept comment "service ${service.name}"`);
    }
  }
  return rules;
}

/**
 * The facts of the same rules: one open port per service port, with its sources and its destination (the
 * service's address, or, while the /64 is not known, its interface id).
 */
export function serviceFirewallFacts(services: readonly HostService[] | undefined): OpenPortFacts[] {
  return (services ?? []).flatMap((service) =>
    service.ports.map(
      (p): OpenPortFacts => ({
        protocol: "tcp",
        port: p.port,
        sources: coversIpv6World(p.sources) ? ["::/0"] : [...p.sources],
        destination: {
          service: service.name,
          interfaceId: service.interfaceId,
          ...(service.address !== undefined ? { address: service.address } : {}),
        },
      }),
    ),
  );
}
