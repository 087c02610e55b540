import { buildReport, PolicyDiagnostic, PolicyReport } from "./policy-report";

function asDiagnostic(value: Record<string, unknown>): PolicyDiagnostic | undefined {
  if (typeof value.policyName !== "string" || typeof value.message !== "string") return undefined;
  const str = (k: string) =>
    typeof value[k] === "string" && value[k] !== "" ? (value[k] as string) : undefined;
  return {
    policyName: value.policyName,
    policyPackName: str("policyPackName"),
    policyPackVersion: str("policyPackVersion"),
    message: value.message,
    urn: str("resourceUrn") ?? str("urn"),
    description: str("description"),
    enforcementLevel: str("enforcementLevel"),
    severity: str("severity"),
  };
}

function collect(value: unknown, out: PolicyDiagnostic[], depth = 0): void {
  if (depth > 64 || value === null || typeof value !== "object") return;
  if (Array.isArray(value)) {
    for (const v of value) collect(v, out, depth + 1);
    return;
  }
  const d = asDiagnostic(value as Record<string, unknown>);
  if (d) {
    out.push(d);
    return;
  }
  for (const v of Object.values(value)) collect(v, out, depth + 1);
}

/**
 * Reads a report input: a report this package produced (harness or CLI JSON), the engine event stream
 * (`pulumi preview --event-log <file>` or streaming JSON: one JSON object per line, policy violations under
 * `policyEvent`), or any JSON document that carries policy diagnostics (objects with `policyName` and
 * `message`, wherever they sit, so newer `pulumi preview --json` shapes are read too).
 */
export function readReportInput(
  text: string,
  meta: { project?: string; stack?: string; preview?: boolean } = {},
): PolicyReport {
  const trimmed = text.trim();
  if (trimmed === "") return buildReport([], meta);
  let documents: unknown[];
  try {
    documents = [JSON.parse(trimmed)];
  } catch {
    documents = trimmed
      .split("\n")
      .map((l) => l.trim())
      .filter((l) => l.startsWith("{"))
      .map((l) => JSON.parse(l) as unknown);
  }
  if (documents.length === 1) {
    const doc = documents[0] as Partial<PolicyReport>;
    if (doc && doc.format === "ipv6-mail-policy-report" && Array.isArray(doc.entries))
      return doc as PolicyReport;
  }
  const diagnostics: PolicyDiagnostic[] = [];
  for (const doc of documents) collect(doc, diagnostics);
  const seen = new Set<string>();
  const unique = diagnostics.filter((d) => {
    const key = `${d.policyName}\n${d.urn ?? ""}\n${d.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  return buildReport(unique, meta);
}
