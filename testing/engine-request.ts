import {
  AnalyzeDiagnostic,
  AnalyzerPropertyDependencies,
  AnalyzerResource,
  AnalyzerResourceOptions,
  AnalyzeStackRequest,
  ConfigureAnalyzerRequest,
  PolicyConfig,
} from "@pulumi/pulumi/proto/analyzer_pb";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import { levelName, protoLevel, severityName } from "../policies/analyzer/proto-levels";
import type { Diagnostic } from "./analyze";
import type { CapturedResource } from "./capture";
import type { ReconciledPolicyConfig } from "./policy-config";

/**
 * What the Pulumi engine sends an analyzer, built from captured resources: the messages of the analyzer
 * protocol, so the harness and the bench run the pack's analyzer on exactly what it gets from the CLI.
 */

/**
 * The engine's `AnalyzeStack` request for captured resources as the bytes the analyzer's gRPC server receives:
 * properties (a custom resource's outputs, a component's registered outputs) as `google.protobuf.Struct`,
 * parent, dependencies and property dependencies as URNs.
 */
export function analyzeStackRequestBytes(resources: readonly CapturedResource[]): Uint8Array {
  const request = new AnalyzeStackRequest();
  request.setResourcesList(
    resources.map((c) => {
      const r = new AnalyzerResource();
      r.setType(c.type);
      r.setUrn(c.urn);
      r.setName(c.name);
      // Struct takes JSON values only; the engine drops undefined properties the same way.
      r.setProperties(Struct.fromJavaScript(JSON.parse(JSON.stringify(c.outputs)) as never));
      const options = new AnalyzerResourceOptions();
      if (c.parent) {
        options.setParent(c.parent);
        r.setParent(c.parent);
      }
      r.setOptions(options);
      r.setDependenciesList([...c.dependencies]);
      const map = r.getPropertydependenciesMap();
      for (const [key, urns] of Object.entries(c.propertyDependencies)) {
        const deps = new AnalyzerPropertyDependencies();
        deps.setUrnsList([...urns]);
        map.set(key, deps);
      }
      return r;
    }),
  );
  return request.serializeBinary();
}

/** The engine's `AnalyzeStack` request for captured resources, decoded from bytes as the server receives it. */
export function analyzeStackRequest(resources: readonly CapturedResource[]): AnalyzeStackRequest {
  return AnalyzeStackRequest.deserializeBinary(analyzeStackRequestBytes(resources));
}

/** The CLI's `Configure` request for a policy config it has reconciled (see `policy-config.ts`). */
export function configureRequest(config: ReconciledPolicyConfig): ConfigureAnalyzerRequest {
  const request = new ConfigureAnalyzerRequest();
  const map = request.getPolicyconfigMap();
  for (const [name, entry] of config) {
    const policy = new PolicyConfig();
    policy.setEnforcementlevel(protoLevel(entry.level));
    policy.setProperties(Struct.fromJavaScript(JSON.parse(JSON.stringify(entry.properties)) as never));
    map.set(name, policy);
  }
  return request;
}

/** A diagnostic of an analyzer's response as plain data. */
export function diagnosticOf(d: AnalyzeDiagnostic): Diagnostic {
  const severity = severityName(d.getSeverity());
  return {
    policyName: d.getPolicyname(),
    policyPackName: d.getPolicypackname(),
    policyPackVersion: d.getPolicypackversion(),
    message: d.getMessage(),
    ...(d.getUrn() ? { urn: d.getUrn() } : {}),
    description: d.getDescription(),
    enforcementLevel: levelName(d.getEnforcementlevel()) ?? "advisory",
    ...(severity ? { severity } : {}),
  };
}
