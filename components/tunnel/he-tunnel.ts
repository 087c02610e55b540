import * as pulumi from "@pulumi/pulumi";
import { types } from "@pulumi/command";
import {
  heEndpointUpdateSection,
  HeEndpointUpdateSpec,
  heEndpointUpdateStdin,
  renderTunnelScripts,
  tunnelApplySection,
  tunnelRemoveSection,
  TunnelSpec,
  TUNNEL_KEEPALIVE_CALENDAR,
  TUNNEL_KEEPALIVE_UNIT,
} from "../../host-config";
import { AddressingFacts, MAIL_FACTS_VERSION, MailFacts, TunnelFacts } from "../../facts/mail-facts";
import { HostConfiguration, HostPartRenderer, KnownHostAddresses } from "../host-configuration";
import { HostOs } from "../hosts/host-os";
import {
  checkSmtpAddressOf,
  checkSmtpInterfaceId,
  checkTunnelSettings,
  HeTunnelSettings,
  resolveTunnel,
  ResolvedTunnel,
  tunnelPrefixOrigin,
} from "./he-tunnel-args";
import { HostScriptCommands, registerHostScript } from "../transport/host-script-command";
import {
  ConfigProblem,
  ConfigProblems,
  isIpv4Address,
  tryParseIpv6Prefix,
  serviceAddress,
  serviceAddressesOf,
  subnet64Of48,
  hashedSubnetIndex,
  DEFAULT_SMTP_INTERFACE_ID,
} from "../../net";
import { claimDedicatedPrefix } from "../prefix-claims";
import { LateCheck } from "../late-check";
import { checkHostName } from "../hosts/host-args-check";

const TYPE = "ipv6-mail:index:HeTunnel";

/** Arguments of {@link HeTunnel}. */
export interface HeTunnelArgs extends HeTunnelSettings {
  /** The host, over SSH (its IPv4 path is never touched). */
  connection: types.input.remote.ConnectionArgs;
  /**
   * The host's FQDN (e.g. `mx1.example.org`), checked like MailServer's: it picks the host's /64 out of
   * routed48 and tells two hosts on one /64 apart, so it must name one host the same way everywhere.
   */
  hostName: string;
  /** The host's public IPv4, for the endpoint update and as `localIpv4` when that is unset. */
  publicIpv4: pulumi.Input<string>;
  /** Interface id or address of the SMTP source inside the routed /64 (default `::25`). */
  smtpInterfaceId?: string;
  /** The host's native IPv6 /64, used as `providerPrefix` when that is unset. */
  nativeIpv6Prefix?: pulumi.Input<string | undefined>;
  allowDocumentationPrefixes?: boolean;
}

/** The dedicated /64 a tunnel gives, and the SMTP address in it. */
export interface TunnelAddressing {
  readonly dedicatedPrefix: string;
  readonly smtpAddress: string;
}

/** Decides the tunnel's dedicated /64 (routed /64, or a /64 of the routed /48) and the SMTP address. */
export function tunnelAddressing(
  tunnel: ResolvedTunnel,
  hostName: string,
  smtpInterfaceId = DEFAULT_SMTP_INTERFACE_ID,
): TunnelAddressing {
  const dedicatedPrefix =
    tunnel.routedPrefix ??
    subnet64Of48(tunnel.routed48 as string, tunnel.subnetIndex ?? hashedSubnetIndex(hostName));
  return { dedicatedPrefix, smtpAddress: serviceAddress(dedicatedPrefix, smtpInterfaceId) };
}

