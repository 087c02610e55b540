import type { PolicyPackArgs, StackValidationPolicy } from "@pulumi/policy";
import { makeStackPolicy } from "./core/rule";
import { StackModelCache } from "./core/stack-model-cache";
import { toPolicyPackConfig, PolicySettings } from "./pack-config";
import { RULES } from "./rules";

/** The pack's name as the Pulumi CLI shows it (`ipv6-mail@v<version>`). */
export const PACK_NAME = "ipv6-mail";

/** The pack's version; equal to `version` in `policies/package.json`, which the CLI reads. */
export const PACK_VERSION = "0.1.0";

/**
 * The pack's policies, one stack policy per rule (cross-resource rules need the whole stack, and each rule
 * keeps its own name, level and config in the CLI). They share one stack model cache, so the rules of one
 * analysis build the model of the stack once.
 */
const models = new StackModelCache();
export const policies: StackValidationPolicy[] = RULES.map((rule) => makeStackPolicy(rule, models));

/** The arguments for `new PolicyPack(PACK_NAME, packArgs)`; `policies/index.ts` is that call. */
export const packArgs: PolicyPackArgs = {
  policies,
  enforcementLevel: "mandatory",
  description:
    "IPv6 mail: send SMTP from a dedicated /64, firewall IPv6 (tunnels included), keep ICMPv6, match PTR/AAAA/HELO and SPF, no documentation prefixes, no Docker open relay.",
  displayName: "IPv6 mail",
  tags: ["ipv6", "mail", "smtp", "firewall"],
};

/** {@link toPolicyPackConfig} for this pack's rules. */
export function policyPackConfig(settings: PolicySettings) {
  return toPolicyPackConfig(
    settings,
    RULES.map((r) => r.id),
  );
}

export { RULES } from "./rules";
export type { RuleDefinition, Finding, RuleConfig } from "./core/rule";
export { MARK, ruleUrl, RULES_URL } from "./core/rule";
export type { ExceptionSpec } from "./core/exceptions";
export type { PolicySettings } from "./pack-config";
export { UNKNOWN_STRING_SENTINEL } from "./core/unknown";
export { shareResourceProperties, propertySharing } from "./core/shared-properties";
export type { PropertySharing } from "./core/shared-properties";
