import * as pulumi from "@pulumi/pulumi";
import { types } from "@pulumi/command";
import { DigitalOceanHost } from "./hosts/digitalocean-host";
import { HetznerHost } from "./hosts/hetzner-host";
import { ExistingHost } from "./hosts/existing-host";
import { checkSmtpAddressOf, resolveTunnel, ResolvedTunnel } from "./tunnel/he-tunnel-args";
import {
  endpointUpdateSection,
  endpointUpdateStdin,
  requireIpv4,
  tunnelAddressing,
  tunnelSpec,
} from "./tunnel/he-tunnel";
import { firewallSpec } from "./firewall/host-firewall";
import { mtaSection } from "./mta/mta-binding";
import {
  checkMailDnsArgs,
  MailDns,
  MailDnsAddresses,
  MailDnsArgs,
  planMailDnsRecords,
  spfRecordOf,
} from "./dns/mail-dns";
import { checkMailServerArgs, MailServerArgs } from "./mail-server-args";
import { HostScriptCommands, registerHostScript } from "./transport/host-script-command";
import { claimDedicatedPrefix } from "./prefix-claims";
import {
  composeHostScript,
  firewallApplySection,
  firewallConfirmSection,
  firewallRemoveSection,
  gaiConfSection,
  HostScriptSection,
  nativeAddressSection,
  tunnelApplySection,
  tunnelRemoveSection,
} from "../host-config";
import {
  ConfigProblem,
  ConfigProblems,
  DEFAULT_SMTP_INTERFACE_ID,
  DnsRecordPlan,
  InvalidConfigError,
  PrefixSource,
  ptrOwnerName,
  serviceAddress,
} from "../net";
import { knownValue, NOT_YET_KNOWN } from "./known-input";

const TYPE = "ipv6-mail:index:MailServer";

/** The scripts of one mail host: applied in one SSH session, confirmed in a second. */
interface HostScripts {
  apply: string;
  remove: string;
  confirm: string;
}

/**
 * A mail host that sends over IPv6 the way it should: from a dedicated /64 (a Hurricane Electric routed
 * prefix, or a Hetzner server's own /64, or a dedicated server's), with the MTA pinned to an address of it,
 * matching AAAA, PTR and SPF, and an IPv6 host firewall that keeps neighbour discovery open.
 *
 * Every argument given literally is checked before anything is registered, and all problems are reported
 * together. The host is configured by one idempotent script (tunnel, firewall, MTA, gai.conf) over one SSH
 * session, then a second session confirms the host is still reachable, which keeps the firewall's ruleset
 * (otherwise it rolls back by itself).
 */
export class MailServer extends pulumi.ComponentResource {
  readonly hostName: string;
  readonly host: DigitalOceanHost | HetznerHost | ExistingHost;
  /** The /64 mail is sent from (undefined when sending over IPv4 only). */
  readonly dedicatedPrefix: pulumi.Output<string | undefined>;
  readonly prefixSource: PrefixSource;
  readonly smtpAddress: pulumi.Output<string | undefined>;
  readonly ptrName: pulumi.Output<string | undefined>;
  readonly spfRecord: pulumi.Output<string>;
  readonly tunnelInterface?: string;
  readonly ipv4Address: pulumi.Output<string | undefined>;
  /** The DNS records of the host: published when a DNS provider is configured, always output. */
  readonly dnsRecords: pulumi.Output<DnsRecordPlan[]>;
  readonly dns?: MailDns;
  readonly hostCommands: HostScriptCommands;

