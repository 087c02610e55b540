import type { Policies } from "@pulumi/policy";
import * as policyServer from "@pulumi/policy/server";
import type { AnalyzeResponse, AnalyzeStackRequest } from "@pulumi/pulumi/proto/analyzer_pb";

/** `@pulumi/policy`'s `AnalyzeStack` handler: the function its gRPC server calls for each request. */
type AnalyzeStackHandler = (
  call: { request: AnalyzeStackRequest },
  callback: (err: unknown, response?: AnalyzeResponse) => void,
) => Promise<void>;

/** `server.js` exports the handler factory, though not in its types. */
const makeAnalyzeStackRpcFun = (
  policyServer as unknown as {
    makeAnalyzeStackRpcFun: (
      name: string,
      version: string,
      level: string,
      policies: Policies,
    ) => AnalyzeStackHandler;
  }
).makeAnalyzeStackRpcFun;

/**
 * Runs `@pulumi/policy` stack policies over a request through `@pulumi/policy` 1.21.0's own handler (no
 * config: what its server holds before the engine configures it), as a pack of `new PolicyPack(...)` would.
 */
export function analyzeWithPolicySdk(
  request: AnalyzeStackRequest,
  policies: Policies,
): Promise<AnalyzeResponse> {
  const handler = makeAnalyzeStackRpcFun("bench", "0.0.0", "mandatory", policies);
  return new Promise((resolve, reject) => {
    void handler({ request }, (err, response) =>
      err || !response ? reject(err instanceof Error ? err : new Error(String(err))) : resolve(response),
    );
  });
}
