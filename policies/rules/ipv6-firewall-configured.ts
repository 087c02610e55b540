import { coversIpv6Sources } from "../core/cloud-firewall";
import { hostFirewallCoverage } from "../core/host-firewall-coverage";
import { Finding, RuleDefinition } from "../core/rule";
import { Host, StackModel } from "../core/stack-model";
import { UNKNOWN } from "../core/unknown";

function cloudFindings(model: StackModel, host: Host): Finding[] {
  const label = model.label(host.urn);
  if (host.cloudFirewalls.length === 0) {
    if (host.externalFirewalls.length > 0) {
      return [
        {
          urn: host.urn,
          message: `${label} has IPv6 and a firewall the stack does not define is attached (${host.externalFirewalls.join(", ")}), so whether it filters IPv6 cannot be checked; manage the firewall in this stack, or add a reasoned exception.`,
        },
      ];
    }
    if (model.unresolvedFirewalls.length > 0) {
      const which = model.unresolvedFirewalls.map((f) => `"${f.resource.name}"`).join(", ");
      return [
        {
          urn: host.urn,
          unknown: true,
          message: `${label} has IPv6 and no cloud firewall is known to be attached; the targets of firewall(s) ${which} are unknown and not linked by dependencies.`,
        },
      ];
    }
    return [
      {
        urn: host.urn,
        message: `${label} has IPv6 but no cloud firewall is attached to it: every service listening on ::: is open to the IPv6 internet.`,
      },
    ];
  }
  let unknown = false;
  for (const fw of host.cloudFirewalls) {
    const covers = coversIpv6Sources(fw);
    if (covers === true) return [];
    if (covers === UNKNOWN) unknown = true;
  }
  const names = host.cloudFirewalls.map((f) => `"${f.resource.name}"`).join(", ");
  if (unknown)
    return [
      {
        urn: host.urn,
        unknown: true,
        message: `${label}: the rules of firewall(s) ${names} are unknown, so whether they filter IPv6 sources is unknown.`,
      },
    ];
  return [
    {
      urn: host.urn,
      message: `${label} has IPv6, but the inbound rules of firewall(s) ${names} name only IPv4 sources: IPv6 was never considered (IPv4 rules do not apply to IPv6).`,
    },
  ];
}

/**
 * `ipv6-firewall-configured`: every host with IPv6 has IPv6 firewalling. Cloud hosts need a cloud firewall whose
 * rules cover IPv6 sources; existing hosts a host firewall; tunnel hosts also a host firewall on the tunnel
 * interface, because a cloud firewall only sees IPv4 protocol 41, never the IPv6 inside the tunnel.
 */
export const ipv6FirewallConfigured: RuleDefinition = {
  id: "ipv6-firewall-configured",
  description:
    "Every host with IPv6 (native or tunnelled) has IPv6 firewalling, including on the tunnel interface.",
  enforcementLevel: "mandatory",
  severity: "high",
  remediation:
    "Attach a cloud firewall with IPv6 sources in its rules (e.g. the same ports for ::/0 or your admin /64), and on tunnel hosts add an nftables input chain with policy drop that covers the tunnel interface (HostFirewall does).",
  evaluate: ({ model }) => {
    const findings: Finding[] = [];
    for (const host of model.hosts) {
      const tunnelled = host.tunnels.length > 0;
      if (host.ipv6Enabled === false && !tunnelled) continue;
      const label = model.label(host.urn);
      if (host.ipv6Enabled === UNKNOWN && !tunnelled) {
        findings.push({ urn: host.urn, unknown: true, message: `whether ${label} has IPv6 is unknown.` });
        continue;
      }
      if (host.kind === "existing") {
        const coverage = hostFirewallCoverage(host, undefined);
        if (coverage.covered !== true) {
          findings.push({
            urn: host.urn,
            unknown: coverage.covered === UNKNOWN,
            message: `${label} has IPv6 and no cloud firewall can be attached, but its host firewall does not drop unsolicited IPv6 (${coverage.evidence}).`,
          });
        }
      } else if (host.ipv6Enabled !== false) {
        findings.push(...cloudFindings(model, host));
      }
      for (const tunnel of host.tunnels) {
        const coverage = hostFirewallCoverage(host, tunnel.interfaceName);
        if (coverage.covered === true) continue;
        findings.push({
          urn: host.urn,
          unknown: coverage.covered === UNKNOWN,
          message: `${label} carries a 6in4 tunnel (${String(tunnel.interfaceName === UNKNOWN ? "name unknown" : tunnel.interfaceName)}, ${tunnel.origin}) but no host firewall filters IPv6 on it (${coverage.evidence}); a cloud firewall only sees IPv4 protocol 41, never the IPv6 inside.`,
        });
      }
    }
    return findings;
  },
};
