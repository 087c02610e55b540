import {
  FIREWALL_ROLLBACK_SECONDS,
  INTERFACE_NAME,
  parseCidr,
  parseIpv4Address,
  prefixContainsPrefix,
  settingValue,
  SSH_PORT,
  TCP_PORT,
  type Ipv6Prefix,
} from "../net";
import { composeHostScript, HostScriptSection } from "./script-frame";
import { NFTABLES_PACKAGE } from "./host-packages";
import { heredoc, hostPath, shellQuote } from "./shell-text";
import type { FirewallFacts, OpenPortFacts } from "../facts/mail-facts";
import { serviceFirewallFacts, serviceFirewallRules } from "./service-firewall-rules";
import type { HostService } from "../net";

/** The IPv6 host firewall of a mail host. Values are already validated by the calling component. */
export interface FirewallSpec {
  /** TCP ports open to everyone over IPv6 (mail: 25, 465, 587, 993, … as the caller decides). */
  readonly allowedTcpPorts: readonly number[];
  /** The SSH port; open over IPv6 only to `adminSources`. Default 22. */
  readonly sshPort?: number;
  /**
   * Who may reach SSH over IPv6 (CIDRs or bare addresses). IPv4 entries are accepted for completeness but
   * need no rule: this firewall never filters IPv4 input, so the IPv4 path SSH uses can never be cut.
   */
  readonly adminSources: readonly string[];
  /** HE's tunnel server; when set, IPv4 protocol 41 (6in4) is accepted only from it. */
  readonly heServerIpv4?: string;
  /** The tunnel interface; router advertisements arriving through it are dropped (tunnel routes are static). */
  readonly tunnelInterface?: string;
  /** Answer IPv6 connections to port 25 with a TCP reset so senders fall back to IPv4 at once. */
  readonly rejectSmtpOverIpv6?: boolean;
  /** Seconds until an unconfirmed ruleset is rolled back ({@link FIREWALL_ROLLBACK_SECONDS}: 10..600, default 60). */
  readonly rollbackSeconds?: number;
  /**
   * Services with their own address: each one's ports are accepted with that address as destination only.
   * Rendering needs every address; the facts name a service whose /64 is not known yet by its interface id.
   */
  readonly services?: readonly HostService[];
}

/** The firewall's scripts and the ruleset file they load. */
export interface FirewallScripts {
  /** Check, load atomically, arm the timed rollback. */
  readonly apply: string;
  /** Run over a NEW SSH connection after apply: cancels the timed rollback. */
  readonly confirm: string;
  /** Deletes our tables and files. */
  readonly remove: string;
  /** The nftables ruleset, as installed at {@link FIREWALL_RULESET_PATH}. */
  readonly ruleset: string;
  /** The script the rollback timer runs, as installed at {@link FIREWALL_ROLLBACK_PATH}. */
  readonly rollbackScript: string;
}

/** Where the ruleset lives; /etc/nftables.conf includes it so the `nftables` service loads it at boot. */
export const FIREWALL_RULESET_PATH = "/etc/ipv6-mail/ruleset.nft";
/** The host-side rollback script the timer runs. */
export const FIREWALL_ROLLBACK_PATH = "/var/lib/ipv6-mail/firewall/rollback.sh";
/** The transient systemd unit that carries the rollback timer. */
export const FIREWALL_ROLLBACK_UNIT = "ipv6-mail-fw-rollback";

const NFTABLES_CONF = "/etc/nftables.conf";
/** Keys of the recorded originals: /etc/nftables.conf, and whether nftables.service was enabled. */
const NFTABLES_CONF_ORIGINAL_KEY = "nftables.conf";
const NFTABLES_SERVICE_ORIGINAL_KEY = "systemd.nftables.service.enabled";
const NFTABLES_CONF_SEED = "#!/usr/sbin/nft -f";
const FW_STATE = "/var/lib/ipv6-mail/firewall";
// Declaring and deleting a table in the same transaction removes it whether or not it existed, so one
// `nft -f` replaces exactly our tables and nothing else.
const DELETE_OUR_TABLES = [
  "table ip6 ipv6_mail {}",
  "delete table ip6 ipv6_mail",
  "table ip ipv6_mail_v4 {}",
  "delete table ip ipv6_mail_v4",
].join("\n");

