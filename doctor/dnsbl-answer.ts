import type { DnsAnswer } from "./dns-lookup";

/**
 * What a DNSBL's answer means (RFC 5782 §2.3, and the special answers lists use):
 * - `clean`: NXDOMAIN (or no A record): not listed;
 * - `listed`: an A record in 127.0.0.0/8 other than the special ones below (e.g. 127.0.0.2);
 * - `refused`: Spamhaus' 127.255.255.x: the list did not answer the query (252: the query name is malformed,
 *   254: asked through a public/open resolver, 255: too many queries), so nothing is known: not "listed";
 * - `error`: an answer outside 127.0.0.0/8 (a dead list whose domain now wildcards), 127.0.0.1 (no list uses it
 *   for a listing; some signal errors with it), or no answer from the server.
 */
export type DnsblVerdict = "clean" | "listed" | "refused" | "error";

/** The meaning of one DNSBL lookup. */
export interface DnsblClassification {
  readonly verdict: DnsblVerdict;
  /** The A records of the answer (the list's return codes). */
  readonly codes: readonly string[];
  /** Why, for people. */
  readonly reason: string;
}

/** Classifies the A answer of one DNSBL query. */
export function classifyDnsblAnswer(answer: DnsAnswer<string>): DnsblClassification {
  if (!("records" in answer)) {
    if (answer.failure === "nxdomain" || answer.failure === "nodata") {
      return { verdict: "clean", codes: [], reason: "not listed (NXDOMAIN)" };
    }
    return { verdict: "error", codes: [], reason: `no answer (${answer.failure}: ${answer.message})` };
  }
  const codes = [...answer.records];
  const refused = codes.filter((c) => /^127\.255\.255\.\d+$/.test(c));
  if (refused.length > 0) {
    return {
      verdict: "refused",
      codes,
      reason: `the list refused the query (${refused.join(", ")}: e.g. asked through a public resolver), not a listing`,
    };
  }
  const foreign = codes.filter((c) => !c.startsWith("127."));
  if (foreign.length > 0) {
    return {
      verdict: "error",
      codes,
      reason: `answer ${foreign.join(", ")} is outside 127.0.0.0/8: the list is not working`,
    };
  }
  const listed = codes.filter((c) => c !== "127.0.0.1");
  if (listed.length === 0)
    return { verdict: "error", codes, reason: "answer 127.0.0.1 is an error code, not a listing" };
  return { verdict: "listed", codes, reason: `listed (${listed.join(", ")})` };
}
