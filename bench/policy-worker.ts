/**
 * Child process for the policy item. Usage:
 *   node dist/bench/policy-worker.js <templates file> <resources> <repetitions> [extra] [profile=<dir>]
 * Builds a synthetic stack (`policy-stack.ts`), encodes it as the engine's `AnalyzeStack` request
 * (`testing/engine-request.ts`) and times, interleaved, each analysis on a request decoded afresh (untimed)
 * and from a new turn of the event loop, as a request from the engine arrives:
 *   pack          the pack's analyzer (`PackAnalyzer.analyzeStack`, the handler its gRPC server calls);
 *   pass-through  one stack policy that visits every resource, on `@pulumi/policy`'s own handler;
 * with `extra` also the rules as `@pulumi/policy` stack policies (`packArgs`) and ten pass-through policies on
 * that handler (what ten copies of the stack cost), and the pack's own parts (reading the request, the model,
 * each rule). Prints one `BENCH-RESULT {json}` line.
 */
import { readFileSync } from "node:fs";
import type { Policies } from "@pulumi/policy";
import { AnalyzeResponse, AnalyzeStackRequest } from "@pulumi/pulumi/proto/analyzer_pb";
import { resourceViews } from "../policies/analyzer/engine-resources";
import { PackAnalyzer } from "../policies/analyzer/pack-analyzer";
import { StackModel } from "../policies/core/stack-model";
import { PACK, PACK_VERSION, packArgs, RULES } from "../policies/pack";
import { analyzeStackRequestBytes, diagnosticOf } from "../testing/engine-request";
import { REPO_ROOT, reportResult } from "./child-process";
import { recordCpuProfile } from "./cpu-profile";
import type { Templates } from "./host-templates";
import { passThroughPolicies } from "./pass-through-policy";
import { analyzeWithPolicySdk } from "./policy-sdk-handler";
import { buildStack } from "./policy-stack";
import { ProfileLine, summariseProfile } from "./profile-summary";
import { elapsedMs, median } from "./stats";

/** The analyses the worker times. */
export type Variant = "pack" | "passThrough" | "sdkRules" | "tenPassThrough";

/** Wall and CPU milliseconds of each repetition. */
export interface Samples {
  readonly wallMs: number[];
  readonly cpuMs: number[];
}

/** What one policy worker measured for one stack size. */
export interface PolicyRunResult {
  readonly size: number;
  readonly samples: Partial<Record<Variant, Samples>>;
  /** The pack's own parts, CPU ms (medians): reading the request, building the model, each rule. */
  readonly parts?: {
    readonly readMs: number;
    readonly modelMs: number;
    readonly rulesMs: Record<string, number>;
  };
  /** Diagnostics by `rule (level)`; with `extra`, whether the rules on `@pulumi/policy` reported the same. */
  readonly diagnostics: Record<string, number>;
  readonly sdkRulesAgree?: boolean;
  /** Peak RSS of the process during the timed runs, KiB. */
  readonly maxRssKiB: number;
  readonly profile?: { readonly self: ProfileLine[]; readonly total: ProfileLine[] };
}

const analyzer = new PackAnalyzer({ ...PACK, version: PACK_VERSION }, RULES);

function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

async function run(variant: Variant, request: AnalyzeStackRequest): Promise<AnalyzeResponse> {
  const sdk = (policies: Policies) => analyzeWithPolicySdk(request, policies);
  if (variant === "pack") return analyzer.analyzeStack(request);
  if (variant === "passThrough") return sdk(passThroughPolicies(1));
  if (variant === "tenPassThrough") return sdk(passThroughPolicies(10));
  return sdk(packArgs.policies);
}

/** One timed analysis of a freshly decoded request. */
async function timed(variant: Variant, bytes: Uint8Array) {
  const request = AnalyzeStackRequest.deserializeBinary(bytes);
  await nextTurn();
  const cpu = process.cpuUsage();
  const start = process.hrtime.bigint();
  const response = await run(variant, request);
  const wallMs = elapsedMs(start);
  const used = process.cpuUsage(cpu);
  return { wallMs, cpuMs: (used.user + used.system) / 1000, response };
}

function cpuOf<T>(work: () => T): [T, number] {
  const start = process.cpuUsage();
  const value = work();
  const used = process.cpuUsage(start);
  return [value, (used.user + used.system) / 1000];
}