/** Drops prefixes contained in others: nftables refuses overlapping elements in an interval set. */
function minimalPrefixes(prefixes: Ipv6Prefix[]): Ipv6Prefix[] {
  const sorted = [...prefixes].sort((a, b) =>
    a.first < b.first ? -1 : a.first > b.first ? 1 : a.length - b.length,
  );
  const out: Ipv6Prefix[] = [];
  for (const p of sorted) {
    if (!out.some((o) => prefixContainsPrefix(o, p))) out.push(p);
  }
  return out;
}

interface FirewallPlan {
  readonly sshPort: number;
  readonly ports: number[];
  readonly admin6: Ipv6Prefix[];
  readonly admin4: string[];
  readonly rollbackSeconds: number;
  readonly reject25: boolean;
}

function plan(spec: FirewallSpec): FirewallPlan {
  const sshPort = settingValue(SSH_PORT, spec.sshPort, "host-config firewall: sshPort");
  const ports = [
    ...new Set(
      spec.allowedTcpPorts.map((p) => settingValue(TCP_PORT, p, "host-config firewall: allowedTcpPorts")),
    ),
  ]
    .filter((p) => p !== sshPort)
    .sort((a, b) => a - b);
  const admin6: Ipv6Prefix[] = [];
  const admin4: string[] = [];
  for (const source of spec.adminSources) {
    const cidr = parseCidr(source);
    if (cidr.family === 6) admin6.push(cidr.prefix as Ipv6Prefix);
    else admin4.push(cidr.prefix.text);
  }
  const rollbackSeconds = settingValue(
    FIREWALL_ROLLBACK_SECONDS,
    spec.rollbackSeconds,
    "host-config firewall: rollbackSeconds",
  );
  if (spec.tunnelInterface !== undefined) {
    settingValue(INTERFACE_NAME, spec.tunnelInterface, "host-config firewall: tunnelInterface");
  }
  if (spec.heServerIpv4 !== undefined) parseIpv4Address(spec.heServerIpv4);
  return {
    sshPort,
    ports,
    admin6: minimalPrefixes(admin6),
    admin4: [...new Set(admin4)].sort(),
    rollbackSeconds,
    reject25: spec.rejectSmtpOverIpv6 ?? false,
  };
}

// The ICMPv6 types the input chain accepts, shared by the ruleset and by its facts ({@link firewallFacts}).
/** Neighbour solicitation and advertisement, accepted with hop limit 255 (so never from off-link). */
const ICMPV6_NEIGHBOUR_DISCOVERY = ["nd-neighbor-solicit", "nd-neighbor-advert"] as const;
/** Router advertisements, from link-local sources only. */
const ICMPV6_ROUTER_ADVERTISEMENT = ["nd-router-advert"] as const;
/** Multicast listener discovery, from link-local sources only. */
const ICMPV6_MULTICAST_LISTENER = [
  "mld-listener-query",
  "mld-listener-report",
  "mld2-listener-report",
] as const;
/** The errors path MTU discovery and diagnosis need. */
const ICMPV6_ERRORS = [
  "destination-unreachable",
  "packet-too-big",
  "time-exceeded",
  "parameter-problem",
] as const;
const ICMPV6_ECHO = ["echo-request", "echo-reply"] as const;

/** Everyone, as the facts name the sources of a port open to all. */
const ANY_IPV6 = "::/0";

/**
 * What the ruleset of `spec` does, as structured facts ({@link FirewallFacts}): derived from the same plan and
 * the same ICMPv6 lists the renderer uses, so a component publishes what it loads, never a claim beside it.
 */
