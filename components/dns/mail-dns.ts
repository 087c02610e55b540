import * as pulumi from "@pulumi/pulumi";
import * as cloudflare from "@pulumi/cloudflare";
import * as hcloud from "@pulumi/hcloud";
import {
  checkSetting,
  ConfigProblem,
  ConfigProblems,
  DnsRecordPlan,
  InvalidConfigError,
  MailDnsSpec,
  planMailDns,
  ptrOwnerName,
  serviceAddress,
  ServiceRecordSpec,
  SPF_AUTHORIZE,
} from "../../net";
import { Known, knownValue, NOT_YET_KNOWN } from "../known-input";
import { MailDnsSettings, mailDnsSettingsOf } from "./mail-dns-settings";
import { LateCheck } from "../late-check";
import {
  DnsFacts,
  DnsRecordFact,
  FactRef,
  FactValue,
  FactValues,
  MAIL_FACTS_VERSION,
  MailFacts,
  SpfTermFact,
} from "../../facts/mail-facts";

/** The addresses of the DNS facts: literal, or refs of the fact set's values (see {@link mailDnsFacts}). */
export interface MailDnsFactAddresses {
  readonly smtpAddress?: FactValue;
  readonly dedicatedPrefix?: FactValue;
  readonly ipv4Address?: FactValue;
}

/**
 * Stand-ins the plan is run with for addresses that are refs, recognised again in the planned records: a
 * record content equal to one is that ref. Documentation values inside one /64, as the plan requires.
 */
const FACT_STAND_IN: Readonly<Record<Exclude<FactRef, "ptrName">, string>> = {
  smtpAddress: "2001:db8:fac7::25",
  dedicatedPrefix: "2001:db8:fac7::/64",
  ipv4Address: "192.0.2.250",
};

const TYPE = "ipv6-mail:index:MailDns";

/**
 * Stand-ins for addresses that are outputs of other resources, so that every other field is checked before
 * anything is registered (documentation addresses, accepted for the check alone). The real addresses are
 * checked by the same plan once they are known.
 */
const STAND_IN = {
  smtpAddress: "2001:db8::25",
  dedicatedPrefix: "2001:db8::25/128",
  ipv4Address: "192.0.2.25",
};

/** Where the records go. Forward records need `cloudflare`; the PTR needs `reverseZoneId` or a Hetzner server. */
export interface MailDnsCloudflareArgs {
  /** The Cloudflare zone id of the mail domain. */
  zoneId: pulumi.Input<string>;
  /**
   * The Cloudflare zone id of the routed prefix's `ip6.arpa` zone. Hurricane Electric delegates a routed
   * prefix's reverse zone to the nameservers you enter on its site: point them at this Cloudflare zone.
   * Unused by a host that sends over IPv4 only (it has no IPv6 PTR).
   */
  reverseZoneId?: pulumi.Input<string>;
}

/** Arguments of {@link MailDns}. */
export interface MailDnsArgs extends MailDnsSettings {
  /** The mail domain, e.g. `example.org`. */
  zone: string;
  /** The mail host's FQDN: AAAA owner, PTR target and MTA host name, so that FCrDNS holds. */
  hostName: string;
  /**
   * Whether the host sends mail over IPv6 (default `true`): then `smtpAddress` and `dedicatedPrefix` are
   * required and AAAA, PTR and SPF `ip6:` are published. `false` publishes A, MX and SPF `ip4:` only (a host
   * without a dedicated /64), needs `ipv4Address` and `cloudflare`, and takes no IPv6 address.
   */
  sendsOverIpv6?: boolean;
  /** The SMTP source address; required when sending over IPv6. */
  smtpAddress?: pulumi.Input<string>;
  /**
   * The dedicated /64; SPF authorizes it (or just the SMTP address with `spfAuthorize: "address"`). Required
   * when sending over IPv6.
   */
  dedicatedPrefix?: pulumi.Input<string>;
  /** The host's public IPv4 (A and SPF `ip4:`); required when sending over IPv4 only. */
  ipv4Address?: pulumi.Input<string>;
  cloudflare?: MailDnsCloudflareArgs;
  /** Set the SMTP address's PTR with Hetzner's `Rdns` on this server (only when sending over IPv6). */
  hetznerServerId?: pulumi.Input<number>;
  /**
   * Services with their own address in `dedicatedPrefix` (the /64 + `interfaceId`): an AAAA each at
   * `recordName`, and a PTR to it when `ptr` (in the reverse zone, or Hetzner's `Rdns`).
   */
  services?: readonly MailDnsService[];
  allowDocumentationPrefixes?: boolean;
}

