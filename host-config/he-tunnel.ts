import {
  containingIpv6Prefix,
  INTERFACE_NAME,
  ipv6ToBigInt,
  parseIpv6Prefix,
  settingValue,
  TUNNEL_INTERFACE_NAME,
  TUNNEL_MTU,
  TUNNEL_VERIFY_TARGET,
} from "../net";
import { composeHostScript, HostPackage, HostScriptSection } from "./script-frame";
import { IPROUTE2_PACKAGE, KMOD_PACKAGE, PING_PACKAGE, PROCPS_PACKAGE } from "./host-packages";
import { heredoc, hostPath, shellQuote } from "./shell-text";
import { tunnelKeepalive, TunnelKeepalive } from "./he-tunnel-keepalive";
import { heEndpointUpdateSection, HeEndpointUpdateSpec } from "./he-endpoint-update";

/**
 * A Hurricane Electric 6in4 tunnel as the host should carry it. Values are already validated and canonical
 * (the Pulumi component checks them with net/ first).
 */
export interface TunnelSpec {
  /** Tunnel interface name; default "he-ipv6". */
  readonly interfaceName?: string;
  /** HE's tunnel server IPv4 ("Server IPv4 Address"). */
  readonly heServerIpv4: string;
  /** This host's IPv4 the tunnel leaves from; behind NAT the private address, not the public one. */
  readonly localIpv4: string;
  /** Our end of the link /64 ("Client IPv6 Address", `…::2`). */
  readonly linkClientAddress: string;
  /** HE's end of the link /64 (`…::1`), the gateway of the default route. */
  readonly linkServerAddress: string;
  /** The routed /64 (e.g. "2001:db8:25::/64"): the only prefix with usable rDNS. */
  readonly routedPrefix: string;
  /** The routed /48, when one was requested; routed as unreachable locally so it cannot loop back to HE. */
  readonly routed48?: string;
  /** The mail address inside the routed /64; every outbound IPv6 connection gets it as source. */
  readonly smtpAddress: string;
  /**
   * Further addresses of the routed /64 the host answers on (services with their own address, e.g. one per web
   * virtual host), as /128 like the mail address; never a source of outbound connections.
   */
  readonly serviceAddresses?: readonly string[];
  /** Tunnel MTU; default 1480 (1500 minus the 20-byte IPv4 header). */
  readonly mtu?: number;
  /**
   * What happens to the provider's IPv6 default route (learned from router advertisements):
   * "keep" leaves it, and only traffic from `providerPrefix` keeps using it; "disable" stops accepting it on
   * `providerInterface`.
   */
  readonly providerDefaultRoute: "keep" | "disable";
  /** The provider NIC (e.g. "eth0"); required for "disable". */
  readonly providerInterface?: string;
  /** The provider's own IPv6 prefix on that NIC; with "keep", answers from it leave through the provider. */
  readonly providerPrefix?: string;
  /** Address checked with `ip -6 route get`; default 2001:4860:4860::8888 (a public resolver). */
  readonly verifyTarget?: string;
  /** Ping HE's end of the link after applying; default true. */
  readonly verifyPing?: boolean;
}

/** The tunnel scripts plus every file they install, by host path (for review and tests). */
export interface TunnelScripts {
  readonly apply: string;
  readonly remove: string;
  readonly files: Readonly<Record<string, string>>;
}

/** Routing table that holds the tunnel's default route. */
export const TUNNEL_ROUTE_TABLE = 4641;
/** Priorities of the policy rules the tunnel installs (provider replies, specific routes, tunnel default). */
export const TUNNEL_RULE_PRIORITIES = [10641, 10642, 10643] as const;
/** Metric of the tunnel's default route (RA-learned routes use 1024). */
export const TUNNEL_ROUTE_METRIC = 100;

const NETWORK_DIR = "/etc/systemd/network";
/**
 * Start of the path of a tunnel's systemd-networkd files (`<stem><interface>.netdev` and `.network`): how
 * `ipv6-mail doctor` finds the tunnels ipv6-mail set up on a host.
 */
