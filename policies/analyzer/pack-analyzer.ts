import type * as grpc from "@grpc/grpc-js";
import { status } from "@grpc/grpc-js";
import type { IAnalyzerServer } from "@pulumi/pulumi/proto/analyzer_grpc_pb";
import { AnalyzerService } from "@pulumi/pulumi/proto/analyzer_grpc_pb";
import {
  AnalyzeDiagnostic,
  AnalyzeResponse,
  AnalyzerStackConfigureResponse,
  AnalyzeStackRequest,
  ConfigureAnalyzerRequest,
  RemediateResponse,
} from "@pulumi/pulumi/proto/analyzer_pb";
import { PluginInfo } from "@pulumi/pulumi/proto/plugin_pb";
import { analyzeStack, ConfiguredRule, Violation } from "../core/analysis";
import { RuleDefinition } from "../core/rule";
import { analyzerInfo, PackIdentity } from "./analyzer-info";
import { resourceViews } from "./engine-resources";
import { protoLevel, protoSeverity } from "./proto-levels";
import { configureRules, policyConfigOf } from "./rule-configuration";

/**
 * The pack as a Pulumi analyzer: the handlers of the analyzer protocol (`pulumirpc.Analyzer`, the contract
 * between the engine and every policy pack) for the pack's rules, without the transport (`serve-pack.ts`
 * binds them to a gRPC server; the test harness and the bench call them directly).
 *
 * To the CLI each rule is a stack policy of its own (`GetAnalyzerInfo`), so `--policy-pack-config` is
 * validated and configured per rule id and every diagnostic names its rule with its level. Behind that, one
 * analysis reads each resource of the engine's request once, builds the stack model once and runs every
 * enabled rule on it. `Configure` decides which rules run and at which level (see `rule-configuration.ts`).
 * `Analyze` (one resource at registration) and `Remediate` have nothing to do: every rule needs the stack.
 */
export class PackAnalyzer {
  private configured: ConfiguredRule[];

  constructor(
    readonly pack: PackIdentity,
    readonly rules: readonly RuleDefinition[],
  ) {
    this.configured = configureRules(rules, new Map());
  }

  /** The rules of the next analyses and their levels, as the last `Configure` left them. */
  get configuredRules(): readonly ConfiguredRule[] {
    return this.configured;
  }

  /** `Configure`: the stack's policy config, per rule id, already reconciled by the CLI. */
  configure(request: ConfigureAnalyzerRequest): void {
    this.configured = configureRules(this.rules, policyConfigOf(request));
  }

  /** `AnalyzeStack`: the diagnostics of the whole stack. */
  async analyzeStack(request: AnalyzeStackRequest): Promise<AnalyzeResponse> {
    const violations = await analyzeStack(resourceViews(request), this.configured);
    const response = new AnalyzeResponse();
    response.setDiagnosticsList(violations.map((v) => this.diagnostic(v)));
    return response;
  }

  private diagnostic(v: Violation): AnalyzeDiagnostic {
    const d = new AnalyzeDiagnostic();
    d.setPolicyname(v.rule.id);
    d.setPolicypackname(this.pack.name);
    d.setPolicypackversion(this.pack.version);
    d.setDescription(v.rule.description);
    d.setMessage(v.message);
    d.setEnforcementlevel(protoLevel(v.level));
    d.setSeverity(protoSeverity(v.rule.severity));
    if (v.urn) d.setUrn(v.urn);
    return d;
  }

  /** The handlers for `grpc.Server.addService(AnalyzerService, …)`. */
  service(): IAnalyzerServer {
    // `Empty` must come from the protobuf module the generated service serializes with: take it from there.
    const empty = () => AnalyzerService.cancel.responseDeserialize(Buffer.alloc(0));
    return {
      getAnalyzerInfo: unary(() => analyzerInfo(this.pack, this.rules)),
      getPluginInfo: unary(() => new PluginInfo().setVersion(this.pack.version)),
      configure: unary((request) => {
        this.configure(request);
        return empty();
      }),
      configureStack: unary(() => new AnalyzerStackConfigureResponse()),
      analyze: unary(() => new AnalyzeResponse()),
      analyzeStack: unary((request) => this.analyzeStack(request)),
      remediate: unary(() => new RemediateResponse()),
      handshake: (_call, callback) =>
        callback({ code: status.UNIMPLEMENTED, details: "Handshake is optional", name: "", message: "" }),
      cancel: unary(() => empty()),
    };
  }
}

/** A unary handler from a function of the request; a thrown error (or rejection) becomes the call's error. */
function unary<Req, Res>(handle: (request: Req) => Res | Promise<Res>): grpc.handleUnaryCall<Req, Res> {
  return async (call, callback) => {
    let response: Res;
    try {
      response = await handle(call.request);
    } catch (err) {
      const error = err instanceof Error ? err : new Error(String(err));
      callback({
        code: status.UNKNOWN,
        details: error.stack ?? error.message,
        name: error.name,
        message: "",
      });
      return;
    }
    callback(null, response);
  };
}
