import { readFileSync } from "node:fs";
import * as path from "node:path";

import { formatIpv6, parseIpv6Prefix } from "../net";
import { repoRoot } from "./repo-root";

/** One end of a link inside the lab: interface name and its addresses in CIDR form. */
export interface LabLinkEnd {
  readonly interface: string;
  readonly mac?: string;
  readonly ipv4: string;
  readonly ipv6?: string;
}

/**
 * The lab's addresses and names, as written in `lab/topology.json`.
 *
 * Why one file: the image build, the topology unit inside the VM, these tests and the `lab` stack config must
 * agree on every address; reading the same JSON everywhere keeps them from drifting.
 */
export interface LabTopology {
  readonly host: {
    readonly hostname: string;
    readonly fqdn: string;
    readonly zone: string;
    readonly sshUser: string;
    readonly management: { readonly interface: string; readonly mac: string; readonly ipv4: string };
    readonly public: {
      readonly interface: string;
      readonly mac: string;
      readonly ipv4: string;
      readonly ipv4Gateway: string;
      readonly networkFile: string;
    };
    readonly resolver: string;
  };
  readonly provider: {
    readonly namespace: string;
    readonly hostLink: LabLinkEnd;
    readonly sharedPrefix: string;
    readonly blockedSmtpPorts: readonly number[];
    /** The bare image flavour's package repository: HTTP on `hostLink.ipv4`, this port. */
    readonly packageRepository: { readonly port: number };
    readonly uplink: LabLinkEnd;
  };
  readonly he: {
    readonly namespace: string;
    readonly serverIpv4: string;
    readonly uplink: LabLinkEnd;
    readonly tunnelInterface: string;
    readonly tunnelMtu: number;
    readonly linkPrefix: string;
    readonly serverIpv6: string;
    readonly clientIpv6: string;
    readonly routedPrefix: string;
    readonly filteredSmtpPort: number;
    /**
     * The simulated tunnelbroker.net (HE's endpoint update over HTTPS with the lab CA): the real host name,
     * which the lab image's /etc/hosts gives this address, and where it keeps its accounts and call log.
     */
    readonly tunnelbroker: {
      readonly name: string;
      readonly ipv4: string;
      readonly port: number;
      readonly stateDir: string;
    };
  };
  readonly internet: {
    readonly namespace: string;
    readonly providerLink: LabLinkEnd;
    readonly heLink: LabLinkEnd;
    readonly services: { readonly interface: string; readonly prefix: string };
    readonly mx: { readonly domain: string; readonly name: string; readonly ipv6: string };
    /** The strict receiving MTA: its domain, MX name and address, and the Maildir it delivers into. */
    readonly strictMx: {
      readonly domain: string;
      readonly name: string;
      readonly ipv6: string;
      readonly mailbox: string;
    };
    /** The lab's RFC 5782 DNSBL: it lists `provider.sharedPrefix`, answering `listedAnswer` with `reason`. */
    readonly dnsbl: { readonly zone: string; readonly listedAnswer: string; readonly reason: string };
    readonly dns: {
      readonly name: string;
      readonly ipv6: string;
      readonly ipv4: string;
      /** An empty reverse zone over the documentation range: a missing PTR is NXDOMAIN, not REFUSED. */
      readonly reverseZone: string;
    };
    /** A remote admin's network and address (SSH over IPv6 from here is admitted by the lab firewall). */
    readonly admin: { readonly prefix: string; readonly ipv6: string };
  };
}

/** Path of the topology file in the repository. */
export const TOPOLOGY_PATH = path.join(repoRoot(), "lab", "topology.json");

/** Reads `lab/topology.json`. */
export function loadTopology(file = TOPOLOGY_PATH): LabTopology {
  return JSON.parse(readFileSync(file, "utf8")) as LabTopology;
}

/** The address part of a CIDR string (`192.0.2.10/24` -> `192.0.2.10`). */
export function addressOf(cidr: string): string {
  const slash = cidr.indexOf("/");
  return slash < 0 ? cidr : cidr.slice(0, slash);
}

/**
 * The SLAAC address the host takes in the provider's shared /64: the prefix plus the modified EUI-64 of its
 * public NIC's MAC (RFC 4291 appendix A), which is what systemd-networkd uses by default.
 */
export function hostProviderAddress(t: LabTopology): string {
  const bytes = t.host.public.mac.split(":").map((b) => parseInt(b, 16));
  const eui = [bytes[0] ^ 0x02, bytes[1], bytes[2], 0xff, 0xfe, bytes[3], bytes[4], bytes[5]];
  const iid = eui.reduce((acc, b) => (acc << 8n) | BigInt(b), 0n);
  return formatIpv6(parseIpv6Prefix(t.provider.sharedPrefix).first | iid);
}
