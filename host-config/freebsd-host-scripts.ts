import { FREEBSD_PF_CONF_PATH } from "./freebsd-pf";
import { FREEBSD_RC_CONF_PATH, freebsdTunnelInterface } from "./freebsd-tunnel";
import { FreebsdMailHostSpec, renderFreebsdMailHost } from "./freebsd-mail-host";
import { postfixSettings } from "./postfix";
import { MailHostScripts } from "./mail-host-scripts";
import { RESULT_CHANGED, RESULT_FAILED, RESULT_UNCHANGED } from "./script-frame";
import { heredoc, shellQuote } from "./shell-text";
import { parseIpv6Address, settingValue, TUNNEL_VERIFY_TARGET } from "../net";

/** Where the FreeBSD scripts keep the originals of what they change, and the firewall's pending rollback. */
export const FREEBSD_STATE_DIR = "/var/db/ipv6-mail";

/** The lines that delimit the managed block in {@link FREEBSD_RC_CONF_PATH}. */
const BLOCK_BEGIN = "# BEGIN ipv6-mail (managed; change the stack, not these lines)";
const BLOCK_END = "# END ipv6-mail";

/** A FreeBSD mail host: {@link FreebsdMailHostSpec} and what its scripts need beyond the renderers' specs. */
export interface FreebsdHostScriptsSpec extends FreebsdMailHostSpec {
  /** The host's FQDN, for the scripts' titles. */
  readonly hostName: string;
}

/**
 * The POSIX sh frame of every FreeBSD script (FreeBSD's base system has sh, not bash). `$IPV6_MAIL_ROOT`
 * prefixes every path, so the scripts can run against a scratch directory; it is empty on a host. `fail`
 * undoes what this run changed (`rollback`, defined per script before the frame) before it reports the failure.
 */
const FRAME = String.raw`set -eu
umask 022
PATH="$PATH:/sbin:/bin:/usr/sbin:/usr/bin:/usr/local/sbin:/usr/local/bin"
IPV6_MAIL_ROOT="${"$"}{IPV6_MAIL_ROOT:-}"
state="$IPV6_MAIL_ROOT${FREEBSD_STATE_DIR}"
originals="$state/originals"
run_backup="$state/run"
changes=""
log() { printf 'ipv6-mail: %s\n' "$*"; }
mark_changed() { changes="$changes $1"; }
fail() {
  printf 'ipv6-mail: error: %s\n' "$*" >&2
  rollback || printf 'ipv6-mail: error: the rollback did not complete\n' >&2
  echo "${RESULT_FAILED}"
  exit 1
}
# The file as it was before the first apply, once (a later apply never overwrites it), and as it was before
# this run (for rollback): a copy, or a marker that it did not exist.
keep_copy() {
  if [ -e "$1" ]; then cp -p "$1" "$2"; else : >"$2.absent"; fi
}
record_original() {
  if [ -e "$originals/$2" ] || [ -e "$originals/$2.absent" ]; then :; else keep_copy "$1" "$originals/$2"; fi
  keep_copy "$1" "$run_backup/$2"
}
# Gives a file a kept copy back (or removes it when it did not exist); 1 when nothing was kept.
put_back() {
  if [ -e "$2" ]; then
    cp -p "$2" "$1"
  elif [ -e "$2.absent" ]; then
    rm -f "$1"
  else
    return 1
  fi
  rm -f "$2" "$2.absent"
}
# The file without the managed block.
without_block() {
  if [ -f "$1" ]; then
    awk -v b='${BLOCK_BEGIN}' -v e='${BLOCK_END}' '$0 == b { skip = 1; next } $0 == e { skip = 0; next } !skip' "$1"
  fi
}`;

/** Every script starts here, after its helpers: on FreeBSD only, before anything is changed. */
const START = `[ "$(uname -s)" = FreeBSD ] || fail "these scripts configure FreeBSD (uname -s: $(uname -s)); a Linux host takes the Linux scripts"
mkdir -p "$originals"
rm -rf "$run_backup"
mkdir -p "$run_backup"`;

