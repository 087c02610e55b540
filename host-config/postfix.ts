import { isDomainName, parseIpv4Address, parseIpv6Address } from "../net";
import { composeHostScript, HostPackage, HostScriptSection } from "./script-frame";
import { shellQuote } from "./shell-text";

/** How Postfix must send: from the mail address, under the PTR name. */
export interface PostfixSpec {
  /** The IPv6 address every outbound SMTP connection binds to (inside the dedicated /64). */
  readonly smtpAddress: string;
  /** `myhostname`: the PTR name of `smtpAddress`, so HELO, PTR and AAAA agree (FCrDNS). */
  readonly hostName: string;
  /** Optional IPv4 to bind outbound IPv4 SMTP to (`smtp_bind_address`). */
  readonly smtpIpv4?: string;
}

/** The minimum Postfix version: `smtp_bind_address_enforce` appeared in 3.7. */
export const POSTFIX_MIN_VERSION = "3.7";

/**
 * The `main.cf` settings the mail host needs, in the order they are applied.
 *
 * Why each: `smtp_bind_address6` pins the source (RFC 6724 would otherwise pick `::2` or the provider's
 * address, which have no matching PTR); `smtp_bind_address_enforce = yes` defers mail instead of silently
 * sending from another address when the bind address is missing (tunnel down); `inet_protocols = all`
 * enables IPv6 at all; `myhostname` is the host's name and `smtp_helo_name` the HELO name, which must match
 * the PTR (set explicitly: a host's own `smtp_helo_name` would otherwise win over `myhostname`).
 */
export function postfixSettings(spec: PostfixSpec): Array<[string, string]> {
  const settings: Array<[string, string]> = [
    ["inet_protocols", "all"],
    ["smtp_bind_address6", parseIpv6Address(spec.smtpAddress)],
    ["smtp_bind_address_enforce", "yes"],
    ["myhostname", hostNameOf(spec.hostName)],
    ["smtp_helo_name", hostNameOf(spec.hostName)],
  ];
  if (spec.smtpIpv4 !== undefined) settings.push(["smtp_bind_address", parseIpv4Address(spec.smtpIpv4)]);
  return settings;
}

/** The host name, asserted to be what the component checked: an FQDN ({@link isDomainName}). */
function hostNameOf(name: string): string {
  if (!isDomainName(name)) {
    throw new Error(
      `host-config Postfix: hostName "${name}" is not a fully qualified host name (the component checks it first)`,
    );
  }
  return name.toLowerCase();
}

/**
 * The Postfix package, answered as Debian's installer asks it: an "Internet Site" (sends and receives mail
 * directly over SMTP) whose mail name is the host name.
 */
export function postfixPackage(hostName: string): HostPackage {
  const name = hostNameOf(hostName);
  return {
    name: "postfix",
    command: "postconf",
    debconf: [
      "postfix postfix/main_mailer_type select Internet Site",
      `postfix postfix/mailname string ${name}`,
    ],
  };
}

/** Key prefix of the recorded originals of `main.cf` parameters (see the frame's `record_original_value`). */
export const POSTFIX_ORIGINAL_PREFIX = "postfix.main.";

/**
 * Shell shared by every section that changes Postfix's `main.cf` (this file's and the DKIM milter's). Postfix is
 * asked and changed with as few `postconf` runs as possible (each one parses main.cf and master.cf): `pf_read`
 * loads the explicit settings (`postconf -n`) or the values of some parameters into an associative array; a
 * whole batch of changes is one `postconf -e` and one `postconf -X`. `pf_apply_batch <prefix> <name=value>...`
 * sets what differs and records the originals under that prefix; `pf_restore_batch <prefix> <name>...` puts
 * parameters recorded under that originals prefix back (`postconf -X` when one was unset); each section keeps
 * its own prefix, so one never restores another's parameters. `pf_reload` reloads (restarts for
 * `inet_protocols`) after `pf_changed=1`.
 */