export const TUNNEL_NETWORKD_STEM = `${NETWORK_DIR}/60-ipv6-mail-`;
/** Key of the recorded original state of systemd-networkd, when the tunnel's apply had to start it. */
const NETWORKD_ORIGINAL_KEY = "systemd.systemd-networkd.active";

interface TunnelPlan {
  readonly name: string;
  readonly mtu: number;
  readonly verifyTarget: string;
  readonly verifyPing: boolean;
  readonly linkPrefix: string;
  readonly netdevPath: string;
  readonly networkPath: string;
  readonly networkdConfPath: string;
  readonly sysctlPath?: string;
  readonly keepalive: TunnelKeepalive;
  readonly files: Record<string, string>;
}

function nibbles(prefixText: string): string {
  const prefix = parseIpv6Prefix(prefixText);
  return `${prefix.first.toString(16).padStart(32, "0")} ${prefix.length}`;
}

/**
 * Asserts what the component checked (net's declarations) and returns the interface name and MTU in effect.
 * Exported so every operating system's tunnel renderer asserts the same spec the same way.
 */
export function checkTunnelSpec(spec: TunnelSpec): { name: string; mtu: number } {
  const name = settingValue(TUNNEL_INTERFACE_NAME, spec.interfaceName, "host-config tunnel: interfaceName");
  const mtu = settingValue(TUNNEL_MTU, spec.mtu, "host-config tunnel: mtu");
  if (spec.providerInterface !== undefined) {
    settingValue(INTERFACE_NAME, spec.providerInterface, "host-config tunnel: providerInterface");
  }
  if (spec.providerDefaultRoute === "disable" && !spec.providerInterface) {
    throw new Error(
      `host-config tunnel: providerDefaultRoute "disable" needs providerInterface (e.g. "eth0")`,
    );
  }
  const routed = parseIpv6Prefix(spec.routedPrefix);
  const smtp = ipv6ToBigInt(spec.smtpAddress);
  if (smtp < routed.first || smtp > routed.last) {
    throw new Error(
      `host-config tunnel: smtpAddress ${spec.smtpAddress} is not inside routedPrefix ${routed.text}; ` +
        `pick an address of the routed /64 (only it gets rDNS)`,
    );
  }
  for (const address of spec.serviceAddresses ?? []) {
    const value = ipv6ToBigInt(address);
    if (value < routed.first || value > routed.last || value === smtp) {
      throw new Error(
        `host-config tunnel: service address ${address} is not an address of routedPrefix ${routed.text} ` +
          `other than the SMTP address; pick another address of the routed /64`,
      );
    }
  }
  return { name, mtu };
}

