import { AnalyzerInfo, PolicyConfigSchema, PolicyInfo, PolicyType } from "@pulumi/pulumi/proto/analyzer_pb";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import { RuleDefinition, ruleConfigSchema, ruleUrl } from "../core/rule";
import { protoLevel, protoSeverity } from "./proto-levels";

/** What the Pulumi CLI shows of a pack: `<name>@v<version>`, its description, display name and tags. */
export interface PackIdentity {
  /** Letters, digits, `-`, `_` and `.`, at most 100 (the CLI's rule for pack names). */
  readonly name: string;
  /** The pack's version (the CLI prints `<name>@v<version>`). */
  readonly version: string;
  readonly description: string;
  readonly displayName: string;
  readonly tags: readonly string[];
}

/**
 * The analyzer's `GetAnalyzerInfo` answer: one stack policy per rule, named by the rule's id, with its
 * description, default level, severity, remediation, RULES.md link and config schema. The CLI validates a
 * stack's `--policy-pack-config` per rule id against these schemas and sends each rule's level and config back
 * in `Configure`, exactly as for a pack of `@pulumi/policy` stack policies.
 */
export function analyzerInfo(pack: PackIdentity, rules: readonly RuleDefinition[]): AnalyzerInfo {
  const info = new AnalyzerInfo();
  info.setName(pack.name);
  info.setVersion(pack.version);
  info.setSupportsconfig(true);
  info.setDisplayname(pack.displayName);
  info.setDescription(pack.description);
  info.setTagsList([...pack.tags]);
  info.setPoliciesList(
    rules.map((rule) => {
      const policy = new PolicyInfo();
      policy.setName(rule.id);
      policy.setDescription(rule.description);
      policy.setPolicyType(PolicyType.POLICY_TYPE_STACK);
      policy.setEnforcementlevel(protoLevel(rule.enforcementLevel));
      policy.setSeverity(protoSeverity(rule.severity));
      policy.setRemediationSteps(rule.remediation);
      policy.setUrl(ruleUrl(rule.id));
      const schema = new PolicyConfigSchema();
      schema.setProperties(Struct.fromJavaScript(ruleConfigSchema(rule).properties as never));
      policy.setConfigschema(schema);
      return policy;
    }),
  );
  return info;
}
