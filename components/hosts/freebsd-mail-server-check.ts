import type { MailServerArgs } from "../mail-server-args";
import { ConfigProblem } from "../../net";
import { FREEBSD_GIF_NAME, FREEBSD_TUNNEL_INTERFACE } from "../../host-config";
import { HostOs, hostOsOf } from "./host-os";

/** The host's OS as MailServer's host setting names it (`digitalocean.os`, `hetzner.os`, `existing.os`). */
export function mailServerHostOs(args: MailServerArgs): HostOs {
  return hostOsOf(args?.digitalocean ?? args?.hetzner ?? args?.existing);
}

/** Where the host's OS is set in MailServer's args, for the errors that name it. */
function osField(args: MailServerArgs): string {
  return args.digitalocean ? "digitalocean.os" : args.hetzner ? "hetzner.os" : "existing.os";
}

/**
 * What a FreeBSD mail host cannot take, as MailServer names it: the renderers for FreeBSD cover a tunnel host
 * with Postfix and pf (seed 004's droplet) and no more, so every setting only the Linux scripts carry out is
 * refused here, before anything is registered, rather than silently dropped.
 */
export function checkFreebsdMailServerArgs(args: MailServerArgs): ConfigProblem[] {
  if (mailServerHostOs(args) !== HostOs.Freebsd) return [];
  const os = osField(args);
  const problems: ConfigProblem[] = [];
  const kind = args.mta?.kind;
  if (kind !== undefined && kind !== "postfix") {
    problems.push({
      field: "mta.kind",
      value: kind,
      problem: `is not rendered for FreeBSD hosts (${os} "freebsd"): only Postfix's binding is`,
      fix: 'use kind "postfix" (the mail/postfix package), or a Debian host',
    });
  }
  if (args.existing?.ipv6Prefix !== undefined) {
    problems.push({
      field: "existing.ipv6Prefix",
      value: typeof args.existing.ipv6Prefix === "string" ? args.existing.ipv6Prefix : "(an output)",
      problem: `is a native /64, and a FreeBSD host (${os} "freebsd") takes its /64 through a tunnel only`,
      fix: "add a Hurricane Electric tunnel and remove existing.ipv6Prefix, or use a Debian host",
    });
  }
  if (args.nativeInterface !== undefined) {
    problems.push({
      field: "nativeInterface",
      value: args.nativeInterface,
      problem: `names the NIC of a native /64, which a FreeBSD host (${os} "freebsd") does not use`,
      fix: "remove nativeInterface",
    });
  }
  const tunnel = args.tunnel;
  if (tunnel === undefined) return problems;
  if (tunnel.interfaceName !== undefined && !FREEBSD_GIF_NAME.test(tunnel.interfaceName)) {
    problems.push({
      field: "tunnel.interfaceName",
      value: tunnel.interfaceName,
      problem: "is not a FreeBSD gif interface: FreeBSD clones 6in4 tunnels as gifN",
      fix: `leave it unset (${FREEBSD_TUNNEL_INTERFACE}) or give e.g. "${FREEBSD_TUNNEL_INTERFACE}"`,
    });
  }
  for (const field of ["providerDefaultRoute", "providerInterface", "providerPrefix"] as const) {
    if (tunnel[field] === undefined) continue;
    problems.push({
      field: `tunnel.${field}`,
      value: tunnel[field],
      problem:
        "steers the provider's own IPv6 route, which FreeBSD's rc.conf cannot (no source policy rules): " +
        "on FreeBSD the tunnel is the host's one IPv6 default route",
      fix: `remove tunnel.${field}`,
    });
  }
  if (tunnel.username !== undefined || tunnel.updateKey !== undefined) {
    problems.push({
      field: tunnel.updateKey !== undefined ? "tunnel.updateKey" : "tunnel.username",
      value: "(secret)",
      problem: `asks for HE's endpoint update, which is rendered for Debian hosts only (${os} "freebsd")`,
      fix: "remove username and updateKey and set the endpoint on tunnelbroker.net, or use a Debian host",
    });
  }
  return problems;
}