function plan(spec: TunnelSpec): TunnelPlan {
  const { name, mtu } = checkTunnelSpec(spec);
  const linkPrefix = containingIpv6Prefix(spec.linkClientAddress, 64).text;
  const netdevPath = `${TUNNEL_NETWORKD_STEM}${name}.netdev`;
  const networkPath = `${TUNNEL_NETWORKD_STEM}${name}.network`;
  const networkdConfPath = "/etc/systemd/networkd.conf.d/60-ipv6-mail.conf";
  const [pProvider, pSpecific, pTunnel] = TUNNEL_RULE_PRIORITIES;

  const netdev = [
    "# ipv6-mail: Hurricane Electric 6in4 tunnel (rendered; change the stack, not this file)",
    "[NetDev]",
    `Name=${name}`,
    "Kind=sit",
    `MTUBytes=${mtu}`,
    "",
    "[Tunnel]",
    `Local=${spec.localIpv4}`,
    `Remote=${spec.heServerIpv4}`,
    "TTL=255",
    "# Created on its own (Independent=, systemd-networkd of Debian 12 and later): no need to own the provider NIC's .network to attach it.",
    "Independent=yes",
    "",
  ].join("\n");

  // One block per networkd section, separated by a blank line.
  const blocks: string[][] = [
    [
      "# ipv6-mail: addresses, routes and rules of the HE tunnel (rendered; change the stack, not this file)",
      "[Match]",
      `Name=${name}`,
    ],
    ["[Link]", "RequiredForOnline=no"],
    ["[Network]", "IPv6AcceptRA=no", "LinkLocalAddressing=ipv6"],
    ["[Address]", `Address=${spec.linkClientAddress}/64`, "DuplicateAddressDetection=none"],
    [
      "# The mail address as /128: the routed /64 is not on-link on the tunnel.",
      "[Address]",
      `Address=${spec.smtpAddress}/128`,
      "DuplicateAddressDetection=none",
    ],
    ...(spec.serviceAddresses ?? []).map((address) => [
      "# A service address of the routed /64 (answers only: outbound connections keep the mail address).",
      "[Address]",
      `Address=${address}/128`,
      "DuplicateAddressDetection=none",
    ]),
    [
      "# Default route through HE in its own table; connections without a bound source get the mail address",
      "# (RFC 6724 would otherwise pick the link address ::2 or the provider's address).",
      "[Route]",
      "Destination=::/0",
      `Gateway=${spec.linkServerAddress}`,
      "GatewayOnLink=yes",
      `PreferredSource=${spec.smtpAddress}`,
      `Table=${TUNNEL_ROUTE_TABLE}`,
      `Metric=${TUNNEL_ROUTE_METRIC}`,
    ],
    ...[spec.routedPrefix, ...(spec.routed48 ? [spec.routed48] : [])].map((prefix) => [
      "# Addresses of the routed prefix that no interface holds are unreachable here, instead of bouncing",
      "# back into the tunnel until their hop limit runs out.",
      "[Route]",
      "Type=unreachable",
      `Destination=${parseIpv6Prefix(prefix).text}`,
    ]),
  ];
  if (spec.providerDefaultRoute === "keep" && spec.providerPrefix) {
    blocks.push([
      "# Answers from the provider's own address leave through the provider (HE drops foreign sources).",
      "[RoutingPolicyRule]",
      "Family=ipv6",
      `From=${parseIpv6Prefix(spec.providerPrefix).text}`,
      "Table=main",
      `Priority=${pProvider}`,
    ]);
  }
  blocks.push(
    [
      "# Specific routes of the main table (on-link prefixes, Docker networks) still win; only its default",
      "# route (the provider's, learned from router advertisements) is skipped ...",
      "[RoutingPolicyRule]",
      "Family=ipv6",
      "Table=main",
      "SuppressPrefixLength=0",
      `Priority=${pSpecific}`,
    ],
    [
      "# ... and the tunnel's default route is used instead.",
      "[RoutingPolicyRule]",
      "Family=ipv6",
      `Table=${TUNNEL_ROUTE_TABLE}`,
      `Priority=${pTunnel}`,
    ],
  );
  const network = `${blocks.map((b) => b.join("\n")).join("\n\n")}\n`;

  const networkdConf = [
    "# ipv6-mail: networkd must not delete routes and rules other tools own (the IPv4 path SSH uses,",
    "# Docker, VPNs) when it starts on a host whose provider NIC it does not manage.",
    "[Network]",
    "ManageForeignRoutes=no",
    "ManageForeignRoutingPolicyRules=no",
    "",
  ].join("\n");

  const keepalive = tunnelKeepalive(name, spec.linkServerAddress);
  const files: Record<string, string> = {
    ...keepalive.files,
    [netdevPath]: netdev,
    [networkPath]: network,
    [networkdConfPath]: networkdConf,
  };
  let sysctlPath: string | undefined;
  if (spec.providerDefaultRoute === "disable" && spec.providerInterface) {
    sysctlPath = `/etc/sysctl.d/60-ipv6-mail-${spec.providerInterface}.conf`;
    files[sysctlPath] = [
      "# ipv6-mail: ignore the provider's IPv6 default router; outbound IPv6 leaves through the HE tunnel.",
      `net.ipv6.conf.${spec.providerInterface.replace(/\./g, "/")}.accept_ra_defrtr = 0`,
      "",
    ].join("\n");
  }
  return {
    name,
    mtu,
    verifyTarget: settingValue(TUNNEL_VERIFY_TARGET, spec.verifyTarget, "host-config tunnel: verifyTarget"),
    verifyPing: spec.verifyPing ?? true,
    linkPrefix,
    netdevPath,
    networkPath,
    networkdConfPath,
    sysctlPath,
    keepalive,
    files,
  };
}

