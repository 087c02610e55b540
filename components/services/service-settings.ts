import {
  checkSetting,
  ConfigProblem,
  formatIpv6,
  HostService,
  ipv6ToBigInt,
  isDomainName,
  isIpv6Address,
  parseCidr,
  parseProblem,
  serviceAddress,
  TCP_PORT,
} from "../../net";
import type { ServiceFacts } from "../../facts/mail-facts";

/** One TCP port a service accepts over IPv6, and from where. */
export interface ServicePortSettings {
  /** The TCP port (1–65535). */
  port: number;
  /**
   * IPv6 networks allowed to connect (e.g. `2001:db8:ad::/48`); default everyone (`::/0`). IPv6 only: the
   * service address is an IPv6 address, so no IPv4 client ever reaches it.
   */
  sources?: string[];
}

/**
 * A service with its own address in the dedicated /64, e.g. a web virtual host that gets its own IPv6 address
 * (and so its own certificate and firewall rules). The address is added on the host beside the SMTP address;
 * its ports are opened in the host firewall on that address only; it gets an AAAA (and a PTR when `hostName` is
 * given). Services do not send mail: SPF is unchanged.
 */
export interface ServiceSettings {
  /** A DNS-label-like name, unique on the host (`web`): names the rules and, without `hostName`, the AAAA. */
  name: string;
  /** Interface id (`::80`) or full address inside the dedicated /64; not the SMTP address, not another service's. */
  interfaceId: string;
  /** The service's FQDN inside the zone: the AAAA's owner and the PTR's target. Default `<name>.<zone>`, no PTR. */
  hostName?: string;
  /** TCP ports opened on the service's address only. None: the address exists but the firewall admits nothing. */
  ports?: ServicePortSettings[];
}

const SERVICE_NAME = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/**
 * Checks the services that need no /64 to be judged: names (DNS labels, unique), interface ids (IPv6 syntax),
 * host names (FQDNs inside the zone, not the mail host's, unique), ports (1–65535, not the SSH port, no
 * duplicates in one service) and their sources (IPv6 networks). Fields are `services[i].…`.
 */
export function checkServiceSettings(
  services: unknown,
  context: { zone: unknown; hostName: unknown; sshPort: number },
  field = "services",
): ConfigProblem[] {
  if (services === undefined) return [];
  if (!Array.isArray(services)) {
    return [
      {
        field,
        value: services,
        problem: "must be a list of services",
        fix: 'e.g. [{ name: "web", interfaceId: "::80", ports: [{ port: 443 }] }]',
      },
    ];
  }
  const problems: ConfigProblem[] = [];
  const names = new Map<string, number>();
  const recordNames = new Map<string, number>();
  const zone = typeof context.zone === "string" ? context.zone.toLowerCase() : undefined;
  const mailHost = typeof context.hostName === "string" ? context.hostName.toLowerCase() : undefined;
  (services as unknown[]).forEach((raw, i) => {
    const at = `${field}[${i}]`;
    const s = (raw ?? {}) as Partial<Record<keyof ServiceSettings, unknown>>;
    if (typeof s.name !== "string" || !SERVICE_NAME.test(s.name)) {
      problems.push({
        field: `${at}.name`,
        value: s.name,
        problem: "is not a DNS label (lower-case letters, digits and inner hyphens, at most 63)",
        fix: 'name the service like a host label, e.g. "web"',
      });
    } else if (names.has(s.name)) {
      problems.push({
        field: `${at}.name`,
        value: s.name,
        problem: `is also the name of ${field}[${names.get(s.name)}]`,
        fix: "give every service its own name",
      });
    } else {
      names.set(s.name, i);
    }
    if (
      typeof s.interfaceId !== "string" ||
      !isIpv6Address(s.interfaceId) ||
      ipv6ToBigInt(s.interfaceId) === 0n
    ) {
      problems.push({
        field: `${at}.interfaceId`,
        value: s.interfaceId,
        problem: "is neither an interface id (such as ::80) nor an IPv6 address",
        fix: 'use e.g. "::80", or a full address inside the dedicated /64',
      });
    }
    let recordName: string | undefined;
    if (s.hostName !== undefined) {
      if (!isDomainName(s.hostName)) {
        problems.push({
          field: `${at}.hostName`,
          value: s.hostName,
          problem: "is not a fully qualified domain name",
          fix: 'give the service\'s FQDN, e.g. "www.example.org"',
        });
      } else {
        recordName = s.hostName.toLowerCase();
        if (zone !== undefined && recordName !== zone && !recordName.endsWith(`.${zone}`)) {
          problems.push({
            field: `${at}.hostName`,
            value: s.hostName,
            problem: `is not inside the zone ${zone}, where its AAAA is published`,
            fix: `use a name under ${zone}, e.g. www.${zone}`,
          });
        }
      }
    } else if (typeof s.name === "string" && zone !== undefined) {
      recordName = `${s.name}.${zone}`;
    }
    if (recordName !== undefined) {
      if (recordName === mailHost) {
        problems.push({
          field: s.hostName !== undefined ? `${at}.hostName` : `${at}.name`,
          value: s.hostName ?? s.name,
          problem: `makes the AAAA ${recordName}, the mail host's own name (its AAAA is the SMTP address)`,
          fix: "give the service another host name",
        });
      } else if (recordNames.has(recordName)) {
        problems.push({
          field: s.hostName !== undefined ? `${at}.hostName` : `${at}.name`,
          value: s.hostName ?? s.name,
          problem: `makes the AAAA ${recordName}, which ${field}[${recordNames.get(recordName)}] has already`,
          fix: "give every service its own host name",
        });
      } else {
        recordNames.set(recordName, i);
      }
    }
    problems.push(...checkServicePorts(s.ports, context.sshPort, `${at}.ports`));
  });
  return problems;
}

