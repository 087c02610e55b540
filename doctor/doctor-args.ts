import { readFileSync } from "node:fs";

import { isDomainName, isIpv4Address, isIpv6Address, parseIpv6Address } from "../net";

/** How the doctor reaches the mail host over SSH: the same settings as the stack's `connection`. */
export interface DoctorSshTarget {
  readonly user: string;
  readonly host: string;
  readonly port: number;
  /** The private key file (`-i`); absent: the SSH client's own defaults and agent. */
  readonly keyFile?: string;
  /** The known_hosts file (`UserKnownHostsFile`); host keys are always checked strictly. */
  readonly knownHostsFile?: string;
  /** The name the host key is recorded under in known_hosts (`HostKeyAlias`), when not the host itself. */
  readonly hostKeyAlias?: string;
  /**
   * The host's public key (`ssh-ed25519 AAAA…`), pinned as the stack's `connection.hostKey` pins it: the only
   * key accepted, instead of a known_hosts file.
   */
  readonly hostKey?: string;
}

/** What one doctor run checks, parsed from the command line by {@link parseDoctorArgs}. */
export interface DoctorOptions {
  /** The mail host's name: its A/AAAA give the SMTP address, its PTR must point back to it. */
  readonly hostName: string;
  /** The zone whose MX is checked; default: the host name without its first label. */
  readonly zone: string;
  /** The domain of `From:` addresses: DKIM's `d=` and the DMARC record's owner; default: the zone. */
  readonly mailDomain: string;
  /** The envelope sender SPF is evaluated for; default `postmaster@<host name>`. */
  readonly mailFrom: string;
  /** The DNS server to ask (`ip` or `ip:port`, `[v6]:port`); absent: the system's resolvers. */
  readonly resolver?: string;
  /** DNSBL zones to look the SMTP address up in. */
  readonly dnsblZones: readonly string[];
  /** DKIM selector to check; absent: the selector the host's OpenDKIM (as ipv6-mail set it up) signs with. */
  readonly dkimSelector?: string;
  /** The public address whose route the host's kernel is asked for (`ip -6 route get`); nothing is sent to it. */
  readonly routeTarget: string;
  /** Absent: no host-side checks (DNS only, e.g. monitoring from a machine without SSH access). */
  readonly ssh?: DoctorSshTarget;
  /** Seconds a DNS query may take before it is retried (twice in all). */
  readonly dnsTimeoutSeconds: number;
  readonly json: boolean;
}

/** A command line the doctor cannot run: the message names the flag, the value and what to give instead. */
export class DoctorUsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DoctorUsageError";
  }
}

/**
 * Spamhaus ZEN: the list most receivers consult; it covers IPv6 (SBL, and CSS by /64). Its public mirrors
 * refuse queries that come through large public resolvers (the answer 127.255.255.254, reported as
 * "refused"): point `--resolver` at a resolver of your own, or use its Data Query Service zone.
 */
export const DEFAULT_DNSBL_ZONES: readonly string[] = ["zen.spamhaus.org"];

/** A public IPv6 address (Google Public DNS) the host is asked its route to: a route lookup only. */
export const DEFAULT_ROUTE_TARGET = "2001:4860:4860::8888";

/** The usage text, printed with a usage error and by `--help`. */
export const DOCTOR_USAGE = `usage: ipv6-mail doctor <host name> [options]

Checks a live mail host the way receivers judge it: the address mail leaves from (asked over SSH),
MX, A/AAAA, PTR and FCrDNS, SPF (evaluated), DKIM, DMARC, DNSBLs, and the HE tunnel.

  --resolver <ip[:port]>     DNS server to ask (default: the system's resolvers)
  --zone <domain>            zone whose MX is checked (default: host name without its first label)
  --domain <domain>          domain of From: addresses, for DKIM d= and DMARC (default: the zone)
  --mail-from <address>      envelope sender SPF is evaluated for (default: postmaster@<host name>)
  --dnsbl <zone[,zone]>      DNSBL zones, repeatable (default: ${DEFAULT_DNSBL_ZONES.join(",")})
  --dkim-selector <name>     DKIM selector (default: the one the host signs with)
  --route-target <ipv6>      public address whose route the host is asked for (default: ${DEFAULT_ROUTE_TARGET})
  --ssh <[user@]host>        SSH target (default: root@<ipv4Address of --stack-outputs, or the host name>)
  --ssh-port <port>          SSH port (default 22)
  --ssh-key <file>           private key file
  --known-hosts <file>       known_hosts file (host keys are checked strictly)
  --host-key-alias <name>    name the host key is recorded under in known_hosts
  --host-key <public key>    the host's key, as the stack's connection.hostKey ("ssh-ed25519 AAAA...")
  --no-ssh                   skip the checks on the host (source address, DKIM key, tunnel)
  --stack-outputs <file>     JSON of \`pulumi stack output --json\` (hostName, ipv4Address), - for stdin
  --dns-timeout <seconds>    per DNS query (default 5)
  --json                     one JSON document instead of text
  --help                     this text

Exit status: 0 every check passed (warnings allowed), 1 a check failed, 2 usage error.`;