export function firewallFacts(spec: FirewallSpec): FirewallFacts {
  const p = plan(spec);
  const mailPorts = p.reject25 ? p.ports.filter((port) => port !== 25) : p.ports;
  const tcp = (port: number, sources: readonly string[]): OpenPortFacts => ({
    protocol: "tcp",
    port,
    sources,
  });
  const admin6 = p.admin6.map((a) => a.text);
  return {
    engine: "nftables",
    ipv6Input: {
      policy: "drop",
      interfaces: spec.tunnelInterface ? ["*", spec.tunnelInterface] : ["*"],
      icmpv6Accepted: [...ICMPV6_NEIGHBOUR_DISCOVERY, ...ICMPV6_ERRORS, ...ICMPV6_ECHO],
      icmpv6FromLinkLocal: [...ICMPV6_ROUTER_ADVERTISEMENT, ...ICMPV6_MULTICAST_LISTENER],
      icmpv6DroppedOn: spec.tunnelInterface
        ? ICMPV6_ROUTER_ADVERTISEMENT.map((type) => ({ interface: spec.tunnelInterface as string, type }))
        : [],
      open: [
        ...mailPorts.map((port) => tcp(port, [ANY_IPV6])),
        ...(admin6.length > 0 ? [tcp(p.sshPort, admin6)] : []),
        ...serviceFirewallFacts(spec.services),
      ],
      rejected: p.reject25 ? [tcp(25, [ANY_IPV6])] : [],
    },
    ipv4Input: { policy: "accept", protocol41From: spec.heServerIpv4 },
    adminSources: [...spec.adminSources],
    sshPort: p.sshPort,
    rollbackSeconds: p.rollbackSeconds,
  };
}

function element(p: Ipv6Prefix): string {
  return p.length === 128 ? p.address : p.text;
}

/**
 * Renders the nftables ruleset: only `table ip6 ipv6_mail` (and `table ip ipv6_mail_v4` for protocol 41),
 * replaced atomically, never a global flush, so Docker's and the distribution's rules stay untouched.
 *
 * Why these rules: IPv6 input defaults to drop (every `:::` listener is reachable once the host has global
 * IPv6), yet IPv6 dies without ICMPv6: neighbour solicitation/advertisement (hop limit 255, so they cannot
 * come from off-link), router advertisements only from link-local sources, and the error messages PMTU
 * discovery needs (packet-too-big above all, through a 1480-byte tunnel). Mail ports are open to everyone,
 * SSH only to the admins. IPv4 input keeps policy accept: a mistake here can never cut the IPv4 SSH path.
 * Docker's published IPv6 ports pass the forward hook, not this input chain (unless the userland proxy
 * answers them on the host).
 */
