import { cidrOf } from "../core/ip-text";
import { prefixesOverlap } from "../../net";
import { readBoolean, readString, readStringList } from "../core/resource-view";
import { Finding, RuleDefinition } from "../core/rule";
import { Host, HostCommand, StackModel } from "../core/stack-model";
import { T } from "../core/type-tokens";
import { Maybe, UNKNOWN } from "../core/unknown";

/** Where proxied clients appear from: Docker's default bridge pools and IPv6 ULAs. */
const DOCKER_RANGES = ["172.16.0.0/12", "192.168.0.0/16", "fc00::/7"];

interface DockerMail {
  readonly urn: string;
  readonly origin: string;
  readonly ip6tables: Maybe<boolean>;
  readonly trusted: Maybe<string[]>;
  readonly permitDocker?: string;
  readonly dockerNetworks: string[];
}

function fromCommands(commands: readonly HostCommand[], urn: string, origin: string): DockerMail {
  let ip6tables: Maybe<boolean> = undefined;
  const trusted: string[] = [];
  const networks: string[] = [];
  let permitDocker: string | undefined;
  let unknown = false;
  for (const c of commands) {
    if (c.script === UNKNOWN) unknown = true;
    if (!c.facts) continue;
    if (c.facts.dockerIp6tables !== undefined) ip6tables = c.facts.dockerIp6tables;
    trusted.push(...c.facts.trustedNetworks);
    networks.push(...c.facts.dockerNetworks6);
    permitDocker = c.facts.permitDocker ?? permitDocker;
  }
  return {
    urn,
    origin,
    ip6tables: ip6tables ?? (unknown ? UNKNOWN : undefined),
    trusted,
    permitDocker,
    dockerNetworks: networks,
  };
}

function check(model: StackModel, d: DockerMail): Finding[] {
  const who = `${model.label(d.urn)} (${d.origin})`;
  const findings: Finding[] = [];
  if (d.ip6tables === UNKNOWN) {
    findings.push({
      urn: d.urn,
      unknown: true,
      message: `${who}: whether Docker's ip6tables is enabled is unknown.`,
    });
  } else if (d.ip6tables !== true) {
    findings.push({
      urn: d.urn,
      message: `${who} runs docker-mailserver without Docker's "ip6tables": true${d.ip6tables === false ? " (it is set to false)" : " (not set)"}: IPv6 clients are proxied and appear as the docker gateway, so SPF checks fail and fail2ban bans the gateway.`,
    });
  }
  if (d.permitDocker === "network" || d.permitDocker === "connected-networks") {
    findings.push({
      urn: d.urn,
      message: `${who} sets PERMIT_DOCKER=${d.permitDocker}: the docker networks may relay, and with proxied IPv6 every client is the docker gateway — an open relay.`,
    });
  }
  if (d.trusted === UNKNOWN) {
    findings.push({
      urn: d.urn,
      unknown: true,
      message: `${who}: the trusted (relay) networks are unknown.`,
    });
    return findings;
  }
  const ranges = [...DOCKER_RANGES, ...d.dockerNetworks].map((t) => cidrOf(t)).filter((c) => c !== undefined);
  for (const entry of d.trusted ?? []) {
    const cidr = cidrOf(entry);
    if (!cidr) continue;
    const hit = ranges.find((r) => r && r.family === cidr.family && prefixesOverlap(r.prefix, cidr.prefix));
    if (hit) {
      findings.push({
        urn: d.urn,
        message: `${who} trusts ${entry} to relay, which overlaps the docker range ${hit.prefix.text}: a proxied IPv6 client appears from the docker gateway there, making the server an open relay.`,
      });
    }
  }
  return findings;
}

/**
 * `docker-ipv6-real-client-ip` (mandatory when docker-mailserver is configured): Docker's ip6tables is enabled so
 * containers see real IPv6 client addresses, and the docker gateway/ULA is never trusted as a relay source.
 */
export const dockerIpv6RealClientIp: RuleDefinition = {
  id: "docker-ipv6-real-client-ip",
  description:
    "docker-mailserver sees real IPv6 client addresses (ip6tables on) and never trusts the docker gateway or ULA to relay.",
  enforcementLevel: "mandatory",
  severity: "critical",
  remediation:
    'Set {"ip6tables": true, "experimental": true} in /etc/docker/daemon.json (Docker >= 27 defaults to it), give the mail container an IPv6 ULA network, keep PERMIT_DOCKER=none, and never list docker or ULA ranges in mynetworks.',
  evaluate: ({ model }) => {
    const findings: Finding[] = [];
    const covered = new Set<Host>();
    for (const r of model.resources) {
      if (r.type !== T.mtaBinding || readString(r.props, "mta") !== "docker-mailserver") continue;
      const host = model.hostFor(r);
      if (host) covered.add(host);
      const fallback = fromCommands(host?.commands ?? [], r.urn, `MtaBinding "${r.name}"`);
      const ip6tables = readBoolean(r.props, "dockerIp6tables");
      findings.push(
        ...check(model, {
          ...fallback,
          ip6tables: ip6tables ?? fallback.ip6tables,
          trusted: (() => {
            const list = readStringList(r.props, "trustedNetworks");
            return list === UNKNOWN ? UNKNOWN : [...(list ?? []), ...((fallback.trusted as string[]) ?? [])];
          })(),
        }),
      );
    }
    for (const host of model.hosts) {
      if (covered.has(host) || !host.commands.some((c) => c.facts?.dockerMailserver)) continue;
      const command = host.commands.find((c) => c.facts?.dockerMailserver);
      findings.push(
        ...check(
          model,
          fromCommands(
            host.commands,
            command?.resource.urn ?? host.urn,
            "docker-mailserver in a host script",
          ),
        ),
      );
    }
    for (const c of model.commands) {
      if (c.host || !c.facts?.dockerMailserver) continue;
      findings.push(...check(model, fromCommands([c], c.resource.urn, "docker-mailserver in a host script")));
    }
    return findings;
  },
};
