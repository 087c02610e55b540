import { ConfigProblem, ConfigProblems } from "./config-problem";
import { checkSetting, settingValue } from "./setting";
import { DNS_TTL, MX_PRIORITY, SPF_ALL, SpfAll } from "./mail-host-settings";
import { checkPublicIpv6Address } from "./public-prefix-check";
import {
  isIpv4Address,
  parseIpv4Address,
  parseIpv6Address,
  prefixContainsAddress,
  tryParseCidr,
} from "./ip-prefix";
import { ptrOwnerName } from "./reverse-dns";
import { buildSpfRecord, parseSpf, splitTxt255 } from "./spf-record";

/** The record types of a mail host's DNS plan; a named choice, so that other Pulumi languages get an enum. */
export const DnsRecordType = {
  /** The host's IPv4 address. */
  A: "A",
  /** The host's SMTP address. */
  AAAA: "AAAA",
  /** The zone's mail exchanger. */
  MX: "MX",
  /** SPF. */
  TXT: "TXT",
  /** The SMTP address's reverse name. */
  PTR: "PTR",
} as const;
/** One of {@link DnsRecordType}'s values. */
export type DnsRecordType = (typeof DnsRecordType)[keyof typeof DnsRecordType];

/** One DNS record to create, provider-neutral: the Cloudflare component and the lab's zone files both read it. */
export interface DnsRecordPlan {
  /** The record type. */
  readonly type: DnsRecordType;
  /** Fully qualified owner name without the trailing dot. */
  readonly name: string;
  /** Record data; TXT values longer than 255 characters are given as several quoted strings. */
  readonly content: string;
  /** Seconds. */
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
  /**
   * Whether the host sends mail over IPv6. `true` (the default) plans the IPv6 records as well: the AAAA and
   * the PTR of `smtpAddress`, and SPF `ip6:` for `spfIpv6`. `false` is the IPv4-only mode of a host without
   * a dedicated /64 (MailServer's `smtpOverIpv4Only`): A, MX and SPF with `ip4:` only, so `ipv4Address` is
   * required and the IPv6 fields are left out. A, MX and SPF are planned and validated alike in both modes.
   */
  readonly sendsOverIpv6?: boolean;
  /** The SMTP source address of the dedicated /64; required when sending over IPv6, left out otherwise. */
  readonly smtpAddress?: string;
  /**
   * What SPF authorizes for IPv6: the whole dedicated /64 or just the SMTP address; required when sending over
   * IPv6, left out otherwise.
   */
  readonly spfIpv6?: string;
  /** The host's IPv4 address, for A and SPF `ip4:`; required when the host sends over IPv4 only. */
  readonly ipv4Address?: string;
  /** Extra SPF mechanisms (e.g. `include:` of a relay), merged before `all`. */
  readonly spfMechanisms?: readonly string[];
  /** SPF policy; `-all` by default. */
  readonly spfAll?: SpfAll;
  /** Create the MX of the zone pointing at this host (default true). */
  readonly mx?: boolean;
  readonly mxPriority?: number;
  /** TTL of the records (default 3600). */
  readonly ttl?: number;
  /**
   * TTL of the AAAA record. Set it low (e.g. 300) while rolling IPv6 out, so IPv6 can be withdrawn fast if
   * receivers reject it. Still checked in the IPv4-only mode, where there is no AAAA to apply it to (a stack
   * that withdraws IPv6 keeps its settings).
   */
  readonly aaaaTtl?: number;
  /**
   * Services with their own address in the dedicated /64: an AAAA each at `recordName` (TTL `aaaaTtl`), and
   * the PTR of the address to `recordName` when `ptr`. Only when sending over IPv6. SPF is unchanged: services
   * do not send mail.
   */
  readonly services?: readonly ServiceRecordSpec[];
  readonly allowDocumentation?: boolean;
}

/** The records of one service address ({@link MailDnsSpec.services}). */
export interface ServiceRecordSpec {
  /** The AAAA's owner (and the PTR's target): an FQDN inside the zone. */
  readonly recordName: string;
  /** The service's address in the dedicated /64. */
  readonly address: string;
  /** Whether to plan the PTR of `address`. */
  readonly ptr: boolean;
}

