import { memoByText } from "./memo";
import { ipv6, isIpv6 } from "./ip-text";

/**
 * What a host script (a `command:remote:Command`'s `create` text) configures, as far as mail over IPv6 is
 * concerned. Stacks built by hand configure Postfix, Exim, tunnels and Docker with the same commands this
 * package renders, so reading them lets the pack judge those stacks too.
 */
export interface HostScriptFacts {
  /** The script configures Postfix (`postconf`, `main.cf`, `master.cf`). */
  readonly postfix: boolean;
  /** The script configures Exim. */
  readonly exim: boolean;
  /** IPv6 source addresses the MTA is bound to (Postfix `smtp_bind_address6`, Exim `interface = <; …`). */
  readonly bindAddresses6: readonly string[];
  /** Postfix `smtp_bind_address_enforce = yes` (defer instead of sending from another address). */
  readonly bindEnforced: boolean;
  /** Exim `interface = 2001:…` written without `<;`: Exim splits it at the colons. */
  readonly eximInterfaceWithoutSeparator: readonly string[];
  /** The name the MTA says in HELO: Postfix `smtp_helo_name`, else `myhostname`; Exim `helo_data`, else `primary_hostname`. */
  readonly heloName?: string;
  /** 6in4 tunnels the script creates. */
  readonly tunnels: readonly { interfaceName: string; remote?: string }[];
  /** The script runs docker-mailserver. */
  readonly dockerMailserver: boolean;
  /** `"ip6tables": true|false` in a Docker `daemon.json`. */
  readonly dockerIp6tables?: boolean;
  /** docker-mailserver `PERMIT_DOCKER`. */
  readonly permitDocker?: string;
  /** Networks trusted to relay: Postfix `mynetworks`, docker-mailserver relay settings. */
  readonly trustedNetworks: readonly string[];
  /** IPv6 networks Docker gives containers (`fixed-cidr-v6`, `docker network create --subnet`). */
  readonly dockerNetworks6: readonly string[];
}

/**
 * The matches of `re` in `text`, none when `text` lacks `literal`, a word every match contains: a substring
 * search is far cheaper than a regular expression over a whole host script, and most scripts lack most words.
 */
function matchesWith(text: string, literal: string, re: RegExp): Iterable<RegExpMatchArray> {
  return text.includes(literal) ? text.matchAll(re) : [];
}

/** The first group of the last match of `re` (see {@link matchesWith} for `literal`). */
function lastMatch(text: string, literal: string, re: RegExp): string | undefined {
  let found: string | undefined;
  for (const m of matchesWith(text, literal, re)) found = m[1];
  return found;
}

function canonicalIfIpv6(text: string): string | undefined {
  const t = text.trim().replace(/^\[|\]$/g, "");
  return isIpv6(t) ? ipv6(t) : undefined;
}

function postfixNetwork(entry: string): string {
  // Postfix writes IPv6 networks in brackets: [2001:db8::]/64.
  return entry.replace(/^\[([^\]]+)\](\/\d+)?$/, "$1$2");
}

