import { ConfigProblem } from "../../net";

/** The host addresses a mail server learns from its host, which may be outputs the provider reports. */
export type HostAddress = "ipv4Address" | "ipv6Prefix";

/**
 * Where a host address comes from, for naming it in a problem: the field the user set (`existing.ipv4Address`,
 * possibly an output of another resource), or the value the cloud reported for the machine it created, which
 * no field of the user's holds. `fix` replaces the check's own fix where the user cannot simply give another
 * value.
 */
export interface HostAddressOrigin {
  readonly field: string;
  readonly fix?: string;
}

/**
 * Where `address` of the host of a MailServer's arguments comes from. A DigitalOcean droplet's or a Hetzner
 * server's addresses are the provider's: a problem with them is named after the provider's output (the
 * user never wrote `existing.ipv4Address` there), and its fix says what to do about the machine.
 */
export function hostAddressOrigin(
  hosts: { digitalocean?: unknown; hetzner?: unknown },
  address: HostAddress,
): HostAddressOrigin {
  if (hosts.digitalocean !== undefined) {
    return {
      field:
        address === "ipv4Address"
          ? "digitalocean droplet's ipv4Address"
          : "digitalocean droplet's ipv6Address",
      fix: "DigitalOcean reported this for the droplet: check the droplet's networking in the DigitalOcean console (it needs a public IPv4 and IPv6 enabled), or replace it with pulumi up --replace",
    };
  }
  if (hosts.hetzner !== undefined) {
    return address === "ipv4Address"
      ? {
          field: "hetzner server's ipv4Address",
          fix: "Hetzner reported this for the server: check that the server has a primary IPv4 in the Hetzner Cloud console, or replace it with pulumi up --replace",
        }
      : {
          field: "hetzner server's ipv6Network",
          fix: "Hetzner gives every server its own /64: check the server's primary IPv6 in the Hetzner Cloud console, or send from a Hurricane Electric tunnel's routed /64 instead (tunnel)",
        };
  }
  return { field: `existing.${address}` };
}

/** One problem of a host address, named and fixed after where it comes from. */
export function hostAddressProblem(
  origin: HostAddressOrigin,
  value: unknown,
  problem: string,
  fix: string,
): ConfigProblem {
  return { field: origin.field, value, problem, fix: origin.fix ?? fix };
}

/** Problems found for a host address, named and fixed after where it comes from. */
export function fromHostAddress(
  problems: readonly ConfigProblem[],
  origin: HostAddressOrigin,
): ConfigProblem[] {
  return problems.map((p) => ({ ...p, field: origin.field, fix: origin.fix ?? p.fix }));
}
