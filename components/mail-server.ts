import * as pulumi from "@pulumi/pulumi";
import { DigitalOceanHost } from "./hosts/digitalocean-host";
import { HetznerHost } from "./hosts/hetzner-host";
import { ExistingHost } from "./hosts/existing-host";
import { MailHost } from "./hosts/mail-host";
import { checkSmtpAddressOf, resolveTunnel, tunnelPrefixOrigin } from "./tunnel/he-tunnel-args";
import { endpointUpdateStdin, HeTunnel, tunnelAddressing } from "./tunnel/he-tunnel";
import { HostFirewall } from "./firewall/host-firewall";
import { MtaBinding } from "./mta/mta-binding";
import {
  checkMailDnsArgs,
  MailDns,
  MailDnsAddresses,
  MailDnsArgs,
  MailDnsFactAddresses,
  mailDnsFacts,
  planMailDnsRecords,
  spfRecordOf,
} from "./dns/mail-dns";
import { checkMailServerArgs, MailServerArgs } from "./mail-server-args";
import { isMailDnsSetting, mailDnsSettingsOf } from "./dns/mail-dns-settings";
import { HostScriptCommands, registerHostScript } from "./transport/host-script-command";
import { claimDedicatedPrefix } from "./prefix-claims";
import { HostConfiguration, HostPartRenderer } from "./host-configuration";
import { FREEBSD_TUNNEL_INTERFACE, nativeAddressRemoveSection, nativeAddressSection } from "../host-config";
import { HostOs } from "./hosts/host-os";
import { mailServerHostOs } from "./hosts/freebsd-mail-server-check";
import { AddressingFacts, FactValue, FactValues, MAIL_FACTS_VERSION, MailFacts } from "../facts/mail-facts";
import {
  ConfigProblem,
  ConfigProblems,
  DEFAULT_SMTP_INTERFACE_ID,
  DnsRecordPlan,
  checkPublicIpv6Prefix,
  isIpv4Address,
  isIpv6Address,
  tryParseIpv6Prefix,
  PrefixSource,
  PROVIDER_INTERFACE_NAME,
  ptrOwnerName,
  serviceAddress,
  serviceAddressesOf,
  settingValue,
  hostServicesIn,
  HostService,
} from "../net";
import { checkServiceAddressesOf, resolveServices, serviceFactsOf } from "./services/service-settings";
import { isPlain, knownValue, NOT_YET_KNOWN } from "./known-input";
import { LateCheck } from "./late-check";
import { fromHostAddress, hostAddressOrigin, hostAddressProblem } from "./hosts/host-address-origin";

const TYPE = "ipv6-mail:index:MailServer";

/**
 * A mail host that sends over IPv6 the way it should: from a dedicated /64 (a Hurricane Electric routed
 * prefix, or a Hetzner server's own /64, or a dedicated server's), with the MTA pinned to an address of it,
 * matching AAAA, PTR and SPF, and an IPv6 host firewall that keeps neighbour discovery open.
 *
 * It is made of its parts, each a component under it: the host ({@link MailHost}), the {@link HeTunnel} (when
 * the /64 comes through one), the {@link HostFirewall}, the {@link MtaBinding} and the {@link MailDns}, each
 * publishing its own `facts`. The parts hand their sections to one {@link HostConfiguration}, so the host is
 * still configured by one idempotent script (tunnel, firewall, MTA, gai.conf) over one SSH session, then a
 * second session confirms the host is still reachable, which keeps the firewall's ruleset (otherwise it rolls
 * back by itself).
 *
 * A host whose `os` is `freebsd` (seed 004's droplet) is configured from the same parts by FreeBSD's scripts
 * (rc.conf.local with a gif tunnel, pf, Postfix; see `composeFreebsdHostScripts`): rendered, not proven in a
 * FreeBSD kernel. What those scripts do not carry out is refused by its field.
 *
 * Every argument given literally is checked before anything is registered, and all problems are reported
 * together.
 */
