import type { Severity } from "@pulumi/policy";
import type { PolicyConfigJSONSchema } from "@pulumi/policy/schema";
import { StackModel } from "./stack-model";

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
  /**
   * The check. It may be asynchronous (SPF is evaluated by mailauth, whose evaluator is), but it must not wait
   * on anything outside the process: the stack model is shared within one turn of the event loop.
   */
  readonly evaluate: (context: RuleContext) => Finding[] | Promise<Finding[]>;
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

/** A rule's config schema as the Pulumi CLI validates `--policy-pack-config` against it. */
export function ruleConfigSchema(rule: RuleDefinition): {
  properties: Record<string, PolicyConfigJSONSchema>;
} {
  return {
    properties: {
      exceptions: { type: "array", items: EXCEPTION_SCHEMA },
      allowUnknownAtPreview: { type: "boolean", default: false },
      ...(rule.configProperties ?? {}),
    },
  };
}
