import { isIpv6 } from "../core/ip-text";
import { prefixOwnership } from "../../net";
import { Finding, RuleDefinition } from "../core/rule";
import { buildPrefixIndex, findSenders, SmtpSource } from "../core/senders";
import { UNKNOWN } from "../core/unknown";

function judge(
  source: SmtpSource,
  sender: string,
  index: ReturnType<typeof buildPrefixIndex>,
): Omit<Finding, "urn"> | undefined {
  const where = `${sender} sends SMTP from ${source.origin}`;
  if (source.address === UNKNOWN || source.address === undefined) {
    if (source.structural) {
      const ownership = prefixOwnership(source.structural);
      if (ownership.dedicated) return undefined;
      return {
        message: `${where}; by the stack's structure that address lies in a ${source.structural} prefix: ${ownership.reason}.`,
      };
    }
    return {
      message: `${where}, whose value is unknown and whose prefix the stack's structure does not tell.`,
      unknown: true,
    };
  }
  if (!isIpv6(source.address)) {
    return { message: `${where}: "${source.address}" is not an IPv6 address.` };
  }
  const verdict = index.classify(source.address);
  if (!verdict) {
    return {
      message: `${where}: ${source.address} lies in no /64 the stack shows it owns (no tunnel routed prefix, Hetzner server /64, MailServer prefix or declared dedicated prefix covers it). ${prefixOwnership("unknown").reason}.`,
    };
  }
  if (verdict.dedicated) {
    if (source.structural && !prefixOwnership(source.structural).dedicated) {
      return {
        message: `${where}: ${source.address} is declared ${source.structural}: ${prefixOwnership(source.structural).reason}.`,
      };
    }
    return undefined;
  }
  return {
    message: `${where}: ${source.address} lies in ${verdict.claim.prefix.text}, ${verdict.claim.origin} (${verdict.claim.source}): ${verdict.reason}.`,
  };
}

/**
 * `smtp-from-dedicated-prefix`: every SMTP sender sends from a /64 the stack owns. Blocklists list IPv6 by /64;
 * sending from a shared /64 (DigitalOcean's native range) or from a tunnel's link /64 (`::2`, no PTR) gets mail
 * rejected for a neighbour's spam or for a missing PTR.
 */
export const smtpFromDedicatedPrefix: RuleDefinition = {
  id: "smtp-from-dedicated-prefix",
  description: "Every host that sends SMTP over IPv6 sends from a /64 the stack owns alone.",
  enforcementLevel: "mandatory",
  severity: "critical",
  remediation:
    "Send from a dedicated /64: a Hurricane Electric tunnel's routed /64 (or a /64 of its routed /48), or a Hetzner server's own /64; bind the MTA to an address in it (MailServer does). If your provider routes a /64 to you alone, declare it in this rule's `dedicatedPrefixes` config.",
  configProperties: {
    dedicatedPrefixes: {
      type: "array",
      items: { type: "string" },
      description:
        "Prefixes your provider routes to you alone (e.g. a dedicated server's /64); sending from them passes.",
    },
  },
  evaluate: ({ model, config }) => {
    const declared = Array.isArray(config.dedicatedPrefixes)
      ? (config.dedicatedPrefixes as unknown[]).filter((p): p is string => typeof p === "string")
      : [];
    const index = buildPrefixIndex(model, declared);
    const findings: Finding[] = [];
    for (const sender of findSenders(model)) {
      const label = `${model.label(sender.urn)} (a sender: ${sender.signals.slice(0, 3).join("; ")})`;
      for (const source of sender.sources) {
        const finding = judge(source, label, index);
        if (finding) findings.push({ ...finding, urn: sender.urn });
      }
    }
    return findings;
  },
};
