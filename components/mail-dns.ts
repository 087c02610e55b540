import * as pulumi from "@pulumi/pulumi";
import * as cloudflare from "@pulumi/cloudflare";
import * as hcloud from "@pulumi/hcloud";
import { ConfigProblems, DnsRecordPlan, InvalidConfigError, planMailDns, ptrOwnerName } from "./net";
import { isPlain } from "./known-input";

const TYPE = "ipv6-mail:index:MailDns";

/** A stand-in address used only to check the other fields while the real one is an unresolved output. */
const PLACEHOLDER_ADDRESS = "2001:db8::25";

/** Where the records go. Forward records need `cloudflare`; the PTR needs `reverseZoneId` or a Hetzner server. */
export interface MailDnsCloudflareArgs {
  /** The Cloudflare zone id of the mail domain. */
  zoneId: pulumi.Input<string>;
  /**
   * The Cloudflare zone id of the routed prefix's `ip6.arpa` zone. Hurricane Electric delegates a routed
   * prefix's reverse zone to the nameservers you enter on its site: point them at this Cloudflare zone.
   */
  reverseZoneId?: pulumi.Input<string>;
}

/** Arguments of {@link MailDns}. */
export interface MailDnsArgs {
  /** The mail domain, e.g. `example.org`. */
  zone: string;
  /** The mail host's FQDN: AAAA owner, PTR target and MTA host name, so that FCrDNS holds. */
  hostName: string;
  /** The SMTP source address. */
  smtpAddress: pulumi.Input<string>;
  /** The dedicated /64; SPF authorizes it (or just the SMTP address with `spfAuthorize: "address"`). */
  dedicatedPrefix: pulumi.Input<string>;
  ipv4Address?: pulumi.Input<string>;
  /** `prefix` (default) authorizes the whole /64 in SPF, `address` only the SMTP address. */
  spfAuthorize?: "prefix" | "address";
  /** Extra SPF mechanisms, e.g. `include:` of a relay. */
  spfMechanisms?: string[];
  /** `-all` (default) or `~all`. */
  spfAll?: "-all" | "~all";
  /** Point the zone's MX at this host (default true). */
  mx?: boolean;
  mxPriority?: number;
  /** Default 3600. */
  ttl?: number;
  /** TTL of the AAAA record; a low one (300) while rolling IPv6 out lets you withdraw it fast. */
  aaaaTtl?: number;
  cloudflare?: MailDnsCloudflareArgs;
  /** Set the SMTP address's PTR with Hetzner's `Rdns` on this server. */
  hetznerServerId?: pulumi.Input<number>;
  allowDocumentationPrefixes?: boolean;
}

/**
 * The DNS that makes IPv6 mail deliverable: A, AAAA, MX and SPF in Cloudflare, and the PTR of the SMTP
 * address (in a Cloudflare `ip6.arpa` zone for tunnel prefixes, or Hetzner `Rdns`), all from one plan
 * ({@link planMailDns}) so that forward and reverse names agree.
 */
export class MailDns extends pulumi.ComponentResource {
  /** The planned records (also handed to the lab's DNS server). */
  readonly records: pulumi.Output<DnsRecordPlan[]>;
  readonly spfRecord: pulumi.Output<string>;
  readonly ptrName: pulumi.Output<string>;
  readonly cloudflareRecords: cloudflare.DnsRecord[] = [];
  readonly rdns?: hcloud.Rdns;

