import { ipv6, isIpv6, spf } from "../core/ip-text";
import { evaluateSpf, SPF_LOOKUP_LIMIT } from "../../net";
import { selfAndParents } from "../core/dns-name";
import { readString } from "../core/resource-view";
import { Finding, RuleDefinition } from "../core/rule";
import { findSenders, Sender } from "../core/senders";
import { StackModel } from "../core/stack-model";
import { stackSpfDns } from "../core/stack-spf-dns";
import { Maybe, UNKNOWN } from "../core/unknown";

interface SpfCandidate {
  readonly where: string;
  /** The domain the record is published at (the MAIL FROM domain it is evaluated for). */
  readonly domain: string;
  readonly content: Maybe<string>;
  readonly urn: string;
}

function candidates(
  model: StackModel,
  sender: Sender,
): { list: SpfCandidate[]; findings: Omit<Finding, "urn">[]; domains: string[] } {
  const findings: Omit<Finding, "urn">[] = [];
  const list: SpfCandidate[] = [];
  const domains = typeof sender.heloName === "string" ? selfAndParents(sender.heloName) : [];
  for (const name of domains) {
    const records = model.dns.spfAt(name);
    const distinct = new Map<string, SpfCandidate>();
    for (const r of records) {
      const key = typeof r.content === "string" ? r.content : `?${r.urn}`;
      if (!distinct.has(key))
        distinct.set(key, { where: name, domain: name, content: r.content, urn: r.urn });
    }
    const known = [...distinct.values()].filter((c) => typeof c.content === "string");
    if (known.length > 1) {
      findings.push({
        message: `${name} has ${known.length} SPF records; receivers answer permerror when a name has more than one (merge them into one).`,
      });
    }
    list.push(...distinct.values());
  }
  if (list.length === 0 && sender.mailServer) {
    const spf = readString(sender.mailServer.resource.props, "spfRecord");
    if (spf !== undefined)
      list.push({
        where: `MailServer "${sender.mailServer.resource.name}" spfRecord`,
        // The MailServer's record judged as if published at its host name (or a name that is not in the stack).
        domain: typeof sender.heloName === "string" ? sender.heloName : "spf-record.invalid",
        content: spf,
        urn: sender.mailServer.resource.urn,
      });
  }
  return { list, findings, domains };
}

async function checkRecord(
  model: StackModel,
  candidate: SpfCandidate,
  addresses: readonly string[],
): Promise<Omit<Finding, "urn">[]> {
  if (candidate.content === UNKNOWN || candidate.content === undefined) {
    return [{ unknown: true, message: `the SPF record at ${candidate.where} is unknown.` }];
  }
  const text = candidate.content;
  const parsed = spf(text);
  const out: Omit<Finding, "urn">[] = [];
  for (const problem of parsed.problems)
    out.push({ message: `the SPF record at ${candidate.where} ("${text}") is invalid: ${problem}.` });
  if (parsed.lookupCount > SPF_LOOKUP_LIMIT && !parsed.problems.some((p) => p.includes("lookups"))) {
    out.push({
      message: `the SPF record at ${candidate.where} needs ${parsed.lookupCount} DNS lookups; the limit is ${SPF_LOOKUP_LIMIT}.`,
    });
  }
  const redirect = parsed.terms.some((t) => t.kind === "modifier" && t.name === "redirect");
  if (parsed.all !== "-all" && parsed.all !== "~all" && !(redirect && parsed.all === undefined)) {
    out.push({
      message: `the SPF record at ${candidate.where} ends in ${parsed.all ?? "no all mechanism"}; it must end in -all (or ~all while migrating), or anyone may send as the domain.`,
    });
  }
  const dns = stackSpfDns(model.dns, { name: candidate.domain, text });
  for (const address of addresses) {
    const { result } = await evaluateSpf({
      ip: address,
      mailFrom: `postmaster@${candidate.domain}`,
      helo: candidate.domain,
      dns,
    });
    if (result === "pass") continue;
    out.push({
      message:
        result === "unknown"
          ? `the SPF record at ${candidate.where} ("${text}") cannot be shown to authorize ${address} from the stack's own records (it depends on DNS outside the stack); put an explicit ip6:<the dedicated /64> before the lookup mechanisms.`
          : `the SPF record at ${candidate.where} ("${text}") does not authorize the SMTP address ${address} (receivers get ${result}); add ip6:<the dedicated /64>.`,
    });
  }
  return out;
}

/**
 * `spf-authorizes-sender`: the domain's SPF authorizes the SMTP source address, ends in `-all` or `~all`, is
 * syntactically valid and within the 10-lookup limit. Records are taken from the MTA host name and its parent
 * domains (the HELO identity and the mail domain); every one found must pass. Authorization is RFC 7208's
 * `check_host()` (`evaluateSpf`, mailauth's evaluator) over the stack's own records: a term that needs DNS
 * the stack does not publish makes the answer unknown, and unknown is not enough.
 */
export const spfAuthorizesSender: RuleDefinition = {
  id: "spf-authorizes-sender",
  description:
    "The sender's SPF record is valid, ends in -all or ~all, stays within 10 lookups and authorizes the IPv6 SMTP address.",
  enforcementLevel: "mandatory",
  severity: "high",
  remediation:
    "Publish exactly one SPF TXT record per name, e.g. `v=spf1 ip4:<IPv4> ip6:<dedicated /64> -all`, with ip6/ip4 terms before include/a/mx and at most 10 lookup terms.",
  evaluate: async ({ model }) => {
    const findings: Finding[] = [];
    for (const sender of findSenders(model)) {
      const who = model.label(sender.urn);
      const addresses: string[] = [];
      let unknownAddress = false;
      for (const s of sender.sources) {
        if (s.address === UNKNOWN) unknownAddress = true;
        else if (typeof s.address === "string" && isIpv6(s.address)) addresses.push(ipv6(s.address));
      }
      if (sender.sources.length === 0) continue;
      const { list, findings: nameFindings, domains } = candidates(model, sender);
      for (const f of nameFindings) findings.push({ ...f, urn: sender.urn, message: `${who}: ${f.message}` });
      if (list.length === 0) {
        if (model.dns.unknownNamed("TXT").length > 0 || sender.heloName === UNKNOWN) {
          findings.push({
            urn: sender.urn,
            unknown: true,
            message: `${who}: whether an SPF record covers the sender depends on names unknown at preview.`,
          });
        } else {
          findings.push({
            urn: sender.urn,
            message: `${who}: no SPF record found ${domains.length > 0 ? `at ${domains.join(" or ")}` : "(the MTA's host name is not known, so its domain is not either)"}.`,
          });
        }
        continue;
      }
      if (unknownAddress) {
        findings.push({
          urn: sender.urn,
          unknown: true,
          message: `${who}: the SMTP address is unknown, so SPF authorization cannot be checked.`,
        });
      }
      for (const candidate of list) {
        for (const f of await checkRecord(model, candidate, [...new Set(addresses)]))
          findings.push({ ...f, urn: sender.urn, message: `${who}: ${f.message}` });
      }
    }
    return findings;
  },
};
