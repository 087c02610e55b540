import { parseIpv4Address, parseIpv6Address } from "../net";
import { composeHostScript, HostScriptSection } from "./script-frame";
import { heredoc } from "./shell-text";

/** Which addresses Exim's remote_smtp transport binds to. */
export interface EximSpec {
  /** The IPv6 mail address (inside the dedicated /64). */
  readonly smtpAddress: string;
  /** Optional IPv4 to bind outbound IPv4 SMTP to. */
  readonly smtpIpv4?: string;
}

/**
 * Debian's exim4 local macros file. Both configuration layouts include it (the non-split template at its top,
 * the split one from conf.d/main/000_localmacros), so one managed block serves either.
 */
export const EXIM_LOCALMACROS_PATH = "/etc/exim4/exim4.conf.localmacros";

/**
 * The value of the remote_smtp transport's `interface` option. The list starts with `<;` because IPv6
 * addresses contain colons, Exim's default list separator: `<;` makes `;` the separator.
 *
 * @example
 * renderEximInterface({ smtpAddress: "2001:db8:25::25", smtpIpv4: "192.0.2.25" });
 * // "<; 192.0.2.25 ; 2001:db8:25::25"
 */
export function renderEximInterface(spec: EximSpec): string {
  const addresses = [
    ...(spec.smtpIpv4 !== undefined ? [parseIpv4Address(spec.smtpIpv4)] : []),
    parseIpv6Address(spec.smtpAddress),
  ];
  return `<; ${addresses.join(" ; ")}`;
}

/** The macro Debian's remote_smtp transport reads (`.ifdef REMOTE_SMTP_INTERFACE … interface = …`). */
export function renderEximMacros(spec: EximSpec): string {
  return `REMOTE_SMTP_INTERFACE = ${renderEximInterface(spec)}\n`;
}

/** The Exim section, for {@link composeHostScript}. */
export function eximSection(spec: EximSpec): HostScriptSection {
  const value = renderEximInterface(spec);
  const apply = `ex_changed=0
ex_value='${value}'
command -v update-exim4.conf >/dev/null || die "update-exim4.conf not found: this expects Debian's exim4 packaging"
if install_block_if_changed "$IPV6_MAIL_ROOT${EXIM_LOCALMACROS_PATH}" 0644 ${heredoc(renderEximMacros(spec))}
then
  ex_changed=1
  update-exim4.conf
  if [ -z "$IPV6_MAIL_ROOT" ]; then invoke-rc.d exim4 reload; fi
fi
exim4 -bP transport remote_smtp | grep -qF "interface = $ex_value" ||
  die "exim4 -bP transport remote_smtp does not show interface = $ex_value: is REMOTE_SMTP_INTERFACE used by the remote_smtp transport?"`;
  const rollback = `if [ "$ex_changed" = 1 ]; then
  update-exim4.conf
  if [ -z "$IPV6_MAIL_ROOT" ]; then invoke-rc.d exim4 reload; fi
fi`;
  return { name: "exim", apply, rollback };
}

/**
 * Renders the Exim script: the macro as a managed block in the local macros file, `update-exim4.conf` and a
 * reload only when it changed, then a check that the transport really carries the interface list.
 */
export function renderEximScript(spec: EximSpec): string {
  return composeHostScript([eximSection(spec)], { title: "Exim outbound IPv6 binding" });
}
