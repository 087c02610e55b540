import { heredoc, hostPath, shellQuote } from "./shell-text";

/** Name of the systemd units (`.service` and `.timer`) that keep an HE tunnel in use. */
export const TUNNEL_KEEPALIVE_UNIT = "ipv6-mail-he-keepalive";
/** How often the keepalive runs (systemd `OnCalendar=`): far more often than HE's ~90 days of idleness. */
export const TUNNEL_KEEPALIVE_CALENDAR = "daily";
/** Echo requests one keepalive run sends to HE's end of the link. */
export const TUNNEL_KEEPALIVE_PINGS = 3;

const UNIT_DIR = "/etc/systemd/system";

/** The keepalive's unit files and the shell that installs, rolls back and removes them. */
export interface TunnelKeepalive {
  /** Unit files by host path. */
  readonly files: Readonly<Record<string, string>>;
  /** Installs the units when they differ and enables the timer (frame helpers; globals `ka_*`). */
  readonly apply: string;
  /** Undoes what a failed run of `apply` started (the frame has already restored the unit files). */
  readonly rollback: string;
  /** Stops and disables the timer and deletes both units. */
  readonly remove: string;
}

/**
 * The tunnel's keepalive: a systemd timer that pings HE's end of the link (`…::1`) over the tunnel
 * interface once a day. Why: Hurricane Electric deletes tunnels that carried no traffic for about 90 days,
 * and a mail host may send over IPv6 rarely (or over IPv4 only for months); losing the tunnel loses the
 * routed /64 and with it the PTRs and the sending reputation. `Persistent=true` runs a missed day after a
 * reboot or downtime. Part of the tunnel's apply and remove sections ({@link tunnelApplySection}).
 */
export function tunnelKeepalive(interfaceName: string, linkServerAddress: string): TunnelKeepalive {
  const service = `${UNIT_DIR}/${TUNNEL_KEEPALIVE_UNIT}.service`;
  const timer = `${UNIT_DIR}/${TUNNEL_KEEPALIVE_UNIT}.timer`;
  const files: Record<string, string> = {
    [service]: [
      "# ipv6-mail: a little traffic through the HE tunnel, so tunnelbroker.net never deletes it as unused",
      "# (rendered; change the stack, not this file).",
      "[Unit]",
      `Description=Keep the HE tunnel ${interfaceName} in use (ping HE's ${linkServerAddress})`,
      "Wants=network-online.target",
      "After=network-online.target systemd-networkd.service",
      "",
      "[Service]",
      "Type=oneshot",
      `ExecStart=/bin/ping -6 -n -q -c ${TUNNEL_KEEPALIVE_PINGS} -W 5 -I ${interfaceName} ${linkServerAddress}`,
      "",
    ].join("\n"),
    [timer]: [
      "# ipv6-mail: runs the HE tunnel keepalive daily; a day missed (host off) runs at the next boot.",
      "[Unit]",
      `Description=Daily keepalive of the HE tunnel ${interfaceName}`,
      "",
      "[Timer]",
      `OnCalendar=${TUNNEL_KEEPALIVE_CALENDAR}`,
      "RandomizedDelaySec=1h",
      "Persistent=true",
      "",
      "[Install]",
      "WantedBy=timers.target",
      "",
    ].join("\n"),
  };
  const unitTimer = shellQuote(`${TUNNEL_KEEPALIVE_UNIT}.timer`);
  const apply = String.raw`ka_units_changed=0
ka_started=0
if install_file_if_changed ${hostPath(service)} 0644 ${heredoc(files[service])}
then ka_units_changed=1; fi
if install_file_if_changed ${hostPath(timer)} 0644 ${heredoc(files[timer])}
then ka_units_changed=1; fi
[ "$ka_units_changed" = 0 ] || systemctl daemon-reload
if ! systemctl is-enabled --quiet ${unitTimer} 2>/dev/null || ! systemctl is-active --quiet ${unitTimer}; then
  systemctl enable --now --quiet ${unitTimer}
  ka_started=1
  mark_changed "enabled ${TUNNEL_KEEPALIVE_UNIT}.timer"
elif [ "$ka_units_changed" = 1 ]; then
  systemctl restart ${unitTimer}
fi
systemctl is-active --quiet ${unitTimer} || die "${TUNNEL_KEEPALIVE_UNIT}.timer is not active: see 'systemctl status ${TUNNEL_KEEPALIVE_UNIT}.timer'"
log "keepalive: ${TUNNEL_KEEPALIVE_UNIT}.timer pings ${linkServerAddress} over ${interfaceName} ${TUNNEL_KEEPALIVE_CALENDAR}"`;
  // The frame restored the unit files before this runs, so the timer is disabled by its link, not by name.
  const rollback = String.raw`if [ "${"$"}{ka_started:-0}" = 1 ]; then
  systemctl stop --quiet ${unitTimer} 2>/dev/null || true
  rm -f ${hostPath(`${UNIT_DIR}/timers.target.wants/${TUNNEL_KEEPALIVE_UNIT}.timer`)}
fi
if [ "${"$"}{ka_units_changed:-0}" = 1 ] || [ "${"$"}{ka_started:-0}" = 1 ]; then systemctl daemon-reload; fi`;
  const remove = String.raw`if systemctl is-enabled --quiet ${unitTimer} 2>/dev/null || systemctl is-active --quiet ${unitTimer} 2>/dev/null; then
  systemctl disable --now --quiet ${unitTimer} 2>/dev/null || true
fi
ka_removed=0
if remove_file_if_present ${hostPath(timer)}; then ka_removed=1; fi
if remove_file_if_present ${hostPath(service)}; then ka_removed=1; fi
[ "$ka_removed" = 0 ] || systemctl daemon-reload`;
  return { files, apply, rollback, remove };
}
