import * as pulumi from "@pulumi/pulumi";
import { MailHost } from "./mail-host";
import * as digitalocean from "@pulumi/digitalocean";
import { AccessArgs, checkAccessArgs, resolveAccess, WORLD_SOURCES } from "./access-args";
import { checkCloudSshKeys, checkHostName } from "./host-args-check";
import { commandConnection } from "../transport/ssh-connection";
import { ConfigProblem, ConfigProblems, containingIpv6Prefix, isIpv6Address, PrefixSource } from "../../net";
import { types } from "@pulumi/command";
import { checkHostOs, HostOs, hostOsOf } from "./host-os";

const TYPE = "ipv6-mail:index:DigitalOceanHost";

/** The droplet image of a Debian host unless `image` names another. */
const DEFAULT_DEBIAN_IMAGE = "debian-12-x64";

/** DigitalOcean's slugs of Linux images (`debian-12-x64`, `ubuntu-24-04-x64`, …): never a FreeBSD host. */
const LINUX_IMAGE_SLUG = /^(debian|ubuntu|centos|fedora|rockylinux|almalinux|alma)-/i;

/**
 * The droplet's own settings: what {@link DigitalOceanHostArgs} has beyond the name and the access rules, and
 * what MailServer's `digitalocean` takes (MailServer gives the name and the rules itself).
 */
export interface DigitalOceanHostSettings {
  /** Default `fra1`. */
  region?: pulumi.Input<string>;
  /** Default `s-1vcpu-1gb`. */
  size?: pulumi.Input<string>;
  /**
   * Default `debian-12-x64` (systemd-networkd and Postfix 3.7, as the host scripts need). With `os: "freebsd"`
   * it is required: DigitalOcean has offered no FreeBSD image since 2022, so give the id of a FreeBSD custom
   * image you uploaded.
   */
  image?: pulumi.Input<string>;
  /** The droplet's OS, which decides the host scripts (default `debian`). */
  os?: HostOs;
  /** DigitalOcean SSH key ids or fingerprints to install. */
  sshKeys: pulumi.Input<string>[];
  /** The private key matching one of `sshKeys`, for the remote commands (secret). */
  sshPrivateKey: pulumi.Input<string>;
  /** Droplet tags. */
  tags?: pulumi.Input<string>[];
}

/** Arguments of {@link DigitalOceanHost}. */
export interface DigitalOceanHostArgs extends DigitalOceanHostSettings {
  /** The host's FQDN; used as the droplet name so DigitalOcean sets the IPv4 PTR. */
  hostName: string;
  /** Who may SSH in, and which mail ports are open, for the cloud firewall (IPv4 and IPv6 rules). */
  access: AccessArgs;
}

/**
 * A DigitalOcean droplet for a mail host, with IPv6 enabled and a cloud firewall whose rules cover IPv4 *and*
 * IPv6.
 *
 * The droplet's own IPv6 range is shared with other customers (a /124 out of a shared /64) and DigitalOcean
 * blocks SMTP over IPv6, so {@link MailServer} only sends IPv6 mail from such a host through a Hurricane
 * Electric tunnel. The tunnel's traffic is IPv4 protocol 41, which DigitalOcean's firewall can't express, so
 * the host firewall (not this cloud firewall) guards what arrives inside the tunnel.
 */
export class DigitalOceanHost extends pulumi.ComponentResource implements MailHost {
  readonly hasIpv4 = true;
  readonly prefixDerivation: string;

  readonly droplet: digitalocean.Droplet;
  readonly firewall: digitalocean.Firewall;
  readonly ipv4Address: pulumi.Output<string>;
  /** The droplet's native IPv6 address (shared /64; never the SMTP source). */
  readonly ipv6Address: pulumi.Output<string>;
  /** The /64 the native address lies in. */
  readonly ipv6Prefix: pulumi.Output<string>;
  readonly prefixSource: PrefixSource = "digitalocean-native";
  readonly connection: types.input.remote.ConnectionArgs;

