import { isDomainName } from "../net";
import { IPROUTE2_PACKAGE } from "./host-packages";
import { POSTFIX_SHELL_FUNCTIONS } from "./postfix";
import { composeHostScript, HostPackage, HostScriptSection } from "./script-frame";
import { heredoc, shellQuote } from "./shell-text";

/**
 * DKIM signing on the mail host: OpenDKIM as Postfix's milter, signing mail of one domain.
 *
 * Key rotation without a window where signatures fail: set `nextSelector` first. The host then makes that key
 * too and prints its public key (publish `<nextSelector>._domainkey` from it) while it keeps signing with
 * `selector`. Once the new record is live (its TTL passed), make the new selector `selector` (signing moves to
 * it) and keep the old record published for a few days, for mail still in flight; then retire it from DNS.
 * Key files of selectors no longer named stay on the host until the remove script.
 */
export interface DkimSpec {
  /** The domain in `d=`: the mail domain of `From:` addresses (the DMARC-aligned one). */
  readonly domain: string;
  /** The selector that signs, `s=`; its key is `<selector>._domainkey.<domain>`. */
  readonly selector: string;
  /** A selector to make a key for (and print) without signing with it yet: the next one of a rotation. */
  readonly nextSelector?: string;
}

/** Where the section keeps its OpenDKIM configuration and keys on the host (one directory, removed whole). */
export const OPENDKIM_DIR = "/etc/opendkim/ipv6-mail";
/** The systemd drop-in that points Debian's `opendkim.service` at {@link OPENDKIM_DIR}'s configuration. */
export const OPENDKIM_DROPIN = "/etc/systemd/system/opendkim.service.d/ipv6-mail.conf";
/** The milter's TCP port on 127.0.0.1 (TCP, not a socket file: Debian's Postfix runs smtpd chrooted). */
export const OPENDKIM_PORT = 8891;
/** The milter address as Postfix names it. */
export const OPENDKIM_POSTFIX_MILTER = `inet:127.0.0.1:${OPENDKIM_PORT}`;
/** Key prefix of the recorded originals of the Postfix milter parameters (not the Postfix section's). */
export const OPENDKIM_POSTFIX_ORIGINAL_PREFIX = "opendkim.postfix.";
/** Key of the recorded state of `opendkim.service` before the first apply (`enabled`/`active` words). */
export const OPENDKIM_SERVICE_ORIGINAL_KEY = "opendkim.service";
/**
 * How the apply script reports a public key on stdout, one line per selector:
 * `ipv6-mail: dkim-public-key <domain> <selector> <base64 SubjectPublicKeyInfo>`. Only the public half leaves
 * the host; the private key is made on it and never printed.
 */
export const DKIM_PUBLIC_KEY_TAG = "ipv6-mail: dkim-public-key";

/** A public key the apply script printed. */
export interface DkimPublicKey {
  readonly domain: string;
  readonly selector: string;
  /** Base64 of the DER SubjectPublicKeyInfo: the `p=` of the `_domainkey` record. */
  readonly publicKey: string;
}

const SELECTOR = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

function checked(spec: DkimSpec): { domain: string; selectors: string[] } {
  const domain = spec.domain.toLowerCase();
  if (!isDomainName(domain)) {
    throw new Error(
      `host-config DKIM: domain "${spec.domain}" is not a domain name (the component checks it first)`,
    );
  }
  const selectors = [spec.selector, ...(spec.nextSelector === undefined ? [] : [spec.nextSelector])];
  for (const s of selectors) {
    if (!SELECTOR.test(s)) {
      throw new Error(
        `host-config DKIM: selector "${s}" is not one DNS label of lower-case letters, digits and hyphens`,
      );
    }
  }
  if (selectors.length === 2 && selectors[0] === selectors[1]) {
    throw new Error(`host-config DKIM: nextSelector "${spec.selector}" is the signing selector itself`);
  }
  return { domain, selectors };
}

/** The OpenDKIM package; `openssl` makes the key; `ss` (iproute2, as the tunnel names it) sees the milter listen. */
export const OPENDKIM_PACKAGES: readonly HostPackage[] = [
  { name: "opendkim", command: "opendkim" },
  { name: "openssl", command: "openssl" },
  IPROUTE2_PACKAGE,
];

