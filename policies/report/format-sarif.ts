import { createHash } from "node:crypto";
import { RULES } from "../rules";
import { ruleUrl } from "../core/rule";
import { PolicyReport, ReportEntry } from "./policy-report";

/** Options of {@link formatSarif}. */
export interface SarifOptions {
  /** The file code scanning attaches results to (results need a physical location); default `Pulumi.yaml`. */
  readonly artifactUri?: string;
  readonly toolVersion?: string;
}

/**
 * A rule's SARIF `name`: the id in PascalCase (`smtp-from-dedicated-prefix` → `SmtpFromDedicatedPrefix`). SARIF
 * wants `id` a stable opaque identifier and `name` a different, readable one (a `name` equal to the `id` is
 * validator warning SARIF1001); undefined when the PascalCase form would equal the id.
 */
export function sarifRuleName(id: string): string | undefined {
  const name = id
    .split(/[^A-Za-z0-9]+/)
    .filter((part) => part !== "")
    .map((part) => part[0].toUpperCase() + part.slice(1))
    .join("");
  return name === "" || name === id ? undefined : name;
}

const SECURITY_SEVERITY: Record<string, string> = { critical: "9.0", high: "7.5", medium: "5.0", low: "3.0" };

function level(e: ReportEntry): "error" | "warning" | "note" {
  if (e.kind === "exception-applied" || e.kind === "framework-note") return "note";
  return e.level === "mandatory" ? "error" : "warning";
}

/**
 * Renders a report as SARIF 2.1.0 for GitHub code scanning: one `reportingDescriptor` per rule (with help text
 * and the RULES.md link), one result per entry located at the stack's program file and, logically, at the
 * resource URN. Applied exceptions become results with an accepted external suppression carrying the reason.
 */
export function formatSarif(report: PolicyReport, options: SarifOptions = {}): string {
  const ids = [...new Set([...RULES.map((r) => r.id), ...report.entries.map((e) => e.rule)])];
  const rules = ids.map((id) => {
    const rule = RULES.find((r) => r.id === id);
    return {
      id,
      name: sarifRuleName(id),
      shortDescription: { text: rule?.description ?? id },
      fullDescription: { text: rule?.description ?? id },
      helpUri: rule ? ruleUrl(id) : undefined,
      help: rule
        ? {
            text: `${rule.description}\nFix: ${rule.remediation}`,
            markdown: `${rule.description}\n\n**Fix:** ${rule.remediation}\n\n[${id}](${ruleUrl(id)})`,
          }
        : undefined,
      defaultConfiguration: { level: rule?.enforcementLevel === "mandatory" ? "error" : "warning" },
      properties: {
        tags: ["ipv6", "mail", "pulumi"],
        ...(rule ? { "security-severity": SECURITY_SEVERITY[rule.severity ?? "medium"] } : {}),
      },
    };
  });
  const index = new Map(ids.map((id, i) => [id, i]));
  const results = report.entries.map((e) => ({
    ruleId: e.rule,
    ruleIndex: index.get(e.rule),
    level: level(e),
    message: { text: e.message },
    locations: [
      {
        physicalLocation: {
          artifactLocation: { uri: options.artifactUri ?? "Pulumi.yaml" },
          region: { startLine: 1 },
        },
        logicalLocations: e.urn
          ? [{ fullyQualifiedName: e.urn, name: e.resourceName, kind: "resource" }]
          : [{ name: report.stack ?? "stack", kind: "module" }],
      },
    ],
    partialFingerprints: {
      "ipv6MailFinding/v1": createHash("sha256")
        .update(`${e.rule}\n${e.urn ?? ""}\n${e.message}`)
        .digest("hex"),
    },
    ...(e.kind === "exception-applied"
      ? {
          suppressions: [
            {
              kind: "external",
              status: "accepted",
              justification: `${e.exception?.reason ?? ""} (expires ${e.exception?.expires ?? "?"})`,
            },
          ],
        }
      : {}),
    properties: { enforcementLevel: e.level, kind: e.kind, ...(e.severity ? { severity: e.severity } : {}) },
  }));
  const sarif = {
    $schema: "https://json.schemastore.org/sarif-2.1.0.json",
    version: "2.1.0",
    runs: [
      {
        tool: {
          driver: {
            name: "ipv6-mail",
            version: options.toolVersion,
            informationUri: ruleUrl("").replace(/#$/, ""),
            rules,
          },
        },
        automationDetails: report.stack
          ? { id: `ipv6-mail/${report.project ?? "project"}/${report.stack}/` }
          : undefined,
        results,
      },
    ],
  };
  return `${JSON.stringify(sarif, null, 2)}\n`;
}
