import { now } from "./clock";
import { checkExceptions, CheckedException } from "./exceptions";
import { ResourceView } from "./resource-view";
import { Finding, MARK, RuleConfig, RuleDefinition, ruleUrl } from "./rule";
import { StackModel } from "./stack-model";

/** The level a violation is reported at (a disabled rule is not run at all). */
export type ReportLevel = "mandatory" | "advisory";

/** A rule as configured for one analysis: the level the stack's policy config gives it, and its config. */
export interface ConfiguredRule {
  readonly rule: RuleDefinition;
  readonly level: ReportLevel;
  readonly config: RuleConfig;
}

/** One violation to report, as a diagnostic carries it. */
export interface Violation {
  readonly rule: RuleDefinition;
  /** The resource at fault; undefined for the stack as a whole. */
  readonly urn?: string;
  /** The rule's description, a line break, then what was found (the form the Pulumi CLI prints). */
  readonly message: string;
  readonly level: ReportLevel;
  /** Reported at the rule's configured level (false: advisory whatever that level is). */
  readonly atRuleLevel: boolean;
}

/**
 * Judges a stack: builds its model once, runs every configured rule on it with the rule's own config, and
 * turns the findings into violations at their levels ({@link judgeFindings}). This is the whole analysis; the
 * pack's analyzer, the `@pulumi/policy` form of the rules and the test harness all come here.
 */
export async function analyzeStack(
  views: readonly ResourceView[],
  rules: readonly ConfiguredRule[],
): Promise<Violation[]> {
  if (rules.length === 0) return [];
  const model = new StackModel(views);
  const violations: Violation[] = [];
  for (const configured of rules) {
    const findings = await configured.rule.evaluate({ model, config: configured.config });
    violations.push(...judgeFindings(configured, findings));
  }
  return violations;
}

function details(rule: RuleDefinition): string {
  return `Fix: ${rule.remediation}\nSee: ${ruleUrl(rule.id)}`;
}

/**
 * Applies a rule's exceptions and preview setting to what it found and says at which level each violation is
 * reported. An applied exception is still reported, at advisory level and marked, so the pipeline log lists
 * it; an expired one leaves the finding at the rule's level and is itself reported; an invalid one (short
 * reason, bad date) is reported and never applied. A finding that exists because a value is unknown at preview
 * fails closed at the rule's level unless `allowUnknownAtPreview` is set; a finding the rule marks as advice is
 * advisory whatever the rule's level.
 */
export function judgeFindings(configured: ConfiguredRule, findings: readonly Finding[]): Violation[] {
  const { rule, config, level } = configured;
  const exceptions = checkExceptions(config.exceptions, rule.id, now());
  const usable = exceptions.filter((e) => e.problems.length === 0);
  const violations: Violation[] = [];
  const report = (text: string, urn: string | undefined, atRuleLevel: boolean) =>
    violations.push({
      rule,
      urn,
      message: `${rule.description}\n${text}`,
      level: atRuleLevel ? level : "advisory",
      atRuleLevel,
    });
  const used = new Set<CheckedException>();
  for (const finding of findings) {
    const body = finding.unknown ? `${MARK.previewUnknown} ${finding.message}` : finding.message;
    const exception = usable.find((e) => e.matches(finding.urn));
    if (exception) used.add(exception);
    if (exception && !exception.expired) {
      const note = `${MARK.exceptionApplied} ${body}\nException: "${exception.spec.reason}" (resource ${exception.spec.resource}, expires ${exception.spec.expires})`;
      report(note, finding.urn, false);
      continue;
    }
    const expiredNote = exception
      ? `\n${MARK.exceptionExpired} The exception for ${exception.spec.resource} expired on ${exception.spec.expires} (reason was: "${exception.spec.reason}").`
      : "";
    const advice = (finding.unknown === true && config.allowUnknownAtPreview === true) || finding.advisory;
    report(`${body}${expiredNote}\n${details(rule)}`, finding.urn, !advice);
  }
  for (const e of exceptions) {
    if (e.problems.length > 0) {
      report(
        `${MARK.exceptionInvalid} Exception #${e.index + 1} for "${e.spec.resource}" is not applied: ${e.problems.join("; ")}.\n${details(rule)}`,
        undefined,
        true,
      );
    } else if (e.expired && !used.has(e)) {
      report(
        `${MARK.exceptionExpired} Exception #${e.index + 1} for "${e.spec.resource}" expired on ${e.spec.expires} (reason was: "${e.spec.reason}"); remove it, or renew it with a new date and a current reason.\n${details(rule)}`,
        undefined,
        true,
      );
    }
  }
  return violations;
}