/** A service's records in {@link MailDnsArgs}: its name, its interface id in the /64, its AAAA owner, a PTR or not. */
export interface MailDnsService {
  /** The service's name (the records' resource names). */
  readonly name: string;
  /** Interface id or full address inside the dedicated /64. */
  readonly interfaceId: string;
  /** The AAAA's owner, an FQDN inside the zone. */
  readonly recordName: string;
  /** Publish the PTR of the service's address, pointing at `recordName`. */
  readonly ptr: boolean;
}

/**
 * The addresses the records are planned from: each a plain value, or {@link NOT_YET_KNOWN} while it is the
 * output of another resource (a droplet's IPv4, a Hetzner server's /64).
 */
export interface MailDnsAddresses {
  readonly smtpAddress: Known<string | undefined>;
  readonly dedicatedPrefix: Known<string | undefined>;
  readonly ipv4Address: Known<string | undefined>;
}

/**
 * The DNS that makes IPv6 mail deliverable: A, AAAA, MX and SPF in Cloudflare, and the PTR of the SMTP
 * address (in a Cloudflare `ip6.arpa` zone for tunnel prefixes, or Hetzner `Rdns`), all from one plan
 * ({@link planMailDns}) so that forward and reverse names agree. With `sendsOverIpv6: false` it publishes
 * the same plan's IPv4-only records: A, MX and SPF `ip4:`.
 */
export class MailDns extends pulumi.ComponentResource {
  /** The planned records (also handed to the lab's DNS server). */
  readonly records: pulumi.Output<DnsRecordPlan[]>;
  readonly spfRecord: pulumi.Output<string>;
  /** The PTR owner name of the SMTP address; undefined for a host that sends over IPv4 only. */
  readonly ptrName: pulumi.Output<string | undefined>;
  readonly cloudflareRecords: cloudflare.DnsRecord[] = [];
  readonly rdns?: hcloud.Rdns;
  /** The records it writes, literal or derived ({@link MailFacts}), also the `facts` output. */
  readonly facts: MailFacts;

