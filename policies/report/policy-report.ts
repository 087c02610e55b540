import { MARK, ruleUrl } from "../core/rule";
import { nameOfUrn, typeOfUrn } from "../core/resource-view";
import { RULES } from "../rules";

/** A policy diagnostic as analyzers return it and the CLI's engine events carry it. */
export interface PolicyDiagnostic {
  readonly policyName: string;
  readonly policyPackName?: string;
  readonly policyPackVersion?: string;
  readonly message: string;
  readonly urn?: string;
  readonly description?: string;
  readonly enforcementLevel?: string;
  readonly severity?: string;
}

/** What a report entry is. */
export type EntryKind =
  | "violation"
  | "preview-unknown"
  | "exception-applied"
  | "exception-expired"
  | "exception-invalid"
  | "framework-note";

/** One line of a report. */
export interface ReportEntry {
  readonly rule: string;
  readonly policyPack: string;
  readonly level: string;
  readonly severity?: string;
  readonly kind: EntryKind;
  /** The finding itself, without the rule description and the fix/link lines. */
  readonly message: string;
  readonly urn?: string;
  readonly resourceType?: string;
  readonly resourceName?: string;
  readonly url?: string;
  readonly remediation?: string;
  readonly exception?: { readonly reason: string; readonly resource: string; readonly expires: string };
}

/** A policy report: what the harness returns, what the report CLI reads and formats. */
export interface PolicyReport {
  readonly format: "ipv6-mail-policy-report";
  readonly version: 1;
  readonly project?: string;
  readonly stack?: string;
  readonly preview?: boolean;
  readonly entries: readonly ReportEntry[];
  readonly summary: {
    readonly mandatory: number;
    readonly advisory: number;
    readonly exceptionsApplied: number;
    readonly previewUnknown: number;
  };
  /** No mandatory entry. */
  readonly passed: boolean;
}

const RULE_BY_ID = new Map(RULES.map((r) => [r.id, r]));

function parseMessage(d: PolicyDiagnostic): { body: string; exception?: ReportEntry["exception"] } {
  const lines = d.message.split("\n");
  const description = d.description ?? RULE_BY_ID.get(d.policyName)?.description;
  if (lines.length > 1 && description !== undefined && lines[0] === description) lines.shift();
  let exception: ReportEntry["exception"];
  const kept: string[] = [];
  for (const line of lines) {
    if (line.startsWith("Fix: ") || line.startsWith("See: ")) continue;
    const e = /^Exception: "(.*)" \(resource (.*), expires (.*)\)$/.exec(line);
    if (e) {
      exception = { reason: e[1], resource: e[2], expires: e[3] };
      continue;
    }
    kept.push(line);
  }
  return { body: kept.join("\n").trim(), exception };
}

function kindOf(body: string, d: PolicyDiagnostic): EntryKind {
  if (body.startsWith(MARK.exceptionApplied)) return "exception-applied";
  if (body.startsWith(MARK.exceptionInvalid)) return "exception-invalid";
  if (body.startsWith(MARK.exceptionExpired) || body.includes(`\n${MARK.exceptionExpired}`))
    return "exception-expired";
  if (body.startsWith(MARK.previewUnknown)) return "preview-unknown";
  if (/^can't run policy '.*' during preview/.test(d.message)) return "framework-note";
  return "violation";
}

/** Builds a report from diagnostics (the harness's, or those read from the CLI's output). */
export function buildReport(
  diagnostics: readonly PolicyDiagnostic[],
  meta: { project?: string; stack?: string; preview?: boolean } = {},
): PolicyReport {
  const entries: ReportEntry[] = diagnostics.map((d) => {
    const { body, exception } = parseMessage(d);
    const rule = RULE_BY_ID.get(d.policyName);
    const kind = kindOf(body, d);
    return {
      rule: d.policyName,
      policyPack: d.policyPackVersion
        ? `${d.policyPackName ?? "?"}@v${d.policyPackVersion}`
        : (d.policyPackName ?? ""),
      level: d.enforcementLevel ?? "advisory",
      severity: d.severity ?? rule?.severity,
      kind,
      message: kind === "exception-applied" ? body.slice(MARK.exceptionApplied.length).trim() : body,
      urn: d.urn || undefined,
      resourceType: d.urn ? typeOfUrn(d.urn) : undefined,
      resourceName: d.urn ? nameOfUrn(d.urn) : undefined,
      url: rule ? ruleUrl(rule.id) : undefined,
      remediation: rule?.remediation,
      exception,
    };
  });
  const counted = entries.filter((e) => e.kind !== "exception-applied" && e.kind !== "framework-note");
  const mandatory = counted.filter((e) => e.level === "mandatory").length;
  return {
    format: "ipv6-mail-policy-report",
    version: 1,
    ...meta,
    entries,
    summary: {
      mandatory,
      advisory: counted.filter((e) => e.level === "advisory").length,
      exceptionsApplied: entries.filter((e) => e.kind === "exception-applied").length,
      previewUnknown: entries.filter((e) => e.kind === "preview-unknown").length,
    },
    passed: mandatory === 0,
  };
}
