import type {
  EnforcementLevel,
  PolicyResource,
  ReportViolation,
  Severity,
  StackValidationPolicy,
} from "@pulumi/policy";
import type { PolicyConfigJSONSchema } from "@pulumi/policy/schema";
import { now } from "./clock";
import { checkExceptions, CheckedException } from "./exceptions";
import { viewResources } from "./resource-view";
import { StackModel } from "./stack-model";
import { StackModelCache } from "./stack-model-cache";

/** Where RULES.md is published; each rule's `url` is this plus `#<rule-id>`. */
export const RULES_URL = "https://github.com/ipv6-mail/ipv6-mail/blob/main/policies/RULES.md";

/** Message markers the report reader recognises (the real CLI only carries text, so the kind travels in it). */
export const MARK = {
  exceptionApplied: "[exception applied]",
  exceptionExpired: "[exception expired]",
  exceptionInvalid: "[exception invalid]",
  previewUnknown: "cannot verify at preview:",
} as const;

/** One problem a rule found. */
export interface Finding {
  /** The resource at fault; undefined for the stack as a whole. */
  readonly urn?: string;
  readonly message: string;
  /** The rule could not decide because a value is unknown at preview (fails closed unless configured). */
  readonly unknown?: boolean;
  /** A recommendation inside a mandatory rule: always reported at advisory level. */
  readonly advisory?: boolean;
}

/** The config every rule accepts, plus its own properties. */
export interface RuleConfig {
  readonly exceptions?: unknown;
  /** Report "cannot verify at preview" findings as advisory instead of at the rule's level. */
  readonly allowUnknownAtPreview?: boolean;
  readonly [key: string]: unknown;
}

/** What a rule evaluates against. */
export interface RuleContext {
  readonly model: StackModel;
  readonly config: RuleConfig;
}

/** A rule of the pack: metadata for the CLI, RULES.md and reports, and the check itself. */
export interface RuleDefinition {
  /** Stable id, also the CrossGuard policy name and the RULES.md anchor. */
  readonly id: string;
  /** One sentence: what the rule requires. */
  readonly description: string;
  readonly enforcementLevel: "mandatory" | "advisory";
  readonly severity: Severity;
  /** How to fix a violation, in one or two sentences. */
  readonly remediation: string;
  /** Rule-specific config properties (JSON schema), next to `exceptions` and `allowUnknownAtPreview`. */
  readonly configProperties?: Record<string, PolicyConfigJSONSchema>;
  readonly evaluate: (context: RuleContext) => Finding[];
}

/** The JSON schema of one exception. */
export const EXCEPTION_SCHEMA: PolicyConfigJSONSchema = {
  type: "object",
  description:
    "A reasoned, expiring exception: {rule?, resource (name or URN glob), reason (>= 10 characters), expires (YYYY-MM-DD)}.",
  properties: {
    rule: { type: "string" },
    resource: { type: "string" },
    reason: { type: "string" },
    expires: { type: "string" },
  },
  required: ["resource", "reason", "expires"],
};

/** The URL of a rule's RULES.md section. */
export function ruleUrl(id: string): string {
  return `${RULES_URL}#${id}`;
}

interface ViolationObject {
  message: string;
  urn?: string;
  enforcementLevel?: EnforcementLevel;
}

/**
 * Turns a rule into a CrossGuard stack policy. The wrapper takes the stack model of the engine's resources from
 * `models` (the pack passes one cache to all its rules, so one analysis builds one model), runs the rule with
 * its own config, then applies the rule's exceptions: an applied exception is still reported, at advisory level
 * and marked, so the pipeline log lists it; an expired one leaves the finding at the rule's level and is itself
 * reported; an invalid one (short reason, bad date) is reported and never applied. Findings that exist because
 * a value is unknown at preview fail closed at the rule's level unless `allowUnknownAtPreview` is set.
 *
 * Advisory reports use the object form of `reportViolation` that `@pulumi/policy` accepts at run time (it
 * carries a per-violation enforcement level); its public type only names the string form.
 */
export function makeStackPolicy(
  rule: RuleDefinition,
  models: StackModelCache = new StackModelCache(),
): StackValidationPolicy {
  return {
    name: rule.id,
    description: rule.description,
    enforcementLevel: rule.enforcementLevel,
    severity: rule.severity,
    remediationSteps: rule.remediation,
    url: ruleUrl(rule.id),
    configSchema: {
      properties: {
        exceptions: { type: "array", items: EXCEPTION_SCHEMA },
        allowUnknownAtPreview: { type: "boolean", default: false },
        ...(rule.configProperties ?? {}),
      },
    },
    validateStack: (args, reportViolation) => {
      const config = (args.getConfig<RuleConfig>() ?? {}) as RuleConfig;
      const findings = evaluateRule(rule, args.resources, config, models);
      emitFindings(rule, findings, config, reportViolation);
    },
  };
}

/**
 * Runs a rule over the engine's resources (no exception handling): what the rule itself finds. The model comes
 * from `models` when given (shared with the pack's other rules), else it is built for this call alone.
 */
export function evaluateRule(
  rule: RuleDefinition,
  resources: readonly PolicyResource[],
  config: RuleConfig,
  models?: StackModelCache,
): Finding[] {
  const model = models ? models.modelOf(resources) : new StackModel(viewResources(resources));
  return rule.evaluate({ model, config });
}

function details(rule: RuleDefinition): string {
  return `Fix: ${rule.remediation}\nSee: ${ruleUrl(rule.id)}`;
}

/** Applies exceptions and the preview setting, then reports. */
export function emitFindings(
  rule: RuleDefinition,
  findings: readonly Finding[],
  config: RuleConfig,
  reportViolation: ReportViolation,
): void {
  const exceptions = checkExceptions(config.exceptions, rule.id, now());
  const usable = exceptions.filter((e) => e.problems.length === 0);
  const report = reportViolation as unknown as (v: string | ViolationObject, urn?: string) => void;
  const used = new Set<CheckedException>();
  for (const finding of findings) {
    const body = finding.unknown ? `${MARK.previewUnknown} ${finding.message}` : finding.message;
    const exception = usable.find((e) => e.matches(finding.urn));
    if (exception) used.add(exception);
    if (exception && !exception.expired) {
      const note = `${MARK.exceptionApplied} ${body}\nException: "${exception.spec.reason}" (resource ${exception.spec.resource}, expires ${exception.spec.expires})`;
      report({ message: `${rule.description}\n${note}`, urn: finding.urn, enforcementLevel: "advisory" });
      continue;
    }
    const expiredNote = exception
      ? `\n${MARK.exceptionExpired} The exception for ${exception.spec.resource} expired on ${exception.spec.expires} (reason was: "${exception.spec.reason}").`
      : "";
    const text = `${body}${expiredNote}\n${details(rule)}`;
    if ((finding.unknown && config.allowUnknownAtPreview === true) || finding.advisory) {
      report({ message: `${rule.description}\n${text}`, urn: finding.urn, enforcementLevel: "advisory" });
    } else {
      report(text, finding.urn);
    }
  }
  for (const e of exceptions) {
    if (e.problems.length > 0) {
      report(
        `${MARK.exceptionInvalid} Exception #${e.index + 1} for "${e.spec.resource}" is not applied: ${e.problems.join("; ")}.\n${details(rule)}`,
      );
    } else if (e.expired && !used.has(e)) {
      report(
        `${MARK.exceptionExpired} Exception #${e.index + 1} for "${e.spec.resource}" expired on ${e.spec.expires} (reason was: "${e.spec.reason}"); remove it, or renew it with a new date and a current reason.\n${details(rule)}`,
      );
    }
  }
}