  /**
   * @param composedBy the addresses as its MailServer's facts name them, when this is a part of a MailServer
   *   (its refs are then the MailServer's values).
   */
  constructor(
    name: string,
    args: MailDnsArgs,
    opts?: pulumi.ComponentResourceOptions,
    composedBy?: MailDnsFactAddresses,
  ) {
    const problems = new ConfigProblems();
    problems.addAll(checkMailDnsArgs(args, name));
    problems.throwIfAny("MailDns", name);
    super(TYPE, name, {}, opts);

    const sendsOverIpv6 = args.sendsOverIpv6 ?? true;
    // Addresses that were outputs of other resources are planned once known; a plan that fails then fails
    // this component, and none of its records is registered.
    const planned = pulumi
      .all([args.smtpAddress, args.dedicatedPrefix, args.ipv4Address])
      .apply(([smtpAddress, dedicatedPrefix, ipv4Address]) =>
        tryPlanRecords(args, name, { smtpAddress, dedicatedPrefix, ipv4Address: ipv4Address || undefined }),
      );
    const late = new LateCheck(
      this,
      "MailDns",
      name,
      planned.apply((p) => p.problems),
    );
    const records = late.checked(planned.apply((p) => p.records));
    this.records = late.published(records, []);
    this.spfRecord = this.records.apply((rs) => spfRecordOf(rs, args.zone));
    this.ptrName = sendsOverIpv6
      ? late.published(pulumi.output(args.smtpAddress as pulumi.Input<string>).apply(ptrOwnerName), undefined)
      : pulumi.output(undefined);

    const gated = { parent: this, dependsOn: late.gate };
    const addresses = composedBy ?? standaloneAddresses(args, sendsOverIpv6);
    const factPlan = planFacts(args, addresses);
    // Each record's type, TTL and priority come from its settings, its owner (forward) or target (PTR) from
    // literal names: plain values from the facts' plan. Only what takes an address waits for the real plan.
    const recordOf = (found: (r: DnsRecordPlan) => boolean, wanted: string): RecordFields => {
      const real = <T>(pickField: (r: DnsRecordPlan) => T): pulumi.Output<T> =>
        records.apply((rs) => {
          const record = rs.find(found);
          if (!record) throw new Error(`MailDns "${name}": the plan has no ${wanted}`);
          return pickField(record);
        });
      // A service given by its full address is outside the stand-in /64: all of its fields wait.
      const shape = factPlan.planned.find(found);
      if (!shape) return real((r) => r);
      const byAddress = shape.type === "PTR" ? "name" : shape.type === "MX" ? undefined : "content";
      return {
        type: shape.type,
        ttl: shape.ttl,
        priority: shape.priority,
        name: byAddress === "name" ? real((r) => r.name) : shape.name,
        content: byAddress === "content" ? real((r) => r.content) : shape.content,
      };
    };
    // The plan lists the SMTP address's PTR before the services' PTRs: the first PTR is the mail host's.
    const pick = (type: DnsRecordPlan["type"], recordName?: string) =>
      recordOf(
        (r) => r.type === type && (recordName === undefined || r.name === recordName),
        `${type} record ${recordName ?? ""}`,
      );
    const zone = args.zone.toLowerCase();
    const hostName = args.hostName.toLowerCase();
    if (args.cloudflare) {
      const forward: [string, DnsRecordPlan["type"], string][] = [["spf", "TXT", zone]];
      if (sendsOverIpv6) forward.unshift(["aaaa", "AAAA", hostName]);
      if (args.ipv4Address !== undefined) forward.push(["a", "A", hostName]);
      if (args.mx ?? true) forward.push(["mx", "MX", zone]);
      if (hostName !== zone) forward.push(["helo-spf", "TXT", hostName]);
      for (const [role, type, recordName] of forward) {
        this.cloudflareRecords.push(
          cloudflareRecord(`${name}-${role}`, args.cloudflare.zoneId, pick(type, recordName), gated),
        );
      }
      if (sendsOverIpv6 && args.cloudflare.reverseZoneId !== undefined) {
        this.cloudflareRecords.push(
          cloudflareRecord(`${name}-ptr`, args.cloudflare.reverseZoneId, pick("PTR"), gated),
        );
      }
      for (const service of sendsOverIpv6 ? (args.services ?? []) : []) {
        const recordName = service.recordName.toLowerCase();
        this.cloudflareRecords.push(
          cloudflareRecord(
            `${name}-${service.name}-aaaa`,
            args.cloudflare.zoneId,
            pick("AAAA", recordName),
            gated,
          ),
        );
        if (service.ptr && args.cloudflare.reverseZoneId !== undefined) {
          const ptr = recordOf((r) => r.type === "PTR" && r.content === recordName, `PTR to ${recordName}`);
          this.cloudflareRecords.push(
            cloudflareRecord(`${name}-${service.name}-ptr`, args.cloudflare.reverseZoneId, ptr, gated),
          );
        }
      }
    }
    if (sendsOverIpv6 && args.hetznerServerId !== undefined) {
      this.rdns = new hcloud.Rdns(
        `${name}-ptr`,
        {
          serverId: args.hetznerServerId,
          ipAddress: late.checked(args.smtpAddress as pulumi.Input<string>),
          dnsPtr: hostName,
        },
        gated,
      );
      for (const service of (args.services ?? []).filter((x) => x.ptr)) {
        new hcloud.Rdns(
          `${name}-${service.name}-ptr`,
          {
            serverId: args.hetznerServerId,
            ipAddress: late
              .checked(args.dedicatedPrefix as pulumi.Input<string>)
              .apply((prefix) => serviceAddress(prefix, service.interfaceId)),
            dnsPtr: service.recordName.toLowerCase(),
          },
          gated,
        );
      }
    }
    this.facts = {
      version: MAIL_FACTS_VERSION,
      component: "MailDns",
      ...(composedBy ? { partOf: "MailServer" as const } : {}),
      sendsOverIpv6,
      dns: factPlan.facts,
    };
    const values = composedBy ? undefined : factValuesOf(args, addresses);
    this.registerOutputs({
      records: this.records,
      spfRecord: this.spfRecord,
      ptrName: this.ptrName,
      facts: values === undefined ? this.facts : { ...this.facts, values },
    });
  }
}

