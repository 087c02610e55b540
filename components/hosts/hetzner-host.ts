import * as pulumi from "@pulumi/pulumi";
import { checkHostOs, HostOs, hostOsOf } from "./host-os";
import { MailHost } from "./mail-host";
import * as hcloud from "@pulumi/hcloud";
import { types } from "@pulumi/command";
import { AccessArgs, checkAccessArgs, resolveAccess, WORLD_SOURCES } from "./access-args";
import { checkCloudSshKeys, checkHostName } from "./host-args-check";
import { commandConnection } from "../transport/ssh-connection";
import { ConfigProblem, ConfigProblems, PrefixSource } from "../../net";

const TYPE = "ipv6-mail:index:HetznerHost";

/**
 * The server's own settings: what {@link HetznerHostArgs} has beyond the name and the access rules, and what
 * MailServer's `hetzner` takes (MailServer gives the name and the rules itself).
 */
export interface HetznerHostSettings {
  /** Default `cx22`. */
  serverType?: pulumi.Input<string>;
  /** Default `debian-12`. */
  image?: pulumi.Input<string>;
  /** Default `fsn1`. */
  location?: pulumi.Input<string>;
  /** Hetzner Cloud SSH key names or ids. */
  sshKeys: pulumi.Input<string>[];
  /** The private key matching one of `sshKeys`, for the remote commands (secret). */
  sshPrivateKey: pulumi.Input<string>;
  /** Server labels. */
  labels?: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /** The server's OS (default and only choice `debian`: Hetzner Cloud offers no FreeBSD image). */
  os?: HostOs;
}

/** Arguments of {@link HetznerHost}. */
export interface HetznerHostArgs extends HetznerHostSettings {
  /** The host's FQDN: the server name and the IPv4 reverse DNS name. */
  hostName: string;
  /** Who may SSH in, and which mail ports are open, for the cloud firewall (IPv4 and IPv6 rules). */
  access: AccessArgs;
  /**
   * Ports of services with their own IPv6 address (MailServer `services`), from their IPv6 sources. The cloud
   * firewall cannot match a destination address: the host firewall keeps each port to its service's address.
   */
  servicePorts?: readonly { port: number; sources: readonly string[] }[];
}

/**
 * A Hetzner Cloud server for a mail host. Every Hetzner server gets its own /64 (`ipv6Network`), so its
 * native IPv6 is dedicated and no tunnel is needed. The cloud firewall is stateful and deny-by-default
 * inbound; its rules here cover IPv4 and IPv6. Reverse DNS of the IPv4 address is set to the host name (the
 * SMTP IPv6 address gets its `Rdns` from {@link MailDns}).
 *
 * New Hetzner accounts have outbound tcp 25/465 blocked until they ask support to lift it.
 */
export class HetznerHost extends pulumi.ComponentResource implements MailHost {
  readonly hasIpv4 = true;
  readonly prefixDerivation: string;
  readonly rdnsServerId: pulumi.Output<number>;

  readonly server: hcloud.Server;
  readonly firewall: hcloud.Firewall;
  readonly firewallAttachment: hcloud.FirewallAttachment;
  readonly ipv4Rdns: hcloud.Rdns;
  readonly ipv4Address: pulumi.Output<string>;
  readonly ipv6Address: pulumi.Output<string>;
  /** The server's own /64. */
  readonly ipv6Prefix: pulumi.Output<string>;
  /** Numeric server id, as `hcloud.Rdns` wants it. */
  readonly serverId: pulumi.Output<number>;
  readonly prefixSource: PrefixSource = "hetzner-server-64";
  readonly connection: types.input.remote.ConnectionArgs;

  constructor(name: string, args: HetznerHostArgs, opts?: pulumi.ComponentResourceOptions) {
    const problems = new ConfigProblems();
    problems.addAll(checkHetznerHostArgs(args, ""));
    problems.throwIfAny("HetznerHost", name);
    super(TYPE, name, {}, opts);

    const access = resolveAccess(args.access);
    this.server = new hcloud.Server(
      name,
      {
        name: args.hostName,
        serverType: args.serverType ?? "cx22",
        image: args.image ?? "debian-12",
        location: args.location ?? "fsn1",
        sshKeys: args.sshKeys,
        publicNets: [{ ipv4Enabled: true, ipv6Enabled: true }],
        labels: args.labels,
      },
      { parent: this },
    );
    this.serverId = this.server.id.apply(Number);
    this.firewall = new hcloud.Firewall(
      name,
      {
        rules: [
          {
            direction: "in",
            protocol: "tcp",
            port: String(access.sshPort),
            sourceIps: [...access.adminSources],
          },
          ...access.mailPorts.map((port) => ({
            direction: "in",
            protocol: "tcp",
            port: String(port),
            sourceIps: [...WORLD_SOURCES],
          })),
          ...(args.servicePorts ?? []).map((p) => ({
            direction: "in",
            protocol: "tcp",
            port: String(p.port),
            sourceIps: [...p.sources],
          })),
          { direction: "in", protocol: "icmp", sourceIps: [...WORLD_SOURCES] },
        ],
      },
      { parent: this },
    );
    this.firewallAttachment = new hcloud.FirewallAttachment(
      name,
      { firewallId: this.firewall.id.apply(Number), serverIds: [this.serverId] },
      { parent: this },
    );
    this.ipv4Rdns = new hcloud.Rdns(
      `${name}-ipv4`,
      { serverId: this.serverId, ipAddress: this.server.ipv4Address, dnsPtr: args.hostName },
      { parent: this },
    );
    this.ipv4Address = this.server.ipv4Address;
    this.ipv6Address = this.server.ipv6Address;
    this.ipv6Prefix = this.server.ipv6Network;
    this.prefixDerivation = `hcloud server "${name}"'s ipv6Network`;
    this.rdnsServerId = this.serverId;
    this.connection = commandConnection({ host: this.server.ipv4Address, privateKey: args.sshPrivateKey });
    this.registerOutputs({
      ipv4Address: this.ipv4Address,
      ipv6Address: this.ipv6Address,
      ipv6Prefix: this.ipv6Prefix,
      prefixSource: this.prefixSource,
    });
  }
}

/** Checks {@link HetznerHostArgs}; fields are prefixed with `fieldPrefix`. */
export function checkHetznerHostArgs(args: HetznerHostArgs, fieldPrefix: string): ConfigProblem[] {
  const problems = [
    ...checkHostName(args?.hostName, `${fieldPrefix}hostName`),
    ...checkAccessArgs(args?.access, `${fieldPrefix}access.`),
  ];
  problems.push(...checkCloudSshKeys(args, fieldPrefix, "Hetzner Cloud project"));
  const os = checkHostOs(args?.os, `${fieldPrefix}os`);
  problems.push(...os);
  if (os.length === 0 && hostOsOf(args) === HostOs.Freebsd) {
    problems.push({
      field: `${fieldPrefix}os`,
      value: args.os,
      problem:
        "is not supported on Hetzner Cloud, which offers no FreeBSD image (only an ISO to install by hand)",
      fix: 'remove os (Debian), or install FreeBSD yourself and configure it as an existing host with os: "freebsd"',
    });
  }
  return problems;
}
