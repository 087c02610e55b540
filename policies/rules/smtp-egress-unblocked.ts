import { isIpv6 } from "../core/ip-text";
import { PrefixSource } from "../../net";
import { Finding, RuleDefinition } from "../core/rule";
import { buildPrefixIndex, findSenders, sageCertified } from "../core/senders";
import { UNKNOWN } from "../core/unknown";

/**
 * `smtp-egress-unblocked` (advisory): warns about outbound SMTP blocks the stack cannot lift itself:
 * DigitalOcean blocks SMTP over IPv6 (25/465/587) from droplets; Hurricane Electric filters tcp/25 on tunnels
 * until the account passes the "Sage" IPv6 certification and asks; Hetzner Cloud blocks outbound 25/465 on new
 * accounts until you ask. Declared unblocks silence the warning: HeTunnel/MailServer `sageCertified`, or this
 * rule's `heSageCertified` / `hetznerSmtpUnblocked` config.
 */
export const smtpEgressUnblocked: RuleDefinition = {
  id: "smtp-egress-unblocked",
  description:
    "Outbound SMTP is not blocked by the provider (DigitalOcean IPv6, HE until Sage, new Hetzner accounts).",
  enforcementLevel: "advisory",
  severity: "medium",
  remediation:
    "DigitalOcean: send IPv6 mail through an HE tunnel. HE: pass the Sage certification, ask HE to lift the tcp/25 filter, then set sageCertified. Hetzner: ask support to unblock 25/465, then set hetznerSmtpUnblocked in this rule's config.",
  configProperties: {
    heSageCertified: {
      type: "boolean",
      default: false,
      description: "HE has lifted the tcp/25 filter for the tunnels of this stack.",
    },
    hetznerSmtpUnblocked: {
      type: "boolean",
      default: false,
      description: "Hetzner has unblocked outbound 25/465 for this project.",
    },
  },
  evaluate: ({ model, config }) => {
    const index = buildPrefixIndex(model);
    const findings: Finding[] = [];
    for (const sender of findSenders(model)) {
      const kinds = new Set<PrefixSource>();
      for (const s of sender.sources) {
        if (typeof s.address === "string" && isIpv6(s.address)) {
          const verdict = index.classify(s.address);
          if (verdict) kinds.add(verdict.claim.source);
          else if (s.structural) kinds.add(s.structural);
        } else if (s.structural) {
          kinds.add(s.structural);
        }
      }
      const who = model.label(sender.urn);
      if (kinds.has("digitalocean-native")) {
        findings.push({
          urn: sender.urn,
          message: `${who} sends SMTP over DigitalOcean's native IPv6; DigitalOcean blocks SMTP over IPv6 (tcp 25, 465, 587) from droplets.`,
        });
      }
      const tunnelled = (sender.host?.tunnels.length ?? 0) > 0 && !kinds.has("digitalocean-native");
      if (
        (tunnelled || kinds.has("he-routed-64") || kinds.has("he-routed-48") || kinds.has("he-link-64")) &&
        config.heSageCertified !== true
      ) {
        const certified = sageCertified(sender.host);
        if (certified !== true) {
          findings.push({
            urn: sender.urn,
            unknown: certified === UNKNOWN,
            message: `${who} sends SMTP through a Hurricane Electric tunnel, which filters tcp/25 until the account passes HE's Sage certification and asks for the unblock${certified === UNKNOWN ? " (sageCertified is unknown)" : ""}.`,
          });
        }
      }
      if (
        (kinds.has("hetzner-server-64") || sender.host?.kind === "hcloud-server") &&
        config.hetznerSmtpUnblocked !== true
      ) {
        findings.push({
          urn: sender.urn,
          message: `${who} sends SMTP from Hetzner Cloud, where new accounts have outbound tcp 25 and 465 blocked until support lifts it.`,
        });
      }
    }
    return findings;
  },
};