/**
 * The DNS facts of `args`: the records {@link planMailDns} plans (the same plan MailDns publishes), with each
 * address that is not literal yet planned as a stand-in and published as its ref, so the facts say at preview
 * that the AAAA and the PTR take the SMTP address and the SPF's `ip6:` the dedicated /64, and which terms are
 * literal. `via` says where each record is written: Cloudflare, Hetzner's Rdns, or only planned.
 */
export function mailDnsFacts(args: MailDnsArgs, addresses: MailDnsFactAddresses): DnsFacts {
  return planFacts(args, addresses).facts;
}

/**
 * The facts of {@link mailDnsFacts} with the plan they were read from: its records hold stand-ins where an
 * address is a ref, and every field that takes no address as it will be published.
 */
function planFacts(
  args: MailDnsArgs,
  addresses: MailDnsFactAddresses,
): { facts: DnsFacts; planned: DnsRecordPlan[] } {
  // The SMTP address and the /64 are planned against each other: while either is a ref, both stand in.
  const ipv6Refs = [addresses.smtpAddress, addresses.dedicatedPrefix].some((a) => a?.ref !== undefined);
  const standIns = new Map<string, FactValue>();
  const resolve = (key: Exclude<FactRef, "ptrName">): string | undefined => {
    const fact = addresses[key];
    if (fact === undefined) return undefined;
    if (fact.value !== undefined && (key === "ipv4Address" || !ipv6Refs)) return fact.value;
    standIns.set(FACT_STAND_IN[key], fact);
    return FACT_STAND_IN[key];
  };
  const planned = {
    smtpAddress: resolve("smtpAddress"),
    dedicatedPrefix: resolve("dedicatedPrefix"),
    ipv4Address: resolve("ipv4Address"),
  };
  const smtp = standIns.get(FACT_STAND_IN.smtpAddress);
  if (smtp !== undefined) {
    standIns.set(
      ptrOwnerName(FACT_STAND_IN.smtpAddress),
      smtp.value !== undefined
        ? { value: ptrOwnerName(smtp.value), derivation: "the ip6.arpa name of the SMTP address" }
        : { ref: "ptrName", derivation: "the ip6.arpa name of the SMTP address" },
    );
  }
  if (standIns.has(FACT_STAND_IN.dedicatedPrefix)) {
    for (const { address, service } of serviceRecordsIn(args, FACT_STAND_IN.dedicatedPrefix)) {
      const derivation = `the dedicated /64 + ${service.interfaceId} (service ${service.name})`;
      standIns.set(address, { derivation });
      standIns.set(ptrOwnerName(address), { derivation: `the ip6.arpa name of ${derivation}` });
    }
  }
  const allowDocumentation = standIns.size > 0 ? true : args.allowDocumentationPrefixes;
  const records = planRecords(args, "MailDns", "facts", planned, allowDocumentation);
  const fact = (text: string): FactValue => standIns.get(text) ?? { value: text, derivation: "literal" };
  const zone = args.zone.toLowerCase();
  const hostName = args.hostName.toLowerCase();
  const viaOf = (record: DnsRecordPlan): DnsRecordFact["via"] => {
    if (record.type !== "PTR") return args.cloudflare ? "cloudflare" : "planned";
    if (args.cloudflare?.reverseZoneId !== undefined) return "cloudflare";
    return args.hetznerServerId !== undefined ? "hcloud-rdns" : "planned";
  };
  const facts = {
    zone,
    hostName,
    records: records.map((record): DnsRecordFact => {
      const base = { type: record.type, name: fact(record.name), ttl: record.ttl, via: viaOf(record) };
      if (record.type !== "TXT") return { ...base, content: fact(record.content) };
      const text = unquoteTxt(record.content);
      const spf = spfTermFacts(text, standIns);
      return spf.some((t) => t.ref !== undefined)
        ? { ...base, content: { derivation: "the SPF terms, some of them refs" }, spf }
        : { ...base, content: { value: text, derivation: "literal" }, spf };
    }),
  };
  return { facts, planned: records };
}

