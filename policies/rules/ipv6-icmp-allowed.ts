import { chainVerdict, HostFirewallScript, ipv6InputChains, ProbePacket } from "../core/host-firewall-script";
import { readString } from "../core/resource-view";
import type { FirewallFacts } from "../../facts/mail-facts";
import { Finding, RuleDefinition } from "../core/rule";
import { T } from "../core/type-tokens";
import { UNKNOWN } from "../core/unknown";

/** ICMPv6 messages IPv6 cannot work without, probed against every IPv6 input chain. */
const ESSENTIAL: readonly { name: string; number: number; why: string; related: boolean }[] = [
  {
    name: "nd-neighbor-solicit",
    number: 135,
    why: "neighbour solicitation (address resolution: without it the gateway cannot reach the host)",
    related: false,
  },
  {
    name: "nd-neighbor-advert",
    number: 136,
    why: "neighbour advertisement (the answer to address resolution)",
    related: false,
  },
  {
    name: "nd-router-advert",
    number: 134,
    why: "router advertisement (default route and prefix on SLAAC networks)",
    related: false,
  },
  {
    name: "packet-too-big",
    number: 2,
    why: "packet too big (path MTU discovery; with a 1480-byte tunnel MTU large replies stall)",
    related: true,
  },
];

function probe(script: HostFirewallScript, interfacesToSkip: ReadonlySet<string>): string[] {
  const problems: string[] = [];
  for (const chain of ipv6InputChains(script)) {
    const named = new Set<string>();
    for (const rule of chain.rules)
      for (const i of rule.inputInterfaces ?? []) if (!interfacesToSkip.has(i)) named.add(i);
    const interfaces: (string | undefined)[] = [undefined, ...named];
    const dropped: string[] = [];
    for (const message of ESSENTIAL) {
      for (const inputInterface of interfaces) {
        const packet: ProbePacket = {
          protocol: "icmpv6",
          icmpv6Type: { name: message.name, number: message.number },
          source: "fe80::1",
          inputInterface,
          conntrackRelated: message.related,
        };
        const verdict = chainVerdict(chain, packet);
        if (verdict.verdict === "accept") continue;
        const by = verdict.rule ? `rule "${verdict.rule.text}"` : `chain policy ${chain.policy}`;
        dropped.push(`${message.why} on ${inputInterface ?? "the uplink"} (${by})`);
        break;
      }
    }
    if (dropped.length > 0)
      problems.push(`chain ${chain.family} ${chain.table} ${chain.name} drops ICMPv6 ${dropped.join("; ")}`);
  }
  return problems;
}

/**
 * The essential ICMPv6 messages a HostFirewall's facts say its input chain drops: with policy drop, a type
 * must be accepted from anywhere or from link-local sources (the messages here come from `fe80::/10`), and not
 * dropped first on an interface that is not a point-to-point tunnel.
 */
function droppedByFacts(facts: FirewallFacts, tunnels: ReadonlySet<string>): string[] {
  const input = facts.ipv6Input;
  if (input.policy === "accept") return [];
  return ESSENTIAL.filter((m) => {
    const accepted = input.icmpv6Accepted.includes(m.name) || input.icmpv6FromLinkLocal.includes(m.name);
    // The interfaces a HostFirewall names beside `*` are its tunnel's (point-to-point: no neighbour discovery).
    const droppedFirst = input.icmpv6DroppedOn.some(
      (d) => d.type === m.name && !tunnels.has(d.interface) && !input.interfaces.includes(d.interface),
    );
    return !accepted || droppedFirst;
  }).map((m) => m.why);
}

/**
 * `ipv6-icmp-allowed`: a host firewall must not drop ICMPv6 neighbour discovery, router advertisements or
 * packet-too-big. IPv6 has no ARP; neighbour discovery is ICMPv6, so a firewall that drops it cuts the host off.
 */
export const ipv6IcmpAllowed: RuleDefinition = {
  id: "ipv6-icmp-allowed",
  description:
    "Host firewalls let ICMPv6 neighbour discovery, router advertisements and packet-too-big through.",
  enforcementLevel: "mandatory",
  severity: "high",
  remediation:
    "Accept ICMPv6 before any drop: `icmpv6 type { nd-neighbor-solicit, nd-neighbor-advert, nd-router-advert, packet-too-big } accept` (or `meta l4proto ipv6-icmp accept`); keep `ct state established,related accept` for errors of existing connections.",
  evaluate: ({ model }) => {
    const findings: Finding[] = [];
    // Point-to-point 6in4 tunnels carry no neighbour discovery; rules scoped to them are not probed.
    const tunnels = model.tunnelNames();
    for (const r of model.resources) {
      let text: unknown = undefined;
      if (r.type === T.hostFirewall) {
        const described = model.facts.get(r.urn)?.facts.firewall;
        if (described) {
          const dropped = droppedByFacts(described, tunnels);
          if (dropped.length > 0)
            findings.push({
              urn: r.urn,
              message: `${model.label(r.urn)} drops ICMPv6 ${dropped.join("; ")} (its facts); without it IPv6 breaks.`,
            });
          continue;
        }
        text = readString(r.props, "ruleset");
      } else if (r.type === T.remoteCommand) {
        if (model.describedByFacts(r)) continue; // a MailServer's host script: its HostFirewall's facts say it
        text = readString(r.props, "create");
        if (text === UNKNOWN) continue; // an unknown script is judged by the rules that need it to exist
      } else {
        continue;
      }
      if (text === UNKNOWN) {
        findings.push({
          urn: r.urn,
          unknown: true,
          message: `the ruleset of ${model.label(r.urn)} is unknown, so its ICMPv6 handling cannot be checked.`,
        });
        continue;
      }
      if (typeof text !== "string") continue;
      const script = model.firewallScript(r.urn);
      if (!script) continue;
      for (const problem of probe(script, tunnels))
        findings.push({ urn: r.urn, message: `${model.label(r.urn)}: ${problem}; without it IPv6 breaks.` });
    }
    return findings;
  },
};
