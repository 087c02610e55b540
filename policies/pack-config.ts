import type { EnforcementLevel, PolicyPackConfig } from "@pulumi/policy";
import { ExceptionSpec } from "./core/exceptions";

/** A stack's policy settings written the way people think of them: levels, one flat exception list, options. */
export interface PolicySettings {
  /** Enforcement level per rule id, or `all` for every rule. */
  readonly levels?: Readonly<Record<string, EnforcementLevel>>;
  /** Exceptions of every rule, each naming its rule. */
  readonly exceptions?: readonly ExceptionSpec[];
  /** Rule-specific options per rule id, e.g. `{ "smtp-from-dedicated-prefix": { dedicatedPrefixes: [...] } }`. */
  readonly options?: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  /** Downgrade every "cannot verify at preview" finding to advisory. */
  readonly allowUnknownAtPreview?: boolean;
}

/**
 * Builds the per-policy JSON that `pulumi preview --policy-pack-config <file>` takes (and the test harness
 * accepts) from {@link PolicySettings}: each exception lands under its rule's `exceptions` list.
 *
 * @example
 * toPolicyPackConfig({ exceptions: [{ rule: "admin-ports-not-world-open", resource: "bastion", reason: "bastion is the only SSH entry", expires: "2026-12-31" }] });
 * // { "admin-ports-not-world-open": { exceptions: [ { rule: …, resource: "bastion", … } ] } }
 */
export function toPolicyPackConfig(settings: PolicySettings, ruleIds: readonly string[]): PolicyPackConfig {
  const config: Record<string, Record<string, unknown>> = {};
  const entry = (id: string): Record<string, unknown> => (config[id] ??= {});
  if (settings.allowUnknownAtPreview) for (const id of ruleIds) entry(id).allowUnknownAtPreview = true;
  for (const [id, level] of Object.entries(settings.levels ?? {})) {
    if (id === "all") config.all = { enforcementLevel: level };
    else entry(id).enforcementLevel = level;
  }
  for (const [id, options] of Object.entries(settings.options ?? {})) Object.assign(entry(id), options);
  for (const e of settings.exceptions ?? []) {
    const id = e.rule ?? "";
    const list = (entry(id).exceptions as ExceptionSpec[] | undefined) ?? [];
    list.push(e);
    entry(id).exceptions = list;
  }
  return config as PolicyPackConfig;
}