function variables(spec: TunnelSpec, p: TunnelPlan): string {
  const allowed = [p.linkPrefix, spec.routedPrefix, "fe80::/10"];
  if (spec.providerDefaultRoute === "keep" && spec.providerPrefix) allowed.push(spec.providerPrefix);
  const assignments = [
    `tun_if=${shellQuote(p.name)}`,
    `tun_he_server=${shellQuote(spec.heServerIpv4)}`,
    `tun_link_server=${shellQuote(spec.linkServerAddress)}`,
    `tun_smtp=${shellQuote(spec.smtpAddress)}`,
    `tun_services="${(spec.serviceAddresses ?? []).join(" ")}"`,
    `tun_verify_target=${shellQuote(p.verifyTarget)}`,
    `tun_provider_if=${shellQuote(spec.providerInterface ?? "")}`,
    `tun_state="$IPV6_MAIL_STATE_DIR/tunnel-${p.name}"`,
    `tun_netdev=${hostPath(p.netdevPath)}`,
    `tun_network=${hostPath(p.networkPath)}`,
    `tun_networkd_conf=${hostPath(p.networkdConfPath)}`,
    `tun_rule_priorities="${TUNNEL_RULE_PRIORITIES.join(" ")}"`,
    `# Server addresses an IPv6 SSH session may arrive at and still get its answers after the switch.`,
    `tun_ssh_ok_prefixes="${allowed.map(nibbles).join(",")}"`,
  ];
  // One block, so the shellcheck directive covers every value (apply and remove use different subsets).
  return `# shellcheck disable=SC2034\n{\n${assignments.map((a) => `  ${a}`).join("\n")}\n}`;
}

const COMMON_FUNCTIONS = String.raw`tun_link_exists() { ip link show dev "$tun_if" >/dev/null 2>&1; }
tun_has_addresses() {
  local address
  # shellcheck disable=SC2086 # the service addresses are words of one list
  for address in "$tun_smtp" $tun_services; do
    ip -6 addr show dev "$tun_if" 2>/dev/null | grep -qF "inet6 $address/128" || return 1
  done
}
tun_delete_rules() {
  local prio
  for prio in $tun_rule_priorities; do
    while ip -6 rule show pref "$prio" 2>/dev/null | grep -q .; do ip -6 rule del pref "$prio" || break; done
  done
}
tun_networkd_reload() {
  if systemctl is-active --quiet systemd-networkd; then
    networkctl reload
    if tun_link_exists && [ -e "$tun_network" ]; then networkctl reconfigure "$tun_if" || true; fi
  fi
}`;