export function renderFirewallRuleset(spec: FirewallSpec): string {
  const p = plan(spec);
  const lines: string[] = [
    "#!/usr/sbin/nft -f",
    "# ipv6-mail host firewall (rendered; change the stack, not this file).",
    "# Replaces only the ipv6-mail tables, in one transaction.",
    DELETE_OUR_TABLES,
    "",
    "table ip6 ipv6_mail {",
  ];
  if (p.admin6.length > 0) {
    lines.push(
      "\tset admin_sources {",
      "\t\ttype ipv6_addr",
      "\t\tflags interval",
      `\t\telements = { ${p.admin6.map(element).join(", ")} }`,
      "\t}",
      "",
    );
  }
  lines.push(
    "\tchain input {",
    "\t\ttype filter hook input priority filter; policy drop;",
    "\t\tct state established,related accept",
    "\t\tct state invalid drop",
    '\t\tiif "lo" accept',
  );
  if (spec.tunnelInterface) {
    lines.push(`\t\tiifname "${spec.tunnelInterface}" icmpv6 type nd-router-advert drop`);
  }
  const types = (list: readonly string[]) => (list.length === 1 ? list[0] : `{ ${list.join(", ")} }`);
  lines.push(
    `\t\ticmpv6 type ${types(ICMPV6_NEIGHBOUR_DISCOVERY)} ip6 hoplimit 255 accept`,
    `\t\tip6 saddr fe80::/10 icmpv6 type ${types(ICMPV6_ROUTER_ADVERTISEMENT)} ip6 hoplimit 255 accept`,
    `\t\tip6 saddr fe80::/10 icmpv6 type ${types(ICMPV6_MULTICAST_LISTENER)} accept`,
    `\t\ticmpv6 type ${types(ICMPV6_ERRORS)} accept`,
    `\t\ticmpv6 type ${types(ICMPV6_ECHO)} accept`,
    "\t\tip6 saddr fe80::/10 udp sport 547 udp dport 546 accept",
  );
  if (p.reject25) lines.push("\t\ttcp dport 25 reject with tcp reset");
  const mailPorts = p.reject25 ? p.ports.filter((port) => port !== 25) : p.ports;
  if (mailPorts.length > 0) lines.push(`\t\ttcp dport { ${mailPorts.join(", ")} } accept`);
  lines.push(...serviceFirewallRules(spec.services).map((rule) => `\t\t${rule}`));
  if (p.admin6.length > 0) lines.push(`\t\tip6 saddr @admin_sources tcp dport ${p.sshPort} accept`);
  else lines.push(`\t\t# no IPv6 admin source: SSH (${p.sshPort}) is reachable over IPv4 only`);
  if (p.admin4.length > 0) {
    lines.push(`\t\t# IPv4 admin sources (IPv4 input is not filtered here): ${p.admin4.join(", ")}`);
  }
  lines.push("\t}", "}");
  if (spec.heServerIpv4) {
    lines.push(
      "",
      "table ip ipv6_mail_v4 {",
      "\tchain input {",
      "\t\ttype filter hook input priority filter; policy accept;",
      `\t\tip protocol 41 ip saddr != ${spec.heServerIpv4} drop`,
      "\t}",
      "}",
    );
  }
  return `${lines.join("\n")}\n`;
}

/**
 * The script the rollback timer runs (and apply runs itself when a later step fails): reloads the ipv6-mail
 * tables that were live before the unconfirmed apply, restores the ruleset file and /etc/nftables.conf as
 * they were, and leaves a marker so `confirm` can tell the caller that the rollback already happened.
 */
export function renderFirewallRollbackScript(): string {
  return String.raw`#!/bin/bash
# ipv6-mail: restores the firewall as it was before an unconfirmed apply (run by the rollback timer).
set -u
export LC_ALL=C
PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"
IPV6_MAIL_ROOT="${"$"}{IPV6_MAIL_ROOT:-}"
state="$IPV6_MAIL_ROOT${FW_STATE}"
if [ "${"$"}{1:-}" = --after ]; then
  # Waiting in the background (no systemd): confirm ends this process, and the sleep with it.
  sleep "$2" &
  sleeper=$!
  trap 'kill "$sleeper" 2>/dev/null; exit 0' TERM
  wait "$sleeper"
  trap - TERM
elif [ -f "$state/rollback.pid" ]; then
  # Run by hand or by a failed apply: the background timer has nothing left to do.
  kill "$(cat "$state/rollback.pid")" 2>/dev/null
  rm -f "$state/rollback.pid"
fi
[ -f "$state/pending" ] || exit 0
if nft -f "$state/previous-live.nft"; then
  for name in ruleset.nft nftables.conf; do
    case $name in
      ruleset.nft) target="$IPV6_MAIL_ROOT${FIREWALL_RULESET_PATH}" ;;
      *) target="$IPV6_MAIL_ROOT${NFTABLES_CONF}" ;;
    esac
    if [ -f "$state/previous-$name" ]; then
      cp -p "$state/previous-$name" "$target.ipv6-mail-restore" && mv -f "$target.ipv6-mail-restore" "$target"
    elif [ -f "$state/previous-$name.absent" ]; then
      rm -f "$target"
    fi
  done
  date -u +%Y-%m-%dT%H:%M:%SZ >"$state/rolled-back"
  rm -f "$state/pending" "$state/previous-"* "$state/rollback.pid"
  # The restored tables are what the restored ruleset file loads: record them as live, so applying that
  # configuration again is recognised as unchanged (no reload, no new timer).
  { nft list table ip6 ipv6_mail 2>/dev/null || true; nft list table ip ipv6_mail_v4 2>/dev/null || true; } |
    sha256sum | awk '{ print $1 }' >"$state/live.sha256"
  echo "ipv6-mail: firewall rolled back to the ruleset before the unconfirmed apply"
  logger -t ipv6-mail "firewall rolled back to the ruleset before the unconfirmed apply" 2>/dev/null || true
else
  echo "ipv6-mail: ERROR: firewall rollback could not load $state/previous-live.nft" >&2
  exit 1
fi
`;
}

