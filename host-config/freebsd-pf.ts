import { firewallFacts, FirewallSpec } from "./nftables-firewall";
import { parseIpv6Address } from "../net";
import type { FirewallFacts, OpenPortFacts } from "../facts/mail-facts";

/** Where FreeBSD's pf service reads its rules by default (`pf_rules` in rc.conf). */
export const FREEBSD_PF_CONF_PATH = "/etc/pf.conf";

/** The pf table of the IPv6 admin sources SSH is open to. */
export const FREEBSD_PF_ADMIN_TABLE = "ipv6_mail_admin";

/**
 * ICMPv6 types by the names the firewall's facts use (nftables' names), as pf writes them: pf's own name
 * where it has one, the type number otherwise (pf has no name for the MLDv2 report, 143).
 */
const PF_ICMP6_TYPES: Readonly<Record<string, string>> = {
  "destination-unreachable": "unreach",
  "packet-too-big": "toobig",
  "time-exceeded": "timex",
  "parameter-problem": "paramprob",
  "echo-request": "echoreq",
  "echo-reply": "echorep",
  "mld-listener-query": "listqry",
  "mld-listener-report": "listenrep",
  "mld2-listener-report": "143",
  "nd-router-advert": "routeradv",
  "nd-neighbor-solicit": "neighbrsol",
  "nd-neighbor-advert": "neighbradv",
};

function pfIcmp6Type(name: string): string {
  const type = PF_ICMP6_TYPES[name];
  if (type === undefined) throw new Error(`host-config FreeBSD pf: no pf name for the ICMPv6 type "${name}"`);
  return type;
}

function pfList(items: readonly (string | number)[]): string {
  return items.length === 1 ? String(items[0]) : `{ ${items.join(", ")} }`;
}

/**
 * The facts of the pf rules {@link renderFreebsdPfConf} renders: the nftables ruleset's facts of the same spec,
 * which the rules are rendered from, loaded by pf.
 */
export function freebsdPfFacts(spec: FirewallSpec): FirewallFacts {
  return { ...firewallFacts(spec), engine: "pf" };
}

/**
 * The pass rules of the services' ports (the open ports whose facts name a destination): each accepted with its
 * service's address as destination only, from its sources, as the nftables rules do (`ip6 daddr … tcp dport`).
 */
function pfServiceRules(open: readonly OpenPortFacts[]): string[] {
  return open.flatMap((o) => {
    if (o.destination === undefined) return [];
    const { service, address } = o.destination;
    if (address === undefined) {
      throw new Error(
        `host-config FreeBSD pf: service ${service} has no address yet; render once the /64 is known`,
      );
    }
    const from = o.sources.includes("::/0") ? "any" : pfList(o.sources);
    return [
      `# service ${service}`,
      `pass in quick inet6 proto tcp from ${from} to ${parseIpv6Address(address)} port ${o.port} keep state`,
    ];
  });
}

/**
 * Renders a `pf.conf` for FreeBSD that filters IPv6 input as the nftables ruleset does: rendered from the
 * same {@link FirewallSpec} through its facts ({@link firewallFacts}), so the open ports, their sources and
 * the accepted ICMPv6 types are the ones the Linux host loads and the policy pack judges. A service's ports are
 * open on its own address only.
 *
 * Why these rules: IPv6 input is blocked by default, but neighbour discovery passes (solicitations and
 * advertisements from anywhere; router advertisements and MLD from link-local sources only; router solicitations
 * and redirects, which a host that routes nothing needs none of, stay blocked as on Linux). pf
 * cannot match the hop limit the nftables rules require to be 255; FreeBSD's nd6 code discards neighbour
 * discovery messages whose hop limit is not 255 itself (RFC 4861, section 7.1), so off-link senders are
 * refused by the kernel instead. ICMPv6 errors pass (path MTU discovery through the tunnel needs
 * packet-too-big). IPv4 is passed without state and never filtered, so the IPv4 SSH path cannot be cut; only
 * 6in4 (protocol 41) from anyone but HE's server is dropped, as on Linux. Outbound IPv6 keeps state, so
 * replies to the host's own connections come back.
 */
export function renderFreebsdPfConf(spec: FirewallSpec): string {
  const facts = firewallFacts(spec);
  const input = facts.ipv6Input;
  const types = (names: readonly string[]) => pfList(names.map(pfIcmp6Type));
  const ssh = input.open.find(
    (o) => o.destination === undefined && o.port === facts.sshPort && !o.sources.includes("::/0"),
  );
  const everyone = input.open.filter((o) => o !== ssh && o.destination === undefined).map((o) => o.port);
  const lines: string[] = [
    "# ipv6-mail IPv6 host firewall for FreeBSD pf (rendered; change the stack, not this file).",
    "# Check with `pfctl -nf <file>` before loading it.",
  ];
  if (ssh) lines.push(`table <${FREEBSD_PF_ADMIN_TABLE}> const { ${ssh.sources.join(", ")} }`);
  lines.push(
    "set skip on lo0",
    "",
    "# IPv4 is not filtered here (the IPv4 SSH path can never be cut), but 6in4 comes from HE's server only.",
  );
  if (facts.ipv4Input.protocol41From) {
    lines.push(`block drop in quick inet proto 41 from ! ${facts.ipv4Input.protocol41From} to any`);
  }
  lines.push(
    "pass quick inet all no state",
    "",
    "# IPv6: replies to the host's own connections come back; input is blocked unless a rule below passes it.",
    "pass out quick inet6 all keep state",
  );
  for (const drop of input.icmpv6DroppedOn) {
    lines.push(
      `block drop in quick on ${drop.interface} inet6 proto icmp6 icmp6-type ${pfIcmp6Type(drop.type)}`,
    );
  }
  lines.push(
    "# Neighbour discovery: the kernel drops neighbour discovery whose hop limit is not 255 (pf cannot match it).",
    `pass in quick inet6 proto icmp6 from any to any icmp6-type ${types(input.icmpv6Accepted)} no state`,
    `pass in quick inet6 proto icmp6 from fe80::/10 to any icmp6-type ${types(input.icmpv6FromLinkLocal)} no state`,
    "pass in quick inet6 proto udp from fe80::/10 port 547 to any port 546 no state",
  );
  for (const rejected of input.rejected) {
    lines.push(`block return-rst in quick inet6 proto tcp from any to any port ${rejected.port}`);
  }
  if (everyone.length > 0) {
    lines.push(`pass in quick inet6 proto tcp from any to any port ${pfList(everyone)} keep state`);
  }
  lines.push(...pfServiceRules(input.open));
  if (ssh) {
    lines.push(
      `pass in quick inet6 proto tcp from <${FREEBSD_PF_ADMIN_TABLE}> to any port ${ssh.port} keep state`,
    );
  } else {
    lines.push(`# no IPv6 admin source: SSH (${facts.sshPort}) is reachable over IPv4 only`);
  }
  lines.push("block drop in quick inet6 all", "");
  return lines.join("\n");
}