  constructor(name: string, args: MailDnsArgs, opts?: pulumi.ComponentResourceOptions) {
    const problems = new ConfigProblems();
    const known = isPlain(args.smtpAddress) && isPlain(args.dedicatedPrefix) && isPlain(args.ipv4Address);
    try {
      planRecords(
        args,
        name,
        known ? (args.smtpAddress as string) : PLACEHOLDER_ADDRESS,
        known ? (args.dedicatedPrefix as string) : `${PLACEHOLDER_ADDRESS}/128`,
        known ? (args.ipv4Address as string | undefined) : undefined,
        known ? args.allowDocumentationPrefixes : true,
      );
    } catch (error) {
      if (!(error instanceof InvalidConfigError)) throw error;
      problems.addAll(error.problems);
    }
    if (args.cloudflare === undefined && args.hetznerServerId === undefined) {
      problems.add(
        "cloudflare",
        undefined,
        "no DNS provider is configured",
        "set cloudflare.zoneId (and reverseZoneId for the PTR), or hetznerServerId",
      );
    }
    problems.throwIfAny("MailDns", name);
    super(TYPE, name, {}, opts);

    this.records = pulumi
      .all([args.smtpAddress, args.dedicatedPrefix, args.ipv4Address])
      .apply(([smtp, prefix, ipv4]) =>
        planRecords(args, name, smtp, prefix, ipv4, args.allowDocumentationPrefixes),
      );
    this.spfRecord = this.records.apply((rs) =>
      unquoteTxt(rs.find((r) => r.type === "TXT" && r.name === args.zone.toLowerCase())?.content ?? ""),
    );
    this.ptrName = pulumi.output(args.smtpAddress).apply(ptrOwnerName);

    const pick = (type: DnsRecordPlan["type"], recordName?: string) =>
      this.records.apply((rs) => {
        const found = rs.find((r) => r.type === type && (recordName === undefined || r.name === recordName));
        if (!found) throw new Error(`MailDns "${name}": the plan has no ${type} record ${recordName ?? ""}`);
        return found;
      });
    const zone = args.zone.toLowerCase();
    const hostName = args.hostName.toLowerCase();
    if (args.cloudflare) {
      const forward: [string, DnsRecordPlan["type"], string][] = [
        ["aaaa", "AAAA", hostName],
        ["spf", "TXT", zone],
      ];
      if (args.ipv4Address !== undefined) forward.push(["a", "A", hostName]);
      if (args.mx ?? true) forward.push(["mx", "MX", zone]);
      if (hostName !== zone) forward.push(["helo-spf", "TXT", hostName]);
      for (const [role, type, recordName] of forward) {
        this.cloudflareRecords.push(
          cloudflareRecord(`${name}-${role}`, args.cloudflare.zoneId, pick(type, recordName), this),
        );
      }
      if (args.cloudflare.reverseZoneId !== undefined) {
        this.cloudflareRecords.push(
          cloudflareRecord(`${name}-ptr`, args.cloudflare.reverseZoneId, pick("PTR"), this),
        );
      }
    }
    if (args.hetznerServerId !== undefined) {
      this.rdns = new hcloud.Rdns(
        `${name}-ptr`,
        { serverId: args.hetznerServerId, ipAddress: pulumi.output(args.smtpAddress), dnsPtr: hostName },
        { parent: this },
      );
    }
    this.registerOutputs({ records: this.records, spfRecord: this.spfRecord, ptrName: this.ptrName });
  }
}

/**
 * Plans the records, reporting problems under this component's own argument names: the plan checks the SPF
 * network as `spfIpv6`, which is `dedicatedPrefix` here (or the SMTP address itself, whose own problems are
 * reported already, with `spfAuthorize: "address"`).
 */
function planRecords(
  args: MailDnsArgs,
  name: string,
  smtpAddress: string,
  dedicatedPrefix: string,
  ipv4: string | undefined,
  allowDocumentation: boolean | undefined,
): DnsRecordPlan[] {
  try {
    return planMailDns(toSpec(args, smtpAddress, dedicatedPrefix, ipv4, allowDocumentation), "MailDns", name);
  } catch (error) {
    if (!(error instanceof InvalidConfigError)) throw error;
    const problems = error.problems.flatMap((p) =>
      p.field !== "spfIpv6"
        ? [p]
        : args.spfAuthorize === "address"
          ? []
          : [{ ...p, field: "dedicatedPrefix" }],
    );
    throw new InvalidConfigError("MailDns", name, problems.length > 0 ? problems : error.problems);
  }
}

function toSpec(
  args: MailDnsArgs,
  smtpAddress: string,
  dedicatedPrefix: string,
  ipv4: string | undefined,
  allowDocumentation?: boolean,
) {
  return {
    zone: args.zone,
    hostName: args.hostName,
    smtpAddress,
    spfIpv6: args.spfAuthorize === "address" ? smtpAddress : dedicatedPrefix,
    ipv4Address: ipv4,
    spfMechanisms: args.spfMechanisms,
    spfAll: args.spfAll,
    mx: args.mx,
    mxPriority: args.mxPriority,
    ttl: args.ttl,
    aaaaTtl: args.aaaaTtl,
    allowDocumentation,
  };
}

function unquoteTxt(content: string): string {
  return content.split(/"\s*"/).join("").replace(/^"|"$/g, "");
}

function cloudflareRecord(
  name: string,
  zoneId: pulumi.Input<string>,
  record: pulumi.Output<DnsRecordPlan>,
  parent: pulumi.Resource,
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
    { parent },
  );
}
