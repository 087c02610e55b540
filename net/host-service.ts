import { serviceAddress } from "./service-address";

/**
 * One TCP port of a service and the IPv6 networks allowed to reach it (`::/0` for everyone). The service has
 * an IPv6 address only, so IPv4 sources could never reach it.
 */
export interface HostServicePort {
  readonly port: number;
  /** Canonical IPv6 networks. */
  readonly sources: readonly string[];
}

/**
 * A service with its own address in the dedicated /64 (seed: each web virtual host its own IPv6 address, so
 * each can have its own certificate and its own firewall rules). Pure data, shared by the host renderers
 * (address on the host, firewall rules whose destination is this address) and the DNS plan (AAAA, PTR).
 */
export interface HostService {
  /** A DNS-label-like name, unique on the host (`web`, `shop`). */
  readonly name: string;
  /** Interface id (`::80`) or full address inside the dedicated /64, as the user wrote it. */
  readonly interfaceId: string;
  /** The address: the /64 plus `interfaceId`; undefined while the /64 is not known (a new Hetzner server). */
  readonly address?: string;
  /** The owner name of the service's AAAA (its `hostName`, or `<name>.<zone>`). */
  readonly recordName: string;
  /** Whether the address gets a PTR to `recordName` (only when the user gave a host name). */
  readonly ptr: boolean;
  readonly ports: readonly HostServicePort[];
}

/**
 * The services with their addresses in the dedicated /64. The interface ids were checked against the /64
 * before (MailServer's checks), so this does not fail for a checked configuration.
 *
 * @example
 * hostServicesIn("2001:db8:25::/64", [{ name: "web", interfaceId: "::80", recordName: "web.example.org", ptr: false, ports: [] }]);
 * // [{ …, address: "2001:db8:25::80" }]
 */
export function hostServicesIn(prefix64: string, services: readonly HostService[]): HostService[] {
  return services.map((s) => ({ ...s, address: serviceAddress(prefix64, s.interfaceId) }));
}

/** The service addresses of services whose address is known, in the services' order. */
export function serviceAddressesOf(services: readonly HostService[] | undefined): string[] {
  return (services ?? []).flatMap((s) => (s.address === undefined ? [] : [s.address]));
}
