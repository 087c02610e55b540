import { postfixSettings, PostfixSpec } from "./postfix";
import { shellQuote } from "./shell-text";

/** Postfix's configuration directory on FreeBSD (the `mail/postfix` port installs under /usr/local). */
export const FREEBSD_POSTFIX_MAIN_CF = "/usr/local/etc/postfix/main.cf";

/** The Postfix binding of a FreeBSD mail host: the same `main.cf` settings as on Linux, two ways to apply them. */
export interface FreebsdPostfixBinding {
  /** `name = value` lines for {@link FREEBSD_POSTFIX_MAIN_CF}. */
  readonly mainCf: string;
  /**
   * One POSIX sh command line (FreeBSD's base system has no bash) that sets them with `postconf -e` and
   * restarts Postfix (`inet_protocols` is read only at start).
   */
  readonly command: string;
}

/**
 * Renders the Postfix binding for FreeBSD from {@link postfixSettings}, the settings the Linux script applies
 * (source address pinned to the mail address, enforced, FCrDNS host name), so both systems send alike.
 */
export function renderFreebsdPostfix(spec: PostfixSpec): FreebsdPostfixBinding {
  const settings = postfixSettings(spec);
  return {
    mainCf: `${settings.map(([name, value]) => `${name} = ${value}`).join("\n")}\n`,
    command: `postconf -e ${settings.map(([name, value]) => shellQuote(`${name}=${value}`)).join(" ")} && service postfix restart\n`,
  };
}