/** {@link cpuOf} for work that may finish in promise continuations (a rule may be asynchronous). */
async function cpuOfAsync<T>(work: () => T | Promise<T>): Promise<[T, number]> {
  const start = process.cpuUsage();
  const value = await work();
  const used = process.cpuUsage(start);
  return [value, (used.user + used.system) / 1000];
}

/** The pack's parts, each repetition in a new turn of the event loop (so the parse memos start cold, as in a run). */
async function parts(bytes: Uint8Array, reps: number): Promise<NonNullable<PolicyRunResult["parts"]>> {
  const read: number[] = [];
  const model: number[] = [];
  const rules: Record<string, number[]> = {};
  for (let r = 0; r < reps; r++) {
    const request = AnalyzeStackRequest.deserializeBinary(bytes);
    await nextTurn();
    const [views, readMs] = cpuOf(() => resourceViews(request));
    const [built, modelMs] = cpuOf(() => new StackModel(views));
    read.push(readMs);
    model.push(modelMs);
    for (const rule of RULES)
      (rules[rule.id] ??= []).push((await cpuOfAsync(() => rule.evaluate({ model: built, config: {} })))[1]);
  }
  const rulesMs: Record<string, number> = {};
  for (const [id, values] of Object.entries(rules)) rulesMs[id] = median(values);
  return { readMs: median(read), modelMs: median(model), rulesMs };
}

function describe(response: AnalyzeResponse): string[] {
  return response
    .getDiagnosticsList()
    .map(diagnosticOf)
    .map((d) => `${d.policyName}\n${d.enforcementLevel}\n${d.urn ?? ""}\n${d.message}`);
}

/** One pack analysis under the V8 profiler, on a request decoded beforehand (decoding is not the pack's). */
async function profilePack(bytes: Uint8Array, size: number, dir: string) {
  const request = AnalyzeStackRequest.deserializeBinary(bytes);
  await nextTurn();
  return summariseProfile(
    await recordCpuProfile(dir, `pack-${size}`, () => run("pack", request)),
    REPO_ROOT,
    10,
  );
}

async function measure(
  templates: Templates,
  size: number,
  reps: number,
  extra: boolean,
  profileDir?: string,
) {
  const bytes = analyzeStackRequestBytes(buildStack(templates, size).resources);
  const variants: Variant[] = extra
    ? ["pack", "passThrough", "sdkRules", "tenPassThrough"]
    : ["pack", "passThrough"];
  const samples: Partial<Record<Variant, Samples>> = {};
  // One untimed pass of each (JIT warm-up), except on stacks large enough to warm up within one pass.
  const first = new Map<Variant, AnalyzeResponse>();
  if (size <= 10_000) for (const v of variants) first.set(v, (await timed(v, bytes)).response);
  for (let r = 0; r < reps; r++) {
    // Interleaved and rotated, so that a busy moment of the machine falls on every variant alike.
    for (let k = 0; k < variants.length; k++) {
      const v = variants[(k + r) % variants.length];
      const t = await timed(v, bytes);
      if (!first.has(v)) first.set(v, t.response);
      const s = (samples[v] ??= { wallMs: [], cpuMs: [] });
      s.wallMs.push(t.wallMs);
      s.cpuMs.push(t.cpuMs);
    }
  }
  const maxRssKiB = process.resourceUsage().maxRSS;
  const diagnostics: Record<string, number> = {};
  const packDiagnostics = describe(first.get("pack") as AnalyzeResponse);
  for (const d of packDiagnostics) {
    const [rule, level] = d.split("\n");
    diagnostics[`${rule} (${level})`] = (diagnostics[`${rule} (${level})`] ?? 0) + 1;
  }
  const sdkRules = first.get("sdkRules");
  const result: PolicyRunResult = {
    size,
    samples,
    parts: extra ? await parts(bytes, reps) : undefined,
    diagnostics,
    sdkRulesAgree: sdkRules
      ? JSON.stringify(describe(sdkRules)) === JSON.stringify(packDiagnostics)
      : undefined,
    maxRssKiB,
    profile: profileDir ? await profilePack(bytes, size, profileDir) : undefined,
  };
  return result;
}

async function main(): Promise<void> {
  const [file, size, reps, ...flags] = process.argv.slice(2);
  if (!file || !size || !reps)
    throw new Error("policy-worker: <templates file> <resources> <repetitions> [extra]");
  const templates = JSON.parse(readFileSync(file, "utf8")) as Templates;
  const profileDir = flags.find((f) => f.startsWith("profile="))?.slice("profile=".length);
  reportResult(await measure(templates, Number(size), Number(reps), flags.includes("extra"), profileDir));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