/** The files the apply and remove scripts change, under the scratch root. */
const FILES = `rc="$IPV6_MAIL_ROOT${FREEBSD_RC_CONF_PATH}"
pf="$IPV6_MAIL_ROOT${FREEBSD_PF_CONF_PATH}"`;

/** What the rc.conf.local lines configure, applied again: the tunnel, IPv6 routes, the address policy. */
function reloadRcConf(gif: string | undefined): string {
  const lines = gif
    ? [`    service netif restart ${gif} || return 1`, "    service routing restart inet6 || return 1"]
    : [];
  return [...lines, "    service ip6addrctl restart || return 1"].join("\n");
}

/** The apply script's rollback: this run's copies of rc.conf.local and pf.conf back, and applied again. */
function applyRollback(gif: string | undefined): string {
  return `rollback() {
  if put_back "$rc" "$run_backup/rc.conf.local"; then
    log "${FREEBSD_RC_CONF_PATH} is back as before this run"
${reloadRcConf(gif)}
  fi
  if put_back "$pf" "$run_backup/pf.conf"; then
    log "${FREEBSD_PF_CONF_PATH} is back as before this run"
    rm -f "$state/pf-pending"
    if [ -e "$pf" ]; then pfctl -f "$pf" || return 1; else pfctl -d || true; fi
  fi
}`;
}

function rcConfApply(rc: string): string {
  return `# rc.conf.local: the managed block (the rest of the file is kept), checked with sh -n before it is written.
rc_new="$state/rc.conf.local.new"
{
  without_block "$rc"
  printf '%s\\n' '${BLOCK_BEGIN}'
  cat ${heredoc(rc)}
  printf '%s\\n' '${BLOCK_END}'
} >"$rc_new"
sh -n "$rc_new" || fail "the rendered ${FREEBSD_RC_CONF_PATH} does not parse (sh -n); nothing was changed"
rc_changed=0
if cmp -s "$rc_new" "$rc"; then
  rm -f "$rc_new"
else
  record_original "$rc" rc.conf.local
  mv "$rc_new" "$rc"
  rc_changed=1
  mark_changed ${FREEBSD_RC_CONF_PATH}
  service ip6addrctl restart || fail "service ip6addrctl restart failed"
fi`;
}

/** The tunnel brought up from rc.conf.local (IPv4's routes untouched), then checked as the Linux script checks it. */
function tunnelApply(gif: string, smtp: string, heEnd: string, verifyTarget: string): string {
  return `# The tunnel from rc.conf.local: ${gif} (re)created when the lines changed or it is missing; IPv6 routes only.
if [ "$rc_changed" = 1 ] || ! ifconfig ${gif} >/dev/null 2>&1; then
  service netif restart ${gif} || fail "service netif restart ${gif} failed"
  service routing restart inet6 || fail "service routing restart inet6 failed"
fi
ifconfig ${gif} inet6 | grep -q "inet6 ${smtp} " || fail "${gif} does not hold the mail address ${smtp}"
route -n get -inet6 default | grep -q "interface: ${gif}" || fail "the IPv6 default route does not leave through ${gif}"
ping -6 -c 3 -o ${heEnd} >/dev/null || fail "HE's end of the tunnel (${heEnd}) does not answer through ${gif}"
ping -6 -c 3 -o -S ${smtp} ${verifyTarget} >/dev/null ||
  fail "${verifyTarget} does not answer the mail address ${smtp}: is the routed prefix routed to this tunnel?"`;
}

