import { cidrOf } from "../core/ip-text";
import { isDocumentationPrefix } from "../../net";
import { readBoolean } from "../core/resource-view";
import { Finding, RuleDefinition } from "../core/rule";

/** Cheap textual pre-filter: every spelling of 2001:db8::/32 or 3fff::/20 contains one of these. */
const MAYBE_DOCUMENTATION = /2001:0{0,2}db8|3fff:/i;
const CANDIDATE = /[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7}(?:\/\d{1,3})?/g;

function documentationValues(value: unknown, out: Set<string>, depth = 0): void {
  if (depth > 32 || out.size >= 5) return;
  if (typeof value === "string") {
    if (!MAYBE_DOCUMENTATION.test(value)) return;
    for (const m of value.matchAll(CANDIDATE)) {
      // An interface address is written with its prefix length (`ip -6 addr add 2001:db8::25/64`), host bits
      // set: then the address itself is judged.
      const cidr =
        cidrOf(m[0]) ?? (m[0].includes("/") ? cidrOf(m[0].slice(0, m[0].indexOf("/"))) : undefined);
      if (cidr && cidr.family === 6 && isDocumentationPrefix(cidr.prefix.text)) out.add(m[0]);
    }
    return;
  }
  if (Array.isArray(value)) {
    for (const v of value) documentationValues(v, out, depth + 1);
  } else if (value !== null && typeof value === "object") {
    for (const v of Object.values(value)) documentationValues(v, out, depth + 1);
  }
}

/**
 * `no-documentation-prefix`: no `2001:db8::/32` or `3fff::/20` in a real stack. Documentation prefixes are
 * unroutable; in a stack they mean a copied example went to production (the mail address, the firewall source,
 * a Docker network). Allowed where the stack says so: this rule's `allowDocumentationPrefixes` config, or a
 * MailServer built with `allowDocumentationPrefixes` (for everything under it, e.g. the lab).
 */
export const noDocumentationPrefix: RuleDefinition = {
  id: "no-documentation-prefix",
  description: "No documentation prefixes (2001:db8::/32, 3fff::/20) in a real stack.",
  enforcementLevel: "mandatory",
  severity: "medium",
  remediation:
    "Replace the documentation prefix with your real prefix (your routed /64, your ULA for Docker). For a lab stack set this rule's `allowDocumentationPrefixes: true` in the stack's policy config.",
  configProperties: {
    allowDocumentationPrefixes: {
      type: "boolean",
      default: false,
      description: "This stack is a lab or an example; documentation prefixes are expected.",
    },
  },
  evaluate: ({ model, config }) => {
    if (config.allowDocumentationPrefixes === true) return [];
    const findings: Finding[] = [];
    for (const r of model.resources) {
      if (r.type === "pulumi:pulumi:Stack") continue;
      const ms = model.mailServerOf(r.urn);
      if (ms && readBoolean(ms.resource.props, "allowDocumentationPrefixes") === true) continue;
      const found = new Set<string>();
      documentationValues(r.props, found);
      if (found.size > 0) {
        findings.push({
          urn: r.urn,
          message: `${model.label(r.urn)} uses documentation prefix values: ${[...found].join(", ")}.`,
        });
      }
    }
    return findings;
  },
};
