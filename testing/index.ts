/**
 * `ipv6-mail/testing`: unit-test a Pulumi stack against the ipv6-mail policy pack without the Pulumi CLI.
 *
 * ```ts
 * import { checkProgram } from "ipv6-mail/testing";
 * const report = await checkProgram(() => { new digitalocean.Droplet("mail", { ipv6: true, tags: ["smtp"], … }); });
 * assert.equal(report.passed, false);
 * ```
 *
 * The program runs on the package's mock engine (`mock-engine.ts`); every registration is recorded with inputs,
 * outputs, parent, dependencies and property dependencies. The pack's own analyzer (the one the CLI runs) then
 * gets what the engine would send it: `Configure` with the config reconciled as the CLI reconciles
 * `--policy-pack-config`, and the `AnalyzeStack` request of the resources (outputs, unknowns at preview as the
 * engine's sentinels).
 */
import type { EnforcementLevel, Policies, PolicyPackConfig } from "@pulumi/policy";
import { PackAnalyzer } from "../policies/analyzer/pack-analyzer";
import { setClock } from "../policies/core/clock";
import { ruleConfigSchema } from "../policies/core/rule";
import { PACK, PACK_VERSION, packArgs, policyPackConfig, RULES } from "../policies/pack";
import { PolicySettings } from "../policies/pack-config";
import { buildReport, PolicyReport } from "../policies/report/policy-report";
import { analyzeResources, Diagnostic } from "./analyze";
import { CapturedResource, CapturedStack, runProgram, RunOptions } from "./capture";
import { analyzeStackRequest, configureRequest, diagnosticOf } from "./engine-request";
import { reconcilePolicyConfig } from "./policy-config";

export { ProgramRunError, runProgram, unknown } from "./capture";
export type { CapturedResource, CapturedStack, RunOptions } from "./capture";
export { analyzeResources } from "./analyze";
export type { AnalyzeOptions, Diagnostic } from "./analyze";
export { startMockEngine, MockEngine } from "./mock-engine";
export type { MockEngineOptions, Registration } from "./mock-engine";
export { analyzeStackRequest, analyzeStackRequestBytes } from "./engine-request";
export { buildReport } from "../policies/report/policy-report";
export type {
  PolicyReport,
  ReportEntry,
  EntryKind,
  PolicyDiagnostic,
} from "../policies/report/policy-report";
export { formatText } from "../policies/report/format-text";
export { formatSarif } from "../policies/report/format-sarif";
export { readReportInput } from "../policies/report/read-report-input";
export { policyPackConfig } from "../policies/pack";
export type { PolicySettings } from "../policies/pack-config";
export type { ExceptionSpec } from "../policies/core/exceptions";

/** Policy settings for a check: the CLI's config JSON, the flat form, or both (merged per rule). */
export interface PolicyOptions {
  /** Exactly what `--policy-pack-config <file>` would contain. */
  readonly config?: PolicyPackConfig;
  /** Levels, one exception list (each naming its rule) and rule options; see `policyPackConfig`. */
  readonly settings?: PolicySettings;
  /** "Today", for exception expiry. Default: now. */
  readonly now?: Date;
  /** `@pulumi/policy` policies to run instead of this pack's analyzer (another pack's, or `packArgs.policies`). */
  readonly policies?: Policies;
  readonly packEnforcementLevel?: EnforcementLevel;
}

/** A report plus what it was computed from, for assertions beyond the report. */
export interface CheckResult extends PolicyReport {
  readonly diagnostics: readonly Diagnostic[];
  readonly resources: readonly CapturedResource[];
}

function mergeConfig(options: PolicyOptions): PolicyPackConfig {
  const merged: Record<string, unknown> = { ...(options.settings ? policyPackConfig(options.settings) : {}) };
  for (const [k, v] of Object.entries(options.config ?? {})) {
    const current = merged[k];
    if (current && typeof current === "object" && v && typeof v === "object") {
      const a = current as Record<string, unknown>;
      const b = v as Record<string, unknown>;
      const exceptions = [...((a.exceptions as unknown[]) ?? []), ...((b.exceptions as unknown[]) ?? [])];
      merged[k] = { ...a, ...b, ...(exceptions.length > 0 ? { exceptions } : {}) };
    } else {
      merged[k] = v;
    }
  }
  return merged as PolicyPackConfig;
}

/** Runs the pack over resources already captured (or built by hand) and returns the report. */
export async function checkResources(
  stack: CapturedStack | readonly CapturedResource[],
  options: PolicyOptions = {},
): Promise<CheckResult> {
  const resources = Array.isArray(stack)
    ? (stack as readonly CapturedResource[])
    : (stack as CapturedStack).resources;
  const config = mergeConfig(options);
  const diagnostics = options.policies
    ? await analyzeResources(resources, {
        policies: options.policies,
        policyPackName: PACK.name,
        policyPackVersion: PACK_VERSION,
        packEnforcementLevel: options.packEnforcementLevel ?? packArgs.enforcementLevel,
        config,
        now: options.now,
      })
    : await analyzeWithPack(resources, config, options.now);
  const meta = Array.isArray(stack)
    ? {}
    : {
        project: (stack as CapturedStack).project,
        stack: (stack as CapturedStack).stack,
        preview: (stack as CapturedStack).preview,
      };
  return { ...buildReport(diagnostics, meta), diagnostics, resources };
}

/**
 * The pack's own analyzer over captured resources, as the CLI drives it: `Configure` with the config reconciled
 * like the CLI does, then `AnalyzeStack` on the engine's request for the resources.
 */
async function analyzeWithPack(
  resources: readonly CapturedResource[],
  config: PolicyPackConfig,
  now: Date | undefined,
): Promise<Diagnostic[]> {
  const analyzer = new PackAnalyzer({ ...PACK, version: PACK_VERSION }, RULES);
  const policies = RULES.map((r) => ({
    name: r.id,
    enforcementLevel: r.enforcementLevel,
    configSchema: ruleConfigSchema(r),
  }));
  analyzer.configure(configureRequest(reconcilePolicyConfig(policies, config)));
  const restore = now ? setClock(() => now) : undefined;
  try {
    const response = await analyzer.analyzeStack(analyzeStackRequest(resources));
    return response.getDiagnosticsList().map(diagnosticOf);
  } finally {
    restore?.();
  }
}

/** Runs a Pulumi program under mocks, then the pack over its resources. */
export async function checkProgram(
  program: () => unknown,
  options: RunOptions & PolicyOptions = {},
): Promise<CheckResult> {
  const captured = await runProgram(program, options);
  return checkResources(captured, options);
}
