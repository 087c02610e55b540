import {
  checkSetting,
  ConfigProblem,
  coversIpv4World,
  coversIpv6World,
  parseCidr,
  parseProblem,
  settingValue,
  SSH_PORT,
  TCP_PORT,
} from "../../net";

/** The mail submission and delivery ports opened to the world by default: SMTP, SMTPS, submission, IMAPS. */
export const DEFAULT_MAIL_PORTS: readonly number[] = [25, 465, 587, 993];

/**
 * Who may reach the host: mail ports from anywhere (a mail exchanger must accept mail from the internet), SSH
 * only from the admins' networks. Shared by the cloud firewalls and the host firewall so both say the same.
 */
export interface AccessArgs {
  /** IPv4 and IPv6 networks allowed to SSH (e.g. `203.0.113.7/32`, `2001:db8:ad::/48`). Never the world. */
  adminSources: string[];
  /** TCP ports open to everyone. Default {@link DEFAULT_MAIL_PORTS}. */
  mailPorts?: number[];
  /** The port sshd listens on; default 22. */
  sshPort?: number;
}

/** The access rules after defaults, as every firewall renders them. */
export interface ResolvedAccess {
  readonly adminSources: readonly string[];
  readonly adminSourcesIpv4: readonly string[];
  readonly adminSourcesIpv6: readonly string[];
  readonly mailPorts: readonly number[];
  readonly sshPort: number;
}

/** Checks access args; field names are prefixed with `fieldPrefix` (e.g. `firewall.`). */
export function checkAccessArgs(access: AccessArgs | undefined, fieldPrefix: string): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const sources = access?.adminSources;
  if (!Array.isArray(sources) || sources.length === 0) {
    problems.push({
      field: `${fieldPrefix}adminSources`,
      value: sources,
      problem: "must list at least one network allowed to SSH",
      fix: 'add your admin network, e.g. ["203.0.113.7/32", "2001:db8:ad::/48"]',
    });
  } else {
    sources.forEach((source, i) => {
      try {
        parseCidr(source);
      } catch (error) {
        problems.push(
          parseProblem(
            error,
            source,
            `${fieldPrefix}adminSources[${i}]`,
            "an IPv4 or IPv6 network such as 203.0.113.7/32",
          ),
        );
      }
    });
    if (coversIpv6World(sources) || coversIpv4World(sources)) {
      problems.push({
        field: `${fieldPrefix}adminSources`,
        value: sources,
        problem: "opens SSH to the whole internet",
        fix: "list only the networks your admins connect from",
      });
    }
  }
  const ports = access?.mailPorts ?? DEFAULT_MAIL_PORTS;
  if (!Array.isArray(ports)) {
    problems.push({
      field: `${fieldPrefix}mailPorts`,
      value: ports,
      problem: "must be a list of TCP ports",
      fix: "e.g. [25, 465, 587, 993]",
    });
  } else {
    ports.forEach((port, i) =>
      problems.push(...checkSetting(TCP_PORT, port, `${fieldPrefix}mailPorts[${i}]`, true)),
    );
  }
  const sshPortProblems = checkSetting(SSH_PORT, access?.sshPort, `${fieldPrefix}sshPort`);
  const sshPort = access?.sshPort ?? SSH_PORT.default;
  if (sshPortProblems.length > 0) {
    problems.push(...sshPortProblems);
  } else if (Array.isArray(ports) && ports.includes(sshPort)) {
    problems.push({
      field: `${fieldPrefix}sshPort`,
      value: sshPort,
      problem: "is also listed in mailPorts, which would open SSH to the world",
      fix: "remove it from mailPorts",
    });
  }
  return problems;
}

/** Applies defaults and splits admin sources by family. Call after {@link checkAccessArgs} found nothing. */
export function resolveAccess(access: AccessArgs): ResolvedAccess {
  const adminSources = access.adminSources.map((s) => parseCidr(s).prefix.text);
  return {
    adminSources,
    adminSourcesIpv4: adminSources.filter((s) => !s.includes(":")),
    adminSourcesIpv6: adminSources.filter((s) => s.includes(":")),
    mailPorts: [...new Set(access.mailPorts ?? DEFAULT_MAIL_PORTS)].sort((a, b) => a - b),
    sshPort: settingValue(SSH_PORT, access.sshPort, "access sshPort"),
  };
}

/** The world, in both families, as cloud firewalls write it. */
export const WORLD_SOURCES: readonly string[] = ["0.0.0.0/0", "::/0"];