/**
 * The OpenDKIM configuration: sign (`Mode s`) mail whose `From:` is the domain or one of its subdomains, relaxed/simple
 * canonicalization (survives header re-folding), over a milter on 127.0.0.1.
 */
export function renderOpendkimConf(spec: DkimSpec): string {
  const { domain } = checked(spec);
  return [
    "# ipv6-mail: DKIM signing for Postfix. Rendered by ipv6-mail host-config; do not edit on the host.",
    "Mode s",
    `Domain ${domain}`,
    `Selector ${spec.selector}`,
    `KeyFile ${OPENDKIM_DIR}/${spec.selector}.private`,
    // The host's own mail is From <user>@<hostName>, a subdomain: signed with d=<domain>, which DMARC's
    // relaxed alignment accepts for it.
    "SubDomains yes",
    "Canonicalization relaxed/simple",
    `Socket inet:${OPENDKIM_PORT}@127.0.0.1`,
    "PidFile /run/opendkim/opendkim.pid",
    "UserID opendkim:opendkim",
    "UMask 007",
    "Syslog yes",
    "",
  ].join("\n");
}

/** The drop-in: Debian's unit runs OpenDKIM with the configuration above (its own /etc/opendkim.conf stays). */
export function renderOpendkimDropin(): string {
  return [
    "# ipv6-mail: OpenDKIM signs with the configuration of ipv6-mail.",
    "[Service]",
    "Type=forking",
    "PIDFile=/run/opendkim/opendkim.pid",
    "RuntimeDirectory=opendkim",
    "ExecStart=",
    `ExecStart=/usr/sbin/opendkim -x ${OPENDKIM_DIR}/opendkim.conf`,
    "",
  ].join("\n");
}

// dk_with_milter <list>: the milter list with ours appended once (milters already there are kept, in order).
const DKIM_MILTER_SHELL = String.raw`dk_with_milter() {
  local m out=""
  for m in $(printf '%s' "$1" | tr ',' ' '); do
    [ "$m" = "${OPENDKIM_POSTFIX_MILTER}" ] && continue
    out="$out${"$"}{out:+, }$m"
  done
  printf '%s' "$out${"$"}{out:+, }${OPENDKIM_POSTFIX_MILTER}"
}`;

/**
 * The DKIM section, for {@link composeHostScript}. Makes each selector's 2048-bit RSA key ON the host when it
 * is absent (`openssl genpkey`, mode 0600, owned by opendkim; it never leaves the host), writes OpenDKIM's
 * configuration and a drop-in for Debian's unit, starts it and waits for the milter port, adds the milter to
 * Postfix (recording the parameters' originals and the unit's state for {@link opendkimRestoreSection}) and
 * prints one {@link DKIM_PUBLIC_KEY_TAG} line per selector.
 */
