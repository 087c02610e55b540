import type { Policies } from "@pulumi/policy";
import * as policyServer from "@pulumi/policy/server";
import {
  AnalyzeDiagnostic,
  AnalyzeResponse,
  AnalyzerPropertyDependencies,
  AnalyzerResource,
  AnalyzerResourceOptions,
  AnalyzeStackRequest,
  EnforcementLevel,
} from "@pulumi/pulumi/proto/analyzer_pb";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import type { CapturedResource } from "../testing/capture";
import { PACK_NAME, PACK_VERSION, packArgs } from "../policies/pack";

/** The analyzer server's handler factory; `@pulumi/policy` exports it from `server.js` but not in its types. */
type AnalyzeStackHandler = (
  call: { request: AnalyzeStackRequest },
  callback: (err: unknown, response?: AnalyzeResponse) => void,
) => Promise<void>;
type MakeAnalyzeStack = (
  packName: string,
  packVersion: string,
  enforcementLevel: string,
  policies: Policies,
) => AnalyzeStackHandler;

const makeAnalyzeStackRpcFun = (policyServer as unknown as { makeAnalyzeStackRpcFun: MakeAnalyzeStack })
  .makeAnalyzeStackRpcFun;

/**
 * The engine's `AnalyzeStack` request for captured resources as the bytes the analyzer's gRPC server receives:
 * properties as `google.protobuf.Struct`, parent, dependencies and property dependencies as URNs. Decode them
 * with `AnalyzeStackRequest.deserializeBinary` once per analysis, as the server does per call.
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

/** The name, version and enforcement level the pack's own analyzer process serves its policies under. */
const THIS_PACK = {
  name: PACK_NAME,
  version: PACK_VERSION,
  enforcementLevel: packArgs.enforcementLevel ?? "advisory",
};

/** One diagnostic of the handler's response, as plain data. */
export type ServerDiagnostic = AnalyzeDiagnostic.AsObject;

/** The name of a diagnostic's enforcement level (`mandatory`, `advisory`, ...). */
export function levelName(level: number): string {
  const name = Object.entries(EnforcementLevel).find(([, value]) => value === level)?.[0];
  return (name ?? String(level)).toLowerCase();
}

/**
 * Runs policies over a request through `@pulumi/policy`'s own `analyzeStack` handler (the function its gRPC
 * server calls), which hands every stack policy its own resource objects, deserializing the properties for
 * each policy unless the pack's property sharing is installed (`policies/core/shared-properties.ts`). Policy
 * config is what the server holds before the engine configures it: none. Returns the response's diagnostics.
 */
export function analyzeStack(
  request: AnalyzeStackRequest,
  policies: Policies,
  pack: { name: string; version: string; enforcementLevel: string } = THIS_PACK,
): Promise<ServerDiagnostic[]> {
  const handler = makeAnalyzeStackRpcFun(pack.name, pack.version, pack.enforcementLevel, policies);
  return new Promise((resolve, reject) => {
    void handler({ request }, (err, response) =>
      err
        ? reject(err instanceof Error ? err : new Error(String(err)))
        : resolve((response?.getDiagnosticsList() ?? []).map((d) => d.toObject())),
    );
  });
}