function applySection(spec: TunnelSpec, p: TunnelPlan): HostScriptSection {
  const f = p.files;
  const sysctlBlock = p.sysctlPath
    ? `if install_file_if_changed ${hostPath(p.sysctlPath)} 0644 ${heredoc(f[p.sysctlPath])}
then :; fi
key="net.ipv6.conf.$(printf '%s' "$tun_provider_if" | tr . /).accept_ra_defrtr"
current=$(sysctl -n "$key")
if [ "$current" != 0 ]; then
  [ -f "$tun_state/accept_ra_defrtr.orig" ] || printf '%s\n' "$current" >"$tun_state/accept_ra_defrtr.orig"
  tun_defrtr_old=$current
  sysctl -q -w "$key=0"
  mark_changed "$key=0"
fi
# networkd handles router advertisements itself on the links it manages: tell it too.
netfile=$(networkctl status "$tun_provider_if" 2>/dev/null | awk -F': ' '/Network File:/ { print $2; exit }' || true)
case $netfile in
  /*.network)
    dropin="$IPV6_MAIL_ROOT/etc/systemd/network/$(basename -- "$netfile").d/60-ipv6-mail.conf"
    if install_file_if_changed "$dropin" 0644 ${heredoc("[IPv6AcceptRA]\nUseGateway=no\n")}
    then tun_network_changed=1; fi
    grep -qxF -- "$dropin" "$tun_state/manifest" 2>/dev/null || printf '%s\n' "$dropin" >>"$tun_state/manifest"
    ;;
esac
while ip -6 route show default dev "$tun_provider_if" proto ra 2>/dev/null | grep -q .; do
  ip -6 route del default dev "$tun_provider_if" proto ra
  mark_changed "removed the provider's RA default route on $tun_provider_if"
done
`
    : "";
  const ping = p.verifyPing
    ? String.raw`command -v ping >/dev/null || die "ping not found: install iputils-ping (or set verifyPing false)"
log "pinging HE's end of the link $tun_link_server"
if ! ping -6 -c 3 -W 2 "$tun_link_server" >/dev/null 2>&1; then
  die "HE server $tun_he_server did not answer on the tunnel ($tun_link_server): check heServerIpv4, localIpv4 and that protocol 41 reaches this host (cloud firewall, NAT)"
fi
`
    : "";
  const apply = `${variables(spec, p)}
${COMMON_FUNCTIONS}
tun_netdev_changed=0
tun_network_changed=0
tun_conf_changed=0
tun_started_networkd=0
tun_defrtr_old=""

# Refuse before changing anything when the SSH session running this would lose its answers.
ssh_server=$(ssh_session_field 3)
if [ -n "$ssh_server" ]; then
  ok=0
  expanded=$(ipv6_expand "$ssh_server" || true)
  IFS=, read -r -a prefixes <<<"$tun_ssh_ok_prefixes"
  for entry in "\${prefixes[@]}"; do
    if [ -n "$expanded" ] && ipv6_in_prefix "$expanded" "\${entry% *}" "\${entry#* }"; then ok=1; fi
  done
  if [ "$ok" = 0 ]; then
    die "this SSH session arrives at $ssh_server over IPv6; once the tunnel carries the default route its answers would leave through HE and be dropped: connect over IPv4, or (providerDefaultRoute keep) set providerPrefix to the prefix holding $ssh_server"
  fi
fi

mkdir -p "$tun_state"
if [ ! -d /sys/module/sit ] && [ -z "$IPV6_MAIL_ROOT" ]; then
  modprobe sit || die "the kernel module sit (6in4) cannot be loaded: install the distribution kernel (linux-image-amd64) or a kernel with CONFIG_IPV6_SIT"
fi
command -v networkctl >/dev/null || die "networkctl not found: the tunnel is kept by systemd-networkd (package systemd; Debian 12 or newer)"

if install_file_if_changed "$tun_networkd_conf" 0644 ${heredoc(f[p.networkdConfPath])}
then tun_conf_changed=1; fi
if install_file_if_changed "$tun_netdev" 0644 ${heredoc(f[p.netdevPath])}
then tun_netdev_changed=1; fi
if install_file_if_changed "$tun_network" 0644 ${heredoc(f[p.networkPath])}
then tun_network_changed=1; fi
${sysctlBlock}
if ! systemctl is-active --quiet systemd-networkd; then
  record_original_value ${NETWORKD_ORIGINAL_KEY} "$(systemctl is-enabled systemd-networkd 2>/dev/null || true)"
  systemctl enable --now systemd-networkd
  tun_started_networkd=1
  mark_changed "started systemd-networkd"
elif [ "$tun_conf_changed" = 1 ]; then
  systemctl restart systemd-networkd
elif [ "$tun_netdev_changed" = 1 ] || [ "$tun_network_changed" = 1 ]; then
  # networkd does not change an existing netdev: recreate it when its .netdev changed.
  if [ "$tun_netdev_changed" = 1 ] && tun_link_exists; then ip link delete dev "$tun_if"; fi
  tun_networkd_reload
elif ! tun_link_exists; then
  # Files in place but the link deleted by hand: a reload makes networkd create the netdev again.
  networkctl reload
  mark_changed "recreated $tun_if"
elif ! ip -o link show dev "$tun_if" 2>/dev/null | grep -q '[<,]UP[,>]'; then
  # Set down by hand (the kernel then drops its addresses): networkd configures it again once it is up.
  ip link set dev "$tun_if" up
  mark_changed "brought $tun_if up"
elif ! tun_has_addresses; then
  networkctl reconfigure "$tun_if"
  mark_changed "reconfigured $tun_if (the mail address or a service address was missing)"
fi

# A service address an earlier apply added and the configuration no longer has goes now: networkd may keep
# an address it configured before once the .network no longer names it.
if [ -f "$tun_state/service-addresses" ]; then
  while IFS= read -r old; do
    case " $tun_services " in *" $old "*) continue ;; esac
    if [ -n "$old" ] && ip -6 addr show dev "$tun_if" 2>/dev/null | grep -qF "inet6 $old/128"; then
      ip -6 addr del "$old/128" dev "$tun_if"
      mark_changed "removed the service address $old from $tun_if"
    fi
  done <"$tun_state/service-addresses"
fi
# shellcheck disable=SC2086 # one address a line
printf '%s\n' $tun_services >"$tun_state/service-addresses"

log "waiting for $tun_if"
up=0
for _ in $(seq 1 30); do
  if ip -o link show dev "$tun_if" 2>/dev/null | grep -q '[<,]UP[,>]' && tun_has_addresses; then
    up=1
    break
  fi
  sleep 1
done
[ "$up" = 1 ] || die "$tun_if did not come up with $tun_smtp \${tun_services:+and $tun_services }within 30 s: see 'networkctl status $tun_if' and 'journalctl -u systemd-networkd'"
${ping}routed=0
for _ in $(seq 1 15); do
  if ip -6 route get "$tun_verify_target" 2>/dev/null | grep -qF " src $tun_smtp "; then
    routed=1
    break
  fi
  sleep 1
done
if [ "$routed" = 0 ]; then
  die "ip -6 route get $tun_verify_target does not use source $tun_smtp through $tun_if (got: $(ip -6 route get "$tun_verify_target" 2>&1 | head -n 1))"
fi
log "$tun_if is up; IPv6 leaves from $tun_smtp"
${p.keepalive.apply}`;

  const rollback = String.raw`if [ "$tun_netdev_changed" = 1 ] && tun_link_exists; then ip link delete dev "$tun_if"; fi
[ -e "$tun_network" ] || tun_delete_rules
if [ "$tun_started_networkd" = 1 ]; then
  systemctl disable --now systemd-networkd
elif [ "$tun_conf_changed" = 1 ]; then
  systemctl restart systemd-networkd
else
  tun_networkd_reload
fi
if [ -n "$tun_defrtr_old" ]; then
  sysctl -q -w "net.ipv6.conf.$(printf '%s' "$tun_provider_if" | tr . /).accept_ra_defrtr=$tun_defrtr_old"
  rm -f "$tun_state/accept_ra_defrtr.orig"
fi
${p.keepalive.rollback}`;
  // ping: the verification and the keepalive.
  const packages: HostPackage[] = [IPROUTE2_PACKAGE, KMOD_PACKAGE, PING_PACKAGE];
  if (p.sysctlPath) packages.push(PROCPS_PACKAGE);
  return { name: "tunnel", apply, rollback, packages };
}