function pfApply(pf: string, rollbackSeconds: number): string {
  return `# pf.conf: checked by pfctl before it replaces the file, loaded with a timed rollback that the confirm
# script (a second, new SSH connection) cancels.
kldload -n pf || fail "kldload pf failed (is pf in this kernel?)"
pf_new="$state/pf.conf.new"
cat >"$pf_new" ${heredoc(pf)}
pfctl -nf "$pf_new" || fail "pfctl -nf refuses the rendered ${FREEBSD_PF_CONF_PATH}; nothing was loaded"
if cmp -s "$pf_new" "$pf"; then
  rm -f "$pf_new"
else
  record_original "$pf" pf.conf
  rm -f "$state/pf.conf.previous" "$state/pf.conf.previous.absent"
  keep_copy "$pf" "$state/pf.conf.previous"
  mv "$pf_new" "$pf"
  mark_changed ${FREEBSD_PF_CONF_PATH}
  : >"$state/pf-pending"
  # Unless confirmed within ${rollbackSeconds} s: the previous rules back, or pf off when there were none.
  nohup sh -c 'sleep ${rollbackSeconds}; [ -e "$1/pf-pending" ] || exit 0
    if [ -e "$1/pf.conf.previous" ]; then cp -p "$1/pf.conf.previous" "$2"; pfctl -f "$2"
    else rm -f "$2"; pfctl -d; fi; rm -f "$1/pf-pending"' sh "$state" "$pf" </dev/null >/dev/null 2>&1 &
  pfctl -f "$pf" || fail "pfctl -f ${FREEBSD_PF_CONF_PATH} failed"
fi
pfctl -e 2>/dev/null || true
pfctl -s info | grep -q "Status: Enabled" || fail "pf is not enabled after loading ${FREEBSD_PF_CONF_PATH}"`;
}

function postfixApply(settings: readonly (readonly [string, string])[], smtp: string): string {
  const names = settings.map(([n]) => n).join(" ");
  const wanted = settings.map(([n, v]) => shellQuote(`${n} = ${v}`)).join(" ");
  return `# Postfix (the mail/postfix package): the settings the Linux host gets, their explicit values recorded first.
if ! command -v postconf >/dev/null 2>&1; then
  ASSUME_ALWAYS_YES=yes pkg install -y postfix >/dev/null || fail "pkg install postfix failed"
  mark_changed "installed postfix"
fi
postfix_want=$(printf '%s\\n' ${wanted})
postfix_have=$(postconf -n ${names} 2>/dev/null || true)
if [ "$postfix_have" != "$postfix_want" ]; then
  if [ ! -e "$originals/postfix.settings" ]; then
    printf '%s\\n' "$postfix_have" >"$originals/postfix.settings"
  fi
  postconf -e ${settings.map(([n, v]) => shellQuote(`${n}=${v}`)).join(" ")}
  service postfix restart || fail "service postfix restart failed"
  mark_changed postfix
fi
[ "$(postconf -h smtp_bind_address6)" = ${shellQuote(smtp)} ] || fail "Postfix does not bind ${smtp} (smtp_bind_address6)"`;
}

function postfixRemove(settings: readonly (readonly [string, string])[]): string {
  return `if [ -e "$originals/postfix.settings" ]; then
  for name in ${settings.map(([n]) => n).join(" ")}; do
    line=$(grep "^$name = " "$originals/postfix.settings" || true)
    if [ -n "$line" ]; then postconf -e "$name=\${line#"$name = "}"; else postconf -X "$name"; fi
  done
  rm -f "$originals/postfix.settings"
  service postfix restart || true
  mark_changed postfix
fi`;
}

/** The rollback of the confirm and remove scripts, which change nothing a later step could fail on. */
const NO_ROLLBACK = "rollback() { :; }";

const FINISH = `rm -rf "$run_backup"
if [ -n "$changes" ]; then log "changed:$changes"; echo "${RESULT_CHANGED}"; else echo "${RESULT_UNCHANGED}"; fi`;

/**
 * Composes the three scripts of a FreeBSD mail host from the files {@link renderFreebsdMailHost} renders: the
 * counterpart of {@link composeMailHostScripts} for Linux, in POSIX sh (FreeBSD's base system has no bash; the
 * remote commands run in root's login shell, which must be sh: FreeBSD 14's default, `chsh -s /bin/sh root`
 * before).
 *
 * Apply: the rc.conf.local lines as a managed block (the rest of the file is kept; `sh -n` checks the result),
 * the tunnel brought up from them (`service netif`, IPv6 routes only) and checked (the mail address on the gif,
 * the default route through it, HE's end and the verify target answering the mail address), pf.conf checked by
 * `pfctl -nf` before it replaces the file and loaded with a timed rollback, Postfix installed with `pkg` when
 * missing and set with `postconf -e` (the explicit values it had are recorded first). A failed check puts back
 * what this run changed. Every file changed is recorded as it was before the first apply. Confirm (a second,
 * new SSH connection) cancels the pf rollback. Remove takes the managed block out of rc.conf.local, gives
 * pf.conf its original back, destroys the gif, restores Postfix's values and forgets the state.
 *
 * Rendered only: there is no FreeBSD kernel where this package is tested; the scripts are checked with `sh -n`
 * and run by dash against stand-in commands in a scratch directory, not on FreeBSD.
 */