/** The tunnel's host-config spec, once the host's addresses are known. */
export function tunnelSpec(
  tunnel: ResolvedTunnel,
  addressing: TunnelAddressing,
  localIpv4: string,
  providerPrefix?: string,
): TunnelSpec {
  return {
    interfaceName: tunnel.interfaceName,
    heServerIpv4: tunnel.heServerIpv4,
    localIpv4,
    linkClientAddress: tunnel.linkClientAddress,
    linkServerAddress: tunnel.linkServerAddress,
    routedPrefix: addressing.dedicatedPrefix,
    routed48: tunnel.routed48,
    smtpAddress: addressing.smtpAddress,
    mtu: tunnel.mtu,
    providerDefaultRoute: tunnel.providerDefaultRoute,
    providerInterface: tunnel.providerInterface,
    providerPrefix,
    verifyTarget: tunnel.verifyTarget,
  };
}

/**
 * The endpoint update, when credentials are configured: HE must know the host's current IPv4 before
 * the tunnel can carry anything. The credentials come on stdin ({@link endpointUpdateStdin}).
 */
export function endpointUpdateSpec(
  tunnel: ResolvedTunnel,
  settings: HeTunnelSettings,
  publicIpv4: string,
): HeEndpointUpdateSpec | undefined {
  if (settings.username === undefined || settings.updateKey === undefined) return undefined;
  return { tunnelId: tunnel.tunnelId, clientIpv4: publicIpv4, updateUrl: tunnel.updateUrl };
}

/** The endpoint update's credentials as a secret stdin, or undefined without credentials. */
export function endpointUpdateStdin(settings: HeTunnelSettings): pulumi.Output<string> | undefined {
  if (settings.username === undefined || settings.updateKey === undefined) return undefined;
  return pulumi.secret(
    pulumi.all([settings.username, settings.updateKey]).apply(([u, k]) => heEndpointUpdateStdin(u, k)),
  );
}

/**
 * The tunnel's spec once the host's addresses are known: it ends at `tunnel.localIpv4` (behind NAT) or the
 * host's public IPv4, keeps the provider's /64 given or the host's own, and carries the services' addresses.
 * What {@link tunnelPart} renders for Linux, and what a FreeBSD host's rc.conf lines are rendered from.
 */
export function tunnelSpecPart(
  tunnel: ResolvedTunnel,
  addressing: TunnelAddressing,
): (known: KnownHostAddresses) => TunnelSpec {
  return (known) => ({
    ...tunnelSpec(
      tunnel,
      addressing,
      known.localIpv4 ?? known.ipv4 ?? "",
      tunnel.providerPrefix ?? (known.nativePrefix || undefined),
    ),
    serviceAddresses: serviceAddressesOf(known.services),
  });
}

/**
 * The tunnel's part of a mail host's configuration: HE's endpoint update (with credentials), then the tunnel;
 * removed by the tunnel's remove section. Rendered from {@link tunnelSpec} once the host's addresses are known.
 */
export function tunnelPart(
  tunnel: ResolvedTunnel,
  settings: HeTunnelSettings,
  addressing: TunnelAddressing,
): HostPartRenderer {
  const specOf = tunnelSpecPart(tunnel, addressing);
  return (known) => {
    const publicIpv4 = known.ipv4 ?? "";
    const spec = specOf(known);
    const update = endpointUpdateSpec(tunnel, settings, publicIpv4);
    const apply = tunnelApplySection(spec);
    return {
      apply: update ? [heEndpointUpdateSection(update), apply] : [apply],
      remove: tunnelRemoveSection(spec),
    };
  };
}

/**
 * What the tunnel configures, from the resolved settings and addressing {@link tunnelSpec} takes too.
 * `withKeepalive` is false on a FreeBSD host, whose scripts install no keepalive timer (systemd's).
 */
export function tunnelFacts(
  tunnel: ResolvedTunnel,
  addressing: TunnelAddressing,
  withKeepalive = true,
): TunnelFacts {
  const facts = {
    interfaceName: tunnel.interfaceName,
    heServerIpv4: tunnel.heServerIpv4,
    linkClientAddress: tunnel.linkClientAddress,
    linkServerAddress: tunnel.linkServerAddress,
    routedPrefix: addressing.dedicatedPrefix,
    routed48: tunnel.routed48,
    mtu: tunnel.mtu,
    sageCertified: tunnel.sageCertified,
  };
  if (!withKeepalive) return facts;
  return {
    ...facts,
    keepalive: {
      timer: `${TUNNEL_KEEPALIVE_UNIT}.timer`,
      target: tunnel.linkServerAddress,
      schedule: TUNNEL_KEEPALIVE_CALENDAR,
    },
  };
}

