/**
 * The structured facts ipv6-mail's components publish as their `facts` output: what each one configured, in one
 * documented, versioned shape (see FACTS.md beside this file). The policy pack reads these for `ipv6-mail:*`
 * resources instead of parsing the host scripts back, and they say at preview what is literal and how the rest is
 * derived (a Hetzner server's /64 is unknown until the server exists, but the SMTP address is "that /64 + ::25"
 * and the AAAA, the PTR and the SPF `ip6:` term take that same value).
 *
 * Pure data: no Pulumi, so the components and the pack share the shape without the pack importing components.
 */

/** The version tag of this shape; a reader refuses facts of a version it does not know. */
export const MAIL_FACTS_VERSION = "ipv6-mail.facts/v1";

/**
 * The values a fact set refers to while they are outputs of other resources. One output per fact set: unknown at
 * preview for a new host, known at `pulumi up`. `ptrName` is always the `ip6.arpa` owner name of `smtpAddress`.
 */
export type FactRef = "dedicatedPrefix" | "smtpAddress" | "ptrName" | "ipv4Address";

/** Every {@link FactRef}, in a stable order. */
export const FACT_REFS: readonly FactRef[] = ["dedicatedPrefix", "smtpAddress", "ptrName", "ipv4Address"];

/** The resolved values of a fact set's {@link FactRef}s (each absent when the component has none). */
export type FactValues = Partial<Record<FactRef, string>>;

/**
 * One configured value: `value` when it was literal as the component was built; otherwise `ref`, the entry of
 * the fact set's `values` it is once known. `derivation` says in words where it comes from.
 */
export interface FactValue {
  readonly value?: string;
  readonly ref?: FactRef;
  readonly derivation: string;
}

/**
 * Where the dedicated /64 comes from, as `net`'s PrefixSource spells it (`he-routed-64`, `hetzner-server-64`,
 * `declared-dedicated`, …): what decides whether it is the host's alone.
 */
export type PrefixOwnership = string;

/** The /64 mail is sent from and the SMTP address in it. */
export interface AddressingFacts {
  readonly dedicatedPrefix: FactValue & { readonly ownership: PrefixOwnership };
  /** Always inside `dedicatedPrefix`: the /64 plus `interfaceId`. */
  readonly smtpAddress: FactValue & { readonly interfaceId: string };
}

/** How the MTA sends: its kind, the addresses it binds outbound SMTP to, and its HELO name. */
export interface MtaFacts {
  readonly kind: string;
  /** The IPv6 bind address; absent when the MTA binds none (docker-mailserver leaves it to the container). */
  readonly bind6?: FactValue;
  readonly bind4?: FactValue;
  /** Postfix `smtp_bind_address_enforce = yes`, or Exim's strict `interface` list: never another source. */
  readonly bindEnforced: boolean;
  /** The name the MTA announces in HELO (Postfix `myhostname`/`smtp_helo_name`). */
  readonly heloName: string;
  /** docker-mailserver: the daemon's ip6tables (real client addresses) and `PERMIT_DOCKER=none`. */
  readonly dockerIp6tables?: boolean;
}

/** The Hurricane Electric 6in4 tunnel on the host. */
export interface TunnelFacts {
  readonly interfaceName: string;
  readonly heServerIpv4: string;
  readonly linkClientAddress: string;
  readonly linkServerAddress: string;
  /** The dedicated /64 routed through the tunnel (a routed /64, or one /64 of a routed /48). */
  readonly routedPrefix: string;
  readonly routed48?: string;
  readonly mtu: number;
  readonly sageCertified: boolean;
  /**
   * The systemd timer that pings HE's end of the link over the tunnel (`schedule`: its `OnCalendar=`), so
   * HE never deletes the tunnel as unused (it does after about 90 days without traffic).
   */
  readonly keepalive?: { readonly timer: string; readonly target: string; readonly schedule: string };
}

/** One port (or the SSH port) the host firewall accepts over IPv6, and from where. */
export interface OpenPortFacts {
  readonly protocol: "tcp";
  readonly port: number;
  /** IPv6 sources (`::/0` for everyone). */
  readonly sources: readonly string[];
  /** Set for a service's port: accepted only with that service's address as destination. Absent: every address. */
  readonly destination?: ServiceDestinationFacts;
}

/** The address a service's port is open on: its name, its interface id, and the address once the /64 is known. */
export interface ServiceDestinationFacts {
  readonly service: string;
  readonly interfaceId: string;
  /** Absent while the dedicated /64 is not known (a new Hetzner server at preview): the /64 + `interfaceId`. */
  readonly address?: string;
}

/** A service with its own address in the dedicated /64 (MailServer `services`). */
export interface ServiceFacts {
  readonly name: string;
  /** The /64 + `interfaceId` (a ref-free derivation when the /64 is not known yet). */
  readonly address: FactValue & { readonly interfaceId: string };
  /** The AAAA's owner; the PTR's target when `ptr`. */
  readonly recordName: string;
  readonly ptr: boolean;
  readonly ports: readonly { readonly port: number; readonly sources: readonly string[] }[];
}