const DOMAIN_NAME = /^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]$/;

/** Whether a text is a fully qualified domain name (letters, digits, hyphens; at least two labels). */
export function isDomainName(text: unknown): text is string {
  return typeof text === "string" && DOMAIN_NAME.test(text.toLowerCase());
}

/**
 * Plans the records that make a mail host deliverable over IPv6: A, AAAA, MX, SPF for the domain and for the
 * HELO name, and the PTR of the SMTP address pointing at the host name, so that forward-confirmed reverse
 * DNS holds (Gmail rejects IPv6 senders without it). With `sendsOverIpv6: false` it plans the same A, MX and
 * SPF (`ip4:` only) without any IPv6 record: a host that sends over IPv4 only still needs its domain's mail
 * records, and must not announce an IPv6 address it doesn't send from.
 *
 * @example
 * planMailDns({ zone: "example.org", hostName: "mx1.example.org", sendsOverIpv6: false, ipv4Address: "192.0.2.10" });
 * // A mx1.example.org, MX example.org, TXT "v=spf1 ip4:192.0.2.10 -all" at example.org and mx1.example.org
 *
 * @throws {@link InvalidConfigError} naming every bad field.
 */
export function planMailDns(
  spec: MailDnsSpec,
  component = "MailDns",
  resourceName = spec.hostName,
): DnsRecordPlan[] {
  const problems = new ConfigProblems();
  const zone = String(spec.zone ?? "").toLowerCase();
  const hostName = String(spec.hostName ?? "").toLowerCase();
  if (!isDomainName(zone)) {
    problems.add("zone", spec.zone, "is not a domain name", 'give the mail domain, e.g. "example.org"');
  }
  if (!isDomainName(hostName)) {
    problems.add(
      "hostName",
      spec.hostName,
      "is not a fully qualified domain name",
      'give the host FQDN, e.g. "mx1.example.org"',
    );
  } else if (isDomainName(zone) && hostName !== zone && !hostName.endsWith(`.${zone}`)) {
    problems.add(
      "hostName",
      spec.hostName,
      `is not inside the zone ${zone}`,
      `use a name under ${zone}, e.g. mx1.${zone}`,
    );
  }
  const sendsOverIpv6 = spec.sendsOverIpv6 ?? true;
  if (typeof sendsOverIpv6 !== "boolean") {
    problems.add(
      "sendsOverIpv6",
      spec.sendsOverIpv6,
      "must be true or false",
      "use true for a host that sends from its dedicated /64, false for one that sends over IPv4 only",
    );
  }
  const smtpProblems =
    sendsOverIpv6 === true
      ? checkPublicIpv6Address(spec.smtpAddress, "smtpAddress", {
          allowDocumentation: spec.allowDocumentation,
        })
      : [];
  problems.addAll(smtpProblems);
  if (spec.ipv4Address !== undefined && !isIpv4Address(spec.ipv4Address)) {
    problems.add(
      "ipv4Address",
      spec.ipv4Address,
      "is not an IPv4 address",
      sendsOverIpv6 === false
        ? "give the host's public IPv4 address"
        : "give the host's public IPv4 address, or leave it unset",
    );
  }
  problems.addAll(checkServiceRecords(spec, sendsOverIpv6 === true, zone, hostName));
  if (sendsOverIpv6 === true) checkSpfIpv6(spec, smtpProblems.length === 0, problems);
  else if (sendsOverIpv6 === false) checkIpv4Only(spec, problems);
  problems.addAll(checkSetting(DNS_TTL, spec.ttl, "ttl"));
  problems.addAll(checkSetting(DNS_TTL, spec.aaaaTtl, "aaaaTtl"));
  problems.addAll(checkSetting(MX_PRIORITY, spec.mxPriority, "mxPriority"));
  problems.addAll(checkSetting(SPF_ALL, spec.spfAll, "spfAll"));
  if (spec.mx !== undefined && typeof spec.mx !== "boolean") {
    problems.add(
      "mx",
      spec.mx,
      "must be true or false",
      "leave it unset (true) to point the zone's MX at this host",
    );
  }
  const mechanisms: unknown = spec.spfMechanisms ?? [];
  if (!Array.isArray(mechanisms) || mechanisms.some((m) => typeof m !== "string")) {
    problems.add(
      "spfMechanisms",
      spec.spfMechanisms,
      "is not a list of SPF mechanisms",
      'give a list such as ["include:_spf.relay.example"]',
    );
  } else {
    // The user's mechanisms alone: the address fields are checked above and reported under their own names.
    // A mechanism that is wrong on its own is named; what only the whole record breaks (a second redirect=,
    // too many lookups) is said of the record.
    const wrongAlone = (mechanisms as string[]).flatMap((m) =>
      parseSpf(buildSpfRecord({ mechanisms: [m] })).problems.map((problem) => `"${m}": ${problem}`),
    );
    const record = parseSpf(buildSpfRecord({ mechanisms, all: spec.spfAll })).problems;
    for (const problem of wrongAlone.length > 0 ? wrongAlone : record) {
      problems.add(
        "spfMechanisms",
        spec.spfMechanisms ?? [],
        `make an invalid SPF record (${problem})`,
        "remove or correct the offending mechanism",
      );
    }
  }
  problems.throwIfAny(component, resourceName);
  const ttl = settingValue(DNS_TTL, spec.ttl, "planMailDns: ttl");
  const aaaaTtl = spec.aaaaTtl ?? ttl;
  const mxPriority = settingValue(MX_PRIORITY, spec.mxPriority, "planMailDns: mxPriority");

  // Checked above: with IPv6, smtpAddress and spfIpv6 are valid; without, they are absent.
  const smtpAddress = sendsOverIpv6 ? parseIpv6Address(spec.smtpAddress as string) : undefined;
  const spf = buildSpfRecord({
    ipv4: spec.ipv4Address ? [parseIpv4Address(spec.ipv4Address)] : [],
    ipv6: smtpAddress !== undefined ? [spec.spfIpv6 as string] : [],
    mechanisms: spec.spfMechanisms,
    all: spec.spfAll,
  });
  const txt = splitTxt255(spf)
    .map((part) => `"${part}"`)
    .join(" ");
  const records: DnsRecordPlan[] = [];
  if (spec.ipv4Address)
    records.push({ type: "A", name: hostName, content: parseIpv4Address(spec.ipv4Address), ttl });
  if (smtpAddress !== undefined)
    records.push({ type: "AAAA", name: hostName, content: smtpAddress, ttl: aaaaTtl });
  const services = smtpAddress !== undefined ? (spec.services ?? []) : [];
  for (const s of services) {
    records.push({
      type: "AAAA",
      name: s.recordName.toLowerCase(),
      content: parseIpv6Address(s.address),
      ttl: aaaaTtl,
    });
  }
  if (spec.mx ?? true) records.push({ type: "MX", name: zone, content: hostName, ttl, priority: mxPriority });
  records.push({ type: "TXT", name: zone, content: txt, ttl });
  if (hostName !== zone) records.push({ type: "TXT", name: hostName, content: txt, ttl });
  if (smtpAddress !== undefined)
    records.push({ type: "PTR", name: ptrOwnerName(smtpAddress), content: hostName, ttl });
  for (const s of services.filter((x) => x.ptr)) {
    records.push({ type: "PTR", name: ptrOwnerName(s.address), content: s.recordName.toLowerCase(), ttl });
  }
  return records;
}

