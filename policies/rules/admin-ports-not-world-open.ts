import { coversWorld } from "../core/ip-text";
import { readCloudFirewall } from "../core/cloud-firewall";
import { chainWorldVerdict, ipv6InputChains } from "../core/host-firewall-script";
import { portsInclude } from "../core/port-range";
import { readString } from "../core/resource-view";
import { Finding, RuleConfig, RuleDefinition } from "../core/rule";
import { T } from "../core/type-tokens";
import { UNKNOWN } from "../core/unknown";

/** Ports that administer a host rather than serve mail. */
export const DEFAULT_ADMIN_PORTS: readonly number[] = [22, 23, 2222, 3389, 5900, 10000];

function adminPorts(config: RuleConfig): number[] {
  const configured = config.adminPorts;
  if (Array.isArray(configured))
    return configured.filter((p): p is number => typeof p === "number" && Number.isInteger(p));
  return [...DEFAULT_ADMIN_PORTS];
}

/**
 * `admin-ports-not-world-open` (advisory): SSH and other admin ports are not open to all of IPv6. Port-aware:
 * SMTP (25), submission (465/587) and IMAP open to the world on a mail host are expected, never findings; a rule
 * opening every port is a finding for the admin ports it includes. "The world" is judged by parsing
 * (`::/0`, `0::/0`, `::0/0`, `2000::/3`, or pieces that add up to it), never by comparing strings.
 */
export const adminPortsNotWorldOpen: RuleDefinition = {
  id: "admin-ports-not-world-open",
  description: "SSH and other admin ports are not open to the whole IPv6 internet (mail ports may be).",
  enforcementLevel: "advisory",
  severity: "medium",
  remediation:
    "Limit admin ports to your admin sources (your office /48, a VPN /64 or a bastion address) in the cloud firewall and in the host firewall; keep port 25 open to the world on MX hosts.",
  configProperties: {
    adminPorts: {
      type: "array",
      items: { type: "integer" },
      description: "Ports treated as admin ports (default 22, 23, 2222, 3389, 5900, 10000).",
    },
  },
  evaluate: ({ model, config }) => {
    const ports = adminPorts(config);
    const findings: Finding[] = [];
    for (const r of model.resources) {
      const firewall = readCloudFirewall(r);
      if (firewall) {
        if (firewall.inbound === UNKNOWN) {
          findings.push({
            urn: r.urn,
            unknown: true,
            message: `the inbound rules of ${model.label(r.urn)} are unknown, so open admin ports cannot be checked.`,
          });
          continue;
        }
        for (const rule of firewall.inbound) {
          if (typeof rule.protocol === "string" && rule.protocol.toLowerCase() !== "tcp") continue;
          const open = ports.filter((p) => portsInclude(rule.ports, p));
          if (open.length === 0) continue;
          if (rule.sources === UNKNOWN || rule.protocol === UNKNOWN) {
            findings.push({
              urn: r.urn,
              unknown: true,
              message: `${model.label(r.urn)} rule "${rule.text}" covers admin port(s) ${open.join(", ")} with sources unknown at preview.`,
            });
            continue;
          }
          if (rule.sources && coversWorld(rule.sources)) {
            findings.push({
              urn: r.urn,
              message: `${model.label(r.urn)} opens admin port(s) ${open.join(", ")} (rule "${rule.text}") to the whole IPv6 internet (sources ${rule.sources.join(", ")}).`,
            });
          }
        }
        continue;
      }
      const described = model.facts.get(r.urn)?.facts.firewall;
      if (described) {
        for (const open of described.ipv6Input.open) {
          if (ports.includes(open.port) && coversWorld([...open.sources]))
            findings.push({
              urn: r.urn,
              message: `${model.label(r.urn)} opens admin port ${open.port} to the whole IPv6 internet (sources ${open.sources.join(", ")}, its facts).`,
            });
        }
        continue;
      }
      if (model.describedByFacts(r)) continue; // a MailServer's host script: its HostFirewall's facts say it
      const text =
        r.type === T.hostFirewall
          ? readString(r.props, "ruleset")
          : r.type === T.remoteCommand
            ? readString(r.props, "create")
            : undefined;
      if (typeof text !== "string") continue;
      const script = model.firewallScript(r.urn);
      if (!script) continue;
      for (const chain of ipv6InputChains(script)) {
        for (const port of ports) {
          const verdict = chainWorldVerdict(chain, {
            protocol: "tcp",
            port,
            source: "::",
            conntrackRelated: false,
          });
          if (verdict.verdict === "accept" && !verdict.viaPolicy && verdict.rule) {
            findings.push({
              urn: r.urn,
              message: `${model.label(r.urn)}: chain ${chain.family} ${chain.table} ${chain.name} accepts admin port ${port} from the whole IPv6 internet (rule "${verdict.rule.text}").`,
            });
          }
        }
      }
    }
    return findings;
  },
};
