import type { DoctorCheck } from "../doctor-report";
import type { HostTunnel } from "../host-probe";

/**
 * The HE tunnel alive: HE's end of the link (`::1`) answers three pings over the tunnel interface ipv6-mail
 * set up. One check per tunnel; `skip` when the host has none (a provider /64).
 */
export function tunnelChecks(tunnels: readonly HostTunnel[]): DoctorCheck[] {
  if (tunnels.length === 0) {
    return [
      {
        id: "tunnel",
        status: "skip",
        summary: "the host has no tunnel of ipv6-mail (its own IPv6, or a provider /64)",
      },
    ];
  }
  return tunnels.map((t) => {
    const details = {
      interface: t.interfaceName,
      serverAddress: t.serverAddress,
      pingExitCode: t.pingExitCode,
      ping: t.pingSummary,
    };
    if (t.pingExitCode === 0) {
      return {
        id: "tunnel",
        status: "ok",
        summary: `HE's ${t.serverAddress} answers over ${t.interfaceName} (${t.pingSummary})`,
        details,
      };
    }
    return {
      id: "tunnel",
      status: "fail",
      summary: `HE's ${t.serverAddress} does not answer over ${t.interfaceName} (${t.pingSummary || `ping exit status ${t.pingExitCode}`})`,
      fix: `check that the tunnel's client endpoint at tunnelbroker.net is the host's IPv4 address (it changes with the IPv4; ipv6-mail's endpoint update), that protocol 41 passes the provider's firewall, and \`ip link show ${t.interfaceName}\``,
      details,
    };
  });
}
