import { SpfAll, SpfAuthorize } from "../../net";

/**
 * The DNS policy a user sets for a mail host: how SPF reads, whether the zone's MX points here, the TTLs.
 * Declared once: {@link MailDnsArgs} and MailServer's `dns` both extend it, and {@link MAIL_DNS_SETTINGS}
 * lists its keys so that a MailServer hands exactly these to its MailDns and names their problems
 * `dns.<key>`. The values are checked by the DNS plan (`planMailDns`) against the declarations in
 * `net/mail-host-settings.ts`.
 */
export interface MailDnsSettings {
  /** `prefix` (default) authorizes the whole /64 in SPF, `address` only the SMTP address. */
  spfAuthorize?: SpfAuthorize;
  /** Extra SPF mechanisms, e.g. `include:` of a relay. */
  spfMechanisms?: string[];
  /** `-all` (default) or `~all`. */
  spfAll?: SpfAll;
  /** Point the zone's MX at this host (default true). */
  mx?: boolean;
  /** MX preference (default 10; lower is preferred). */
  mxPriority?: number;
  /** TTL of the records (default 3600). */
  ttl?: number;
  /** TTL of the AAAA record; a low one (300) while rolling IPv6 out lets you withdraw it fast. */
  aaaaTtl?: number;
}

/** The keys of {@link MailDnsSettings}; the compiler checks that the list names every key, and no other. */
export const MAIL_DNS_SETTINGS = [
  "spfAuthorize",
  "spfMechanisms",
  "spfAll",
  "mx",
  "mxPriority",
  "ttl",
  "aaaaTtl",
] as const satisfies readonly (keyof MailDnsSettings)[];

// A key added to MailDnsSettings but not to the list fails to compile here.
const EVERY_SETTING_LISTED: Exclude<keyof MailDnsSettings, (typeof MAIL_DNS_SETTINGS)[number]> extends never
  ? true
  : never = true;
void EVERY_SETTING_LISTED;

/** Whether a field name of MailDns's arguments is one of the settings. */
export function isMailDnsSetting(field: string): field is (typeof MAIL_DNS_SETTINGS)[number] {
  return (MAIL_DNS_SETTINGS as readonly string[]).includes(field);
}

/** The settings out of an object that has them among other fields (MailServer's `dns`). */
export function mailDnsSettingsOf(source: MailDnsSettings | undefined): MailDnsSettings {
  const settings: Record<string, unknown> = {};
  for (const key of MAIL_DNS_SETTINGS) {
    if (source?.[key] !== undefined) settings[key] = source[key];
  }
  return settings as MailDnsSettings;
}