  constructor(name: string, args: MailServerArgs, opts?: pulumi.ComponentResourceOptions) {
    const problems = new ConfigProblems();
    problems.addAll(checkMailServerArgs(args));
    problems.throwIfAny("MailServer", name);

    const hostName = args.hostName.toLowerCase();
    const interfaceId = args.smtpInterfaceId ?? DEFAULT_SMTP_INTERFACE_ID;
    const tunnel = args.tunnel ? resolveTunnel(args.tunnel) : undefined;
    // The dedicated /64 is known now for tunnels and declared prefixes, and checked before registering.
    let staticPrefix: string | undefined;
    if (tunnel) {
      staticPrefix = tunnelAddressing(tunnel, hostName, DEFAULT_SMTP_INTERFACE_ID).dedicatedPrefix;
    } else if (typeof args.existing?.ipv6Prefix === "string") {
      staticPrefix = args.existing.ipv6Prefix;
    }
    if (staticPrefix !== undefined) {
      problems.addAll(
        claimDedicatedPrefix(staticPrefix, hostName, tunnel ? "tunnel.routedPrefix" : "existing.ipv6Prefix"),
      );
      problems.addAll(checkSmtpAddressOf(staticPrefix, interfaceId, "smtpInterfaceId"));
    }
    problems.throwIfAny("MailServer", name);
    // The DNS settings are checked by the plan that publishes them, before the host is registered; addresses
    // that only the host's creation decides stand in until then.
    const sendsOverIpv6 = !args.smtpOverIpv4Only;
    problems.addAll(
      dnsSettingsProblems(mailDnsArgs(args, hostName, {}), name, {
        smtpAddress: !sendsOverIpv6
          ? undefined
          : staticPrefix !== undefined
            ? serviceAddress(staticPrefix, interfaceId)
            : NOT_YET_KNOWN,
        dedicatedPrefix: !sendsOverIpv6 ? undefined : (staticPrefix ?? NOT_YET_KNOWN),
        ipv4Address: args.existing ? knownValue(args.existing.ipv4Address) : NOT_YET_KNOWN,
      }),
    );
    problems.throwIfAny("MailServer", name);
    super(TYPE, name, {}, opts);
    this.hostName = hostName;

    const child = { parent: this };
    const access = args.firewall;
    if (args.digitalocean) {
      this.host = new DigitalOceanHost(name, { ...args.digitalocean, hostName, access }, child);
    } else if (args.hetzner) {
      this.host = new HetznerHost(name, { ...args.hetzner, hostName, access }, child);
    } else {
      this.host = new ExistingHost(
        name,
        {
          ...(args.existing as NonNullable<MailServerArgs["existing"]>),
          allowDocumentationPrefixes: args.allowDocumentationPrefixes,
        },
        child,
      );
    }
    const host = this.host;
    this.ipv4Address = pulumi.output(host.ipv4Address as pulumi.Input<string | undefined>);
    this.prefixSource = args.smtpOverIpv4Only
      ? host.prefixSource
      : (tunnel?.prefixSource ?? host.prefixSource);
    this.tunnelInterface = tunnel?.interfaceName;

    this.dedicatedPrefix = args.smtpOverIpv4Only
      ? pulumi.output(undefined)
      : staticPrefix !== undefined
        ? pulumi.output(staticPrefix)
        : pulumi.output(host.ipv6Prefix as pulumi.Output<string | undefined>);
    this.smtpAddress = this.dedicatedPrefix.apply((prefix) => {
      if (prefix === undefined || prefix === "") return undefined;
      const found = checkSmtpAddressOf(prefix, interfaceId, "smtpInterfaceId");
      if (found.length > 0) throw new InvalidConfigError("MailServer", name, found);
      return serviceAddress(prefix, interfaceId);
    });
    this.ptrName = this.smtpAddress.apply((a) => (a === undefined ? undefined : ptrOwnerName(a)));

    const scripts = pulumi
      .all([
        host.ipv4Address as pulumi.Input<string | undefined>,
        host.ipv6Prefix as pulumi.Input<string | undefined>,
        this.smtpAddress,
        this.dedicatedPrefix,
        args.tunnel?.localIpv4,
      ])
      .apply(([ipv4, nativePrefix, smtp, prefix, localIpv4]) =>
        renderHostScripts(name, args, tunnel, { ipv4, nativePrefix, smtp, prefix, localIpv4 }),
      );
    this.hostCommands = registerHostScript(
      `${name}-host`,
      {
        connection: host.connection as types.input.remote.ConnectionArgs,
        apply: scripts.apply((s) => s.apply),
        remove: scripts.apply((s) => s.remove),
        confirm: scripts.apply((s) => s.confirm),
        stdin: args.tunnel ? endpointUpdateStdin(args.tunnel) : undefined,
      },
      this,
    );

    const dns = mailDnsArgs(args, hostName, {
      smtpAddress: this.smtpAddress as pulumi.Output<string>,
      dedicatedPrefix: this.dedicatedPrefix as pulumi.Output<string>,
      // An existing IPv6-only host has no IPv4: no A record (MailDns registers one whenever it is given).
      ipv4Address:
        host instanceof ExistingHost && args.existing?.ipv4Address === undefined
          ? undefined
          : (host.ipv4Address as pulumi.Input<string>),
      hetznerServerId: host instanceof HetznerHost ? host.serverId : undefined,
    });
    if (dns.cloudflare !== undefined || dns.hetznerServerId !== undefined) {
      this.dns = new MailDns(name, dns, {
        ...child,
        dependsOn: [this.hostCommands.confirm ?? this.hostCommands.apply],
      });
      this.dnsRecords = this.dns.records;
      this.spfRecord = this.dns.spfRecord;
    } else {
      // Nowhere to publish: the same plan, output for the user to publish.
      this.dnsRecords = planMailDnsRecords(dns, "MailServer", name);
      this.spfRecord = this.dnsRecords.apply((rs) => spfRecordOf(rs, args.zone));
    }

    this.registerOutputs({
      hostName: this.hostName,
      dedicatedPrefix: this.dedicatedPrefix,
      prefixSource: this.prefixSource,
      smtpAddress: this.smtpAddress,
      ptrName: this.ptrName,
      spfRecord: this.spfRecord,
      tunnelInterface: this.tunnelInterface,
      ipv4Address: this.ipv4Address,
      hostFirewall: true,
      allowDocumentationPrefixes: args.allowDocumentationPrefixes ?? false,
      // Says outright that no IPv6 SMTP source exists, so a policy need not infer it from a missing address.
      smtpOverIpv4Only: args.smtpOverIpv4Only ?? false,
      sageCertified: tunnel?.sageCertified,
      dnsRecords: this.dnsRecords,
    });
  }
}

