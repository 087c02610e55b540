import type { EnforcementLevel as LevelName } from "@pulumi/policy";
import type { ConfigureAnalyzerRequest } from "@pulumi/pulumi/proto/analyzer_pb";
import { ConfiguredRule } from "../core/analysis";
import { RuleConfig, RuleDefinition } from "../core/rule";
import { levelName } from "./proto-levels";

/** One policy's entry of the CLI's `Configure` request: its level and its config properties. */
export interface PolicyConfigEntry {
  readonly level?: LevelName;
  readonly properties: Readonly<Record<string, unknown>>;
}

/** The entries of a `Configure` request by policy name, as plain values. */
export function policyConfigOf(request: ConfigureAnalyzerRequest): Map<string, PolicyConfigEntry> {
  const entries = new Map<string, PolicyConfigEntry>();
  request.getPolicyconfigMap().forEach((config, name) => {
    const level = levelName(config.getEnforcementlevel());
    if (level === undefined) {
      throw new Error(
        `policy "${name}": enforcement level ${config.getEnforcementlevel()} is not one the pack knows`,
      );
    }
    const properties = (config.getProperties()?.toJavaScript() ?? {}) as Record<string, unknown>;
    entries.set(name, { level, properties });
  });
  return entries;
}

/**
 * The rules to run and the level each is reported at, decided once when the CLI configures the pack: a rule
 * the config disables is left out, `remediate` (which a stack policy cannot do) counts as `mandatory`, a rule
 * the config does not name keeps its default level (the CLI names every rule; a bare `Configure` does not).
 * The CLI has already applied `all`, the rule's own entry and the schema defaults (`ReconcilePolicyPackConfig`).
 */
export function configureRules(
  rules: readonly RuleDefinition[],
  config: ReadonlyMap<string, PolicyConfigEntry>,
): ConfiguredRule[] {
  const configured: ConfiguredRule[] = [];
  for (const rule of rules) {
    const entry = config.get(rule.id);
    const level = entry?.level ?? rule.enforcementLevel;
    if (level === "disabled") continue;
    configured.push({
      rule,
      level: level === "advisory" ? "advisory" : "mandatory",
      config: (entry?.properties ?? {}) as RuleConfig,
    });
  }
  return configured;
}