export function opendkimSection(spec: DkimSpec): HostScriptSection {
  const { domain, selectors } = checked(spec);
  const apply = `dk_dir="$IPV6_MAIL_ROOT${OPENDKIM_DIR}"
dk_dropin="$IPV6_MAIL_ROOT${OPENDKIM_DROPIN}"
dk_selectors=(${selectors.map(shellQuote).join(" ")})
dk_new_keys=()
dk_changed=0
pf_changed=0
pf_restart=0
command -v opendkim >/dev/null || die "opendkim not found: install opendkim"
command -v openssl >/dev/null || die "openssl not found: install openssl"
command -v postconf >/dev/null || die "postconf not found: install postfix"
${POSTFIX_SHELL_FUNCTIONS}
${DKIM_MILTER_SHELL}
if [ ! -d "$dk_dir" ]; then
  install -d -m 0750 "$dk_dir"
  mark_changed "made ${OPENDKIM_DIR}"
fi
for dk_sel in "\${dk_selectors[@]}"; do
  dk_key="$dk_dir/$dk_sel.private"
  if [ ! -s "$dk_key" ]; then
    # Made here and kept here: only the public half is printed below.
    (umask 077 && openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$dk_key.tmp" 2>/dev/null) ||
      die "openssl could not make the DKIM key of selector $dk_sel"
    mv -f -- "$dk_key.tmp" "$dk_key"
    dk_new_keys+=("$dk_key")
    dk_changed=1
    mark_changed "made the DKIM key of selector $dk_sel on this host"
  fi
  chmod 0600 "$dk_key"
  if [ -z "$IPV6_MAIL_ROOT" ]; then chown opendkim:opendkim "$dk_key"; fi
done
if [ -z "$IPV6_MAIL_ROOT" ]; then chgrp opendkim "$dk_dir"; fi
if install_file_if_changed "$dk_dir/opendkim.conf" 0644 ${heredoc(renderOpendkimConf(spec))}
then dk_changed=1; fi
mkdir -p "$(dirname "$dk_dropin")"
if install_file_if_changed "$dk_dropin" 0644 ${heredoc(renderOpendkimDropin())}
then
  dk_changed=1
  if [ -z "$IPV6_MAIL_ROOT" ]; then systemctl daemon-reload; fi
fi
if [ -z "$IPV6_MAIL_ROOT" ]; then
  if ! original_recorded ${OPENDKIM_SERVICE_ORIGINAL_KEY}; then
    record_original_value ${OPENDKIM_SERVICE_ORIGINAL_KEY} "$(systemctl is-enabled opendkim.service 2>/dev/null || true) $(systemctl is-active opendkim.service 2>/dev/null || true)"
  fi
  if ! systemctl is-enabled --quiet opendkim.service 2>/dev/null; then
    systemctl enable --quiet opendkim.service
    mark_changed "enabled opendkim.service"
  fi
  if ! systemctl is-active --quiet opendkim.service; then
    systemctl start opendkim.service
    mark_changed "started opendkim.service"
  elif [ "$dk_changed" = 1 ]; then
    systemctl restart opendkim.service
  fi
  dk_up=0
  for _ in $(seq 1 20); do
    if ss -Hltn "sport = :${OPENDKIM_PORT}" 2>/dev/null | grep -q .; then dk_up=1; break; fi
    sleep 0.5
  done
  [ "$dk_up" = 1 ] || die "OpenDKIM does not listen on 127.0.0.1:${OPENDKIM_PORT} (journalctl -u opendkim)"
fi
declare -A pf_now=()
pf_read pf_now smtpd_milters non_smtpd_milters
pf_apply_batch ${OPENDKIM_POSTFIX_ORIGINAL_PREFIX} "smtpd_milters=$(dk_with_milter "\${pf_now[smtpd_milters]-}")" \\
  "non_smtpd_milters=$(dk_with_milter "\${pf_now[non_smtpd_milters]-}")" milter_default_action=accept
pf_read pf_now smtpd_milters non_smtpd_milters
case ", \${pf_now[smtpd_milters]-}, " in *", ${OPENDKIM_POSTFIX_MILTER}, "*) ;; *) die "postconf smtpd_milters does not name ${OPENDKIM_POSTFIX_MILTER}" ;; esac
pf_reload
for dk_sel in "\${dk_selectors[@]}"; do
  dk_pub=$(openssl pkey -in "$dk_dir/$dk_sel.private" -pubout -outform DER 2>/dev/null | base64 -w0) ||
    die "cannot read the public half of the DKIM key of selector $dk_sel"
  [ -n "$dk_pub" ] || die "the DKIM key of selector $dk_sel is empty"
  printf '%s %s %s %s\\n' '${DKIM_PUBLIC_KEY_TAG}' ${shellQuote(domain)} "$dk_sel" "$dk_pub"
done`;
  // A failed run: the frame put the files back; keys this run made were never published, so they go.
  const rollback = `for f in "\${dk_new_keys[@]}"; do rm -f -- "$f"; done
if [ -z "$IPV6_MAIL_ROOT" ]; then
  systemctl daemon-reload
  if [ "$dk_changed" = 1 ] && systemctl is-active --quiet opendkim.service; then systemctl restart opendkim.service; fi
fi
if [ "$pf_changed" = 1 ] && postfix status >/dev/null 2>&1; then postfix reload; fi`;
  return { name: "opendkim", apply, rollback, packages: OPENDKIM_PACKAGES };
}