/**
 * The {@link MailDns} arguments of a mail server: one set of DNS settings, published by MailDns when a provider
 * is configured (Cloudflare, or Hetzner's Rdns for the IPv6 PTR) and only planned otherwise. A host that
 * sends over IPv4 only gets the plan's IPv4-only records (A, MX, SPF `ip4:`) and no IPv6 address or PTR.
 */
function mailDnsArgs(
  args: MailServerArgs,
  hostName: string,
  resolved: Pick<MailDnsArgs, "smtpAddress" | "dedicatedPrefix" | "ipv4Address" | "hetznerServerId">,
): MailDnsArgs {
  const settings = args.dns ?? {};
  const sendsOverIpv6 = !args.smtpOverIpv4Only;
  return {
    zone: args.zone,
    hostName,
    sendsOverIpv6,
    smtpAddress: sendsOverIpv6 ? resolved.smtpAddress : undefined,
    dedicatedPrefix: sendsOverIpv6 ? resolved.dedicatedPrefix : undefined,
    ipv4Address: resolved.ipv4Address,
    spfAuthorize: settings.spfAuthorize,
    spfMechanisms: settings.spfMechanisms,
    spfAll: settings.spfAll,
    mx: settings.mx,
    mxPriority: settings.mxPriority,
    ttl: settings.ttl,
    aaaaTtl: settings.aaaaTtl,
    cloudflare: settings.cloudflare,
    // Hetzner's Rdns carries the PTR of the IPv6 SMTP address; the IPv4 PTR is HetznerHost's.
    hetznerServerId: sendsOverIpv6 ? resolved.hetznerServerId : undefined,
    allowDocumentationPrefixes: args.allowDocumentationPrefixes,
  };
}