const FW_FUNCTIONS = String.raw`fw_live() {
  nft list table ip6 ipv6_mail 2>/dev/null || true
  nft list table ip ipv6_mail_v4 2>/dev/null || true
}
fw_live_hash() { fw_live | sha256sum | awk '{ print $1 }'; }
fw_disarm() {
  if [ -f "$fw_state/rollback.pid" ]; then
    kill "$(cat "$fw_state/rollback.pid")" 2>/dev/null || true
    rm -f "$fw_state/rollback.pid"
  fi
  if [ -z "$IPV6_MAIL_ROOT" ] && [ -d /run/systemd/system ]; then
    systemctl stop "$fw_unit.timer" 2>/dev/null || true
    systemctl reset-failed "$fw_unit.timer" "$fw_unit.service" 2>/dev/null || true
  fi
}`;

function variables(p: FirewallPlan): string {
  return [
    "# shellcheck disable=SC2034",
    "{",
    `  fw_state=${hostPath(FW_STATE)}`,
    `  fw_ruleset=${hostPath(FIREWALL_RULESET_PATH)}`,
    `  fw_conf=${hostPath(NFTABLES_CONF)}`,
    `  fw_rollback=${hostPath(FIREWALL_ROLLBACK_PATH)}`,
    `  fw_unit=${FIREWALL_ROLLBACK_UNIT}`,
    `  fw_seconds=${p.rollbackSeconds}`,
    `  fw_ssh_port=${p.sshPort}`,
    `  fw_open_ports=${shellQuote(` ${p.ports.filter((x) => !(p.reject25 && x === 25)).join(" ")} `)}`,
    `  fw_admin6=${shellQuote(p.admin6.map((a) => `${a.first.toString(16).padStart(32, "0")} ${a.length}`).join(","))}`,
    "}",
  ].join("\n");
}

/**
 * The firewall's apply section, for {@link composeHostScript}. Refuses up front when the SSH session running
 * it arrives over IPv6 from a source the new rules would not admit; checks the ruleset with `nft -c`; loads
 * it in one transaction only when the file or the live tables differ (so an unchanged ruleset reloads
 * nothing and arms no timer); then arms a rollback that restores the previous tables unless the caller runs
 * `confirm` over a new SSH connection within `rollbackSeconds`. The include in /etc/nftables.conf and an
 * enabled `nftables` service make the ruleset survive a reboot (the service is enabled, never started:
 * starting it would flush every other table now).
 */