/**
 * Checks the services' records: only with IPv6, each owner an FQDN inside the zone that is not the mail host's
 * name, each address a public IPv6 address (documentation ones where allowed).
 */
function checkServiceRecords(
  spec: MailDnsSpec,
  sendsOverIpv6: boolean,
  zone: string,
  hostName: string,
): ConfigProblem[] {
  const services: unknown = spec.services ?? [];
  if (!Array.isArray(services)) {
    return [
      {
        field: "services",
        value: services,
        problem: "must be a list of service records",
        fix: 'e.g. [{ recordName: "www.example.org", address: "2001:db8:25::80", ptr: true }]',
      },
    ];
  }
  if (services.length > 0 && !sendsOverIpv6) {
    return [
      {
        field: "services",
        value: services,
        problem: "have IPv6 addresses, and sendsOverIpv6 is false: no AAAA or PTR is published",
        fix: "remove the services, or send from the dedicated /64 (sendsOverIpv6: true)",
      },
    ];
  }
  const problems: ConfigProblem[] = [];
  (services as Partial<ServiceRecordSpec>[]).forEach((s, i) => {
    const name = String(s?.recordName ?? "").toLowerCase();
    if (!isDomainName(name) || (name !== zone && !name.endsWith(`.${zone}`)) || name === hostName) {
      problems.push({
        field: `services[${i}].recordName`,
        value: s?.recordName,
        problem: `is not a name inside the zone ${zone} other than the mail host's`,
        fix: `give the service's own FQDN under ${zone}, e.g. www.${zone}`,
      });
    }
    problems.push(
      ...checkPublicIpv6Address(s?.address, `services[${i}].address`, {
        allowDocumentation: spec.allowDocumentation,
      }),
    );
  });
  return problems;
}

