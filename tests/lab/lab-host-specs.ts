import type { FirewallSpec, PostfixSpec, TunnelSpec } from "../../host-config";
import { addressOf, type LabTopology } from "../../lab-driver/topology";
import { type MailDnsSpec, reverseZoneName, serviceAddress } from "../../net";

/** The SMTP source address the lab's mail host sends from: `::25` of HE's routed /64, as the stack picks it. */
export function labSmtpAddress(t: LabTopology): string {
  return serviceAddress(t.he.routedPrefix);
}

/** Where SSH connections through qemu's user-mode network come from (its gateway): the IPv4 admin path. */
export const LAB_MANAGEMENT_CLIENT = "10.0.2.2/32";

/** The tunnel as the `lab` stack configures it: HE's addresses from the topology, provider route kept. */
export function labTunnelSpec(t: LabTopology, overrides: Partial<TunnelSpec> = {}): TunnelSpec {
  return {
    interfaceName: "he-ipv6",
    heServerIpv4: t.he.serverIpv4,
    localIpv4: addressOf(t.host.public.ipv4),
    linkClientAddress: t.he.clientIpv6,
    linkServerAddress: t.he.serverIpv6,
    routedPrefix: t.he.routedPrefix,
    smtpAddress: labSmtpAddress(t),
    mtu: t.he.tunnelMtu,
    providerDefaultRoute: "keep",
    providerInterface: t.host.public.interface,
    providerPrefix: t.provider.sharedPrefix,
    verifyTarget: t.internet.mx.ipv6,
    ...overrides,
  };
}

/** The host firewall of a mail host: mail ports open, SSH over IPv6 only from the admin network. */
export function labFirewallSpec(t: LabTopology, overrides: Partial<FirewallSpec> = {}): FirewallSpec {
  return {
    allowedTcpPorts: [25, 465, 587],
    sshPort: 22,
    adminSources: [LAB_MANAGEMENT_CLIENT, t.internet.admin.prefix],
    heServerIpv4: t.he.serverIpv4,
    tunnelInterface: "he-ipv6",
    rollbackSeconds: 60,
    ...overrides,
  };
}

/** Postfix pinned to the SMTP address, HELO = the PTR name. */
export function labPostfixSpec(t: LabTopology): PostfixSpec {
  return { smtpAddress: labSmtpAddress(t), hostName: t.host.fqdn };
}

/** The DNS plan of the lab's mail domain: AAAA, MX, SPF and the PTR of the SMTP address. */
export function labMailDnsSpec(t: LabTopology): MailDnsSpec {
  return {
    zone: t.host.zone,
    hostName: t.host.fqdn,
    smtpAddress: labSmtpAddress(t),
    spfIpv6: t.he.routedPrefix,
    ipv4Address: addressOf(t.host.public.ipv4),
    aaaaTtl: 300,
    allowDocumentation: true,
  };
}

/** The zones the lab's DNS server must hold for the plan: the mail domain and the routed /64's reverse zone. */
export function labDnsZones(t: LabTopology): string[] {
  return [t.host.zone, reverseZoneName(t.he.routedPrefix)];
}
