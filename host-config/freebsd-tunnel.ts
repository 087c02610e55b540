import { parseIpv4Address, parseIpv6Address, parseIpv6Prefix } from "../net";
import { checkTunnelSpec, TunnelSpec } from "./he-tunnel";

/** FreeBSD names cloned 6in4 interfaces `gifN`; the tunnel is `gif0` unless the spec names another `gifN`. */
export const FREEBSD_TUNNEL_INTERFACE = "gif0";

/**
 * Where the rendered `rc.conf` lines belong: rc(8) reads /etc/rc.conf.local after /etc/rc.conf, so these
 * lines win over the ones DigitalOcean's boot script rewrites in /etc/rc.conf on every boot (it writes an
 * empty `ipv6_defaultrouter` there).
 */
export const FREEBSD_RC_CONF_PATH = "/etc/rc.conf.local";

/** The names FreeBSD gives cloned 6in4 interfaces: `gif0`, `gif1`, … */
export const FREEBSD_GIF_NAME = /^gif\d{1,3}$/;

/** The gif interface of `spec`: its `interfaceName` when that is a `gifN`, otherwise a clear error. */
export function freebsdTunnelInterface(spec: TunnelSpec): string {
  if (spec.interfaceName === undefined) return FREEBSD_TUNNEL_INTERFACE;
  if (!FREEBSD_GIF_NAME.test(spec.interfaceName)) {
    throw new Error(
      `host-config FreeBSD tunnel: interfaceName "${spec.interfaceName}" is not a FreeBSD gif interface; ` +
        `FreeBSD clones 6in4 tunnels as gifN: leave interfaceName unset (gif0) or set e.g. "gif0"`,
    );
  }
  return spec.interfaceName;
}

/** An rc.conf variable suffix: rc(8) variable names allow letters, digits and `_` only. */
function rcName(text: string): string {
  return text.replace(/[^A-Za-z0-9_]/g, "_");
}

/**
 * Renders the `rc.conf` lines (sh syntax, for {@link FREEBSD_RC_CONF_PATH}) that carry the Hurricane Electric
 * 6in4 tunnel of `spec` on FreeBSD, from the same {@link TunnelSpec} the Linux renderer takes.
 *
 * Why each line: `cloned_interfaces` and `create_args_<gif>` create the tunnel from the local IPv4 to HE's
 * server (with the spec's MTU; gif's own default is 1280); `ifconfig_<gif>_ipv6` puts our end of the link
 * point-to-point towards HE's end (as tunnelbroker.net's FreeBSD example does); the mail address is an alias
 * /128 on the tunnel, as on Linux (the routed /64 is not on-link anywhere, so the host never answers
 * neighbour discovery for it on the provider's LAN), and each service address (`serviceAddresses`) a further
 * /128 alias after it; `ipv6_defaultrouter="-iface <gif>"` sends every IPv6
 * destination through HE. The routed /64 (and /48) get reject routes, so addresses no interface holds fail
 * here instead of looping back into the tunnel.
 *
 * FreeBSD has no source policy rules in rc.conf: unlike Linux's `providerDefaultRoute: "keep"`, the
 * provider's own IPv6 address reaches only its on-link neighbours once the default route is the tunnel.
 * Outbound connections without a bound source pick their source by RFC 6724, so the MTA binds to the mail
 * address itself ({@link renderFreebsdPostfix}).
 */
export function renderFreebsdTunnelRcConf(spec: TunnelSpec): string {
  const { mtu } = checkTunnelSpec(spec);
  const gif = freebsdTunnelInterface(spec);
  const local = parseIpv4Address(spec.localIpv4);
  const remote = parseIpv4Address(spec.heServerIpv4);
  const client = parseIpv6Address(spec.linkClientAddress);
  const server = parseIpv6Address(spec.linkServerAddress);
  const smtp = parseIpv6Address(spec.smtpAddress);
  const services = (spec.serviceAddresses ?? []).map((address) => parseIpv6Address(address));
  const routes = [spec.routedPrefix, ...(spec.routed48 ? [spec.routed48] : [])].map((text) =>
    parseIpv6Prefix(text),
  );
  const routeNames = routes.map((p) => `ipv6_mail_${rcName(p.address)}_${p.length}`);
  return [
    "# ipv6-mail: Hurricane Electric 6in4 tunnel (rendered; change the stack, not these lines)",
    `cloned_interfaces="\${cloned_interfaces} ${gif}"`,
    `create_args_${gif}="tunnel ${local} ${remote} mtu ${mtu}"`,
    `ifconfig_${gif}_ipv6="inet6 ${client} ${server} prefixlen 128"`,
    "# The mail address (its PTR, AAAA and SPF name it): a /128 on the tunnel, never on the provider's LAN.",
    `ifconfig_${gif}_alias0="inet6 ${smtp} prefixlen 128"`,
    ...(services.length > 0
      ? ["# The services' own addresses (answers only: outbound mail keeps the mail address)."]
      : []),
    ...services.map((address, i) => `ifconfig_${gif}_alias${i + 1}="inet6 ${address} prefixlen 128"`),
    `ipv6_defaultrouter="-iface ${gif}"`,
    "# Addresses of the routed prefix that no interface holds are rejected here, not bounced back to HE.",
    `ipv6_static_routes="\${ipv6_static_routes} ${routeNames.join(" ")}"`,
    ...routes.map((p, i) => `ipv6_route_${routeNames[i]}="${p.address} -prefixlen ${p.length} ::1 -reject"`),
    "",
  ].join("\n");
}
