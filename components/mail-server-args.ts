import { DigitalOceanHostSettings, checkDigitalOceanHostArgs } from "./hosts/digitalocean-host";
import { HetznerHostSettings, checkHetznerHostArgs } from "./hosts/hetzner-host";
import { ExistingHostArgs, checkExistingHostArgs } from "./hosts/existing-host";
import { HeTunnelSettings, checkSmtpInterfaceId, checkTunnelSettings } from "./tunnel/he-tunnel-args";
import { FirewallSettings, checkFirewallSettings } from "./firewall/firewall-settings";
import { MtaSettings, checkMtaSettings } from "./mta/mta-settings";
import { MailDnsCloudflareArgs } from "./dns/mail-dns";
import { MailDnsSettings } from "./dns/mail-dns-settings";
import { checkHostName } from "./hosts/host-args-check";
import { checkFreebsdMailServerArgs } from "./hosts/freebsd-mail-server-check";
import { checkServiceSettings, ServiceSettings } from "./services/service-settings";
import {
  checkSetting,
  ConfigProblem,
  isDomainName,
  PREFIX_SOURCES,
  prefixOwnership,
  PROVIDER_INTERFACE_NAME,
} from "../net";

/** DNS settings of a {@link MailServer}. */
export interface MailServerDnsSettings extends MailDnsSettings {
  /** Publish in Cloudflare. Without it (and not on Hetzner) the records are only output, for you to publish. */
  cloudflare?: MailDnsCloudflareArgs;
}

/**
 * Arguments of {@link MailServer}. Exactly one of `digitalocean`, `hetzner` and `existing` says where the host
 * is (several optional sub-objects plus an "exactly one" check, because unions don't cross into other
 * Pulumi languages).
 */
export interface MailServerArgs {
  /** The mail host's FQDN: droplet/server name, PTR target, `myhostname`, HELO. */
  hostName: string;
  /** The mail domain (MX, SPF). */
  zone: string;
  /** A DigitalOcean droplet (give exactly one of `digitalocean`, `hetzner`, `existing`). */
  digitalocean?: DigitalOceanHostSettings;
  /** A Hetzner Cloud server, whose own /64 is dedicated. */
  hetzner?: HetznerHostSettings;
  /** A host that already exists, reached over SSH (a dedicated server, your own VM, the lab VM). */
  existing?: ExistingHostArgs;
  /** A Hurricane Electric tunnel: the dedicated /64 for hosts without one (required on DigitalOcean). */
  tunnel?: HeTunnelSettings;
  /** Who may connect; also the cloud firewall's rules. */
  firewall: FirewallSettings;
  /** Which MTA runs on the host and how it is bound (default Postfix). */
  mta?: MtaSettings;
  /** The DNS records: SPF policy, TTLs, and where to publish them. */
  dns?: MailServerDnsSettings;
  /** Interface id or full address of the SMTP source inside the dedicated /64 (default `::25`). */
  smtpInterfaceId?: string;
  /**
   * Send mail over IPv4 only (for a DigitalOcean host without a tunnel): no IPv6 bind, no AAAA for the
   * host, and port 25 over IPv6 refused with a reset.
   */
  smtpOverIpv4Only?: boolean;
  /** The NIC that carries a native dedicated /64 (Hetzner, existing hosts); default `eth0`. */
  nativeInterface?: string;
  /** Prefer IPv4 for the host's own outgoing connections (`/etc/gai.conf`). */
  preferIpv4Outbound?: boolean;
  /**
   * Services with their own address in the dedicated /64 (e.g. each web virtual host its own IPv6 address):
   * added on the host, their ports opened on their address only, an AAAA each (and a PTR with `hostName`).
   */
  services?: ServiceSettings[];
  /** Accept documentation prefixes (lab and test stacks only). */
  allowDocumentationPrefixes?: boolean;
}