/**
 * The remove script's DKIM section: Postfix's milter parameters get their recorded originals back,
 * `opendkim.service` its enabled/active state of before, the drop-in and {@link OPENDKIM_DIR} (keys included)
 * go. The package stays, as every section leaves installed packages. A host without records is left as is.
 */
export function opendkimRestoreSection(): HostScriptSection {
  const apply = `dk_dir="$IPV6_MAIL_ROOT${OPENDKIM_DIR}"
dk_dropin="$IPV6_MAIL_ROOT${OPENDKIM_DROPIN}"
pf_changed=0
pf_restart=0
dk_keys=$(originals_with_prefix ${OPENDKIM_POSTFIX_ORIGINAL_PREFIX})
if [ -n "$dk_keys" ]; then
  command -v postconf >/dev/null || die "Postfix milter settings to restore, but postconf is gone"
${POSTFIX_SHELL_FUNCTIONS}
  dk_names=()
  for key in $dk_keys; do dk_names+=("\${key#"${OPENDKIM_POSTFIX_ORIGINAL_PREFIX}"}"); done
  pf_restore_batch ${OPENDKIM_POSTFIX_ORIGINAL_PREFIX} "\${dk_names[@]}"
  pf_reload
fi
if remove_file_if_present "$dk_dropin"; then
  mark_changed "removed ${OPENDKIM_DROPIN}"
  rmdir --ignore-fail-on-non-empty "$(dirname "$dk_dropin")"
  if [ -z "$IPV6_MAIL_ROOT" ]; then systemctl daemon-reload; fi
fi
if [ -z "$IPV6_MAIL_ROOT" ] && original_recorded ${OPENDKIM_SERVICE_ORIGINAL_KEY}; then
  read -r dk_was_enabled dk_was_active <<<"$(original_value ${OPENDKIM_SERVICE_ORIGINAL_KEY}) x x"
  if [ "$dk_was_active" != active ] && systemctl is-active --quiet opendkim.service; then
    systemctl stop opendkim.service
    mark_changed "stopped opendkim.service again"
  elif [ "$dk_was_active" = active ]; then
    systemctl restart opendkim.service
  fi
  if [ "$dk_was_enabled" != enabled ] && systemctl is-enabled --quiet opendkim.service 2>/dev/null; then
    systemctl disable --quiet opendkim.service
    mark_changed "disabled opendkim.service again"
  fi
  drop_original ${OPENDKIM_SERVICE_ORIGINAL_KEY}
fi
if [ -d "$dk_dir" ]; then
  rm -rf -- "$dk_dir"
  mark_changed "removed ${OPENDKIM_DIR} and its DKIM keys"
fi`;
  const rollback = `if [ "$pf_changed" = 1 ] && postfix status >/dev/null 2>&1; then postfix reload; fi`;
  return { name: "opendkim_restore", apply, rollback };
}

/**
 * Reads the {@link DKIM_PUBLIC_KEY_TAG} lines of an apply script's stdout: what the component turns into
 * `<selector>._domainkey.<domain>` TXT records.
 */
export function parseDkimPublicKeys(stdout: string): DkimPublicKey[] {
  const keys: DkimPublicKey[] = [];
  for (const line of stdout.split("\n")) {
    if (!line.startsWith(`${DKIM_PUBLIC_KEY_TAG} `)) continue;
    const [domain, selector, publicKey, ...rest] = line
      .slice(DKIM_PUBLIC_KEY_TAG.length + 1)
      .trim()
      .split(" ");
    if (rest.length > 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(publicKey ?? "")) {
      throw new Error(`host-config DKIM: malformed public key line from the host: "${line}"`);
    }
    keys.push({ domain, selector, publicKey });
  }
  return keys;
}

/** Renders the DKIM signing script (OpenDKIM + Postfix milter) for one domain. */
export function renderOpendkimScript(spec: DkimSpec): string {
  return composeHostScript([opendkimSection(spec)], { title: `DKIM signing for ${spec.domain}` });
}
