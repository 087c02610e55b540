import { checkProgram, CheckResult, PolicyOptions, ReportEntry, RunOptions } from "../../testing";
import { HE } from "./fixtures/addresses";
import { providerOutputs } from "./fixtures/programs";

/** "Today" for every test: exceptions expire relative to it. */
export const NOW = new Date("2026-06-01T12:00:00Z");

/** Runs a fixture program under the harness with the fixtures' provider outputs and a fixed date. */
export function check(program: () => void, options: RunOptions & PolicyOptions = {}): Promise<CheckResult> {
  return checkProgram(program, { outputs: providerOutputs, now: NOW, ...options });
}

/** The report entries of one rule (optionally of one kind). */
export function entriesOf(report: CheckResult, rule: string, kind?: ReportEntry["kind"]): ReportEntry[] {
  return report.entries.filter((e) => e.rule === rule && (kind === undefined || e.kind === kind));
}

/** Entries that count against the stack (everything but applied exceptions and framework notes). */
export function findings(report: CheckResult): ReportEntry[] {
  return report.entries.filter((e) => e.kind !== "exception-applied" && e.kind !== "framework-note");
}

/** What a hand-built HE stack must declare: its routed /64, and that HE lifted tcp/25. */
export const HE_DECLARED = {
  "smtp-from-dedicated-prefix": { dedicatedPrefixes: [HE.routed64] },
  "smtp-egress-unblocked": { heSageCertified: true },
};

/** A compact description of findings for assertion messages. */
export function describe(report: CheckResult): string {
  return findings(report)
    .map((e) => `[${e.level}] ${e.rule} ${e.resourceName ?? ""}: ${e.message.split("\n")[0]}`)
    .join("\n");
}
