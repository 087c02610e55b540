import { validateTerms } from "mailauth/lib/spf/syntax";
import { containingIpv6Prefix, parseIpv4Address, tryParseCidr } from "./ip-prefix";

/** SPF's limit on terms that cause DNS lookups (RFC 7208 §4.6.4); past it receivers return permerror. */
export const SPF_LOOKUP_LIMIT = 10;

/** The SPF mechanisms and modifiers that cost a DNS lookup. `ip4`, `ip6` and `all` cost none. */
const LOOKUP_TERMS = new Set(["include", "a", "mx", "ptr", "exists", "redirect"]);

/** One term of an SPF record, as written. */
export interface SpfTerm {
  /** `+`, `-`, `~` or `?` (`+` when none is written); modifiers have none. */
  readonly qualifier?: "+" | "-" | "~" | "?";
  /** Mechanism or modifier name, lower case: `ip6`, `include`, `redirect`… */
  readonly name: string;
  /** What follows `:` or `=`, or the `/…` suffix of a bare `a`/`mx`, if anything. */
  readonly value?: string;
  readonly kind: "mechanism" | "modifier";
  readonly text: string;
}

/** A record's terms with what a reviewer checks beyond RFC 7208 validity. */
export interface ParsedSpf {
  readonly terms: readonly SpfTerm[];
  /** The first `all` mechanism with its qualifier, e.g. `-all`, when present. */
  readonly all?: string;
  /** Terms that cost a DNS lookup. */
  readonly lookupCount: number;
  /**
   * Why receivers answer `permerror` or `none` for it (RFC 7208 syntax, by mailauth's validator), then what a
   * reviewer objects to (terms after `all`, more lookup terms than the limit); empty when the record is fine.
   */
  readonly problems: readonly string[];
}

/** The record's terms, split on spaces as RFC 7208 §4.6.1 does (`terms = *( 1*SP ( directive / modifier ) )`). */
function termsOf(words: readonly string[]): SpfTerm[] {
  return words.map((text) => {
    const modifier = /^([a-z][a-z0-9_.-]*)=(.*)$/i.exec(text);
    if (modifier) return { name: modifier[1].toLowerCase(), value: modifier[2], kind: "modifier", text };
    const match = /^([+\-~?]?)([^:/]*)(?::(.*)|(\/.*))?$/.exec(text) as RegExpExecArray;
    const qualifier = (match[1] || "+") as SpfTerm["qualifier"];
    const value = match[3] ?? match[4];
    return { qualifier, name: match[2].toLowerCase(), value, kind: "mechanism", text };
  });
}

/**
 * Why a record is not valid SPF, in the words of mailauth's RFC 7208 validator (the one its strict evaluation,
 * `evaluateSpf`, runs before evaluating anything), or undefined when it is valid. Synchronous, so that the DNS
 * planner refuses a bad record before any resource is registered. The version, the character set and the
 * split on single spaces are RFC 7208 §4.5, §3 and §4.6.1, as that evaluation applies them to a record.
 */
function syntaxProblem(text: string, words: readonly string[]): string | undefined {
  if (!/^v=spf1( |$)/i.test(text)) return 'an SPF record must start with "v=spf1" followed by a space';
  if (/[^\x20-\x7e]/.test(text)) return "it holds characters other than printable ASCII and spaces";
  return validateTerms(words.slice(1)) || undefined;
}

/**
 * Splits an SPF record into its terms and judges it without DNS: RFC 7208 validity (mailauth's validator:
 * domain-spec and macro syntax, CIDR suffixes, `ip4`/`ip6` networks, duplicate modifiers), terms after `all`
 * (never evaluated), and the lookup count against the limit of 10 (RFC 7208 §4.6.4).
 *
 * @example
 * parseSpf("v=spf1 ip6:2001:db8:25::/64 include:_spf.example.net -all").lookupCount; // 1
 * parseSpf("v=spf1 a:foo-bar -all").problems; // ['Invalid domain-spec "foo-bar"']
 */
export function parseSpf(text: string): ParsedSpf {
  const record = String(text);
  const words = record.split(" ").filter((w) => w !== "");
  const problems: string[] = [];
  const syntax = syntaxProblem(record, words);
  if (syntax !== undefined) problems.push(syntax);
  const terms = termsOf(/^v=spf1$/i.test(words[0] ?? "") ? words.slice(1) : words);
  let all: string | undefined;
  for (const term of terms) {
    if (all !== undefined && term.kind === "mechanism")
      problems.push(`"${term.text}" comes after "${all}" and is never evaluated`);
    if (term.kind === "mechanism" && term.name === "all" && all === undefined) all = `${term.qualifier}all`;
  }
  const lookupCount = terms.filter((t) => LOOKUP_TERMS.has(t.name)).length;
  if (lookupCount > SPF_LOOKUP_LIMIT)
    problems.push(`${lookupCount} terms cause DNS lookups; SPF allows at most ${SPF_LOOKUP_LIMIT}`);
  return { terms, all, lookupCount, problems };
}