/** The dedicated /64 a tunnel gives and the SMTP address in it, both literal, with how they are derived. */
export function tunnelAddressingFacts(
  tunnel: ResolvedTunnel,
  addressing: TunnelAddressing,
  interfaceId: string,
): AddressingFacts {
  return {
    dedicatedPrefix: {
      value: addressing.dedicatedPrefix,
      derivation:
        tunnel.routedPrefix !== undefined
          ? "the tunnel's routed /64"
          : `a /64 of the tunnel's routed /48 ${tunnel.routed48 ?? ""}`.trim(),
      ownership: tunnel.prefixSource,
    },
    smtpAddress: {
      value: addressing.smtpAddress,
      derivation: `the dedicated /64 + ${interfaceId}`,
      interfaceId,
    },
  };
}

/**
 * A Hurricane Electric 6in4 tunnel on a host, applied over SSH: a persistent sit interface (systemd-networkd),
 * the link address, the routed /64 with the SMTP address, and the IPv6 default route through the tunnel with
 * the SMTP address as source. The apply script verifies the link, HE's `::1` and the source address, and
 * rolls back on failure; delete removes what it added.
 *
 * HE has no API to create a tunnel: create it once on tunnelbroker.net and copy its details here.
 */
export class HeTunnel extends pulumi.ComponentResource {
  readonly interfaceName: string;
  readonly routedPrefix: string;
  readonly smtpAddress: string;
  readonly linkClientAddress: string;
  readonly linkServerAddress: string;
  readonly heServerIpv4: string;
  readonly sageCertified: boolean;
  /** What the tunnel configures ({@link MailFacts}), also registered as the `facts` output. */
  readonly facts: MailFacts;
  private readonly configuration?: HostConfiguration;
  private readonly ownCommands?: HostScriptCommands;