export function composeFreebsdHostScripts(spec: FreebsdHostScriptsSpec): MailHostScripts {
  const { files } = renderFreebsdMailHost(spec);
  const gif = spec.tunnel ? freebsdTunnelInterface(spec.tunnel) : undefined;
  const postfix = spec.postfix ? postfixSettings(spec.postfix) : undefined;
  const rollbackSeconds = spec.firewall.rollbackSeconds ?? 60;
  const title = (what: string) =>
    `#!/bin/sh\n# ipv6-mail: FreeBSD mail host ${spec.hostName} (${what}); rendered, not proven in a FreeBSD kernel`;

  const apply = [
    title("apply"),
    applyRollback(gif),
    FRAME,
    FILES,
    START,
    rcConfApply(files[FREEBSD_RC_CONF_PATH]),
    ...(spec.tunnel && gif
      ? [
          tunnelApply(
            gif,
            parseIpv6Address(spec.tunnel.smtpAddress),
            parseIpv6Address(spec.tunnel.linkServerAddress),
            parseIpv6Address(
              settingValue(
                TUNNEL_VERIFY_TARGET,
                spec.tunnel.verifyTarget,
                "host-config tunnel: verifyTarget",
              ),
            ),
          ),
        ]
      : []),
    pfApply(files[FREEBSD_PF_CONF_PATH], rollbackSeconds),
    ...(spec.postfix && postfix ? [postfixApply(postfix, parseIpv6Address(spec.postfix.smtpAddress))] : []),
    FINISH,
    "",
  ].join("\n");

  const confirm = [
    title("confirm"),
    NO_ROLLBACK,
    FRAME,
    START,
    `if [ -e "$state/pf-pending" ]; then
  rm -f "$state/pf-pending" "$state/pf.conf.previous" "$state/pf.conf.previous.absent"
  mark_changed "pf rules kept"
fi`,
    FINISH,
    "",
  ].join("\n");

  const remove = [
    title("remove"),
    NO_ROLLBACK,
    FRAME,
    FILES,
    START,
    `rm -f "$state/pf-pending"
if [ -f "$rc" ] && grep -qxF '${BLOCK_BEGIN}' "$rc"; then
  without_block "$rc" >"$state/rc.conf.local.new"
  if [ -e "$originals/rc.conf.local.absent" ] && [ ! -s "$state/rc.conf.local.new" ]; then
    rm -f "$rc" "$state/rc.conf.local.new"
  else
    mv "$state/rc.conf.local.new" "$rc"
  fi
  mark_changed ${FREEBSD_RC_CONF_PATH}
fi
if put_back "$pf" "$originals/pf.conf"; then
  mark_changed ${FREEBSD_PF_CONF_PATH}
  if [ -e "$pf" ]; then pfctl -f "$pf" || fail "pfctl -f ${FREEBSD_PF_CONF_PATH} failed"; else pfctl -d || true; fi
fi`,
    ...(gif
      ? [
          `if ifconfig ${gif} >/dev/null 2>&1; then
  ifconfig ${gif} destroy
  service routing restart inet6 || fail "service routing restart inet6 failed"
  mark_changed "${gif} destroyed"
fi`,
        ]
      : []),
    `service ip6addrctl restart || true`,
    ...(postfix ? [postfixRemove(postfix)] : []),
    `rm -rf "$state"`,
    FINISH,
    "",
  ].join("\n");
  return { apply, remove, confirm };
}