export function firewallApplySection(spec: FirewallSpec): HostScriptSection {
  const p = plan(spec);
  const ruleset = renderFirewallRuleset(spec);
  const apply = `${variables(p)}
${FW_FUNCTIONS}
fw_loaded=0
command -v nft >/dev/null || die "nft not found: install the nftables package"

client=$(ssh_session_field 1)
server_port=$(printf '%s\\n' "\${SSH_CONNECTION:-}" | awk '{ print $4 }')
if [ -n "$client" ]; then
  admitted=0
  case $fw_open_ports in *" $server_port "*) admitted=1 ;; esac
  if [ "$server_port" = "$fw_ssh_port" ] && expanded=$(ipv6_expand "$client"); then
    IFS=, read -r -a admins <<<"$fw_admin6"
    for entry in "\${admins[@]}"; do
      if ipv6_in_prefix "$expanded" "\${entry% *}" "\${entry#* }"; then admitted=1; fi
    done
  fi
  [ "$admitted" = 1 ] || die "this ruleset would cut your SSH session from $client: add it to adminSources"
fi

mkdir -p "$fw_state"
chmod 0700 "$fw_state"
rm -f "$fw_state/rolled-back"
candidate="$ipv6_mail_run_dir/ruleset.nft"
cat >"$candidate" ${heredoc(ruleset)}
if ! errors=$(nft -c -f "$candidate" 2>&1); then
  die "nft rejected the rendered ruleset (nothing was loaded): $errors"
fi

# What is live now, to return to unless the caller confirms.
if [ ! -f "$fw_state/pending" ]; then
  { printf '%s\\n' ${shellQuote(DELETE_OUR_TABLES)}; fw_live; } >"$fw_state/previous-live.nft.new"
  for pair in "ruleset.nft:$fw_ruleset" "nftables.conf:$fw_conf"; do
    rm -f "$fw_state/previous-\${pair%%:*}" "$fw_state/previous-\${pair%%:*}.absent"
    if [ -f "\${pair#*:}" ]; then cp -p "\${pair#*:}" "$fw_state/previous-\${pair%%:*}"; else : >"$fw_state/previous-\${pair%%:*}.absent"; fi
  done
fi

file_changed=0
if install_file_if_changed "$fw_ruleset" 0644 <"$candidate"; then file_changed=1; fi
if [ ! -f "$fw_conf" ]; then
  printf '%s\\n' ${shellQuote(NFTABLES_CONF_SEED)} >"$ipv6_mail_run_dir/conf"
  install_file_if_changed "$fw_conf" 0755 ${NFTABLES_CONF_ORIGINAL_KEY} <"$ipv6_mail_run_dir/conf" || true
fi
install_block_if_changed "$fw_conf" 0755 ${NFTABLES_CONF_ORIGINAL_KEY} <<'EOF' || true
include "${FIREWALL_RULESET_PATH}"
EOF
if install_file_if_changed "$fw_rollback" 0700 ${heredoc(renderFirewallRollbackScript())}
then :; fi

if [ "$file_changed" = 0 ] && [ -f "$fw_state/live.sha256" ] && [ "$(fw_live_hash)" = "$(cat "$fw_state/live.sha256")" ]; then
  rm -f "$fw_state/previous-live.nft.new"
  log "firewall already loaded"
else
  if [ -f "$fw_state/previous-live.nft.new" ]; then
    mv -f "$fw_state/previous-live.nft.new" "$fw_state/previous-live.nft"
  fi
  fw_disarm
  : >"$fw_state/pending"
  fw_loaded=1
  nft -f "$fw_ruleset" || die "nft could not load $fw_ruleset although the check passed"
  fw_live_hash >"$fw_state/live.sha256"
  mark_changed "loaded the ipv6-mail nftables tables"
  if [ -z "$IPV6_MAIL_ROOT" ] && [ -d /run/systemd/system ] && command -v systemd-run >/dev/null; then
    systemd-run --quiet --unit="$fw_unit" --on-active="\${fw_seconds}s" /bin/bash "$fw_rollback"
  else
    nohup setsid /bin/bash "$fw_rollback" --after "$fw_seconds" >/dev/null 2>&1 &
    printf '%s\\n' "$!" >"$fw_state/rollback.pid"
  fi
  log "rollback armed: run the confirm script over a NEW SSH connection within $fw_seconds s, or the previous ruleset returns"
fi
if [ -z "$IPV6_MAIL_ROOT" ] && [ -d /run/systemd/system ] && ! systemctl is-enabled --quiet nftables.service 2>/dev/null; then
  record_original_value ${NFTABLES_SERVICE_ORIGINAL_KEY} "$(systemctl is-enabled nftables.service 2>/dev/null || true)"
  # Only the symlink matters (the service runs at the next boot): no daemon reload, which costs seconds.
  systemctl enable --quiet --no-reload nftables.service
  mark_changed "enabled nftables.service (loads the ruleset at boot)"
fi
nft list table ip6 ipv6_mail >/dev/null 2>&1 || die "table ip6 ipv6_mail is not loaded after apply"`;
  const rollback = String.raw`if [ "$fw_loaded" = 1 ]; then
  fw_disarm
  /bin/bash "$fw_rollback" || log "the firewall rollback failed: check 'nft list ruleset'"
fi`;
  return { name: "firewall", apply, rollback, packages: [NFTABLES_PACKAGE] };
}