/** The IPv6 host firewall (nftables, or pf on FreeBSD) as loaded: default policy, what is kept open, and for whom. */
export interface FirewallFacts {
  /**
   * What loads the rules: `nftables` (`table ip6 ipv6_mail`) or `pf` (FreeBSD's `/etc/pf.conf`), rendered from
   * the same spec, so the rest of these facts is the same for both. Absent in facts written before it: nftables.
   */
  readonly engine?: "nftables" | "pf";
  /** `table ip6 ipv6_mail`'s input hook, or pf's inbound IPv6 rules (bound to no interface either). */
  readonly ipv6Input: {
    readonly policy: "drop" | "accept";
    /** Interfaces the chain filters: `*` (every interface: the hook is not interface-bound), and the tunnel's. */
    readonly interfaces: readonly string[];
    /** ICMPv6 types accepted from any source (neighbour discovery with hop limit 255, errors, echo). */
    readonly icmpv6Accepted: readonly string[];
    /** ICMPv6 types accepted from link-local sources only (router advertisements, MLD). */
    readonly icmpv6FromLinkLocal: readonly string[];
    /** ICMPv6 types dropped on one interface before the accepts (router advertisements through the tunnel). */
    readonly icmpv6DroppedOn: readonly { readonly interface: string; readonly type: string }[];
    readonly open: readonly OpenPortFacts[];
    /** Ports answered with a TCP reset (IPv6 port 25 when mail must come over IPv4). */
    readonly rejected: readonly OpenPortFacts[];
  };
  /** IPv4 input is never filtered (the SSH path cannot be cut); 6in4 (protocol 41) only from HE's server. */
  readonly ipv4Input: { readonly policy: "accept"; readonly protocol41From?: string };
  /** Who may SSH, as configured (IPv4 entries need no rule: IPv4 input is not filtered). */
  readonly adminSources: readonly string[];
  readonly sshPort: number;
  readonly rollbackSeconds: number;
}

/** One SPF term: literal `text`, or a mechanism whose value is a {@link FactRef} (e.g. `ip4:` of the host's IPv4). */
export interface SpfTermFact {
  readonly text?: string;
  readonly mechanism: string;
  readonly qualifier: string;
  readonly ref?: FactRef;
}

/** One DNS record a component writes (or plans for the user to publish). */
export interface DnsRecordFact {
  readonly type: "A" | "AAAA" | "MX" | "TXT" | "PTR";
  readonly name: FactValue;
  readonly content: FactValue;
  readonly ttl: number;
  /** `cloudflare`, `hcloud-rdns`, or `planned` (no provider configured: output for the user to publish). */
  readonly via: "cloudflare" | "hcloud-rdns" | "planned";
  /** For an SPF record: its terms, literal or derived. */
  readonly spf?: readonly SpfTermFact[];
}

/** The DNS records a component writes. */
export interface DnsFacts {
  readonly zone: string;
  readonly hostName: string;
  readonly records: readonly DnsRecordFact[];
}

/** A component's facts: the `facts` output of every `ipv6-mail:index:*` component that configures something. */
export interface MailFacts {
  readonly version: typeof MAIL_FACTS_VERSION;
  /** The component's class, e.g. `MailServer`. */
  readonly component: string;
  /**
   * Set on the parts a MailServer is composed of (its HeTunnel, HostFirewall, MtaBinding and MailDns): their
   * refs name the parent MailServer's `values`, and the host is configured by the MailServer's one host script.
   */
  readonly partOf?: "MailServer";
  /**
   * The host's OS (MailServer): `debian` (systemd-networkd, nftables) or `freebsd` (rc.conf, gif, pf: rendered,
   * not proven in a kernel). The other facts mean the same on both.
   */
  readonly hostOs?: string;
  /** Whether the host sends mail over IPv6 at all (false: A, MX and SPF `ip4:` only). */
  readonly sendsOverIpv6?: boolean;
  readonly addressing?: AddressingFacts;
  /** The services with their own addresses (MailServer `services`); absent when there are none. */
  readonly services?: readonly ServiceFacts[];
  readonly mta?: MtaFacts;
  readonly tunnel?: TunnelFacts;
  readonly firewall?: FirewallFacts;
  readonly dns?: DnsFacts;
  /** The values behind the refs (an output: unknown at preview while a host does not exist yet). */
  readonly values?: FactValues;
}

/** A literal fact value. */
export function literalFact(value: string, derivation: string): FactValue {
  return { value, derivation };
}

/** A fact value known only once another resource exists: `ref` names it in the fact set's `values`. */
export function derivedFact(ref: FactRef, derivation: string): FactValue {
  return { ref, derivation };
}
