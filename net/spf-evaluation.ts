/**
 * mailauth's SPF evaluator, loaded on first use: it pulls in joi, libmime and the public suffix list (most of
 * the policy pack's load time), and only `spf-authorizes-sender` evaluates records, never the components.
 */
let evaluator: Promise<typeof import("mailauth/lib/spf")> | undefined;

/** The record types an SPF evaluation asks for (RFC 7208 §5; the SPF RR type 99 is obsolete, §3.1). */
export type SpfQueryType = "TXT" | "A" | "AAAA" | "MX" | "PTR";

/** One MX record as an SPF evaluation reads it. */
export interface SpfMxData {
  readonly exchange: string;
  readonly priority: number;
}

/**
 * One record of an answer: a TXT record's text (or its character-strings, which receivers join without
 * spaces, RFC 7208 §3.3), an A/AAAA address, a PTR target name, or an MX record.
 */
export type SpfRecordData = string | readonly string[] | SpfMxData;

/**
 * What a source of DNS data answers one question with: the records, or that the name does not exist
 * (`nxdomain`), that it has no record of that type (`nodata`), that the server failed (`timeout`), or
 * `cannot-know`: the source does not hold the answer (a name outside the stack, a value unknown at preview).
 * An empty list of records means `nodata`.
 */
export type SpfDnsAnswer = readonly SpfRecordData[] | "nxdomain" | "nodata" | "timeout" | "cannot-know";

/**
 * Where an evaluation gets its DNS answers from: the stack's planned records, a test suite's zone data, or a
 * real resolver (hence the promise).
 */
export type SpfDnsSource = (name: string, type: SpfQueryType) => SpfDnsAnswer | Promise<SpfDnsAnswer>;

/** The results of RFC 7208 §2.6, plus `unknown`: the answer depends on DNS data the source cannot know. */
export type SpfResult =
  | "pass"
  | "fail"
  | "softfail"
  | "neutral"
  | "none"
  | "permerror"
  | "temperror"
  | "unknown";

/** The outcome of one SPF evaluation. */
export interface SpfEvaluation {
  readonly result: SpfResult;
  /** Why, in the evaluator's words (e.g. the syntax error of a permerror), for messages to people. */
  readonly reason?: string;
  /** The domain owner's `exp=` text of a `fail` (RFC 7208 §6.2); third-party text. */
  readonly explanation?: string;
}

/** Input of {@link evaluateSpf}. */
export interface SpfCheck {
  /** The SMTP client's address; an IPv4-mapped IPv6 address is evaluated as IPv4 (RFC 7208 §5). */
  readonly ip: string;
  /** The MAIL FROM address; empty or absent checks the HELO identity (`postmaster@<helo>`, RFC 7208 §2.4). */
  readonly mailFrom?: string;
  /** The HELO/EHLO name. */
  readonly helo: string;
  readonly dns: SpfDnsSource;
}

/** The error code the evaluator gets for a `cannot-know` answer; it ends the evaluation like a DNS error. */
const CANNOT_KNOW = "EIPV6MAILCANNOTKNOW";

const ERROR_CODES = {
  nxdomain: "ENOTFOUND",
  nodata: "ENODATA",
  timeout: "ETIMEOUT",
  "cannot-know": CANNOT_KNOW,
};

/**
 * `check_host()` of RFC 7208, by mailauth's SPF evaluator in its strict mode (the RFC exactly: the whole
 * record validated first, void lookups counted, no lenient parsing), asking `dns` instead of the network.
 *
 * The package judges SPF with this one implementation everywhere: the planner validates records with the
 * same validator (`spf-syntax.ts`), the policy pack evaluates the stack's records with a source that answers
 * from the stack, and the openspf RFC 7208 suite runs against it with a source answering from its zone data.
 *
 * When any question got `cannot-know`, the result is `unknown`, whatever the evaluator made of the missing
 * answer (a `ptr` mechanism whose lookup fails does not match, so a known-looking result may rest on it).
 * That includes the `exp=` lookup of a `fail`, so a fail whose explanation cannot be known is `unknown` too.
 *
 * @example
 * await evaluateSpf({ ip: "2001:db8:25::25", helo: "mx1.example.org", dns: (name, type) =>
 *   name === "mx1.example.org" && type === "TXT" ? ["v=spf1 ip6:2001:db8:25::/64 -all"] : "nxdomain" });
 * // { result: "pass" }
 */
export async function evaluateSpf(check: SpfCheck): Promise<SpfEvaluation> {
  let cannotKnow: string | undefined;
  const resolver = async (name: string, type: string): Promise<unknown[]> => {
    const answer = await check.dns(name, type as SpfQueryType);
    if (typeof answer === "string" || answer.length === 0) {
      const kind = typeof answer === "string" ? answer : "nodata";
      if (kind === "cannot-know") cannotKnow ??= `the ${type} records of ${name} are not known`;
      const error = new Error(`${type} ${name}: ${kind}`) as Error & { code: string };
      error.code = ERROR_CODES[kind];
      throw error;
    }
    return answer.map((record) => (typeof record === "string" && type === "TXT" ? [record] : record));
  };
  evaluator ??= import("mailauth/lib/spf");
  const { spf } = await evaluator;
  const verdict = await spf({
    ip: check.ip,
    sender: check.mailFrom || undefined,
    helo: check.helo,
    mta: "ipv6-mail",
    strict: true,
    resolver: resolver as never,
  });
  if (cannotKnow !== undefined) return { result: "unknown", reason: cannotKnow };
  const result = verdict.status.result as SpfResult;
  const reason = typeof verdict.status.comment === "string" ? verdict.status.comment : undefined;
  return {
    result,
    ...(reason !== undefined ? { reason } : {}),
    ...(verdict.explanation !== undefined ? { explanation: verdict.explanation } : {}),
  };
}