function checkServicePorts(ports: unknown, sshPort: number, field: string): ConfigProblem[] {
  if (ports === undefined) return [];
  if (!Array.isArray(ports)) {
    return [{ field, value: ports, problem: "must be a list of ports", fix: "e.g. [{ port: 443 }]" }];
  }
  const problems: ConfigProblem[] = [];
  const seen = new Map<unknown, number>();
  (ports as unknown[]).forEach((raw, j) => {
    const at = `${field}[${j}]`;
    const p = (raw ?? {}) as Partial<Record<keyof ServicePortSettings, unknown>>;
    const portProblems = checkSetting(TCP_PORT, p.port, `${at}.port`, true);
    problems.push(...portProblems);
    if (portProblems.length === 0) {
      if (p.port === sshPort) {
        problems.push({
          field: `${at}.port`,
          value: p.port,
          problem: "is the SSH port, which firewall.adminSources opens (sshd answers on every address)",
          fix: "remove it from the service; SSH is reachable from firewall.adminSources",
        });
      } else if (seen.has(p.port)) {
        problems.push({
          field: `${at}.port`,
          value: p.port,
          problem: `is listed twice (also ${field}[${seen.get(p.port)}])`,
          fix: "list each port once, with all its sources",
        });
      } else {
        seen.set(p.port, j);
      }
    }
    if (p.sources === undefined) return;
    if (!Array.isArray(p.sources) || p.sources.length === 0) {
      problems.push({
        field: `${at}.sources`,
        value: p.sources,
        problem: "must list at least one IPv6 network",
        fix: 'leave it unset for everyone, or list networks such as "2001:db8:ad::/48"',
      });
      return;
    }
    (p.sources as unknown[]).forEach((source, k) => {
      const sourceField = `${at}.sources[${k}]`;
      try {
        if (typeof source !== "string") throw new TypeError(`${String(source)} is not a network`);
        if (parseCidr(source).family !== 6) {
          problems.push({
            field: sourceField,
            value: source,
            problem: "is an IPv4 network, and the service address is IPv6: no IPv4 client ever reaches it",
            fix: "give IPv6 networks only (IPv4 clients reach the host's IPv4 address, which this firewall does not filter)",
          });
        }
      } catch (error) {
        problems.push(parseProblem(error, source, sourceField, "an IPv6 network such as 2001:db8:ad::/48"));
      }
    });
  });
  return problems;
}

/**
 * Checks the services' addresses in the decided dedicated /64, as the SMTP address is checked: inside it, a
 * host address (not the subnet-router anycast), and none equal to the SMTP address, to an address the host
 * already holds (`reserved`: the tunnel's link addresses) or to another service's.
 */
export function checkServiceAddressesOf(
  prefix: string,
  services: readonly ServiceSettings[] | undefined,
  smtpAddress: string | undefined,
  reserved: readonly { address: string; what: string }[] = [],
  field = "services",
): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const taken = new Map<string, string>(reserved.map((r) => [formatIpv6(ipv6ToBigInt(r.address)), r.what]));
  if (smtpAddress !== undefined) taken.set(smtpAddress, "the SMTP address (smtpInterfaceId)");
  (services ?? []).forEach((s, i) => {
    const at = `${field}[${i}].interfaceId`;
    let address: string;
    try {
      address = serviceAddress(prefix, s.interfaceId);
    } catch (error) {
      problems.push({
        field: at,
        value: s.interfaceId,
        problem: (error as Error).message,
        fix: 'use an interface id such as "::80", or a full address inside the dedicated /64',
      });
      return;
    }
    const other = taken.get(address);
    if (other !== undefined) {
      problems.push({
        field: at,
        value: s.interfaceId,
        problem: `makes ${address}, which is ${other}`,
        fix: "give the service an address of its own in the dedicated /64, e.g. another interface id",
      });
      return;
    }
    taken.set(address, `the address of ${field}[${i}]`);
  });
  return problems;
}

/**
 * The services of checked settings, for the renderers and the DNS plan: AAAA owner `hostName` or
 * `<name>.<zone>`, a PTR only with a `hostName`, ports with their sources (everyone by default). Addresses are
 * filled in once the /64 is known ({@link hostServicesIn}).
 */
export function resolveServices(
  services: readonly ServiceSettings[] | undefined,
  zone: string,
): HostService[] {
  return (services ?? []).map((s) => ({
    name: s.name,
    interfaceId: s.interfaceId,
    recordName: (s.hostName ?? `${s.name}.${zone}`).toLowerCase(),
    ptr: s.hostName !== undefined,
    ports: [...(s.ports ?? [])]
      .sort((a, b) => a.port - b.port)
      .map((p) => ({ port: p.port, sources: (p.sources ?? ["::/0"]).map((c) => parseCidr(c).prefix.text) })),
  }));
}

/**
 * The services as {@link ServiceFacts}: the address literal when the /64 is (`hostServicesIn` filled it in),
 * otherwise its derivation from the /64 and the interface id.
 */
export function serviceFactsOf(services: readonly HostService[]): ServiceFacts[] | undefined {
  if (services.length === 0) return undefined;
  return services.map((s) => {
    const derivation = `the dedicated /64 + ${s.interfaceId}`;
    return {
      name: s.name,
      address:
        s.address !== undefined
          ? { value: s.address, derivation, interfaceId: s.interfaceId }
          : { derivation, interfaceId: s.interfaceId },
      recordName: s.recordName,
      ptr: s.ptr,
      ports: s.ports.map((p) => ({ port: p.port, sources: [...p.sources] })),
    };
  });
}