export class MailServer extends pulumi.ComponentResource {
  readonly hostName: string;
  readonly host: MailHost;
  readonly tunnel?: HeTunnel;
  readonly firewall: HostFirewall;
  /** The MTA's source address (undefined when sending over IPv4 only). */
  readonly mtaBinding?: MtaBinding;
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
  /** The addressing (and, without a DNS provider, the planned records) as {@link MailFacts}; the parts have theirs. */
  readonly facts: MailFacts;

  constructor(name: string, args: MailServerArgs, opts?: pulumi.ComponentResourceOptions) {
    const problems = new ConfigProblems();
    problems.addAll(checkMailServerArgs(args));
    problems.throwIfAny("MailServer", name);

    const hostName = args.hostName.toLowerCase();
    const interfaceId = args.smtpInterfaceId ?? DEFAULT_SMTP_INTERFACE_ID;
    const os = mailServerHostOs(args);
    // A FreeBSD host's tunnel is a gif interface: gif0 unless the tunnel names another gifN.
    const tunnelSettings =
      args.tunnel && os === HostOs.Freebsd
        ? { ...args.tunnel, interfaceName: args.tunnel.interfaceName ?? FREEBSD_TUNNEL_INTERFACE }
        : args.tunnel;
    const tunnel = tunnelSettings ? resolveTunnel(tunnelSettings) : undefined;
    const services: HostService[] = resolveServices(args.services, args.zone.toLowerCase());
    // The dedicated /64 is known now for tunnels and declared prefixes, and checked before registering.
    let staticPrefix: string | undefined;
    if (tunnel) {
      staticPrefix = tunnelAddressing(tunnel, hostName, DEFAULT_SMTP_INTERFACE_ID).dedicatedPrefix;
    } else if (typeof args.existing?.ipv6Prefix === "string") {
      staticPrefix = args.existing.ipv6Prefix;
    }
    if (staticPrefix !== undefined) {
      problems.addAll(
        claimDedicatedPrefix(
          staticPrefix,
          hostName,
          args.tunnel
            ? tunnelPrefixOrigin(args.tunnel, "tunnel.", hostName)
            : { field: "existing.ipv6Prefix", value: staticPrefix, fix: "give every mail host its own /64" },
        ),
      );
      problems.addAll(checkSmtpAddressOf(staticPrefix, interfaceId, "smtpInterfaceId"));
      problems.addAll(serviceAddressProblems(args, staticPrefix, interfaceId));
    }
    problems.throwIfAny("MailServer", name);
    // The DNS settings are checked by the plan that publishes them, before the host is registered; addresses
    // that only the host's creation decides stand in until then.
    const sendsOverIpv6 = !args.smtpOverIpv4Only;
    problems.addAll(
      dnsSettingsProblems(mailDnsArgs(args, hostName, {}), args, name, {
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
    const host = createHost(name, args, hostName, child);
    this.host = host;
    this.ipv4Address = host.ipv4Address;
    this.prefixSource = args.smtpOverIpv4Only
      ? host.prefixSource
      : (tunnel?.prefixSource ?? host.prefixSource);
    this.tunnelInterface = tunnel?.interfaceName;

    // What only the host's creation (or another resource) decides is checked once known: nothing that
    // takes it is registered unless it passes, and the failure is this component's error.
    const hostIpv4 = host.ipv4Address;
    const hostPrefix = host.ipv6Prefix;
    const late = new LateCheck(
      this,
      "MailServer",
      name,
      pulumi
        .all([hostIpv4, hostPrefix, args.tunnel?.localIpv4])
        .apply(([ipv4, nativePrefix, localIpv4]) =>
          lateProblems(args, name, hostName, staticPrefix, { ipv4, nativePrefix, localIpv4 }),
        ),
    );
    const checked = <T>(value: pulumi.Input<T>) =>
      isPlain(value) ? pulumi.output(value) : late.checked(value);
    const checkedIpv4 = checked(hostIpv4);
    const checkedHostPrefix = checked(hostPrefix);
    // The dedicated /64: known now (tunnel, declared prefix) or the host's own once it exists and is checked.
    const fromHost = sendsOverIpv6 && staticPrefix === undefined;
    const prefix = !sendsOverIpv6
      ? pulumi.output(undefined)
      : staticPrefix !== undefined
        ? pulumi.output(staticPrefix)
        : checkedHostPrefix;
    const smtp = prefix.apply((p) => (p ? serviceAddress(p, interfaceId) : undefined));
    this.dedicatedPrefix = fromHost ? late.published(prefix, undefined) : prefix;
    this.smtpAddress = fromHost ? late.published(smtp, undefined) : smtp;
    this.ptrName = this.smtpAddress.apply((a) => (a === undefined ? undefined : ptrOwnerName(a)));

    // The parts: each a component under this one, each handing its sections to the one host configuration.
    const configuration = new HostConfiguration(
      args.hostName,
      (args.preferIpv4Outbound || args.smtpOverIpv4Only) ?? false,
      os,
    );
    const allowDocumentationPrefixes = args.allowDocumentationPrefixes;
    const addressing = !sendsOverIpv6
      ? undefined
      : staticPrefix !== undefined
        ? tunnel
          ? undefined
          : literalAddressing(staticPrefix, interfaceId, host)
        : derivedAddressing(interfaceId, host);
    if (tunnel && tunnelSettings) {
      this.tunnel = new HeTunnel(
        name,
        {
          ...tunnelSettings,
          connection: host.connection,
          hostName,
          publicIpv4: hostIpv4 as pulumi.Output<string>,
          smtpInterfaceId: args.smtpInterfaceId,
          nativeIpv6Prefix: hostPrefix,
          allowDocumentationPrefixes,
        },
        child,
        configuration,
      );
    } else if (sendsOverIpv6) {
      configuration.addressing = nativeAddressPart(args);
    }
    const addressFacts: AddressingFacts | undefined = addressing ?? this.tunnel?.facts.addressing;
    this.firewall = new HostFirewall(
      name,
      {
        ...args.firewall,
        rejectSmtpOverIpv6: args.firewall.rejectSmtpOverIpv6 ?? args.smtpOverIpv4Only ?? false,
        // Their addresses when the /64 is known now; otherwise the facts name them by interface id.
        services: staticPrefix !== undefined ? hostServicesIn(staticPrefix, services) : services,
        connection: host.connection,
        heServerIpv4: tunnel?.heServerIpv4,
        tunnelInterface: tunnel?.interfaceName,
      },
      child,
      configuration,
    );
    const ipv4Fact: FactValue | undefined = !host.hasIpv4
      ? undefined
      : typeof args.existing?.ipv4Address === "string"
        ? { value: args.existing.ipv4Address, derivation: "existing.ipv4Address" }
        : { ref: "ipv4Address", derivation: `the host's public IPv4 (${host.constructor.name} "${name}")` };
    if (addressFacts) {
      this.mtaBinding = new MtaBinding(
        name,
        {
          ...args.mta,
          connection: host.connection,
          smtpAddress: smtp as pulumi.Output<string>,
          hostName,
          ipv4Address: hostIpv4 as pulumi.Output<string>,
          allowDocumentationPrefixes,
        },
        child,
        { configuration, bind6: addressFacts.smtpAddress, bind4: args.mta?.bindIpv4 ? ipv4Fact : undefined },
      );
    }

    const scripts = pulumi
      .all([checkedIpv4, checkedHostPrefix, smtp, prefix, checked(args.tunnel?.localIpv4)])
      .apply(([ipv4, nativePrefix, smtp, prefix, localIpv4]) =>
        configuration.render({
          ipv4,
          nativePrefix,
          smtp,
          prefix,
          localIpv4,
          services: prefix ? hostServicesIn(prefix, services) : [],
        }),
      );
    configuration.commands = registerHostScript(
      `${name}-host`,
      {
        connection: host.connection,
        apply: scripts.apply((s) => s.apply),
        remove: scripts.apply((s) => s.remove),
        confirm: scripts.apply((s) => s.confirm),
        stdin: args.tunnel ? endpointUpdateStdin(args.tunnel) : undefined,
        dependsOn: late.gate,
      },
      this,
    );
    this.hostCommands = configuration.commands;

    const dns = mailDnsArgs(args, hostName, {
      smtpAddress: smtp as pulumi.Output<string>,
      dedicatedPrefix: prefix as pulumi.Output<string>,
      // An existing IPv6-only host has no IPv4: no A record (MailDns registers one whenever it is given).
      ipv4Address: host.hasIpv4 ? (checkedIpv4 as pulumi.Output<string>) : undefined,
      hetznerServerId: host.rdnsServerId,
    });
    const dnsAddresses: MailDnsFactAddresses = {
      smtpAddress: addressFacts?.smtpAddress,
      dedicatedPrefix: addressFacts?.dedicatedPrefix,
      ipv4Address: ipv4Fact,
    };
    if (dns.cloudflare !== undefined || dns.hetznerServerId !== undefined) {
      this.dns = new MailDns(
        name,
        dns,
        { ...child, dependsOn: late.gateWith([this.hostCommands.confirm ?? this.hostCommands.apply]) },
        dnsAddresses,
      );
      this.dnsRecords = this.dns.records;
      this.spfRecord = this.dns.spfRecord;
    } else {
      // Nowhere to publish: the same plan, output for the user to publish.
      this.dnsRecords = late.published(planMailDnsRecords(dns, "MailServer", name), []);
      this.spfRecord = this.dnsRecords.apply((rs) => spfRecordOf(rs, args.zone));
    }

    this.facts = {
      version: MAIL_FACTS_VERSION,
      component: "MailServer",
      hostOs: os,
      sendsOverIpv6,
      addressing: addressFacts,
      services: serviceFactsOf(
        staticPrefix !== undefined ? hostServicesIn(staticPrefix, services) : services,
      ),
      dns: this.dns ? undefined : mailDnsFacts(dns, dnsAddresses),
    };
    // The values behind the refs are this component's own outputs: no new output, no apply of their own.
    const refersToValues = [addressFacts?.dedicatedPrefix, ipv4Fact].some((f) => f?.ref !== undefined);
    const values: Record<keyof FactValues, pulumi.Output<string | undefined>> | undefined = !refersToValues
      ? undefined
      : {
          dedicatedPrefix: this.dedicatedPrefix,
          smtpAddress: this.smtpAddress,
          ptrName: this.ptrName,
          ipv4Address: this.ipv4Address,
        };

    this.registerOutputs({
      hostName: this.hostName,
      dedicatedPrefix: this.dedicatedPrefix,
      prefixSource: this.prefixSource,
      smtpAddress: this.smtpAddress,
      ptrName: this.ptrName,
      spfRecord: this.spfRecord,
      tunnelInterface: this.tunnelInterface,
      ipv4Address: this.ipv4Address,
      allowDocumentationPrefixes: args.allowDocumentationPrefixes ?? false,
      // Says outright that no IPv6 SMTP source exists, so a policy need not infer it from a missing address.
      smtpOverIpv4Only: args.smtpOverIpv4Only ?? false,
      sageCertified: tunnel?.sageCertified,
      dnsRecords: this.dnsRecords,
      facts: values === undefined ? this.facts : { ...this.facts, values },
    });
  }
}

/** The machine the mail server configures: exactly one of `digitalocean`, `hetzner`, `existing` is set. */
function createHost(
  name: string,
  args: MailServerArgs,
  hostName: string,
  opts: pulumi.ComponentResourceOptions,
): MailHost {
  const access = args.firewall;
  if (args.digitalocean) return new DigitalOceanHost(name, { ...args.digitalocean, hostName, access }, opts);
  if (args.hetzner) {
    const servicePorts = resolveServices(args.services, args.zone.toLowerCase()).flatMap((s) => s.ports);
    return new HetznerHost(
      name,
      { ...args.hetzner, hostName, access, ...(servicePorts.length > 0 ? { servicePorts } : {}) },
      opts,
    );
  }
  return new ExistingHost(
    name,
    {
      ...(args.existing as NonNullable<MailServerArgs["existing"]>),
      allowDocumentationPrefixes: args.allowDocumentationPrefixes,
    },
    opts,
  );
}

/** A declared dedicated /64 (an existing host's `ipv6Prefix`) and the SMTP address in it, both literal. */
function literalAddressing(prefix: string, interfaceId: string, host: MailHost): AddressingFacts {
  return {
    dedicatedPrefix: { value: prefix, derivation: host.prefixDerivation, ownership: host.prefixSource },
    smtpAddress: {
      value: serviceAddress(prefix, interfaceId),
      derivation: `the dedicated /64 + ${interfaceId}`,
      interfaceId,
    },
  };
}

/** The host's own /64, known once the host exists, and the SMTP address in it: refs of the facts' values. */
function derivedAddressing(interfaceId: string, host: MailHost): AddressingFacts {
  return {
    dedicatedPrefix: {
      ref: "dedicatedPrefix",
      derivation: host.prefixDerivation,
      ownership: host.prefixSource,
    },
    smtpAddress: { ref: "smtpAddress", derivation: `the dedicated /64 + ${interfaceId}`, interfaceId },
  };
}

/** The SMTP address on the host's own NIC (a Hetzner server's or an existing host's own /64). */
function nativeAddressPart(args: MailServerArgs): HostPartRenderer {
  const interfaceName = settingValue(
    PROVIDER_INTERFACE_NAME,
    args.nativeInterface,
    "MailServer nativeInterface",
  );
  return (known) => {
    if (known.smtp === undefined) return undefined;
    const native = {
      interfaceName,
      smtpAddress: known.smtp,
      serviceAddresses: serviceAddressesOf(known.services),
    };
    return { apply: [nativeAddressSection(native)], remove: nativeAddressRemoveSection(native) };
  };
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
    ...mailDnsSettingsOf(settings),
    cloudflare: settings.cloudflare,
    // Hetzner's Rdns carries the PTR of the IPv6 SMTP address; the IPv4 PTR is HetznerHost's.
    hetznerServerId: sendsOverIpv6 ? resolved.hetznerServerId : undefined,
    services: sendsOverIpv6 ? resolveServices(args.services, args.zone.toLowerCase()) : undefined,
    allowDocumentationPrefixes: args.allowDocumentationPrefixes,
  };
}

/**
 * The plan's problems with a mail server's DNS settings, named by MailServer's fields. The SMTP address and
 * the /64 are derived from the tunnel or the host and checked under those names already; whether a provider
 * publishes is MailServer's choice, not a setting that can be wrong.
 */
function dnsSettingsProblems(
  dns: MailDnsArgs,
  args: MailServerArgs,
  name: string,
  addresses: MailDnsAddresses,
): ConfigProblem[] {
  return checkMailDnsArgs(dns, name, addresses).flatMap((p): ConfigProblem[] => {
    if (isMailDnsSetting(p.field)) return [{ ...p, field: `dns.${p.field}` }];
    if (p.field === "ipv4Address") return fromHostAddress([p], hostAddressOrigin(args, "ipv4Address"));
    if (p.field === "zone" || p.field === "hostName") return [p];
    return [];
  });
}

/**
 * The problems of the host's addresses once they are known (a droplet's IPv4, a Hetzner server's /64, an
 * existing host's addresses given as outputs), named after where each comes from: the /64 the host sends
 * from, the IPv4 a tunnel ends at, `tunnel.localIpv4`, and the DNS plan made of them.
 */
function lateProblems(
  args: MailServerArgs,
  name: string,
  hostName: string,
  staticPrefix: string | undefined,
  known: { ipv4?: string; nativePrefix?: string; localIpv4?: string },
): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const sendsOverIpv6 = !args.smtpOverIpv4Only;
  const interfaceId = args.smtpInterfaceId ?? DEFAULT_SMTP_INTERFACE_ID;
  const prefixOrigin = hostAddressOrigin(args, "ipv6Prefix");
  let prefix = staticPrefix;
  if (sendsOverIpv6 && staticPrefix === undefined) {
    const found = checkPublicIpv6Prefix(known.nativePrefix, prefixOrigin.field, {
      requiredLength: 64,
      allowDocumentation: args.allowDocumentationPrefixes,
    });
    problems.push(...fromHostAddress(found, prefixOrigin));
    if (found.length > 0) return problems;
    prefix = known.nativePrefix as string;
    problems.push(...checkSmtpAddressOf(prefix, interfaceId, "smtpInterfaceId"));
    problems.push(...serviceAddressProblems(args, prefix, interfaceId));
  } else if (
    args.tunnel !== undefined &&
    args.tunnel.providerPrefix === undefined &&
    known.nativePrefix &&
    tryParseIpv6Prefix(known.nativePrefix) === undefined
  ) {
    // The provider's own /64 keeps answering from the provider address (providerDefaultRoute keep).
    problems.push(
      hostAddressProblem(
        prefixOrigin,
        known.nativePrefix,
        "is not an IPv6 prefix",
        "give the host's own /64 as tunnel.providerPrefix",
      ),
    );
  }
  const ipv4 = known.ipv4 || undefined;
  if (args.tunnel !== undefined && !isIpv4Address(ipv4 ?? "")) {
    problems.push(
      hostAddressProblem(
        hostAddressOrigin(args, "ipv4Address"),
        known.ipv4,
        "is not an IPv4 address, and the 6in4 tunnel ends at the host's public IPv4",
        "give the host's public IPv4 address",
      ),
    );
  }
  if (known.localIpv4 !== undefined && !isIpv4Address(known.localIpv4)) {
    problems.push({
      field: "tunnel.localIpv4",
      value: known.localIpv4,
      problem: "is not an IPv4 address",
      fix: "give the host's IPv4 the tunnel leaves from (its private one behind NAT), or leave it unset",
    });
  }
  if (problems.length > 0) return problems;
  // The records of these addresses; an IPv4 the tunnel check found bad is not reported twice.
  return dnsSettingsProblems(mailDnsArgs(args, hostName, {}), args, name, {
    smtpAddress: sendsOverIpv6 && prefix !== undefined ? serviceAddress(prefix, interfaceId) : undefined,
    dedicatedPrefix: sendsOverIpv6 ? prefix : undefined,
    ipv4Address: args.existing !== undefined && args.existing.ipv4Address === undefined ? undefined : ipv4,
  });
}

/**
 * The services' addresses in the decided /64, checked like the SMTP address: inside it, not the anycast, and
 * none the SMTP address, the tunnel's link addresses or another service's.
 */
function serviceAddressProblems(args: MailServerArgs, prefix: string, interfaceId: string): ConfigProblem[] {
  if (!args.services?.length) return [];
  let smtp: string | undefined;
  try {
    smtp = serviceAddress(prefix, interfaceId);
  } catch {
    smtp = undefined; // reported as smtpInterfaceId's problem
  }
  const reserved = args.tunnel
    ? (
        [
          [args.tunnel.linkClientAddress, "the tunnel's link address (tunnel.linkClientAddress)"],
          [args.tunnel.linkServerAddress, "HE's end of the tunnel link (tunnel.linkServerAddress)"],
        ] as const
      ).flatMap(([address, what]) =>
        typeof address === "string" && isIpv6Address(address) ? [{ address, what }] : [],
      )
    : [];
  return checkServiceAddressesOf(prefix, args.services, smtp, reserved);
}