/** The terms of an SPF record after `v=spf1`: literal, or a ref when its value stands in for one. */
function spfTermFacts(text: string, standIns: ReadonlyMap<string, FactValue>): SpfTermFact[] {
  return text
    .split(/\s+/)
    .slice(1)
    .filter((term) => term !== "")
    .map((term) => {
      const qualified = /^[-+~?]/.test(term);
      const qualifier = qualified ? term[0] : "+";
      const [mechanism, value] = (qualified ? term.slice(1) : term).split(/[:=](.*)/s);
      const fact = value === undefined ? undefined : standIns.get(value);
      if (fact === undefined) return { text: term, mechanism, qualifier };
      if (fact.value !== undefined) {
        return { text: `${qualified ? qualifier : ""}${mechanism}:${fact.value}`, mechanism, qualifier };
      }
      return { mechanism, qualifier, ref: fact.ref };
    });
}

/**
 * Checks {@link MailDnsArgs} before anything is registered: the whole plan, with stand-ins for addresses that
 * are not known yet (`addresses` says which; by default every address given as an output), and that a
 * provider takes the records. Problems are named by this component's fields.
 */
export function checkMailDnsArgs(
  args: MailDnsArgs,
  name: string,
  addresses: MailDnsAddresses = {
    smtpAddress: knownValue(args?.smtpAddress),
    dedicatedPrefix: knownValue(args?.dedicatedPrefix),
    ipv4Address: knownValue(args?.ipv4Address),
  },
): ConfigProblem[] {
  const problems: ConfigProblem[] = [...checkSetting(SPF_AUTHORIZE, args?.spfAuthorize, "spfAuthorize")];
  const sendsOverIpv6 = args?.sendsOverIpv6 ?? true;
  // The SMTP address and the /64 are checked against each other: while either is unknown, both stand in.
  const ipv6Known = addresses.smtpAddress !== NOT_YET_KNOWN && addresses.dedicatedPrefix !== NOT_YET_KNOWN;
  const resolve = (key: keyof MailDnsAddresses): string | undefined => {
    const value = addresses[key];
    if (key === "ipv4Address") return value === NOT_YET_KNOWN ? STAND_IN.ipv4Address : value;
    // Without IPv6 only the presence of an IPv6 address matters: it contradicts the mode.
    if (sendsOverIpv6 === false) return value === NOT_YET_KNOWN ? "(an output of another resource)" : value;
    return ipv6Known ? (value as string | undefined) : STAND_IN[key];
  };
  try {
    planRecords(
      args,
      "MailDns",
      name,
      {
        smtpAddress: resolve("smtpAddress"),
        dedicatedPrefix: resolve("dedicatedPrefix"),
        ipv4Address: resolve("ipv4Address"),
      },
      ipv6Known ? args?.allowDocumentationPrefixes : true,
    );
  } catch (error) {
    if (!(error instanceof InvalidConfigError)) throw error;
    problems.push(...error.problems);
  }
  if (args?.cloudflare === undefined && (sendsOverIpv6 === false || args?.hetznerServerId === undefined)) {
    problems.push(
      sendsOverIpv6 === false
        ? {
            field: "cloudflare",
            value: undefined,
            problem:
              "is required for a host that sends over IPv4 only: its A, MX and SPF records are published there (hetznerServerId sets only the PTR of an IPv6 SMTP address)",
            fix: "set cloudflare.zoneId",
          }
        : {
            field: "cloudflare",
            value: undefined,
            problem: "no DNS provider is configured",
            fix: "set cloudflare.zoneId (and reverseZoneId for the PTR), or hetznerServerId",
          },
    );
  }
  return problems;
}

