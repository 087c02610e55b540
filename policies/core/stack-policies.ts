import type { ReportViolation, StackValidationPolicy } from "@pulumi/policy";
import { judgeFindings, Violation } from "./analysis";
import { RuleConfig, RuleDefinition, ruleConfigSchema, ruleUrl } from "./rule";
import { StackModelCache } from "./stack-model-cache";

/**
 * The rules as `@pulumi/policy` stack policies, one per rule, for a `PolicyPack` of one's own that runs them
 * beside other policies (`packArgs`). The pack's own analyzer (`policies/analyzer/`) does not use them: it
 * judges the stack once for all rules, where `@pulumi/policy` 1.21.0 hands each stack policy its own copy of
 * every resource (see RULES.md, "Cost").
 *
 * The policies share one stack model cache, so the rules of one analysis build the model once when they see
 * the same data (see `stack-model-cache.ts`). A violation at the rule's level is reported in
 * `reportViolation`'s typed form, so `@pulumi/policy` gives it the level the stack's policy config sets for
 * the rule. A violation that is advisory whatever that level (an applied exception, an unknown the config
 * allows, advice) needs a level of its own: `@pulumi/policy` 1.21.0 takes `{ message, urn, enforcementLevel }`
 * for that, an overload its typed API does not name yet (pulumi/pulumi-policy#424 kept it private); checked
 * with the version `tests/policies/unknown-adapter.test.ts` pins, through `@pulumi/policy`'s own handler.
 */
export function stackPolicies(
  rules: readonly RuleDefinition[],
  models: StackModelCache = new StackModelCache(),
): StackValidationPolicy[] {
  return rules.map((rule) => ({
    name: rule.id,
    description: rule.description,
    enforcementLevel: rule.enforcementLevel,
    severity: rule.severity,
    remediationSteps: rule.remediation,
    url: ruleUrl(rule.id),
    configSchema: ruleConfigSchema(rule),
    validateStack: async (args, reportViolation) => {
      const config = (args.getConfig<RuleConfig>() ?? {}) as RuleConfig;
      const model = models.modelOf(args.resources);
      const findings = await rule.evaluate({ model, config });
      // The configured level is applied by @pulumi/policy; the rule's default stands in for it here.
      const level = rule.enforcementLevel;
      for (const v of judgeFindings({ rule, level, config }, findings)) report(reportViolation, v);
    },
  }));
}

/** The message without the description line, which `@pulumi/policy` puts back in front of the typed form. */
function withoutDescription(v: Violation): string {
  return v.message.slice(v.rule.description.length + 1);
}

function report(reportViolation: ReportViolation, v: Violation): void {
  if (v.atRuleLevel) {
    reportViolation(withoutDescription(v), v.urn);
    return;
  }
  const withLevel = reportViolation as unknown as (violation: {
    message: string;
    urn?: string;
    enforcementLevel: "advisory";
  }) => void;
  withLevel({ message: v.message, urn: v.urn, enforcementLevel: "advisory" });
}