function removeSection(spec: TunnelSpec, p: TunnelPlan): HostScriptSection {
  const paths = [p.netdevPath, p.networkPath, ...(p.sysctlPath ? [p.sysctlPath] : []), p.networkdConfPath];
  const apply = `${variables(spec, p)}
${COMMON_FUNCTIONS}
${p.keepalive.remove}
tun_removed=0
for path in ${paths.map(hostPath).join(" ")}; do
  if remove_file_if_present "$path"; then tun_removed=1; fi
done
if [ -f "$tun_state/manifest" ]; then
  while IFS= read -r path; do
    if [ -n "$path" ] && remove_file_if_present "$path"; then tun_removed=1; fi
  done <"$tun_state/manifest"
fi
# Reload first, so networkd forgets the tunnel before it is deleted (reload never deletes a netdev itself).
if [ "$tun_removed" = 1 ] && command -v networkctl >/dev/null && systemctl is-active --quiet systemd-networkd; then
  networkctl reload
fi
# The networkd.conf drop-in (networkd leaves foreign routes alone) goes with the rest; the running networkd
# read it at its start and keeps that setting until its next start, so nothing is restarted here.
rmdir "$(dirname -- "$tun_networkd_conf")" 2>/dev/null || true
if tun_link_exists; then
  ip link delete dev "$tun_if"
  mark_changed "deleted $tun_if"
fi
if ip -6 rule show 2>/dev/null | grep -qE "^(\${tun_rule_priorities// /|}):"; then
  tun_delete_rules
  mark_changed "deleted the tunnel's routing rules"
fi
if [ -n "$tun_provider_if" ] && [ -f "$tun_state/accept_ra_defrtr.orig" ]; then
  sysctl -q -w "net.ipv6.conf.$(printf '%s' "$tun_provider_if" | tr . /).accept_ra_defrtr=$(cat "$tun_state/accept_ra_defrtr.orig")"
  mark_changed "restored accept_ra_defrtr on $tun_provider_if"
fi
if original_recorded ${NETWORKD_ORIGINAL_KEY}; then
  # The apply started systemd-networkd for the tunnel; it was not running before.
  if systemctl is-active --quiet systemd-networkd; then
    systemctl stop systemd-networkd.socket systemd-networkd 2>/dev/null || systemctl stop systemd-networkd
    mark_changed "stopped systemd-networkd again"
  fi
  if [ "$(original_value ${NETWORKD_ORIGINAL_KEY})" != enabled ] && systemctl is-enabled --quiet systemd-networkd 2>/dev/null; then
    systemctl disable --quiet --no-reload systemd-networkd
    mark_changed "disabled systemd-networkd again"
  fi
  drop_original ${NETWORKD_ORIGINAL_KEY}
fi
rm -rf -- "$tun_state"
if tun_link_exists; then die "$tun_if still exists after removal"; fi
log "$tun_if removed"`;
  const rollback = `${COMMON_FUNCTIONS.split("\n")[0]}
if command -v networkctl >/dev/null && systemctl is-active --quiet systemd-networkd; then networkctl reload; fi`;
  return { name: "tunnel_remove", apply, rollback };
}