export const POSTFIX_SHELL_FUNCTIONS = String.raw`pf_main_cf="$IPV6_MAIL_ROOT$(postconf -h config_directory)/main.cf"
# pf_read <array> [postconf args...]: name -> value of every "name = value" line postconf prints.
pf_read() {
  local -n pf_into=$1
  local line key
  shift
  pf_into=()
  while IFS= read -r line; do
    key=${"$"}{line%% =*}
    # shellcheck disable=SC2034 # pf_into names the caller's array
    if [ "$line" = "$key =" ]; then pf_into[$key]=""; else pf_into[$key]=${"$"}{line#"$key = "}; fi
  done < <(postconf "$@")
}
# pf_apply_batch <prefix> <name=value>...: sets each parameter whose value differs, recording first its
# explicit setting (or that it had none) under prefix; one postconf -e; sets pf_changed, pf_restart.
pf_apply_batch() {
  local prefix=$1 setting name value
  local -a set=()
  local -A now=() explicit=()
  shift
  pf_read now "${"$"}{@%%=*}"
  pf_read explicit -n
  for setting in "$@"; do
    name=${"$"}{setting%%=*}
    value=${"$"}{setting#*=}
    if [ "${"$"}{now[$name]-}" != "$value" ]; then
      if [ -n "${"$"}{explicit[$name]+set}" ]; then
        record_original_value "$prefix$name" "${"$"}{explicit[$name]}"
      else
        record_original_value "$prefix$name"
      fi
      set+=("$setting")
      [ "$name" != inet_protocols ] || pf_restart=1
      mark_changed "postfix $name = $value"
    fi
  done
  if [ "${"$"}{#set[@]}" -gt 0 ]; then
    backup_file "$pf_main_cf"
    postconf -e "${"$"}{set[@]}"
    pf_changed=1
  fi
}
# pf_restore_batch <prefix> <name>...: gives each parameter recorded under prefix its original back; sets
# pf_changed, pf_restart.
pf_restore_batch() {
  local name key prefix=$1
  local -a set=() unset=()
  local -A explicit=()
  shift
  pf_read explicit -n
  for name in "$@"; do
    key="$prefix$name"
    if original_is_absent "$key"; then
      if [ -n "${"$"}{explicit[$name]+set}" ]; then unset+=("$name"); fi
    elif [ -z "${"$"}{explicit[$name]+set}" ] || [ "${"$"}{explicit[$name]}" != "$(original_value "$key")" ]; then
      set+=("$name=$(original_value "$key")")
    fi
  done
  if [ "${"$"}{#set[@]}" -gt 0 ] || [ "${"$"}{#unset[@]}" -gt 0 ]; then backup_file "$pf_main_cf"; fi
  if [ "${"$"}{#unset[@]}" -gt 0 ]; then
    postconf -X "${"$"}{unset[@]}"
    mark_changed "postfix ${"$"}{unset[*]} unset again (as before ipv6-mail)"
  fi
  if [ "${"$"}{#set[@]}" -gt 0 ]; then
    postconf -e "${"$"}{set[@]}"
    mark_changed "postfix ${"$"}{set[*]} again (as before ipv6-mail)"
  fi
  for name in "${"$"}{unset[@]}" "${"$"}{set[@]%%=*}"; do
    [ -n "$name" ] || continue
    pf_changed=1
    [ "$name" != inet_protocols ] || pf_restart=1
  done
  pf_read explicit -n
  for name in "$@"; do
    key="$prefix$name"
    if original_is_absent "$key"; then
      [ -z "${"$"}{explicit[$name]+set}" ] || die "postconf -n still shows $name after postconf -X"
    else
      [ "${"$"}{explicit[$name]-}" = "$(original_value "$key")" ] ||
        die "postconf -n does not show the original $name = $(original_value "$key") after restoring it"
    fi
    drop_original "$key"
  done
}
pf_reload() {
  if [ "$pf_changed" = 1 ] && postfix status >/dev/null 2>&1; then
    if [ "$pf_restart" = 1 ]; then
      # inet_protocols is read only at start.
      postfix stop && postfix start
    else
      postfix reload
    fi
  fi
}`;

/**
 * The Postfix section, for {@link composeHostScript}. Before changing a `main.cf` parameter the first time, it
 * records the parameter's explicit setting (or that it had none) on the host, so that
 * {@link postfixRestoreSection} can put `main.cf` back as it was; a parameter recorded earlier that the spec
 * no longer sets (say `smtp_bind_address` once `smtpIpv4` is dropped) is restored right away.
 */