const VALUE_FLAGS = new Set([
  "--resolver",
  "--zone",
  "--domain",
  "--mail-from",
  "--dnsbl",
  "--dkim-selector",
  "--route-target",
  "--ssh",
  "--ssh-port",
  "--ssh-key",
  "--known-hosts",
  "--host-key-alias",
  "--host-key",
  "--stack-outputs",
  "--dns-timeout",
]);
const SWITCHES = new Set(["--json", "--no-ssh", "--help"]);

function usage(message: string): never {
  throw new DoctorUsageError(`ipv6-mail doctor: ${message}`);
}

function domainValue(flag: string, value: string): string {
  const domain = value.replace(/\.$/, "").toLowerCase();
  if (!isDomainName(domain)) usage(`${flag} "${value}" is not a domain name; give e.g. example.org`);
  return domain;
}

/** Checks `ip`, `ip:port`, `[ipv6]:port` and returns it in the form Node's resolver takes. */
function resolverValue(value: string): string {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(value);
  const v4 = /^([0-9.]+)(?::(\d+))?$/.exec(value);
  let address: string | undefined;
  let port: string | undefined;
  if (bracketed && isIpv6Address(bracketed[1])) [address, port] = [bracketed[1], bracketed[2]];
  else if (v4 && isIpv4Address(v4[1])) [address, port] = [v4[1], v4[2]];
  else if (isIpv6Address(value)) address = value;
  if (address === undefined) {
    usage(`--resolver "${value}" is not an address; give 192.0.2.53, 192.0.2.53:5353 or [2001:db8::53]:53`);
  }
  if (port !== undefined && !(Number(port) >= 1 && Number(port) <= 65535)) {
    usage(`--resolver "${value}": port ${port} is not 1..65535`);
  }
  if (port === undefined) return address;
  return address.includes(":") ? `[${address}]:${port}` : `${address}:${port}`;
}

function portValue(flag: string, value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value) || port < 1 || port > 65535) usage(`${flag} "${value}" is not a port (1..65535)`);
  return port;
}

interface StackOutputs {
  readonly hostName?: string;
  readonly ipv4Address?: string;
}

function readStackOutputs(file: string, read: (file: string) => string): StackOutputs {
  let parsed: unknown;
  try {
    parsed = JSON.parse(read(file));
  } catch (e) {
    usage(
      `--stack-outputs "${file}": ${(e as Error).message}; give the output of \`pulumi stack output --json\``,
    );
  }
  if (typeof parsed !== "object" || parsed === null) usage(`--stack-outputs "${file}" is not a JSON object`);
  const o = parsed as Record<string, unknown>;
  return {
    ...(typeof o.hostName === "string" ? { hostName: o.hostName } : {}),
    ...(typeof o.ipv4Address === "string" ? { ipv4Address: o.ipv4Address } : {}),
  };
}

/**
 * Parses the doctor's arguments (after `doctor`). Throws {@link DoctorUsageError} for anything it cannot run:
 * an unknown flag, a missing or malformed value, no host name. `--help` returns `"help"`.
 */
