import type { EnforcementLevel, PolicyPackConfig } from "@pulumi/policy";

/** What the Pulumi CLI needs of a policy to reconcile its config: name, default level, config schema. */
export interface PolicyMeta {
  readonly name: string;
  readonly enforcementLevel?: EnforcementLevel;
  readonly configSchema?: { readonly properties?: Readonly<Record<string, unknown>> };
}

/** A policy's level and config properties after the CLI reconciled them, by policy name. */
export type ReconciledPolicyConfig = Map<
  string,
  { readonly level: EnforcementLevel; readonly properties: Record<string, unknown> }
>;

function levelAndProps(
  config: PolicyPackConfig | undefined,
  name: string,
): { level?: EnforcementLevel; props: Record<string, unknown> } {
  const entry = config?.[name];
  if (entry === undefined) return { props: {} };
  if (typeof entry === "string") return { level: entry, props: {} };
  const { enforcementLevel, ...props } = entry as {
    enforcementLevel?: EnforcementLevel;
    [k: string]: unknown;
  };
  return { level: enforcementLevel, props };
}

/**
 * Reconciles `--policy-pack-config` content the way the Pulumi CLI does before it configures an analyzer
 * (`ReconcilePolicyPackConfig`): every policy gets its schema defaults and its default level (else the pack's,
 * else advisory), then `all`'s level, then its own entry's level and properties.
 */
export function reconcilePolicyConfig(
  policies: readonly PolicyMeta[],
  config: PolicyPackConfig | undefined,
  packLevel?: EnforcementLevel,
): ReconciledPolicyConfig {
  const all = levelAndProps(config, "all");
  const result: ReconciledPolicyConfig = new Map();
  for (const policy of policies) {
    const defaults: Record<string, unknown> = {};
    for (const [k, schema] of Object.entries(policy.configSchema?.properties ?? {})) {
      if (schema && typeof schema === "object" && "default" in schema) {
        defaults[k] = (schema as { default: unknown }).default;
      }
    }
    const own = levelAndProps(config, policy.name);
    const level = own.level ?? all.level ?? policy.enforcementLevel ?? packLevel ?? "advisory";
    result.set(policy.name, { level, properties: structuredClone({ ...defaults, ...own.props }) });
  }
  return result;
}