function tunnelsOf(text: string): { interfaceName: string; remote?: string }[] {
  const tunnels = new Map<string, { interfaceName: string; remote?: string }>();
  const add = (name: string, rest: string) => {
    const remote = /\bremote\s+([0-9.]+)/.exec(rest)?.[1];
    tunnels.set(name, { interfaceName: name, remote: remote ?? tunnels.get(name)?.remote });
  };
  for (const m of matchesWith(
    text,
    "sit",
    /\bip\s+(?:-\d\s+)?tunnel\s+add\s+(?:name\s+)?([^\s'"]+)([^\n]*)/g,
  )) {
    if (/\bmode\s+sit\b/.test(m[2])) add(m[1], m[2]);
  }
  for (const m of matchesWith(text, "sit", /\bip\s+link\s+add\s+(?:name\s+)?([^\s'"]+)([^\n]*)/g)) {
    if (/\btype\s+sit\b/.test(m[2])) add(m[1], m[2]);
  }
  for (const section of text.includes("[NetDev]") ? text.split(/\[NetDev\]/).slice(1) : []) {
    const body = section.split(/\n\[/)[0];
    const name = /^\s*Name\s*=\s*(\S+)/m.exec(body)?.[1];
    if (name && /^\s*Kind\s*=\s*sit\b/m.test(body)) add(name, "");
  }
  for (const m of matchesWith(
    text,
    "v4tunnel",
    /\biface\s+(\S+)\s+inet6\s+v4tunnel\b([^]*?)(?=\niface\s|$)/g,
  )) {
    const endpoint = /\bendpoint\s+([0-9.]+)/.exec(m[2])?.[1];
    add(m[1], endpoint ? `remote ${endpoint}` : "");
  }
  return [...tunnels.values()];
}

/**
 * Reads the mail-relevant facts out of a host script.
 *
 * @example
 * readHostScriptFacts("postconf -e 'smtp_bind_address6=2001:db8:25::25'").bindAddresses6; // ["2001:db8:25::25"]
 */
export const readHostScriptFacts: (text: string) => HostScriptFacts = memoByText(
  readHostScriptFactsNow,
  20_000,
);

function readHostScriptFactsNow(text: string): HostScriptFacts {
  const bind = new Set<string>();
  for (const m of matchesWith(
    text,
    "smtp_bind_address6",
    /\bsmtp_bind_address6\s*=\s*['"]?([0-9A-Fa-f:.[\]]+)/g,
  )) {
    const a = canonicalIfIpv6(m[1]);
    if (a) bind.add(a);
  }
  const eximNoSeparator: string[] = [];
  // Exim's transport option, or the macro Debian's remote_smtp transport reads it from.
  const eximInterface = text.includes("interface") || text.includes("REMOTE_SMTP_INTERFACE");
  const interfaces = /^\s*(?:interface|REMOTE_SMTP_INTERFACE)\s*=\s*(<;)?\s*([^\n'"]+)/gm;
  for (const m of eximInterface ? text.matchAll(interfaces) : []) {
    const list = m[2].trim();
    if (m[1]) {
      for (const part of list.split(";")) {
        const a = canonicalIfIpv6(part);
        if (a) bind.add(a);
      }
    } else if (/[0-9a-f]*:[0-9a-f]*:/i.test(list)) {
      eximNoSeparator.push(list);
    }
  }
  const postfix =
    (text.includes("post") || text.includes(".cf")) &&
    /\bpostconf\b|\bpostfix\b|\bmain\.cf\b|\bmaster\.cf\b/.test(text);
  const exim = text.includes("exim") && /\bexim4?\b|update-exim4\.conf/.test(text);
  const helo =
    lastMatch(text, "smtp_helo_name", /\bsmtp_helo_name\s*=\s*['"]?([A-Za-z0-9][A-Za-z0-9.-]*)/g) ??
    lastMatch(text, "helo_data", /\bhelo_data\s*=\s*['"]?([A-Za-z0-9][A-Za-z0-9.-]*)/g) ??
    lastMatch(text, "myhostname", /(?:^|[\s'"])myhostname\s*=\s*['"]?([A-Za-z0-9][A-Za-z0-9.-]*)/g) ??
    lastMatch(text, "primary_hostname", /\bprimary_hostname\s*=\s*['"]?([A-Za-z0-9][A-Za-z0-9.-]*)/g);
  const trusted: string[] = [];
  const mynetworks = lastMatch(text, "mynetworks", /\bmynetworks\s*=\s*([^\n'"]+)/g);
  if (mynetworks)
    trusted.push(
      ...mynetworks
        .split(/[\s,]+/)
        .filter((e) => e !== "" && !e.startsWith("$"))
        .map(postfixNetwork),
    );
  for (const m of matchesWith(
    text,
    "_NETWORKS",
    /\b(?:RELAY_NETWORKS|TRUSTED_NETWORKS)\s*[=:]\s*['"]?([^\n'"]+)/g,
  )) {
    trusted.push(
      ...m[1]
        .split(/[\s,]+/)
        .filter((e) => e !== "")
        .map(postfixNetwork),
    );
  }
  const ip6tables = lastMatch(text, '"ip6tables"', /"ip6tables"\s*:\s*(true|false)/g);
  const networks6 = new Set<string>();
  for (const m of matchesWith(text, '"fixed-cidr-v6"', /"fixed-cidr-v6"\s*:\s*"([^"]+)"/g))
    networks6.add(m[1]);
  for (const m of matchesWith(text, "--subnet", /--subnet[= ]['"]?([0-9A-Fa-f:]+:[0-9A-Fa-f:]*\/\d+)/g))
    networks6.add(m[1]);
  for (const m of matchesWith(text, "subnet", /\bsubnet\s*:\s*['"]?([0-9A-Fa-f:]+:[0-9A-Fa-f:]*\/\d+)/g))
    networks6.add(m[1]);
  return {
    postfix,
    exim,
    bindAddresses6: [...bind],
    bindEnforced:
      text.includes("smtp_bind_address_enforce") && /\bsmtp_bind_address_enforce\s*=\s*['"]?yes\b/.test(text),
    eximInterfaceWithoutSeparator: eximNoSeparator,
    heloName: helo?.replace(/\.$/, "").toLowerCase(),
    tunnels: tunnelsOf(text),
    dockerMailserver: text.includes("docker-mailserver"),
    dockerIp6tables: ip6tables === undefined ? undefined : ip6tables === "true",
    permitDocker: lastMatch(text, "PERMIT_DOCKER", /\bPERMIT_DOCKER\s*[=:]\s*['"]?([a-z-]+)/g),
    trustedNetworks: trusted,
    dockerNetworks6: [...networks6],
  };
}

/** Whether the text configures an MTA at all (a sender signal for hand-built stacks). */
export function configuresMta(facts: HostScriptFacts): boolean {
  return (
    facts.bindAddresses6.length > 0 ||
    facts.eximInterfaceWithoutSeparator.length > 0 ||
    facts.dockerMailserver
  );
}
