import { ipv6, isIpv6 } from "../core/ip-text";
import { Finding, RuleDefinition } from "../core/rule";
import { findSenders, Sender } from "../core/senders";
import { StackModel } from "../core/stack-model";
import { UNKNOWN } from "../core/unknown";
import { DnsRecordView } from "../core/dns-index";
import { factSymbol, symbolParts } from "../core/component-facts";

/** The SMTP address as the records know it: its text, or the symbol of a value unknown at preview. */
interface Subject {
  readonly text: string;
  readonly ptr: { records: DnsRecordView[]; maybe: DnsRecordView[] };
  /** Whether an AAAA record's content is this address. */
  readonly isAddress: (r: DnsRecordView) => boolean;
}

function literalSubject(model: StackModel, address: string): Subject {
  return {
    text: address,
    ptr: model.dns.ptrRecords(address),
    isAddress: (r) => typeof r.content === "string" && isIpv6(r.content) && ipv6(r.content) === address,
  };
}

/**
 * An SMTP address unknown at preview that a component's facts name (`<scope>#smtpAddress`): its PTR is the
 * record whose name is that address's `ptrName`, and an AAAA points back when its content is that same value.
 */
function symbolicSubject(model: StackModel, symbol: string, origin: string): Subject {
  const { scope } = symbolParts(symbol);
  return {
    text: `(${origin})`,
    ptr: { records: model.dns.withSymbol("PTR", factSymbol(scope, "ptrName")), maybe: [] },
    isAddress: (r) => r.contentSymbol === symbol,
  };
}

function checkAddress(model: StackModel, sender: Sender, subject: Subject): Omit<Finding, "urn">[] {
  const who = model.label(sender.urn);
  const address = subject.text;
  const { records, maybe } = subject.ptr;
  const names = [...new Set(records.map((r) => r.content).filter((c): c is string => typeof c === "string"))];
  const contentUnknown = records.some((r) => r.content === UNKNOWN);
  if (names.length === 0) {
    if (contentUnknown || maybe.length > 0) {
      return [
        {
          unknown: true,
          message: `${who}: whether the SMTP address ${address} has a PTR record depends on DNS records unknown at preview.`,
        },
      ];
    }
    return [
      {
        message: `${who}: the SMTP address ${address} has no PTR record in the stack; Gmail and others reject IPv6 senders without forward-confirmed reverse DNS.`,
      },
    ];
  }
  const problems: Omit<Finding, "urn">[] = [];
  if (names.length > 1) {
    problems.push({
      message: `${who}: the SMTP address ${address} has ${names.length} PTR names (${names.join(", ")}); keep exactly one, the MTA's host name.`,
    });
  }
  const ptrName = names[0];
  const aaaa = model.dns.lookup("AAAA", ptrName);
  const pointsBack = aaaa.some(subject.isAddress);
  if (!pointsBack) {
    const undecided = aaaa.some((r) => r.content === UNKNOWN) || model.dns.unknownNamed("AAAA").length > 0;
    const found = aaaa.map((r) => r.content).filter((c): c is string => typeof c === "string");
    problems.push(
      undecided
        ? {
            unknown: true,
            message: `${who}: whether ${ptrName} (the PTR of ${address}) has an AAAA back to it depends on records unknown at preview.`,
          }
        : {
            message: `${who}: the PTR of ${address} is ${ptrName}, but ${ptrName} has ${found.length === 0 ? "no AAAA record" : `AAAA ${found.join(", ")}`}; forward-confirmed reverse DNS needs an AAAA back to ${address}.`,
          },
    );
  }
  if (sender.heloName === UNKNOWN) {
    problems.push({
      unknown: true,
      message: `${who}: the MTA's host name (${sender.heloOrigin}) is unknown, so it cannot be compared with the PTR name ${ptrName}.`,
    });
  } else if (sender.heloName === undefined) {
    problems.push({
      message: `${who}: no MTA host name is known (set Postfix myhostname/smtp_helo_name or Exim primary_hostname in the stack, or name the host by its FQDN), so HELO cannot be shown to match the PTR name ${ptrName}.`,
    });
  } else if (sender.heloName !== ptrName) {
    problems.push({
      message: `${who}: the MTA announces itself as ${sender.heloName} (${sender.heloOrigin}) but the PTR of ${address} is ${ptrName}; they must be the same name.`,
    });
  }
  return problems;
}

/**
 * `fcrdns-consistent`: the SMTP address has a PTR, the PTR name has an AAAA pointing back to it, and the MTA's
 * host name is that PTR name. Gmail answers "550-5.7.1 … does not meet IPv6 sending guidelines regarding PTR
 * records" otherwise.
 */
export const fcrdnsConsistent: RuleDefinition = {
  id: "fcrdns-consistent",
  description:
    "The SMTP address has a PTR whose name has an AAAA back to it, and the MTA's host name is that name.",
  enforcementLevel: "mandatory",
  severity: "high",
  remediation:
    "Publish one PTR for the SMTP address in its reverse zone (HE-delegated ip6.arpa zone or hcloud Rdns), an AAAA for that name pointing to the address, and set the MTA's host name (Postfix myhostname/smtp_helo_name) to it. MailServer and MailDns do all three.",
  evaluate: ({ model }) => {
    const findings: Finding[] = [];
    for (const sender of findSenders(model)) {
      const seen = new Set<string>();
      for (const source of sender.sources) {
        if (source.address === UNKNOWN && source.symbol !== undefined) {
          if (seen.has(source.symbol)) continue;
          seen.add(source.symbol);
          const subject = symbolicSubject(model, source.symbol, source.origin);
          for (const f of checkAddress(model, sender, subject)) findings.push({ ...f, urn: sender.urn });
          continue;
        }
        if (source.address === UNKNOWN) {
          findings.push({
            urn: sender.urn,
            unknown: true,
            message: `${model.label(sender.urn)}: the SMTP address (${source.origin}) is unknown, so its PTR and AAAA cannot be matched.`,
          });
          continue;
        }
        if (typeof source.address !== "string" || !isIpv6(source.address)) continue;
        const address = ipv6(source.address);
        if (seen.has(address)) continue;
        seen.add(address);
        for (const f of checkAddress(model, sender, literalSubject(model, address)))
          findings.push({ ...f, urn: sender.urn });
      }
    }
    return findings;
  },
};