  constructor(name: string, args: DigitalOceanHostArgs, opts?: pulumi.ComponentResourceOptions) {
    const problems = new ConfigProblems();
    problems.addAll(checkDigitalOceanHostArgs(args, ""));
    problems.throwIfAny("DigitalOceanHost", name);
    super(TYPE, name, {}, opts);

    const access = resolveAccess(args.access);
    this.droplet = new digitalocean.Droplet(
      name,
      {
        name: args.hostName,
        region: args.region ?? "fra1",
        size: args.size ?? "s-1vcpu-1gb",
        image: args.image ?? DEFAULT_DEBIAN_IMAGE,
        ipv6: true,
        sshKeys: args.sshKeys,
        tags: args.tags,
      },
      { parent: this },
    );
    this.firewall = new digitalocean.Firewall(
      name,
      {
        dropletIds: [this.droplet.id.apply(Number)],
        inboundRules: [
          { protocol: "tcp", portRange: String(access.sshPort), sourceAddresses: [...access.adminSources] },
          ...access.mailPorts.map((port) => ({
            protocol: "tcp",
            portRange: String(port),
            sourceAddresses: [...WORLD_SOURCES],
          })),
          { protocol: "icmp", sourceAddresses: [...WORLD_SOURCES] },
        ],
        outboundRules: [
          { protocol: "tcp", portRange: "1-65535", destinationAddresses: [...WORLD_SOURCES] },
          { protocol: "udp", portRange: "1-65535", destinationAddresses: [...WORLD_SOURCES] },
          { protocol: "icmp", destinationAddresses: [...WORLD_SOURCES] },
        ],
      },
      { parent: this },
    );
    this.ipv4Address = this.droplet.ipv4Address;
    this.ipv6Address = this.droplet.ipv6Address;
    // An address that is no IPv6 address (none, or garbage) gives no /64 rather than failing here.
    this.ipv6Prefix = this.droplet.ipv6Address.apply((a) =>
      isIpv6Address(a ?? "") ? containingIpv6Prefix(a, 64).text : "",
    );
    this.prefixDerivation = `the /64 of droplet "${name}"'s ipv6Address`;
    this.connection = commandConnection({ host: this.droplet.ipv4Address, privateKey: args.sshPrivateKey });
    this.registerOutputs({
      ipv4Address: this.ipv4Address,
      ipv6Address: this.ipv6Address,
      ipv6Prefix: this.ipv6Prefix,
      prefixSource: this.prefixSource,
    });
  }
}

/** Checks {@link DigitalOceanHostArgs}; fields are prefixed with `fieldPrefix`. */
export function checkDigitalOceanHostArgs(args: DigitalOceanHostArgs, fieldPrefix: string): ConfigProblem[] {
  const problems = [
    ...checkHostName(args?.hostName, `${fieldPrefix}hostName`),
    ...checkAccessArgs(args?.access, `${fieldPrefix}access.`),
  ];
  problems.push(...checkCloudSshKeys(args, fieldPrefix, "DigitalOcean account"));
  problems.push(...checkDropletImage(args, fieldPrefix));
  return problems;
}

/**
 * The droplet's `os` and `image` agree: a FreeBSD droplet names its (custom) image, since DigitalOcean has
 * offered no FreeBSD image since 2022, and neither names the other system's image.
 */
function checkDropletImage(args: DigitalOceanHostArgs, fieldPrefix: string): ConfigProblem[] {
  const found = checkHostOs(args?.os, `${fieldPrefix}os`);
  if (found.length > 0) return found;
  const image = typeof args?.image === "string" ? args.image : undefined;
  if (hostOsOf(args) === HostOs.Freebsd) {
    if (args?.image === undefined) {
      return [
        {
          field: `${fieldPrefix}image`,
          value: undefined,
          problem: 'is required with os "freebsd": DigitalOcean has offered no FreeBSD image since 2022',
          fix: "upload a FreeBSD image as a custom image (doctl compute image create) and give its id",
        },
      ];
    }
    if (image !== undefined && LINUX_IMAGE_SLUG.test(image)) {
      return [
        {
          field: `${fieldPrefix}image`,
          value: image,
          problem: 'is a Linux image, and os is "freebsd"',
          fix: "give the id of your FreeBSD custom image, or remove os (Debian)",
        },
      ];
    }
  } else if (image !== undefined && /freebsd/i.test(image)) {
    return [
      {
        field: `${fieldPrefix}os`,
        value: args?.os,
        problem: `is "debian" (the default), but image "${image}" is FreeBSD: the Linux scripts would fail on it`,
        fix: 'set os: "freebsd"',
      },
    ];
  }
  return [];
}