function confirmSection(p: FirewallPlan): HostScriptSection {
  const apply = `${variables(p)}
${FW_FUNCTIONS}
if [ -f "$fw_state/rolled-back" ]; then
  die "the firewall rollback already ran at $(cat "$fw_state/rolled-back") and restored the previous ruleset: the confirming SSH connection came too late or was refused; fix adminSources and apply again"
fi
if [ ! -f "$fw_state/pending" ]; then
  log "no firewall change waiting for confirmation"
else
  [ -f "$fw_state/live.sha256" ] && [ "$(fw_live_hash)" = "$(cat "$fw_state/live.sha256")" ] ||
    die "the live ipv6-mail tables differ from the applied ruleset: apply again"
  fw_disarm
  rm -f "$fw_state/pending" "$fw_state/previous-"*
  mark_changed "confirmed the firewall; rollback cancelled"
fi`;
  return { name: "firewall_confirm", apply };
}

function removeSection(p: FirewallPlan): HostScriptSection {
  const apply = `${variables(p)}
${FW_FUNCTIONS}
fw_disarm
if [ -n "$(fw_live)" ]; then
  nft -f - <<'EOF'
${DELETE_OUR_TABLES}
EOF
  mark_changed "deleted the ipv6-mail nftables tables"
fi
restore_block_original ${NFTABLES_CONF_ORIGINAL_KEY} "$fw_conf" ${shellQuote(NFTABLES_CONF_SEED)} || true
remove_file_if_present "$fw_ruleset" || true
remove_file_if_present "$fw_rollback" || true
rmdir "$(dirname -- "$fw_ruleset")" 2>/dev/null || true
rm -f "$fw_state/pending" "$fw_state/previous-"* "$fw_state/live.sha256" "$fw_state/rolled-back"
if original_recorded ${NFTABLES_SERVICE_ORIGINAL_KEY}; then
  # Enabled by the apply (to load the ruleset at boot): back to how it was.
  if [ "$(original_value ${NFTABLES_SERVICE_ORIGINAL_KEY})" != enabled ] && [ -z "$IPV6_MAIL_ROOT" ] &&
    systemctl is-enabled --quiet nftables.service 2>/dev/null; then
    systemctl disable --quiet --no-reload nftables.service
    mark_changed "disabled nftables.service again"
  fi
  drop_original ${NFTABLES_SERVICE_ORIGINAL_KEY}
fi
[ -z "$(fw_live)" ] || die "the ipv6-mail tables are still loaded after removal"`;
  const rollback = `${variables(p)}
if [ -f "$fw_ruleset" ]; then nft -f "$fw_ruleset"; fi`;
  return { name: "firewall_remove", apply, rollback };
}

/** Renders the firewall's `apply`, `confirm` and `remove` scripts and its ruleset. */
export function renderFirewallScripts(spec: FirewallSpec): FirewallScripts {
  const p = plan(spec);
  return {
    apply: composeHostScript([firewallApplySection(spec)], { title: "IPv6 host firewall (apply)" }),
    confirm: composeHostScript([confirmSection(p)], { title: "IPv6 host firewall (confirm)" }),
    remove: composeHostScript([removeSection(p)], { title: "IPv6 host firewall (remove)" }),
    ruleset: renderFirewallRuleset(spec),
    rollbackScript: renderFirewallRollbackScript(),
  };
}

/** The firewall's confirm section (cancels the timed rollback), for composing a host's confirm script. */
export function firewallConfirmSection(spec: FirewallSpec): HostScriptSection {
  return confirmSection(plan(spec));
}

/** The firewall's remove section, for composing one delete script of a whole mail host. */
export function firewallRemoveSection(spec: FirewallSpec): HostScriptSection {
  return removeSection(plan(spec));
}
