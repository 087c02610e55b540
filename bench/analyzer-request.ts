import type { Policies } from "@pulumi/policy";
import * as policyServer from "@pulumi/policy/server";
import {
  AnalyzeResponse,
  AnalyzerPropertyDependencies,
  AnalyzerResource,
  AnalyzerResourceOptions,
  AnalyzeStackRequest,
} from "@pulumi/pulumi/proto/analyzer_pb";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import type { CapturedResource } from "../testing/capture";

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
 * The engine's `AnalyzeStack` request for captured resources, encoded to bytes and decoded again, as the
 * analyzer's gRPC server receives it: properties as `google.protobuf.Struct`, parent, dependencies and property
 * dependencies as URNs.
 */
export function analyzeStackRequest(resources: readonly CapturedResource[]): AnalyzeStackRequest {
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
  return AnalyzeStackRequest.deserializeBinary(request.serializeBinary());
}

/**
 * Runs policies over a request through `@pulumi/policy`'s own `analyzeStack` handler (the function its gRPC
 * server calls), which deserializes the resources afresh for every stack policy. Policy config is what the
 * server holds before the engine configures it: none. Returns the number of diagnostics.
 */
export function analyzeStack(
  request: AnalyzeStackRequest,
  policies: Policies,
  pack: { name: string; version: string; enforcementLevel: string },
): Promise<number> {
  const handler = makeAnalyzeStackRpcFun(pack.name, pack.version, pack.enforcementLevel, policies);
  return new Promise((resolve, reject) => {
    void handler({ request }, (err, response) =>
      err
        ? reject(err instanceof Error ? err : new Error(String(err)))
        : resolve(response?.getDiagnosticsList().length ?? 0),
    );
  });
}