/**
 * The records {@link MailDns} publishes for `args`, planned once its addresses are known. A MailServer without
 * a DNS provider outputs them for you to publish, so they are the very records MailDns would publish.
 *
 * @throws {@link InvalidConfigError} (in the output) naming `component`, when a resolved address is invalid.
 */
export function planMailDnsRecords(
  args: MailDnsArgs,
  component: string,
  name: string,
): pulumi.Output<DnsRecordPlan[]> {
  return pulumi
    .all([args.smtpAddress, args.dedicatedPrefix, args.ipv4Address])
    .apply(([smtpAddress, dedicatedPrefix, ipv4Address]) =>
      planRecords(
        args,
        component,
        name,
        // An output that resolves empty (a host without IPv4) means "none".
        { smtpAddress, dedicatedPrefix, ipv4Address: ipv4Address || undefined },
        args.allowDocumentationPrefixes,
      ),
    );
}

/** The PTR owner name of an address; undefined for none or an invalid one (the plan's check reports it). */
function ptrNameOrNone(address: string | undefined): string | undefined {
  try {
    return address === undefined ? undefined : ptrOwnerName(address);
  } catch {
    return undefined;
  }
}

/** A standalone MailDns's addresses for its facts: literal when given as plain values, refs otherwise. */
function standaloneAddresses(args: MailDnsArgs, sendsOverIpv6: boolean): MailDnsFactAddresses {
  const fact = (input: pulumi.Input<string> | undefined, ref: FactRef, field: string) => {
    if (input === undefined) return undefined;
    return typeof input === "string"
      ? { value: input, derivation: field }
      : { ref, derivation: `${field} (an output of another resource)` };
  };
  return {
    smtpAddress: sendsOverIpv6 ? fact(args.smtpAddress, "smtpAddress", "smtpAddress") : undefined,
    dedicatedPrefix: sendsOverIpv6
      ? fact(args.dedicatedPrefix, "dedicatedPrefix", "dedicatedPrefix")
      : undefined,
    ipv4Address: fact(args.ipv4Address, "ipv4Address", "ipv4Address"),
  };
}

/** The values behind a standalone MailDns's refs, as one output; undefined when every address is literal. */
function factValuesOf(
  args: MailDnsArgs,
  addresses: MailDnsFactAddresses,
): pulumi.Output<FactValues> | undefined {
  if (Object.values(addresses).every((a) => a === undefined || a.value !== undefined)) return undefined;
  return pulumi
    .all([args.smtpAddress, args.dedicatedPrefix, args.ipv4Address])
    .apply(([smtpAddress, dedicatedPrefix, ipv4Address]) => ({
      smtpAddress,
      dedicatedPrefix,
      ptrName: ptrNameOrNone(smtpAddress),
      ipv4Address: ipv4Address || undefined,
    }));
}

/** The records, or the problems that keep them from being planned (named by MailDns's fields). */
function tryPlanRecords(
  args: MailDnsArgs,
  name: string,
  addresses: { smtpAddress?: string; dedicatedPrefix?: string; ipv4Address?: string },
): { records: DnsRecordPlan[]; problems: ConfigProblem[] } {
  try {
    return {
      records: planRecords(args, "MailDns", name, addresses, args.allowDocumentationPrefixes),
      problems: [],
    };
  } catch (error) {
    if (!(error instanceof InvalidConfigError)) throw error;
    return { records: [], problems: [...error.problems] };
  }
}