/** Checks every argument of a {@link MailServer}, returning all problems at once. */
export function checkMailServerArgs(args: MailServerArgs): ConfigProblem[] {
  const problems: ConfigProblem[] = [...checkHostName(args?.hostName, "hostName")];
  if (!isDomainName(args?.zone)) {
    problems.push({
      field: "zone",
      value: args?.zone,
      problem: "is not a domain name",
      fix: 'give the mail domain, e.g. "example.org"',
    });
  }
  const hosts = (["digitalocean", "hetzner", "existing"] as const).filter((k) => args?.[k] !== undefined);
  if (hosts.length !== 1) {
    problems.push({
      field: "digitalocean|hetzner|existing",
      value: hosts,
      problem: hosts.length === 0 ? "no host is given" : `${hosts.join(" and ")} are given together`,
      fix: "give exactly one of digitalocean, hetzner or existing",
    });
  }
  const access = args?.firewall;
  // The cloud hosts get hostName and firewall from MailServer's own fields, which are checked under those
  // names: their problems are not repeated under fields that don't exist here (digitalocean.access…).
  const ownFieldsOnly = (prefix: string) => (p: ConfigProblem) =>
    p.field !== `${prefix}hostName` && !p.field.startsWith(`${prefix}access.`);
  if (args?.digitalocean)
    problems.push(
      ...checkDigitalOceanHostArgs(
        { ...args.digitalocean, hostName: args.hostName, access },
        "digitalocean.",
      ).filter(ownFieldsOnly("digitalocean.")),
    );
  if (args?.hetzner)
    problems.push(
      ...checkHetznerHostArgs({ ...args.hetzner, hostName: args.hostName, access }, "hetzner.").filter(
        ownFieldsOnly("hetzner."),
      ),
    );
  if (args?.existing)
    problems.push(
      ...checkExistingHostArgs(
        { ...args.existing, allowDocumentationPrefixes: args.allowDocumentationPrefixes },
        "existing.",
      ),
    );
  problems.push(...checkTunnelSettings(args?.tunnel, "tunnel.", args?.allowDocumentationPrefixes ?? false));
  problems.push(...checkFirewallSettings(args?.firewall, "firewall."));
  problems.push(...checkMtaSettings(args?.mta, "mta."));
  problems.push(...checkSetting(PROVIDER_INTERFACE_NAME, args?.nativeInterface, "nativeInterface"));

  const ipv6Sources = [
    args?.tunnel ? "tunnel" : undefined,
    args?.hetzner ? "hetzner" : undefined,
    args?.existing?.ipv6Prefix !== undefined ? "existing.ipv6Prefix" : undefined,
  ].filter((s): s is string => s !== undefined);
  if (args?.smtpOverIpv4Only) {
    if (args.tunnel !== undefined) {
      problems.push({
        field: "smtpOverIpv4Only",
        value: true,
        problem: "contradicts the tunnel, whose purpose is sending over IPv6",
        fix: "remove smtpOverIpv4Only, or remove the tunnel",
      });
    }
  } else if (ipv6Sources.length === 0 && hosts.length === 1) {
    problems.push({
      field: "tunnel",
      value: undefined,
      problem: args?.digitalocean
        ? "is required on DigitalOcean: a droplet's IPv6 is a /124 of a shared /64 and DigitalOcean blocks SMTP over IPv6"
        : "is required: nothing gives this host a dedicated /64",
      fix: args?.digitalocean
        ? "add a Hurricane Electric tunnel (tunnel.routedPrefix …), or set smtpOverIpv4Only: true"
        : "add a tunnel, or set existing.ipv6Prefix to the host's own /64, or smtpOverIpv4Only: true",
    });
  } else if (ipv6Sources.length > 1) {
    problems.push({
      field: "tunnel",
      value: ipv6Sources,
      problem: `${ipv6Sources.join(" and ")} both provide the dedicated /64`,
      fix: "send from one /64: drop the tunnel (Hetzner and dedicated servers have their own /64) or existing.ipv6Prefix",
    });
  }
  const declaredSource = args?.existing?.prefixSource;
  if (
    args?.existing?.ipv6Prefix !== undefined &&
    declaredSource !== undefined &&
    PREFIX_SOURCES.includes(declaredSource)
  ) {
    const ownership = prefixOwnership(declaredSource);
    if (!ownership.dedicated) {
      problems.push({
        field: "existing.prefixSource",
        value: declaredSource,
        problem: `says the /64 is shared (${ownership.reason}), and mail must not be sent from a shared /64`,
        fix: "send from a dedicated /64: add a Hurricane Electric tunnel, or declare a /64 routed to this host alone",
      });
    }
  }
  if (args?.tunnel !== undefined && args.existing !== undefined && args.existing.ipv4Address === undefined) {
    problems.push({
      field: "existing.ipv4Address",
      value: undefined,
      problem:
        "is required with a tunnel: a 6in4 tunnel ends at the host's public IPv4, which HE must be told",
      fix: "give the host's public IPv4 address (and tunnel.localIpv4 when the host is behind NAT)",
    });
  }
  if (args?.mta?.bindIpv4 && args.existing !== undefined && args.existing.ipv4Address === undefined) {
    problems.push({
      field: "mta.bindIpv4",
      value: true,
      problem: "binds outbound IPv4 to the host's IPv4, but existing.ipv4Address is not given",
      fix: "give existing.ipv4Address, or remove bindIpv4",
    });
  }
  problems.push(...checkSmtpInterfaceId(args?.smtpInterfaceId, "smtpInterfaceId"));
  problems.push(...checkServicesArgs(args));
  problems.push(...checkFreebsdMailServerArgs(args));
  return problems;
}

/**
 * The services' own checks, and that there is a dedicated /64 to give them addresses: a host that sends over
 * IPv4 only has none.
 */
function checkServicesArgs(args: MailServerArgs): ConfigProblem[] {
  const sshPort = typeof args?.firewall?.sshPort === "number" ? args.firewall.sshPort : 22;
  const problems = checkServiceSettings(args?.services, {
    zone: args?.zone,
    hostName: args?.hostName,
    sshPort,
  });
  if (args?.smtpOverIpv4Only && Array.isArray(args.services) && args.services.length > 0) {
    problems.push({
      field: "services",
      value: args.services.map((s) => s?.name),
      problem: "need addresses of a dedicated /64, and smtpOverIpv4Only says this host has none",
      fix: "add a Hurricane Electric tunnel (and remove smtpOverIpv4Only), or remove the services",
    });
  }
  return problems;
}
