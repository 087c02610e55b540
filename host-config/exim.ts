import { parseIpv4Address, parseIpv6Address } from "../net";
import { composeHostScript, HostPackage, HostScriptSection } from "./script-frame";
import { heredoc } from "./shell-text";

/** Which addresses Exim's remote_smtp transport binds to. */
export interface EximSpec {
  /** The IPv6 mail address (inside the dedicated /64). */
  readonly smtpAddress: string;
  /** Optional IPv4 to bind outbound IPv4 SMTP to. */
  readonly smtpIpv4?: string;
  /** The host's name; when given, a host without Exim gets Debian's exim4 installed under that name. */
  readonly hostName?: string;
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

/** Key of the recorded original of {@link EXIM_LOCALMACROS_PATH}. */
export const EXIM_ORIGINAL_KEY = "exim4.localmacros";

/**
 * Debian's Exim (the light daemon), answered as its installer asks it: an "internet site" that sends and
 * receives mail directly over SMTP, on every interface, under the host's name, in one configuration file.
 */
export function eximPackage(hostName: string): HostPackage {
  const name = hostName.replace(/\.$/, "").toLowerCase();
  if (!/^[a-z0-9.-]+$/.test(name)) {
    throw new Error(`host-config Exim: hostName "${hostName}" is not a host name`);
  }
  return {
    name: "exim4-daemon-light",
    command: "exim4",
    debconf: [
      "exim4-config exim4/dc_eximconfig_configtype select internet site; mail is sent and received directly using SMTP",
      `exim4-config exim4/mailname string ${name}`,
      `exim4-config exim4/dc_other_hostnames string ${name}`,
      "exim4-config exim4/dc_local_interfaces string ",
      "exim4-config exim4/use_split_config boolean false",
    ],
  };
}

/**
 * The Exim section, for {@link composeHostScript}. The local macros file as it was before the first change
 * is recorded on the host, for {@link eximRestoreSection}.
 */
export function eximSection(spec: EximSpec): HostScriptSection {
  const value = renderEximInterface(spec);
  const apply = `ex_changed=0
ex_value='${value}'
command -v update-exim4.conf >/dev/null || die "update-exim4.conf not found: this expects Debian's exim4 packaging"
if install_block_if_changed "$IPV6_MAIL_ROOT${EXIM_LOCALMACROS_PATH}" 0644 ${EXIM_ORIGINAL_KEY} ${heredoc(renderEximMacros(spec))}
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
  return {
    name: "exim",
    apply,
    rollback,
    packages: spec.hostName === undefined ? [] : [eximPackage(spec.hostName)],
  };
}

/**
 * The remove script's Exim section: the macro block leaves the local macros file, which gets its recorded
 * original back (or goes, when apply created it), then the configuration is regenerated and Exim reloads.
 */
export function eximRestoreSection(): HostScriptSection {
  const apply = `ex_changed=0
ex_macros="$IPV6_MAIL_ROOT${EXIM_LOCALMACROS_PATH}"
if restore_block_original ${EXIM_ORIGINAL_KEY} "$ex_macros"; then
  ex_changed=1
  command -v update-exim4.conf >/dev/null || die "update-exim4.conf not found: cannot regenerate Exim's configuration"
  update-exim4.conf
  if [ -z "$IPV6_MAIL_ROOT" ]; then invoke-rc.d exim4 reload; fi
fi
if [ -f "$ex_macros" ] && grep -qxF -- "$ipv6_mail_block_begin" "$ex_macros"; then die "$ex_macros still holds the ipv6-mail block"; fi`;
  const rollback = `if [ "$ex_changed" = 1 ]; then
  update-exim4.conf
  if [ -z "$IPV6_MAIL_ROOT" ]; then invoke-rc.d exim4 reload; fi
fi`;
  return { name: "exim_restore", apply, rollback };
}

/**
 * Renders the Exim script: the macro as a managed block in the local macros file, `update-exim4.conf` and a
 * reload only when it changed, then a check that the transport really carries the interface list.
 */
export function renderEximScript(spec: EximSpec): string {
  return composeHostScript([eximSection(spec)], { title: "Exim outbound IPv6 binding" });
}