/** The SPF record of the zone in planned records, its TXT strings joined as receivers join them. */
export function spfRecordOf(records: readonly DnsRecordPlan[], zone: string): string {
  const txt = records.find((r) => r.type === "TXT" && r.name === zone.toLowerCase());
  return txt ? unquoteTxt(txt.content) : "";
}

/**
 * Plans the records, reporting problems under this component's own argument names: the plan checks the SPF
 * network as `spfIpv6`, which is `dedicatedPrefix` here (or the SMTP address itself, whose own problems are
 * reported already, with `spfAuthorize: "address"`).
 */
function planRecords(
  args: MailDnsArgs,
  component: string,
  name: string,
  addresses: { smtpAddress?: string; dedicatedPrefix?: string; ipv4Address?: string },
  allowDocumentation: boolean | undefined,
): DnsRecordPlan[] {
  const byAddress = (args?.sendsOverIpv6 ?? true) !== false && args?.spfAuthorize === "address";
  try {
    return planMailDns(toSpec(args, addresses, byAddress, allowDocumentation), component, name);
  } catch (error) {
    if (!(error instanceof InvalidConfigError)) throw error;
    const problems = error.problems.flatMap((p) =>
      p.field !== "spfIpv6" ? [p] : byAddress ? [] : [{ ...p, field: "dedicatedPrefix" }],
    );
    throw new InvalidConfigError(component, name, problems.length > 0 ? problems : error.problems);
  }
}

function toSpec(
  args: MailDnsArgs,
  addresses: { smtpAddress?: string; dedicatedPrefix?: string; ipv4Address?: string },
  byAddress: boolean,
  allowDocumentation: boolean | undefined,
): MailDnsSpec {
  // The plan takes the DNS settings as they are, but for spfAuthorize, which picks spfIpv6 above.
  const { spfAuthorize: _picked, ...policy } = mailDnsSettingsOf(args);
  void _picked;
  return {
    ...policy,
    zone: args?.zone,
    hostName: args?.hostName,
    sendsOverIpv6: args?.sendsOverIpv6,
    smtpAddress: addresses.smtpAddress,
    spfIpv6: byAddress ? addresses.smtpAddress : addresses.dedicatedPrefix,
    ipv4Address: addresses.ipv4Address,
    services:
      addresses.dedicatedPrefix === undefined
        ? undefined
        : serviceRecordsIn(args, addresses.dedicatedPrefix).map(
            ({ address, service }): ServiceRecordSpec => ({
              recordName: service.recordName,
              address,
              ptr: service.ptr,
            }),
          ),
    allowDocumentation,
  };
}

/**
 * The services' addresses in `prefix`. A service whose interface id does not make an address of it (a
 * stand-in /64 before the real one is known) is left out: MailServer checks the real addresses.
 */
function serviceRecordsIn(args: MailDnsArgs, prefix: string): { address: string; service: MailDnsService }[] {
  return (args?.services ?? []).flatMap((service) => {
    try {
      return [{ address: serviceAddress(prefix, service.interfaceId), service }];
    } catch {
      return [];
    }
  });
}

function unquoteTxt(content: string): string {
  return content.split(/"\s*"/).join("").replace(/^"|"$/g, "");
}

/** A record's fields for its resource: plain where the plan knows them from settings and names alone. */
type RecordFields =
  | pulumi.Output<DnsRecordPlan>
  | {
      readonly type: DnsRecordPlan["type"];
      readonly name: pulumi.Input<string>;
      readonly content: pulumi.Input<string>;
      readonly ttl: number;
      readonly priority?: number;
    };

function cloudflareRecord(
  name: string,
  zoneId: pulumi.Input<string>,
  record: RecordFields,
  opts: pulumi.CustomResourceOptions,
): cloudflare.DnsRecord {
  return new cloudflare.DnsRecord(
    name,
    {
      zoneId,
      type: record.type,
      name: record.name,
      content: record.content,
      ttl: record.ttl,
      priority: record.priority,
      proxied: false,
      comment: "managed by ipv6-mail",
    },
    opts,
  );
}
