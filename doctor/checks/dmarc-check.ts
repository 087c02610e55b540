import { dmarcRecordName, dmarcRecordText } from "../../net";
import type { DoctorCheck } from "../doctor-report";
import { type DnsAnswer, recordsOf } from "../dns-lookup";

/** A DMARC record's tags (RFC 7489 §6.3) as parsed from its TXT text. */
export interface DmarcRecord {
  readonly policy: "none" | "quarantine" | "reject";
  readonly subdomainPolicy?: string;
  readonly reportAddresses: readonly string[];
  readonly tags: Readonly<Record<string, string>>;
}

/**
 * Parses a DMARC record: `v=DMARC1` first, a valid `p=`. Returns the problem as a string when it is not a
 * valid one (receivers then ignore it, RFC 7489 §6.6.3).
 */
export function parseDmarcRecord(text: string): DmarcRecord | string {
  const parts = text
    .split(";")
    .map((p) => p.trim())
    .filter((p) => p !== "");
  const tags: Record<string, string> = {};
  for (const part of parts) {
    const eq = part.indexOf("=");
    if (eq < 0) return `"${part}" is not a tag=value pair`;
    tags[part.slice(0, eq).trim().toLowerCase()] = part.slice(eq + 1).trim();
  }
  if (!/^v\s*=\s*DMARC1$/.test(parts[0] ?? "")) return "it does not start with v=DMARC1";
  const p = tags.p;
  if (p !== "none" && p !== "quarantine" && p !== "reject")
    return `p=${p ?? "(missing)"} is not none, quarantine or reject`;
  return {
    policy: p,
    ...(tags.sp !== undefined ? { subdomainPolicy: tags.sp } : {}),
    reportAddresses: (tags.rua ?? "")
      .split(",")
      .map((a) => a.trim())
      .filter((a) => a !== ""),
    tags,
  };
}

/** DMARC: `_dmarc.<domain>` holds exactly one valid record; `p=none` is a warning (it protects nothing). */
export function dmarcCheck(domain: string, answer: DnsAnswer<string[]>): DoctorCheck {
  const name = dmarcRecordName(domain);
  const texts = recordsOf(answer)
    .map((s) => s.join(""))
    .filter((t) => /^v\s*=\s*DMARC1\b/i.test(t));
  const fix = `publish TXT ${name} "${dmarcRecordText({ reportAddress: `dmarc@${domain}` })}"`;
  if (texts.length === 0) {
    return {
      id: "dmarc",
      status: "fail",
      summary: `${name} has no DMARC record (${"failure" in answer ? answer.failure : "no v=DMARC1 TXT"})`,
      fix,
      details: { name, records: [] },
    };
  }
  if (texts.length > 1) {
    return {
      id: "dmarc",
      status: "fail",
      summary: `${name} has ${texts.length} DMARC records: receivers ignore them all`,
      fix: "keep one",
      details: { name, records: texts },
    };
  }
  const parsed = parseDmarcRecord(texts[0]);
  if (typeof parsed === "string") {
    return {
      id: "dmarc",
      status: "fail",
      summary: `${name} is not a valid DMARC record: ${parsed}`,
      fix,
      details: { name, records: texts },
    };
  }
  const details = { name, records: texts, policy: parsed.policy, reportAddresses: parsed.reportAddresses };
  if (parsed.policy === "none") {
    return {
      id: "dmarc",
      status: "warn",
      summary: `DMARC of ${domain}: p=none (reports only)`,
      fix: "move to p=quarantine, then p=reject, once the aggregate reports are clean",
      details,
    };
  }
  return { id: "dmarc", status: "ok", summary: `DMARC of ${domain}: p=${parsed.policy}`, details };
}
