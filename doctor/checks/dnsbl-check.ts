import { dnsblQueryName } from "../../net";
import type { DoctorCheck } from "../doctor-report";
import { classifyDnsblAnswer, type DnsblClassification } from "../dnsbl-answer";
import { type DnsAnswer, recordsOf } from "../dns-lookup";

/** One DNSBL lookup: the address, the query name (nibbles, RFC 5782 §2.4), the answer and its TXT reason. */
export interface DnsblLookup {
  readonly address: string;
  readonly queryName: string;
  readonly answer: DnsAnswer<string>;
  readonly txt?: DnsAnswer<string[]>;
}

/** The query names of a zone's lookups: each address (the SMTP address and the address mail leaves from). */
export function dnsblQueries(
  zone: string,
  addresses: readonly string[],
): { address: string; queryName: string }[] {
  return addresses.map((address) => ({ address, queryName: dnsblQueryName(address, zone) }));
}

/**
 * One DNSBL zone's verdict on the addresses: `fail` when one is listed (with the list's TXT reason), `warn`
 * when the list refused or failed to answer (nothing is known), `ok` when every lookup is NXDOMAIN.
 */
export function dnsblCheck(zone: string, lookups: readonly DnsblLookup[]): DoctorCheck {
  const judged = lookups.map((l) => ({ ...l, verdict: classifyDnsblAnswer(l.answer) }));
  const details = {
    zone,
    lookups: judged.map((l) => ({
      address: l.address,
      queryName: l.queryName,
      verdict: l.verdict.verdict,
      codes: l.verdict.codes,
      reason:
        l.txt === undefined
          ? null
          : recordsOf(l.txt)
              .map((s) => s.join(""))
              .join(" ") || null,
    })),
  };
  const of = (v: DnsblClassification["verdict"]) => judged.filter((l) => l.verdict.verdict === v);
  const listed = of("listed");
  if (listed.length > 0) {
    const text = listed
      .map((l) => {
        const reason =
          l.txt === undefined
            ? ""
            : recordsOf(l.txt)
                .map((s) => s.join(""))
                .join(" ");
        return `${l.address} ${l.verdict.reason}${reason ? `: "${reason}"` : ""}`;
      })
      .join("; ");
    return {
      id: "dnsbl",
      status: "fail",
      summary: `${zone}: ${text}`,
      fix: `send from a dedicated /64 of your own (ipv6-mail's HE tunnel or a provider /64 that is yours alone): lists block IPv6 by /64, so a neighbour in a shared /64 gets you rejected; then ask ${zone} to delist if the dedicated address itself is listed`,
      details,
    };
  }
  const unknown = [...of("refused"), ...of("error")];
  if (unknown.length > 0) {
    return {
      id: "dnsbl",
      status: "warn",
      summary: `${zone}: ${unknown.map((l) => `${l.address} ${l.verdict.reason}`).join("; ")}`,
      fix:
        of("refused").length > 0
          ? `query ${zone} through a resolver of your own (--resolver), not a public one, or use the list's registered zone`
          : `check --resolver and whether ${zone} still works`,
      details,
    };
  }
  return {
    id: "dnsbl",
    status: "ok",
    summary: `${zone}: ${judged.map((l) => l.address).join(", ")} not listed`,
    details,
  };
}
