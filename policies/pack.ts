import type { PolicyPackArgs, StackValidationPolicy } from "@pulumi/policy";
import type { PackIdentity } from "./analyzer/analyzer-info";
import { serveAnalyzer } from "./analyzer/serve-pack";
import { stackPolicies } from "./core/stack-policies";
import { toPolicyPackConfig, PolicySettings } from "./pack-config";
import { RULES } from "./rules";

/** The pack's name as the Pulumi CLI shows it (`ipv6-mail@v<version>`). */
export const PACK_NAME = "ipv6-mail";

/** The pack's version; equal to `version` in `policies/package.json`, which the CLI reads. */
export const PACK_VERSION = "0.1.0";

/** How the CLI describes the pack (its version is the pack directory's, see {@link servePack}). */
export const PACK: Omit<PackIdentity, "version"> = {
  name: PACK_NAME,
  description:
    "IPv6 mail: send SMTP from a dedicated /64, firewall IPv6 (tunnels included), keep ICMPv6, match PTR/AAAA/HELO and SPF, no documentation prefixes, no Docker open relay.",
  displayName: "IPv6 mail",
  tags: ["ipv6", "mail", "smtp", "firewall"],
};

/**
 * Runs the pack as the Pulumi CLI's analyzer: the one call in the `index.ts` of a policy pack directory (see
 * the README's PR pipeline section; `policies/index.ts` is that call for this repository), in place of
 * `new PolicyPack(...)`. Each rule is a stack policy of its own to the CLI (its id, level, severity and config
 * in `--policy-pack-config`), and one analysis judges the stack once for all of them. Like `PolicyPack`, it
 * ends the process with an error message when the analyzer cannot start.
 *
 * @param options.version the version the CLI shows; default: `version` of `package.json` in the directory the
 *   CLI runs the pack in.
 */
export function servePack(options: { readonly version?: string } = {}): void {
  serveAnalyzer({ ...PACK, version: options.version }, RULES).catch((err: unknown) => {
    console.error(`ipv6-mail policy pack: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  });
}

/**
 * The rules as `@pulumi/policy` stack policies, one per rule, for a `PolicyPack` of your own that runs them
 * beside other policies (`new PolicyPack(PACK_NAME, packArgs)`). {@link servePack} is faster: `@pulumi/policy`
 * hands every stack policy its own copy of the stack (RULES.md, "Cost").
 */
export const policies: StackValidationPolicy[] = stackPolicies(RULES);

/** The arguments for `new PolicyPack(PACK_NAME, packArgs)`: {@link policies} and the pack's description. */
export const packArgs: PolicyPackArgs = {
  policies,
  enforcementLevel: "mandatory",
  description: PACK.description,
  displayName: PACK.displayName,
  tags: [...PACK.tags],
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
export type { PackIdentity } from "./analyzer/analyzer-info";
export { PackAnalyzer } from "./analyzer/pack-analyzer";
export { UNKNOWN_STRING_SENTINEL } from "./core/unknown";