  /**
   * @param composedBy the host configuration of the MailServer this tunnel is a part of: the tunnel then hands
   *   it its sections instead of registering commands of its own (the MailServer checked the same settings
   *   under its own field names, and checks the host's addresses once known).
   */
  constructor(
    name: string,
    args: HeTunnelArgs,
    opts?: pulumi.ComponentResourceOptions,
    composedBy?: HostConfiguration,
  ) {
    // Composed by a MailServer, the settings were checked under its field names and the /64 claimed by it.
    const problems = new ConfigProblems();
    if (!composedBy) {
      problems.addAll(checkHostName(args?.hostName, "hostName"));
      problems.addAll(checkTunnelSettings(args, "", args?.allowDocumentationPrefixes ?? false));
      problems.addAll(checkSmtpInterfaceId(args?.smtpInterfaceId, "smtpInterfaceId"));
      problems.throwIfAny("HeTunnel", name);
    }
    // Names are compared as MailServer compares them, so both claim a /64 for the same owner.
    const hostName = args.hostName.toLowerCase();
    const tunnel = resolveTunnel(args);
    const interfaceId = args.smtpInterfaceId ?? DEFAULT_SMTP_INTERFACE_ID;
    if (!composedBy) {
      const { dedicatedPrefix } = tunnelAddressing(tunnel, hostName);
      problems.addAll(checkSmtpAddressOf(dedicatedPrefix, interfaceId, "smtpInterfaceId"));
      problems.addAll(
        claimDedicatedPrefix(dedicatedPrefix, hostName, tunnelPrefixOrigin(args, "", hostName)),
      );
      problems.throwIfAny("HeTunnel", name);
    }
    const addressing = tunnelAddressing(tunnel, hostName, interfaceId);
    super(TYPE, name, {}, opts);

    this.interfaceName = tunnel.interfaceName;
    this.routedPrefix = addressing.dedicatedPrefix;
    this.smtpAddress = addressing.smtpAddress;
    this.linkClientAddress = tunnel.linkClientAddress;
    this.linkServerAddress = tunnel.linkServerAddress;
    this.heServerIpv4 = tunnel.heServerIpv4;
    this.sageCertified = tunnel.sageCertified;
    this.facts = {
      version: MAIL_FACTS_VERSION,
      component: "HeTunnel",
      ...(composedBy ? { partOf: "MailServer" as const } : {}),
      tunnel: tunnelFacts(tunnel, addressing, composedBy?.os !== HostOs.Freebsd),
      addressing: tunnelAddressingFacts(tunnel, addressing, interfaceId),
    };
    if (composedBy) {
      this.configuration = composedBy;
      composedBy.addressing = tunnelPart(tunnel, args, addressing);
      composedBy.tunnelSpec = tunnelSpecPart(tunnel, addressing);
      this.registerOutputs({ facts: this.facts });
      return;
    }

    // The host's addresses are often outputs of its creation: checked once known, before any command.
    const addresses = pulumi.all([args.publicIpv4, args.localIpv4, args.nativeIpv6Prefix]);
    const late = new LateCheck(
      this,
      "HeTunnel",
      name,
      addresses.apply(([publicIpv4, localIpv4, nativeIpv6Prefix]) => [
        ...ipv4Problems(publicIpv4, "publicIpv4", true),
        ...ipv4Problems(localIpv4, "localIpv4", false),
        ...(tunnel.providerPrefix === undefined && nativeIpv6Prefix && !tryParseIpv6Prefix(nativeIpv6Prefix)
          ? [
              {
                field: "nativeIpv6Prefix",
                value: nativeIpv6Prefix,
                problem: "is not an IPv6 prefix",
                fix: "give the host's own /64 (or providerPrefix), or leave it unset",
              },
            ]
          : []),
      ]),
    );
    const scripts = late.checked(addresses).apply(([publicIpv4, localIpv4Given, nativeIpv6Prefix]) => {
      const localIpv4 = localIpv4Given ?? publicIpv4;
      const spec = tunnelSpec(
        tunnel,
        addressing,
        localIpv4,
        tunnel.providerPrefix ?? (nativeIpv6Prefix || undefined),
      );
      const rendered = renderTunnelScripts(spec, endpointUpdateSpec(tunnel, args, publicIpv4));
      return { apply: rendered.apply, remove: rendered.remove };
    });
    this.ownCommands = registerHostScript(
      name,
      {
        connection: args.connection,
        apply: scripts.apply((s) => s.apply),
        remove: scripts.apply((s) => s.remove),
        stdin: endpointUpdateStdin(args),
        dependsOn: late.gate,
      },
      this,
    );
    this.registerOutputs({
      facts: this.facts,
      interfaceName: this.interfaceName,
      routedPrefix: this.routedPrefix,
      linkClientAddress: this.linkClientAddress,
      linkServerAddress: this.linkServerAddress,
      smtpAddress: this.smtpAddress,
      heServerIpv4: this.heServerIpv4,
      sageCertified: this.sageCertified,
    });
  }

  /** The commands that apply the tunnel: its own, or its MailServer's one host configuration. */
  get commands(): HostScriptCommands {
    return this.ownCommands ?? (this.configuration as HostConfiguration).commands;
  }
}

/** The problem of an IPv4 address known only once another resource exists (`required`: it must be given). */
function ipv4Problems(value: string | undefined, field: string, required: boolean): ConfigProblem[] {
  if (value === undefined && !required) return [];
  if (value !== undefined && isIpv4Address(value)) return [];
  return [
    {
      field,
      value,
      problem: "is not an IPv4 address",
      fix: "give the host's IPv4 address (behind NAT, localIpv4 is the private one)",
    },
  ];
}
