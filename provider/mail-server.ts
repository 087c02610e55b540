import * as pulumi from "@pulumi/pulumi";
import type { MailServer as TypeScriptMailServer, MailServerArgs } from "../components";
import type { DnsRecordPlan, PrefixSource } from "../net";

/**
 * A mail host that sends over IPv6 from a dedicated /64: the host (a DigitalOcean droplet, a Hetzner server
 * or an existing host), a Hurricane Electric tunnel where the host has no /64 of its own, the IPv6 host
 * firewall, the MTA bound to the SMTP address, and the AAAA, PTR and SPF records that match it. Bad input is
 * refused before anything is registered, with every problem at once (field, value, fix).
 */
// The component as other Pulumi languages see it. The schema is inferred from this declaration: the outputs
// that cross languages (strings, numbers, named objects). The TypeScript class also carries its child
// resources (host, tunnel, DNS records, commands), which the inference cannot express, and which other
// languages reach by their URNs. The provider constructs the TypeScript class; the check below keeps this
// declaration a true subset of it.
export declare class MailServer extends pulumi.ComponentResource {
  /** The host's FQDN, lower-cased: PTR target, HELO name, `myhostname`. */
  readonly hostName: pulumi.Output<string>;
  /** The dedicated /64 mail is sent from (unset when the host sends over IPv4 only). */
  readonly dedicatedPrefix: pulumi.Output<string | undefined>;
  /** Where the dedicated /64 comes from. */
  readonly prefixSource: pulumi.Output<PrefixSource>;
  /** The address the MTA sends from (unset when the host sends over IPv4 only). */
  readonly smtpAddress: pulumi.Output<string | undefined>;
  /** The PTR owner name of the SMTP address in `ip6.arpa`. */
  readonly ptrName: pulumi.Output<string | undefined>;
  /** The SPF record of the mail domain. */
  readonly spfRecord: pulumi.Output<string>;
  /** The tunnel's interface on the host (unset without a tunnel). */
  readonly tunnelInterface: pulumi.Output<string | undefined>;
  /** The host's public IPv4 address. */
  readonly ipv4Address: pulumi.Output<string | undefined>;
  /** The host's DNS records: published when a DNS provider is configured, always output. */
  readonly dnsRecords: pulumi.Output<DnsRecordPlan[]>;
  constructor(name: string, args: MailServerArgs, opts?: pulumi.ComponentResourceOptions);
}

/** The outputs declared above. */
type Outputs = Exclude<keyof MailServer, keyof pulumi.ComponentResource>;
/** What the TypeScript class may hold for an output: the value or an output of it. */
type Held<T> = { [K in keyof T]: pulumi.Input<pulumi.Unwrap<T[K]>> | undefined };
// A declared output the TypeScript class lacks, or holds as another type, fails to compile here.
const DECLARED_OUTPUTS_HELD: (
  real: Required<Pick<TypeScriptMailServer, Outputs>>,
) => Held<Pick<MailServer, Outputs>> = (real) => real;
void DECLARED_OUTPUTS_HELD;
