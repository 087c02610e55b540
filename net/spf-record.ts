import { tryParseCidr, parseIpv6Address, ipv6ToBigInt } from "./ip-prefix";

/** SPF's limit on terms that cause DNS lookups (RFC 7208 §4.6.4); past it receivers return permerror. */
export const SPF_LOOKUP_LIMIT = 10;

/** The SPF mechanisms and modifiers that cost a DNS lookup. `ip4`, `ip6` and `all` cost none. */
const LOOKUP_TERMS = new Set(["include", "a", "mx", "ptr", "exists", "redirect"]);
const MECHANISMS = new Set(["all", "include", "a", "mx", "ptr", "ip4", "ip6", "exists"]);

/** One term of an SPF record. */
export interface SpfTerm {
  /** `+`, `-`, `~` or `?`; modifiers have none. */
  readonly qualifier?: "+" | "-" | "~" | "?";
  /** Mechanism or modifier name, lower case: `ip6`, `include`, `redirect`… */
  readonly name: string;
  /** What follows `:`, `/` or `=`, if anything. */
  readonly value?: string;
  readonly kind: "mechanism" | "modifier";
  readonly text: string;
}

/** A parsed SPF record with everything a reviewer checks. */
export interface ParsedSpf {
  readonly terms: readonly SpfTerm[];
  /** The `all` mechanism with its qualifier, e.g. `-all`, when present. */
  readonly all?: string;
  /** Terms that cost a DNS lookup. */
  readonly lookupCount: number;
  /** Syntax problems and limit violations; empty when the record is valid. */
  readonly problems: readonly string[];
}

function parseTerm(text: string): SpfTerm | string {
  const modifier = /^([a-z][a-z0-9_.-]*)=(.*)$/i.exec(text);
  if (modifier) {
    return { name: modifier[1].toLowerCase(), value: modifier[2], kind: "modifier", text };
  }
  const match = /^([+\-~?]?)([a-z][a-z0-9]*)(?:[:/](.*))?$/i.exec(text);
  if (!match) return `"${text}" is not an SPF term`;
  const name = match[2].toLowerCase();
  if (!MECHANISMS.has(name)) return `"${text}" uses the unknown mechanism "${name}"`;
  const qualifier = (match[1] || "+") as SpfTerm["qualifier"];
  const separator = text.charAt(match[1].length + match[2].length);
  const value = match[3] === undefined ? undefined : separator === "/" ? `/${match[3]}` : match[3];
  if (name === "ip4" || name === "ip6") {
    const cidr = value === undefined ? undefined : tryParseCidr(value);
    if (!cidr || cidr.family !== (name === "ip4" ? 4 : 6))
      return `"${text}" does not hold a valid ${name} address or network`;
  }
  if ((name === "include" || name === "exists") && !value) return `"${text}" needs a domain`;
  if (name === "all" && value !== undefined) return `"${text}": all takes no argument`;
  return { qualifier, name, value, kind: "mechanism", text };
}

/** A parsed record plus whether it is free of syntax errors (which make receivers answer permerror). */
interface SpfAnalysis {
  readonly parsed: ParsedSpf;
  readonly syntaxValid: boolean;
}

function analyseSpf(text: string): SpfAnalysis {
  const problems: string[] = [];
  let syntaxValid = true;
  const words = String(text)
    .trim()
    .split(/\s+/)
    .filter((w) => w !== "");
  if (words[0]?.toLowerCase() !== "v=spf1") {
    problems.push('an SPF record must start with "v=spf1"');
    syntaxValid = false;
  }
  const terms: SpfTerm[] = [];
  let all: string | undefined;
  const modifierCounts = new Map<string, number>();
  for (const word of words.slice(words[0]?.toLowerCase() === "v=spf1" ? 1 : 0)) {
    const term = parseTerm(word);
    if (typeof term === "string") {
      problems.push(term);
      syntaxValid = false;
      continue;
    }
    if (all !== undefined && term.kind === "mechanism") {
      problems.push(`"${term.text}" comes after "${all}" and is never evaluated`);
    }
    if (term.kind === "modifier") modifierCounts.set(term.name, (modifierCounts.get(term.name) ?? 0) + 1);
    if (term.name === "all" && all === undefined) all = `${term.qualifier}all`;
    terms.push(term);
  }
  for (const name of ["redirect", "exp"]) {
    if ((modifierCounts.get(name) ?? 0) > 1) {
      problems.push(`the ${name}= modifier appears more than once`);
      syntaxValid = false;
    }
  }
  const lookupCount = terms.filter((t) => LOOKUP_TERMS.has(t.name)).length;
  if (lookupCount > SPF_LOOKUP_LIMIT) {
    problems.push(`${lookupCount} terms cause DNS lookups; SPF allows at most ${SPF_LOOKUP_LIMIT}`);
  }
  return { parsed: { terms, all, lookupCount, problems }, syntaxValid };
}

/**
 * Parses an SPF record (RFC 7208) far enough to judge it without DNS: syntax, the lookup count, where `all`
 * stands, and duplicate modifiers.
 *
 * @example
 * parseSpf("v=spf1 ip6:2001:db8:25::/64 include:_spf.example.net -all").lookupCount; // 1
 */
export function parseSpf(text: string): ParsedSpf {
  return analyseSpf(text).parsed;
}

/**
 * Whether an SPF record authorizes an IPv6 sender, evaluated the way a receiver does, term by term in order,
 * as far as that is possible without DNS. `"unknown"` when a term that needs DNS (include, a, mx, exists,
 * ptr) decides or could decide before a matching `ip6:` term, or when no mechanism matches and a
 * `redirect=` would decide (redirect is only followed after every mechanism failed, RFC 7208 §6.1).
 *
 * A record that is not SPF (no `v=spf1`) or has a syntax error anywhere authorizes nobody: receivers answer
 * "none" or "permerror" (RFC 7208 §4.5, §4.6) whatever the terms say, so the answer is `false`.
 *
 * @example
 * spfAuthorizesIpv6("v=spf1 ip6:2001:db8:25::/64 -all", "2001:db8:25::25"); // true
 * spfAuthorizesIpv6("v=spf1 ip4:192.0.2.1 -all", "2001:db8:25::25");         // false
 */
export function spfAuthorizesIpv6(text: string, address: string): boolean | "unknown" {
  const value = ipv6ToBigInt(parseIpv6Address(address));
  const { parsed, syntaxValid } = analyseSpf(text);
  if (!syntaxValid) return false;
  let undecidable = false;
  for (const term of parsed.terms) {
    // Modifiers never match; redirect= is looked at below, once every mechanism has failed.
    if (term.kind === "modifier") continue;
    if (term.name === "ip6" && term.value !== undefined) {
      const cidr = tryParseCidr(term.value);
      if (cidr && cidr.prefix.first <= value && value <= cidr.prefix.last) {
        return undecidable ? "unknown" : term.qualifier === "+";
      }
      continue;
    }
    if (term.name === "ip4") continue;
    if (term.name === "all") return undecidable ? "unknown" : term.qualifier === "+";
    undecidable = true;
  }
  const redirect = parsed.terms.some((t) => t.kind === "modifier" && t.name === "redirect");
  return undecidable || redirect ? "unknown" : false;
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
