import {
  EnforcementLevel,
  Policies,
  PolicyPackConfig,
  PolicyResource,
  ResourceValidationPolicy,
  StackValidationPolicy,
  unknownCheckingProxy,
  UnknownValueError,
} from "@pulumi/policy";
import { setClock } from "../policies/core/clock";
import { CapturedResource, CapturedStack } from "./capture";
import { reconcilePolicyConfig } from "./policy-config";

/** One diagnostic as the engine receives it from an analyzer. */
export interface Diagnostic {
  readonly policyName: string;
  readonly policyPackName: string;
  readonly policyPackVersion: string;
  readonly message: string;
  readonly urn?: string;
  readonly description: string;
  readonly enforcementLevel: EnforcementLevel;
  readonly severity?: string;
}

/** How {@link analyzeResources} runs a pack. */
export interface AnalyzeOptions {
  readonly policies: Policies;
  readonly policyPackName: string;
  readonly policyPackVersion: string;
  /** Pack default level (the CLI's `PolicyPackArgs.enforcementLevel`, else advisory). */
  readonly packEnforcementLevel?: EnforcementLevel;
  /** `--policy-pack-config` content: `{ "<policy>": level | { enforcementLevel?, ...props }, "all": level }`. */
  readonly config?: PolicyPackConfig;
  /** "Today" for exception expiry. */
  readonly now?: Date;
}

type Level = EnforcementLevel;

function isStackPolicy(p: ResourceValidationPolicy | StackValidationPolicy): p is StackValidationPolicy {
  return typeof (p as StackValidationPolicy).validateStack === "function";
}

function policyResources(
  captured: readonly CapturedResource[],
  which: "outputs" | "inputs",
): PolicyResource[] {
  const byUrn = new Map<string, PolicyResource>();
  const list: PolicyResource[] = captured.map((c) => {
    const props = unknownCheckingProxy(structuredClone(c[which])) as Record<string, unknown>;
    const resource: PolicyResource = {
      type: c.type,
      props,
      urn: c.urn,
      name: c.name,
      opts: {
        protect: false,
        ignoreChanges: [],
        aliases: [],
        customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
        additionalSecretOutputs: [],
        ...(c.parent ? { parent: c.parent } : {}),
      },
      dependencies: [],
      propertyDependencies: {},
      isType: (cls) => (cls as unknown as { __pulumiType?: string }).__pulumiType === c.type,
      asType: (cls) =>
        (cls as unknown as { __pulumiType?: string }).__pulumiType === c.type ? (props as never) : undefined,
    };
    byUrn.set(c.urn, resource);
    return resource;
  });
  captured.forEach((c, i) => {
    const r = list[i] as {
      parent?: PolicyResource;
      dependencies: PolicyResource[];
      propertyDependencies: Record<string, PolicyResource[]>;
    };
    if (c.parent && byUrn.has(c.parent)) r.parent = byUrn.get(c.parent);
    r.dependencies = c.dependencies
      .map((d) => byUrn.get(d))
      .filter((d): d is PolicyResource => d !== undefined);
    for (const [k, urns] of Object.entries(c.propertyDependencies)) {
      r.propertyDependencies[k] = urns
        .map((d) => byUrn.get(d))
        .filter((d): d is PolicyResource => d !== undefined);
    }
  });
  return list;
}

/**
 * Runs `@pulumi/policy` policies (another pack's, or this pack's `packArgs`) over captured resources the way
 * the Pulumi engine and `@pulumi/policy`'s analyzer server do: resource policies once per resource on its
 * inputs, stack policies once on every resource's outputs (with parent, dependencies and property dependencies
 * as resource objects), properties behind the unknown-checking proxy (each policy its own copy), config
 * reconciled like the CLI, `UnknownValueError` turned into the framework's advisory "can't run policy during
 * preview" diagnostic. Returns the diagnostics the engine would receive. (This pack itself runs as its own
 * analyzer: `checkResources` calls that.)
 */
export async function analyzeResources(
  stack: CapturedStack | readonly CapturedResource[],
  options: AnalyzeOptions,
): Promise<Diagnostic[]> {
  const captured = Array.isArray(stack)
    ? (stack as readonly CapturedResource[])
    : (stack as CapturedStack).resources;
  const restore = options.now ? setClock(() => options.now as Date) : undefined;
  const diagnostics: Diagnostic[] = [];
  const reconciled = reconcilePolicyConfig(options.policies, options.config, options.packEnforcementLevel);
  try {
    for (const policy of options.policies) {
      const { level, properties: props } = reconciled.get(policy.name) as {
        level: Level;
        properties: object;
      };
      if (level === "disabled") continue;
      const effective: Level = level === "remediate" ? "mandatory" : level;
      const report = (urnDefault?: string) => (message: unknown, urn?: string) => {
        if (message !== null && typeof message === "object") {
          const info = message as {
            message?: string;
            description?: string;
            urn?: string;
            enforcementLevel?: Level;
            severity?: string;
            name?: string;
          };
          diagnostics.push({
            policyName: info.name ?? policy.name,
            policyPackName: options.policyPackName,
            policyPackVersion: options.policyPackVersion,
            message: info.message ?? info.description ?? policy.description,
            urn: info.urn ?? urnDefault,
            description: info.description ?? policy.description,
            enforcementLevel: info.enforcementLevel ?? effective,
            severity: info.severity ?? policy.severity,
          });
          return;
        }
        diagnostics.push({
          policyName: policy.name,
          policyPackName: options.policyPackName,
          policyPackVersion: options.policyPackVersion,
          message: message ? `${policy.description}\n${String(message)}` : policy.description,
          urn: urnDefault ?? urn,
          description: policy.description,
          enforcementLevel: effective,
          severity: policy.severity,
        });
      };
      const frameworkPreviewNote = (e: UnknownValueError) =>
        diagnostics.push({
          policyName: policy.name,
          policyPackName: options.policyPackName,
          policyPackVersion: options.policyPackVersion,
          message: `can't run policy '${policy.name}' from policy pack '${options.policyPackName}@v${options.policyPackVersion}' during preview: ${e.message}`,
          description: policy.description,
          enforcementLevel: "advisory",
          severity: policy.severity,
        });
      const common = {
        getConfig: <T extends object>() => structuredClone(props) as T,
        stackTags: new Map<string, string>(),
        notApplicable: (): never => {
          throw new NotApplicable();
        },
      };
      if (isStackPolicy(policy)) {
        try {
          await policy.validateStack(
            { resources: policyResources(captured, "outputs"), ...common },
            report() as never,
          );
        } catch (e) {
          if (e instanceof UnknownValueError) frameworkPreviewNote(e);
          else if (!(e instanceof NotApplicable)) throw e;
        }
      } else if (policy.validateResource) {
        const validations = Array.isArray(policy.validateResource)
          ? policy.validateResource
          : [policy.validateResource];
        for (const r of policyResources(captured, "inputs")) {
          for (const validate of validations) {
            try {
              await validate({ ...r, provider: undefined, ...common } as never, report(r.urn) as never);
            } catch (e) {
              if (e instanceof UnknownValueError) frameworkPreviewNote(e);
              else if (!(e instanceof NotApplicable)) throw e;
            }
          }
        }
      }
    }
  } finally {
    restore?.();
  }
  return diagnostics;
}

class NotApplicable extends Error {}