/**
 * The network an `ip4:`/`ip6:` term names, as RFC 7208 §5.6 reads it: the address with its host bits cleared
 * (`ip6:2001:db8::25/64` is `2001:db8::/64`), a bare address being a /32 or /128. Undefined for other terms
 * and for values that are not an address of the term's family.
 */
export function spfTermNetwork(term: SpfTerm): { family: 4 | 6; first: bigint; length: number } | undefined {
  if (term.kind !== "mechanism" || (term.name !== "ip4" && term.name !== "ip6") || term.value === undefined)
    return undefined;
  const [address, lengthText, extra] = term.value.split("/");
  const bits = term.name === "ip4" ? 32 : 128;
  const length = lengthText === undefined ? bits : Number(lengthText);
  if (extra !== undefined || (lengthText !== undefined && !/^\d{1,3}$/.test(lengthText)) || length > bits)
    return undefined;
  try {
    if (term.name === "ip6") return { family: 6, first: containingIpv6Prefix(address, length).first, length };
    const value = parseIpv4Address(address)
      .split(".")
      .reduce((acc, octet) => (acc << 8n) | BigInt(octet), 0n);
    const first = length === 0 ? 0n : (value >> BigInt(bits - length)) << BigInt(bits - length);
    return { family: 4, first, length };
  } catch {
    return undefined;
  }
}

/** Options of {@link buildSpfRecord}. */
export interface SpfRecordSpec {
  /** IPv4 addresses or networks to authorize. */
  readonly ipv4?: readonly string[];
  /** IPv6 addresses or networks to authorize (the dedicated /64, or the SMTP address). */
  readonly ipv6?: readonly string[];
  /** Extra mechanisms from the user, e.g. `include:_spf.mailprovider.example`, kept in order. */
  readonly mechanisms?: readonly string[];
  /** How strict the record ends. `-all` (fail) is the default; `~all` softfail eases a migration. */
  readonly all?: "-all" | "~all" | "?all";
}

/**
 * The canonical text of an `ip4:`/`ip6:` term, so that one network written two ways is recognised as a
 * duplicate: lower case, RFC 5952 address, no `+` (the default qualifier), and no `/32` or `/128` (a bare
 * address means the same). Other terms, and ones that do not parse, are returned unchanged.
 */
function canonicalSpfTerm(term: string): string {
  const match = /^([+\-~?]?)(ip[46]):(.+)$/i.exec(term);
  if (!match) return term;
  const name = match[2].toLowerCase();
  const cidr = tryParseCidr(match[3]);
  if (!cidr || cidr.family !== (name === "ip4" ? 4 : 6)) return term;
  const fullLength = cidr.family === 4 ? 32 : 128;
  const network = cidr.prefix.length === fullLength ? cidr.prefix.address : cidr.prefix.text;
  return `${match[1] === "+" ? "" : match[1]}${name}:${network}`;
}

/**
 * Builds an SPF record: `v=spf1`, the IPv4 and IPv6 senders, the user's mechanisms, then the `all` policy. Any
 * `all` or `v=spf1` in the user's mechanisms is dropped (the record has exactly one of each); duplicate terms
 * are removed, `ip4:`/`ip6:` ones compared as networks (`ip6:2001:DB8:0::/64` and `+ip6:2001:db8::/64` are
 * one term, written canonically).
 *
 * @example
 * buildSpfRecord({ ipv4: ["192.0.2.10"], ipv6: ["2001:db8:25::/64"] });
 * // "v=spf1 ip4:192.0.2.10 ip6:2001:db8:25::/64 -all"
 */
export function buildSpfRecord(spec: SpfRecordSpec): string {
  const terms = [
    ...(spec.ipv4 ?? []).map((a) => `ip4:${a}`),
    ...(spec.ipv6 ?? []).map((a) => `ip6:${a}`),
    ...(spec.mechanisms ?? []).filter((m) => !/^[+\-~?]?all$/i.test(m) && m.toLowerCase() !== "v=spf1"),
  ].map(canonicalSpfTerm);
  return ["v=spf1", ...new Set(terms), spec.all ?? "-all"].join(" ");
}

/**
 * Splits a TXT value into character-strings of at most 255 bytes (a DNS limit; RFC 7208 §3.3 says receivers
 * join them without spaces). ASCII is assumed, as SPF is ASCII.
 */
export function splitTxt255(text: string): string[] {
  const parts: string[] = [];
  for (let i = 0; i < text.length; i += 255) parts.push(text.slice(i, i + 255));
  return parts.length > 0 ? parts : [""];
}
