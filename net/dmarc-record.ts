import { isDomainName } from "./mail-dns-plan";

/** What a DMARC record says (RFC 7489 section 6.3). */
export interface DmarcPolicy {
  /**
   * What receivers do with mail that fails: `none` (report only), `quarantine` (spam folder), `reject`.
   * Default `quarantine`: a mistake while rolling out lands in spam folders instead of being lost, and
   * forged mail is still kept out of inboxes; move to `reject` once the aggregate reports are clean.
   */
  readonly policy?: "none" | "quarantine" | "reject";
  /** Where aggregate reports go (`rua=mailto:…`), e.g. `dmarc@example.org`. */
  readonly reportAddress?: string;
}

/** The owner name of a domain's DMARC record. */
export function dmarcRecordName(domain: string): string {
  if (!isDomainName(domain)) throw new Error(`dmarcRecordName: domain "${domain}" is not a domain name`);
  return `_dmarc.${domain.toLowerCase()}`;
}

/**
 * The TXT text of a DMARC record: the policy for the domain and its subdomains, relaxed alignment (the
 * default, which the HELO/From names of one host satisfy) and the reporting address when given.
 *
 * @example
 * dmarcRecordText({ policy: "reject", reportAddress: "dmarc@example.org" });
 * // "v=DMARC1; p=reject; rua=mailto:dmarc@example.org"
 */
export function dmarcRecordText(spec: DmarcPolicy = {}): string {
  const policy = spec.policy ?? "quarantine";
  const parts = ["v=DMARC1", `p=${policy}`];
  if (spec.reportAddress !== undefined) {
    const at = spec.reportAddress.lastIndexOf("@");
    if (at < 1 || !isDomainName(spec.reportAddress.slice(at + 1)) || /[\s;,!]/.test(spec.reportAddress)) {
      throw new Error(`dmarcRecordText: reportAddress "${spec.reportAddress}" is not a mail address`);
    }
    parts.push(`rua=mailto:${spec.reportAddress}`);
  }
  return parts.join("; ");
}
