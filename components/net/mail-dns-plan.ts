import { ConfigProblems } from "./config-problem";
import { checkPublicIpv6Address } from "./public-prefix-check";
import { isIpv4Address, parseIpv6Address } from "./ip-prefix";
import { ptrOwnerName } from "./reverse-dns";
import { buildSpfRecord, parseSpf, splitTxt255 } from "./spf-record";

/** One DNS record to create, provider-neutral: the Cloudflare component and the lab's zone files both read it. */
export interface DnsRecordPlan {
  readonly type: "A" | "AAAA" | "MX" | "TXT" | "PTR";
  /** Fully qualified owner name without the trailing dot. */
  readonly name: string;
  /** Record data; TXT values longer than 255 characters are given as several quoted strings. */
  readonly content: string;
  readonly ttl: number;
  /** MX preference. */
  readonly priority?: number;
}

/** Input of {@link planMailDns}; values are validated by it. */
export interface MailDnsSpec {
  /** The mail domain, e.g. `example.org`. */
  readonly zone: string;
  /** The mail host's FQDN; also its PTR target and Postfix `myhostname` (FCrDNS). */
  readonly hostName: string;
  /** The SMTP source address of the dedicated /64. */
  readonly smtpAddress: string;
  /** What SPF authorizes for IPv6: the whole dedicated /64 (default) or just the SMTP address. */
  readonly spfIpv6: string;
  /** The host's IPv4 address, for A and SPF `ip4:`. */
  readonly ipv4Address?: string;
  /** Extra SPF mechanisms (e.g. `include:` of a relay), merged before `all`. */
  readonly spfMechanisms?: readonly string[];
  /** SPF policy; `-all` by default. */
  readonly spfAll?: "-all" | "~all";
  /** Create the MX of the zone pointing at this host (default true). */
  readonly mx?: boolean;
  readonly mxPriority?: number;
  /** TTL of the records (default 3600). */
  readonly ttl?: number;
  /**
   * TTL of the AAAA record. Set it low (e.g. 300) while rolling IPv6 out, so IPv6 can be withdrawn fast if
   * receivers reject it.
   */
  readonly aaaaTtl?: number;
  readonly allowDocumentation?: boolean;
}

const DOMAIN_NAME = /^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]$/;

/** Whether a text is a fully qualified domain name (letters, digits, hyphens; at least two labels). */
export function isDomainName(text: unknown): text is string {
  return typeof text === "string" && DOMAIN_NAME.test(text.toLowerCase());
}

/**
 * Plans the records that make a mail host deliverable over IPv6: A, AAAA, MX, SPF for the domain and for the
 * HELO name, and the PTR of the SMTP address pointing at the host name, so that forward-confirmed reverse
 * DNS holds (Gmail rejects IPv6 senders without it).
 *
 * @throws {@link InvalidConfigError} naming every bad field.
 */
export function planMailDns(spec: MailDnsSpec, component = "MailDns", resourceName = spec.hostName): DnsRecordPlan[] {
  const problems = new ConfigProblems();
  const zone = String(spec.zone ?? "").toLowerCase();
  const hostName = String(spec.hostName ?? "").toLowerCase();
  if (!isDomainName(zone)) {
    problems.add("zone", spec.zone, "is not a domain name", 'give the mail domain, e.g. "example.org"');
  }
  if (!isDomainName(hostName)) {
    problems.add("hostName", spec.hostName, "is not a fully qualified domain name", 'give the host FQDN, e.g. "mx1.example.org"');
  } else if (isDomainName(zone) && hostName !== zone && !hostName.endsWith(`.${zone}`)) {
    problems.add("hostName", spec.hostName, `is not inside the zone ${zone}`, `use a name under ${zone}, e.g. mx1.${zone}`);
  }
  problems.addAll(checkPublicIpv6Address(spec.smtpAddress, "smtpAddress", { allowDocumentation: spec.allowDocumentation }));
  if (spec.ipv4Address !== undefined && !isIpv4Address(spec.ipv4Address)) {
    problems.add("ipv4Address", spec.ipv4Address, "is not an IPv4 address", "give the host's public IPv4 address, or leave it unset");
  }
  const ttl = spec.ttl ?? 3600;
  const aaaaTtl = spec.aaaaTtl ?? ttl;
  const ttls: [string, number][] = [["ttl", ttl]];
  if (spec.aaaaTtl !== undefined) ttls.push(["aaaaTtl", spec.aaaaTtl]);
  for (const [field, value] of ttls) {
    if (!Number.isInteger(value) || value < 60 || value > 86400) {
      problems.add(field, value, "must be a whole number of seconds from 60 to 86400", "use 3600, or 300 while rolling out");
    }
  }
  const spf = buildSpfRecord({
    ipv4: spec.ipv4Address ? [spec.ipv4Address] : [],
    ipv6: [spec.spfIpv6],
    mechanisms: spec.spfMechanisms,
    all: spec.spfAll,
  });
  for (const problem of parseSpf(spf).problems) {
    problems.add("spfMechanisms", spec.spfMechanisms ?? [], `make an invalid SPF record (${problem})`, "remove or correct the offending mechanism");
  }
  problems.throwIfAny(component, resourceName);

  const smtpAddress = parseIpv6Address(spec.smtpAddress);
  const txt = splitTxt255(spf).map((part) => `"${part}"`).join(" ");
  const records: DnsRecordPlan[] = [];
  if (spec.ipv4Address) records.push({ type: "A", name: hostName, content: spec.ipv4Address, ttl });
  records.push({ type: "AAAA", name: hostName, content: smtpAddress, ttl: aaaaTtl });
  if (spec.mx ?? true) records.push({ type: "MX", name: zone, content: hostName, ttl, priority: spec.mxPriority ?? 10 });
  records.push({ type: "TXT", name: zone, content: txt, ttl });
  if (hostName !== zone) records.push({ type: "TXT", name: hostName, content: txt, ttl });
  records.push({ type: "PTR", name: ptrOwnerName(smtpAddress), content: hostName, ttl });
  return records;
}
