import { PolicyReport, ReportEntry } from "./policy-report";

function resource(e: ReportEntry): string {
  return e.urn ? `${e.resourceType} "${e.resourceName}"` : "(stack)";
}

function indent(text: string): string {
  return text
    .split("\n")
    .map((l) => `    ${l}`)
    .join("\n");
}

/**
 * Renders a report for a PR log: a verdict line, then each finding with its resource, message, fix and link,
 * then the exceptions that were applied (with their reasons and expiry), so a reviewer sees every waiver.
 */
export function formatText(report: PolicyReport): string {
  const out: string[] = [];
  const where = [report.project, report.stack].filter(Boolean).join("/");
  out.push(`ipv6-mail policy report${where ? ` for ${where}` : ""}${report.preview ? " (preview)" : ""}`);
  const s = report.summary;
  out.push(
    `${report.passed ? "PASSED" : "FAILED"}: ${s.mandatory} mandatory, ${s.advisory} advisory, ${s.exceptionsApplied} exception(s) applied, ${s.previewUnknown} not verifiable at preview`,
  );
  const findings = report.entries.filter((e) => e.kind !== "exception-applied");
  const order = (e: ReportEntry) => (e.level === "mandatory" ? 0 : 1);
  for (const e of [...findings].sort((a, b) => order(a) - order(b) || a.rule.localeCompare(b.rule))) {
    out.push("");
    out.push(`[${e.level}] ${e.rule}  ${resource(e)}`);
    out.push(indent(e.message));
    if (e.remediation) out.push(indent(`Fix: ${e.remediation}`));
    if (e.url) out.push(indent(e.url));
  }
  const applied = report.entries.filter((e) => e.kind === "exception-applied");
  if (applied.length > 0) {
    out.push("");
    out.push("Exceptions applied:");
    for (const e of applied) {
      const x = e.exception;
      out.push(
        `  - ${e.rule} on ${resource(e)}: "${x?.reason ?? "?"}" (resource ${x?.resource ?? "?"}, expires ${x?.expires ?? "?"})`,
      );
      out.push(indent(`waived: ${e.message.split("\n")[0]}`));
    }
  }
  return `${out.join("\n")}\n`;
}
