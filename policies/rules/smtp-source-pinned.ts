import { describeMaybe } from "../core/unknown";
import { Finding, RuleDefinition } from "../core/rule";
import { findSenders } from "../core/senders";

/**
 * `smtp-source-pinned`: a sender on a host with more than one IPv6 source (a tunnel's link address `::2`, the
 * routed /64, the provider's own range) binds its MTA to the SMTP address. Without a bind the kernel picks the
 * source by RFC 6724 (rule 5 prefers the outgoing interface's address: `::2` on a tunnel), and mail leaves from
 * an address with no PTR and no SPF entry. Also flags Exim `interface =` lists written without `<;` (Exim then
 * splits the IPv6 address at its colons) and, as advice, Postfix binds without `smtp_bind_address_enforce`.
 */
export const smtpSourcePinned: RuleDefinition = {
  id: "smtp-source-pinned",
  description: "A sender on a host with several IPv6 sources pins its MTA to the SMTP address.",
  enforcementLevel: "mandatory",
  severity: "high",
  remediation:
    "Bind the MTA: Postfix `smtp_bind_address6 = <address>` plus `smtp_bind_address_enforce = yes` (Postfix >= 3.7), Exim `interface = <; <address>`; add `src <address>` to the IPv6 default route. MailServer/MtaBinding do this.",
  evaluate: ({ model }) => {
    const findings: Finding[] = [];
    for (const sender of findSenders(model)) {
      const who = model.label(sender.urn);
      const tunnels = sender.host?.tunnels ?? [];
      if (!sender.pinned && tunnels.length > 0) {
        findings.push({
          urn: sender.urn,
          message: `${who} sends SMTP on a host with a 6in4 tunnel (${tunnels.map((t) => describeMaybe(t.interfaceName)).join(", ")}) but nothing binds the MTA to an address: the kernel will send from the tunnel's link address ::2, which has no PTR.`,
        });
      }
      for (const line of sender.eximWithoutSeparator) {
        findings.push({
          urn: sender.urn,
          message: `${who}: ${line} lists an IPv6 address without "<;"; Exim splits it at the colons and binds nothing useful.`,
        });
      }
      for (const name of sender.unenforcedBinds) {
        findings.push({
          urn: sender.urn,
          advisory: true,
          message: `${who}: command "${name}" binds Postfix with smtp_bind_address6 but does not set smtp_bind_address_enforce = yes; if the address disappears (tunnel down) Postfix silently sends from another one.`,
        });
      }
    }
    return findings;
  },
};