/** MailDns fields that are MailServer's `dns` settings. */
const DNS_SETTINGS = ["spfAuthorize", "spfMechanisms", "spfAll", "mx", "mxPriority", "ttl", "aaaaTtl"];

/**
 * The plan's problems with a mail server's DNS settings, named by MailServer's fields. The SMTP address and
 * the /64 are derived from the tunnel or the host and checked under those names already; whether a provider
 * publishes is MailServer's choice, not a setting that can be wrong.
 */
function dnsSettingsProblems(dns: MailDnsArgs, name: string, addresses: MailDnsAddresses): ConfigProblem[] {
  return checkMailDnsArgs(dns, name, addresses).flatMap((p): ConfigProblem[] => {
    if (DNS_SETTINGS.includes(p.field)) return [{ ...p, field: `dns.${p.field}` }];
    if (p.field === "ipv4Address") return [{ ...p, field: "existing.ipv4Address" }];
    if (p.field === "zone" || p.field === "hostName") return [p];
    return [];
  });
}

/** Renders the host's apply, remove and confirm scripts once its addresses are known. */
function renderHostScripts(
  name: string,
  args: MailServerArgs,
  tunnel: ResolvedTunnel | undefined,
  known: { ipv4?: string; nativePrefix?: string; smtp?: string; prefix?: string; localIpv4?: string },
): HostScripts {
  const apply: HostScriptSection[] = [];
  const remove: HostScriptSection[] = [];
  if (tunnel && args.tunnel && known.smtp && known.prefix) {
    const publicIpv4 = known.ipv4 ?? "";
    requireIpv4(`MailServer "${name}"`, "host IPv4 address (existing.ipv4Address)", publicIpv4);
    // tunnel.localIpv4 may be another resource's output (a droplet's private address behind NAT).
    if (known.localIpv4 !== undefined)
      requireIpv4(`MailServer "${name}"`, "tunnel.localIpv4", known.localIpv4);
    const localIpv4 = known.localIpv4 ?? publicIpv4;
    const spec = tunnelSpec(
      tunnel,
      { dedicatedPrefix: known.prefix, smtpAddress: known.smtp },
      localIpv4,
      tunnel.providerPrefix ?? (known.nativePrefix || undefined),
    );
    const update = endpointUpdateSection(tunnel, args.tunnel, publicIpv4);
    if (update) apply.push(update);
    apply.push(tunnelApplySection(spec));
    remove.push(tunnelRemoveSection(spec));
  } else if (known.smtp && !args.smtpOverIpv4Only) {
    apply.push(
      nativeAddressSection({ interfaceName: args.nativeInterface ?? "eth0", smtpAddress: known.smtp }),
    );
  }
  const fw = firewallSpec(
    {
      ...args.firewall,
      rejectSmtpOverIpv6: args.firewall.rejectSmtpOverIpv6 ?? args.smtpOverIpv4Only ?? false,
    },
    tunnel?.heServerIpv4,
    tunnel?.interfaceName,
  );
  apply.push(firewallApplySection(fw));
  remove.push(firewallRemoveSection(fw));
  if (known.smtp && !args.smtpOverIpv4Only)
    apply.push(
      mtaSection(
        args.mta?.kind ?? "postfix",
        known.smtp,
        args.hostName.toLowerCase(),
        args.mta?.bindIpv4 ? known.ipv4 : undefined,
      ),
    );
  if (args.preferIpv4Outbound || args.smtpOverIpv4Only) apply.push(gaiConfSection());
  return {
    apply: composeHostScript(apply, { title: `mail host ${args.hostName} (apply)` }),
    remove: composeHostScript(remove, { title: `mail host ${args.hostName} (remove)` }),
    confirm: composeHostScript([firewallConfirmSection(fw)], {
      title: `mail host ${args.hostName} (confirm)`,
    }),
  };
}