/**
 * Checks the IPv4-only mode: the IPv4 address is what the records publish, so it is required; IPv6 fields
 * contradict the mode (publishing them would announce an address the host doesn't send from).
 */
function checkIpv4Only(spec: MailDnsSpec, problems: ConfigProblems): void {
  if (spec.ipv4Address === undefined) {
    problems.add(
      "ipv4Address",
      undefined,
      "is required when the host sends over IPv4 only (sendsOverIpv6: false): A and SPF ip4: publish it",
      "give the host's public IPv4 address",
    );
  }
  for (const [field, value] of [
    ["smtpAddress", spec.smtpAddress],
    ["spfIpv6", spec.spfIpv6],
  ] as const) {
    if (value === undefined) continue;
    problems.add(
      field,
      value,
      "is given although sendsOverIpv6 is false, so no AAAA, PTR or SPF ip6: would publish it",
      "remove it, or set sendsOverIpv6: true to send from the dedicated /64",
    );
  }
}

/** SPF must not authorize more than one site's allocation: a /48 is the most a tunnel broker routes to one user. */
const WIDEST_SPF_IPV6_LENGTH = 48;

/**
 * Checks `spfIpv6`: an IPv6 address or network that covers the SMTP address (or SPF fails for the mail it is
 * meant to authorize) and is no wider than a /48 (or it authorizes strangers to send as the domain).
 */
function checkSpfIpv6(spec: MailDnsSpec, smtpAddressValid: boolean, problems: ConfigProblems): void {
  const cidr = typeof spec.spfIpv6 === "string" ? tryParseCidr(spec.spfIpv6) : undefined;
  if (cidr === undefined || cidr.family !== 6) {
    problems.add(
      "spfIpv6",
      spec.spfIpv6,
      "is not an IPv6 address or network",
      'give the dedicated /64 (e.g. "2001:470:1f0b:25::/64") or the SMTP address itself',
    );
    return;
  }
  if (cidr.prefix.length < WIDEST_SPF_IPV6_LENGTH) {
    problems.add(
      "spfIpv6",
      spec.spfIpv6,
      `is a /${cidr.prefix.length}, which authorizes addresses that are not yours to send as this domain`,
      "give the dedicated /64 or the SMTP address itself",
    );
  } else if (smtpAddressValid && !prefixContainsAddress(cidr.prefix, spec.smtpAddress as string)) {
    problems.add(
      "spfIpv6",
      spec.spfIpv6,
      `does not cover smtpAddress ${parseIpv6Address(spec.smtpAddress as string)}, so SPF would fail for the mail it sends`,
      "give the dedicated /64 that holds smtpAddress, or smtpAddress itself",
    );
  }
}
