import * as pulumi from "@pulumi/pulumi";
import { types } from "@pulumi/command";
import { PrefixSource } from "../../net";

/**
 * What a MailServer needs of the machine it configures, whichever kind it is (a droplet, a Hetzner server, an
 * existing host): how to reach it, its addresses, and what its own /64 is. DigitalOceanHost, HetznerHost and
 * ExistingHost implement it, so MailServer composes any of them without asking which one it has.
 */
export interface MailHost extends pulumi.ComponentResource {
  /** The public IPv4 (undefined for an existing IPv6-only host). */
  readonly ipv4Address: pulumi.Output<string | undefined>;
  /** Whether the host has a public IPv4 at all: an A record and SPF `ip4:` are published only then. */
  readonly hasIpv4: boolean;
  /** The host's own /64 (shared at DigitalOcean, dedicated at Hetzner, as declared for an existing host). */
  readonly ipv6Prefix: pulumi.Output<string | undefined>;
  readonly prefixSource: PrefixSource;
  /** How the host's own /64 is known, in words for the facts: e.g. `hcloud server "mail"'s ipv6Network`. */
  readonly prefixDerivation: string;
  readonly connection: types.input.remote.ConnectionArgs;
  /** The server id Hetzner's `Rdns` takes for the SMTP address's PTR; only a Hetzner host has one. */
  readonly rdnsServerId?: pulumi.Output<number>;
}