export function postfixSection(spec: PostfixSpec): HostScriptSection {
  const settings = postfixSettings(spec);
  const apply = `pf_settings=(${settings.map(([k, v]) => shellQuote(`${k}=${v}`)).join(" ")})
pf_changed=0
pf_restart=0
command -v postconf >/dev/null || die "postconf not found: install postfix"
pf_version=$(postconf -h mail_version)
pf_major=\${pf_version%%.*}
pf_minor=\${pf_version#*.}
pf_minor=\${pf_minor%%.*}
if ! [[ $pf_major =~ ^[0-9]+$ && $pf_minor =~ ^[0-9]+$ ]] || [ "$pf_major" -lt 3 ] || { [ "$pf_major" -eq 3 ] && [ "$pf_minor" -lt 7 ]; }; then
  die "Postfix $pf_version is older than ${POSTFIX_MIN_VERSION}: smtp_bind_address_enforce needs ${POSTFIX_MIN_VERSION} or newer (Debian 12, Ubuntu 22.04+)"
fi
${POSTFIX_SHELL_FUNCTIONS}
pf_names=("\${pf_settings[@]%%=*}")
declare -A pf_now=()
pf_apply_batch ${POSTFIX_ORIGINAL_PREFIX} "\${pf_settings[@]}"
# Parameters recorded by an earlier apply that this one no longer sets get their originals back.
pf_unmanaged=()
for key in $(originals_with_prefix ${POSTFIX_ORIGINAL_PREFIX}); do
  name=\${key#"${POSTFIX_ORIGINAL_PREFIX}"}
  case " \${pf_names[*]} " in *" $name "*) ;; *) pf_unmanaged+=("$name") ;; esac
done
[ "\${#pf_unmanaged[@]}" -eq 0 ] || pf_restore_batch ${POSTFIX_ORIGINAL_PREFIX} "\${pf_unmanaged[@]}"
pf_read pf_now "\${pf_names[@]}"
for setting in "\${pf_settings[@]}"; do
  name=\${setting%%=*}
  [ "\${pf_now[$name]-}" = "\${setting#*=}" ] || die "postconf $name does not show \${setting#*=} after postconf -e"
done
pf_reload`;
  const rollback = `if [ "$pf_changed" = 1 ] && postfix status >/dev/null 2>&1; then postfix reload; fi`;
  return { name: "postfix", apply, rollback, packages: [postfixPackage(spec.hostName)] };
}

/**
 * The remove script's Postfix section: every `main.cf` parameter the apply changed gets its recorded
 * original back (`postconf -e` with the old value, `postconf -X` when it was unset), Postfix reloads (restarts
 * for `inet_protocols`), and the records go. Why: with `smtp_bind_address6` still naming an address that
 * left with the tunnel and `smtp_bind_address_enforce = yes`, every IPv6 delivery would be deferred forever.
 * A host without records (or without Postfix) is left as it is.
 */
export function postfixRestoreSection(): HostScriptSection {
  const apply = `pf_changed=0
pf_restart=0
pf_keys=$(originals_with_prefix ${POSTFIX_ORIGINAL_PREFIX})
if [ -z "$pf_keys" ]; then
  log "no Postfix settings of ipv6-mail to restore"
  return 0
fi
command -v postconf >/dev/null || die "Postfix settings to restore, but postconf is gone: $(printf '%s' "$pf_keys" | tr '\\n' ' ')"
${POSTFIX_SHELL_FUNCTIONS}
pf_restore_names=()
for key in $pf_keys; do pf_restore_names+=("\${key#"${POSTFIX_ORIGINAL_PREFIX}"}"); done
pf_restore_batch ${POSTFIX_ORIGINAL_PREFIX} "\${pf_restore_names[@]}"
pf_reload`;
  const rollback = `if [ "$pf_changed" = 1 ] && postfix status >/dev/null 2>&1; then postfix reload; fi`;
  return { name: "postfix_restore", apply, rollback };
}

/**
 * Renders the Postfix script: `postconf -e` only for values that differ, reload (restart for
 * `inet_protocols`) only then, verify with `postconf -h`, fail clearly on Postfix older than 3.7.
 */
export function renderPostfixScript(spec: PostfixSpec): string {
  return composeHostScript([postfixSection(spec)], { title: "Postfix outbound IPv6 binding" });
}