export function parseDoctorArgs(
  argv: readonly string[],
  readInput: (file: string) => string = (file) => readFileSync(file === "-" ? 0 : file, "utf8"),
): DoctorOptions | "help" {
  if (argv.includes("--help")) return "help";
  const values = new Map<string, string[]>();
  const switches = new Set<string>();
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const eq = arg.startsWith("--") ? arg.indexOf("=") : -1;
    const flag = eq > 0 ? arg.slice(0, eq) : arg;
    if (VALUE_FLAGS.has(flag)) {
      const value = eq > 0 ? arg.slice(eq + 1) : argv[++i];
      if (value === undefined || value === "") usage(`${flag} needs a value (see --help)`);
      values.set(flag, [...(values.get(flag) ?? []), value]);
    } else if (SWITCHES.has(arg)) {
      switches.add(arg);
    } else if (arg.startsWith("-")) {
      usage(`unknown option "${arg}" (see --help)`);
    } else {
      positional.push(arg);
    }
  }
  const one = (flag: string): string | undefined => {
    const v = values.get(flag);
    if (v !== undefined && v.length > 1 && flag !== "--dnsbl")
      usage(`${flag} given ${v.length} times; give it once`);
    return v?.[0];
  };
  if (positional.length > 1)
    usage(`one host name expected, got ${positional.map((p) => `"${p}"`).join(" ")}`);
  const stackFile = one("--stack-outputs");
  const stack = stackFile === undefined ? {} : readStackOutputs(stackFile, readInput);
  const hostArg = positional[0] ?? stack.hostName;
  if (hostArg === undefined) usage("no host name given; e.g. ipv6-mail doctor mail.example.org");
  const hostName = domainValue("host name", hostArg);
  const zoneArg = one("--zone");
  // A domain name has at least two labels, so the host name always has a zone after its first label.
  const zone =
    zoneArg === undefined ? hostName.slice(hostName.indexOf(".") + 1) : domainValue("--zone", zoneArg);
  const domainArg = one("--domain");
  const mailDomain = domainArg === undefined ? zone : domainValue("--domain", domainArg);

  const mailFrom = one("--mail-from") ?? `postmaster@${hostName}`;
  const at = mailFrom.lastIndexOf("@");
  if (at < 1 || !isDomainName(mailFrom.slice(at + 1)) || /\s/.test(mailFrom)) {
    usage(`--mail-from "${mailFrom}" is not a mail address; give e.g. postmaster@${hostName}`);
  }
  const dnsblZones = (values.get("--dnsbl") ?? [DEFAULT_DNSBL_ZONES.join(",")])
    .flatMap((v) => v.split(","))
    .map((z) => z.trim())
    .filter((z) => z !== "")
    .map((z) => domainValue("--dnsbl", z));
  if (dnsblZones.length === 0) usage(`--dnsbl names no zone; give e.g. --dnsbl ${DEFAULT_DNSBL_ZONES[0]}`);

  const selector = one("--dkim-selector");
  if (selector !== undefined && !/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/i.test(selector)) {
    usage(`--dkim-selector "${selector}" is not one DNS label (letters, digits, hyphens)`);
  }
  const routeTarget = one("--route-target") ?? DEFAULT_ROUTE_TARGET;
  if (!isIpv6Address(routeTarget)) usage(`--route-target "${routeTarget}" is not an IPv6 address`);

  const timeoutArg = one("--dns-timeout");
  const dnsTimeoutSeconds = timeoutArg === undefined ? 5 : Number(timeoutArg);
  if (!(dnsTimeoutSeconds > 0 && dnsTimeoutSeconds <= 60)) {
    usage(`--dns-timeout "${timeoutArg}" is not a number of seconds (0 < s <= 60)`);
  }

  const sshFlags = ["--ssh", "--ssh-port", "--ssh-key", "--known-hosts", "--host-key-alias", "--host-key"];
  let ssh: DoctorSshTarget | undefined;
  if (switches.has("--no-ssh")) {
    const given = sshFlags.filter((f) => values.has(f));
    if (given.length > 0) usage(`--no-ssh and ${given.join(", ")} contradict each other; drop one`);
  } else {
    const target = one("--ssh") ?? `root@${stack.ipv4Address ?? hostName}`;
    const sep = target.lastIndexOf("@");
    const user = sep >= 0 ? target.slice(0, sep) : "root";
    const host = sep >= 0 ? target.slice(sep + 1) : target;
    if (!/^[a-z_][a-z0-9_.-]*$/i.test(user)) usage(`--ssh "${target}": "${user}" is not a user name`);
    const hostOk =
      isDomainName(host) || isIpv4Address(host) || isIpv6Address(host) || /^[a-z0-9-]+$/i.test(host);
    if (!hostOk) usage(`--ssh "${target}": "${host}" is not a host name or address`);
    const port = one("--ssh-port");
    const key = one("--ssh-key");
    const knownHosts = one("--known-hosts");
    const alias = one("--host-key-alias");
    const hostKey = one("--host-key")?.trim();
    if (
      hostKey !== undefined &&
      !/^(?:ssh-|ecdsa-|sk-)[a-z0-9@.-]+ [A-Za-z0-9+/]+={0,2}(?: \S.*)?$/.test(hostKey)
    ) {
      usage(
        `--host-key "${hostKey}" is not an SSH public key; give e.g. "ssh-ed25519 AAAAC3Nza..." (ssh-keyscan, or the stack's connection.hostKey)`,
      );
    }
    if (hostKey !== undefined && knownHosts !== undefined) {
      usage("--host-key and --known-hosts contradict each other (the key pins the host); drop one");
    }
    ssh = {
      user,
      host: isIpv6Address(host) ? parseIpv6Address(host) : host,
      port: port === undefined ? 22 : portValue("--ssh-port", port),
      ...(key !== undefined ? { keyFile: key } : {}),
      ...(knownHosts !== undefined ? { knownHostsFile: knownHosts } : {}),
      ...(alias !== undefined ? { hostKeyAlias: alias } : {}),
      ...(hostKey !== undefined ? { hostKey } : {}),
    };
  }
  const resolverArg = one("--resolver");
  return {
    hostName,
    zone,
    mailDomain,
    mailFrom,
    ...(resolverArg !== undefined ? { resolver: resolverValue(resolverArg) } : {}),
    dnsblZones: [...new Set(dnsblZones)],
    ...(selector !== undefined ? { dkimSelector: selector.toLowerCase() } : {}),
    routeTarget: parseIpv6Address(routeTarget),
    ...(ssh !== undefined ? { ssh } : {}),
    dnsTimeoutSeconds,
    json: switches.has("--json"),
  };
}
