import type { EnforcementLevel as LevelName, Severity } from "@pulumi/policy";
import { EnforcementLevel, PolicySeverity } from "@pulumi/pulumi/proto/analyzer_pb";

const LEVELS: Readonly<Record<LevelName, EnforcementLevel>> = {
  advisory: EnforcementLevel.ADVISORY,
  mandatory: EnforcementLevel.MANDATORY,
  disabled: EnforcementLevel.DISABLED,
  remediate: EnforcementLevel.REMEDIATE,
};

const SEVERITIES: Readonly<Record<Severity, PolicySeverity>> = {
  low: PolicySeverity.POLICY_SEVERITY_LOW,
  medium: PolicySeverity.POLICY_SEVERITY_MEDIUM,
  high: PolicySeverity.POLICY_SEVERITY_HIGH,
  critical: PolicySeverity.POLICY_SEVERITY_CRITICAL,
};

/** An enforcement level as the analyzer protocol encodes it. */
export function protoLevel(level: LevelName): EnforcementLevel {
  return LEVELS[level];
}

/** An enforcement level of the analyzer protocol by name; `undefined` for a value the protocol does not define. */
export function levelName(level: EnforcementLevel): LevelName | undefined {
  return (Object.keys(LEVELS) as LevelName[]).find((name) => LEVELS[name] === level);
}

/** A severity as the analyzer protocol encodes it. */
export function protoSeverity(severity: Severity): PolicySeverity {
  return SEVERITIES[severity];
}

/** A severity of the analyzer protocol by name; `undefined` when unspecified. */
export function severityName(severity: PolicySeverity): Severity | undefined {
  return (Object.keys(SEVERITIES) as Severity[]).find((name) => SEVERITIES[name] === severity);
}
