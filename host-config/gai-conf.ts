import { composeHostScript, HostScriptSection } from "./script-frame";
import { heredoc } from "./shell-text";

/** Where glibc reads its address sorting policy. */
export const GAI_CONF_PATH = "/etc/gai.conf";

/**
 * The gai.conf lines that make getaddrinfo() prefer IPv4 (`precedence ::ffff:0:0/96 100`), for hosts whose
 * provider blocks outbound SMTP over IPv6 (DigitalOcean's own advice). The whole RFC 6724 precedence table
 * is written, not just that line: as soon as gai.conf holds one `precedence` line, glibc drops its built-in
 * table entirely.
 */
export function renderGaiConf(): string {
  return [
    "# Prefer IPv4: the RFC 6724 precedence table with ::ffff:0:0/96 raised from 35 to 100.",
    "precedence ::1/128       50",
    "precedence ::/0          40",
    "precedence 2002::/16     30",
    "precedence ::/96         20",
    "precedence ::ffff:0:0/96 100",
    "",
  ].join("\n");
}

/** Key of the recorded original of {@link GAI_CONF_PATH}. */
export const GAI_CONF_ORIGINAL_KEY = "gai.conf";

/**
 * The gai.conf section, for {@link composeHostScript}: a managed block, rewritten only when it differs. The
 * file as it was before (or its absence) is recorded on the host for {@link gaiConfRestoreSection}.
 */
export function gaiConfSection(): HostScriptSection {
  const apply = `gai_conf="$IPV6_MAIL_ROOT${GAI_CONF_PATH}"
if install_block_if_changed "$gai_conf" 0644 ${GAI_CONF_ORIGINAL_KEY} ${heredoc(renderGaiConf())}
then log "getaddrinfo now prefers IPv4"; fi
grep -qE '^precedence ::ffff:0:0/96 +100$' "$gai_conf" || die "${GAI_CONF_PATH} does not prefer IPv4 after writing it"`;
  return { name: "gai_conf", apply };
}

/**
 * Puts gai.conf back as it was before {@link gaiConfSection}: the recorded content byte for byte, or no file
 * when there was none (edits made to the rest of the file since are kept). For the remove script, and for the
 * apply script of a host that no longer prefers IPv4. No-op when the block is not there.
 */
export function gaiConfRestoreSection(): HostScriptSection {
  const apply = `gai_conf="$IPV6_MAIL_ROOT${GAI_CONF_PATH}"
if restore_block_original ${GAI_CONF_ORIGINAL_KEY} "$gai_conf"; then log "${GAI_CONF_PATH} is as before ipv6-mail"; fi
if [ -f "$gai_conf" ] && grep -qxF -- "$ipv6_mail_block_begin" "$gai_conf"; then die "${GAI_CONF_PATH} still holds the ipv6-mail block"; fi`;
  return { name: "gai_conf_restore", apply };
}

/** Renders the idempotent gai.conf script. */
export function renderGaiConfScript(): string {
  return composeHostScript([gaiConfSection()], { title: "gai.conf: prefer IPv4" });
}