/**
 * The tunnel's apply section, for {@link composeHostScript} when one SSH session configures the whole host.
 *
 * Why this shape: the tunnel is persistent through systemd-networkd (an independent `sit` netdev, so the
 * provider NIC's configuration, and the IPv4 path SSH uses, are never touched). The default route lives in
 * table {@link TUNNEL_ROUTE_TABLE} behind two policy rules: "main without its default route" and then "the
 * tunnel". Outbound IPv6 therefore leaves through HE with the mail address as source whatever router
 * advertisements the provider sends, while on-link and Docker routes keep working. With "keep", a third
 * rule sends answers from `providerPrefix` through the provider's default route (HE would drop them); with
 * "disable", the provider's RA default route is turned off on `providerInterface` (sysctl, plus a networkd
 * drop-in when networkd manages that NIC) and removed. Unassigned parts of the routed prefixes are routed
 * as unreachable, so traffic to them does not ping-pong through the tunnel.
 */
export function tunnelApplySection(spec: TunnelSpec): HostScriptSection {
  return applySection(spec, plan(spec));
}

/**
 * Renders the HE tunnel's scripts: `apply` (install files when they differ, reload networkd only then, wait
 * for the link, verify ping and source address, install the keepalive timer, roll back on failure),
 * `remove` (delete exactly what apply added and verify the interface is gone) and the `files` they install.
 *
 * @param endpointUpdate when given, `apply` first points HE's end of the tunnel at the host's IPv4
 *   ({@link heEndpointUpdateSection}; the credentials on the script's stdin, {@link heEndpointUpdateStdin}):
 *   HE must send to the host's current address before the tunnel can be verified.
 */
export function renderTunnelScripts(spec: TunnelSpec, endpointUpdate?: HeEndpointUpdateSpec): TunnelScripts {
  const p = plan(spec);
  const sections = [
    ...(endpointUpdate ? [heEndpointUpdateSection(endpointUpdate)] : []),
    applySection(spec, p),
  ];
  return {
    apply: composeHostScript(sections, { title: `HE 6in4 tunnel ${p.name} (apply)` }),
    remove: composeHostScript([removeSection(spec, p)], { title: `HE 6in4 tunnel ${p.name} (remove)` }),
    files: { ...p.files },
  };
}

/** The tunnel's remove section, for composing one delete script of a whole mail host. */
export function tunnelRemoveSection(spec: TunnelSpec): HostScriptSection {
  return removeSection(spec, plan(spec));
}
