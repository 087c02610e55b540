import { isDomainName, parseIpv4Address, parseIpv6Address } from "../net";
import { composeHostScript, HostScriptSection } from "./script-frame";
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
 * enables IPv6 at all; `myhostname` is the HELO name that must match the PTR.
 */
export function postfixSettings(spec: PostfixSpec): Array<[string, string]> {
  const settings: Array<[string, string]> = [
    ["inet_protocols", "all"],
    ["smtp_bind_address6", parseIpv6Address(spec.smtpAddress)],
    ["smtp_bind_address_enforce", "yes"],
    ["myhostname", hostNameOf(spec.hostName)],
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

/** The Postfix section, for {@link composeHostScript}. */
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
pf_main_cf="$IPV6_MAIL_ROOT$(postconf -h config_directory)/main.cf"
for setting in "\${pf_settings[@]}"; do
  name=\${setting%%=*}
  value=\${setting#*=}
  if [ "$(postconf -h "$name")" != "$value" ]; then
    backup_file "$pf_main_cf"
    postconf -e "$name=$value"
    pf_changed=1
    [ "$name" != inet_protocols ] || pf_restart=1
    mark_changed "postfix $name = $value"
  fi
done
for setting in "\${pf_settings[@]}"; do
  name=\${setting%%=*}
  [ "$(postconf -h "$name")" = "\${setting#*=}" ] || die "postconf -h $name does not show \${setting#*=} after postconf -e"
done
if [ "$pf_changed" = 1 ] && postfix status >/dev/null 2>&1; then
  if [ "$pf_restart" = 1 ]; then
    # inet_protocols is read only at start.
    postfix stop && postfix start
  else
    postfix reload
  fi
fi`;
  const rollback = `if [ "$pf_changed" = 1 ] && postfix status >/dev/null 2>&1; then postfix reload; fi`;
  return { name: "postfix", apply, rollback };
}

/**
 * Renders the Postfix script: `postconf -e` only for values that differ, reload (restart for
 * `inet_protocols`) only then, verify with `postconf -h`, fail clearly on Postfix older than 3.7.
 */
export function renderPostfixScript(spec: PostfixSpec): string {
  return composeHostScript([postfixSection(spec)], { title: "Postfix outbound IPv6 binding" });
}
