/**
 * Child process for item 2 (policy evaluation). Usage:
 *   node dist/bench/policy-worker.js measure <file> <size> <reps> [per-rule] [compare] [profile=<dir>]
 *   node dist/bench/policy-worker.js once <file> <size> pack|one|all
 *     one analysis in this fresh process, nothing warmed up: how the Pulumi CLI's analyzer process runs the pack
 *     once per preview (`one`: a pass-through policy, `all`: as many pass-through policies as the pack has rules)
 * Every analysis goes through `@pulumi/policy`'s own `analyzeStack` handler on the engine's request decoded
 * from protobuf bytes (`analyzer-request.ts`), with the pack's property sharing installed for the pack and for
 * as many pass-through policies as it has rules, as the pack's entry point installs it in the analyzer process
 * (`policies/core/shared-properties.ts`), and not for the single pass-through policy (a pack of its own).
 * Prints one `BENCH-RESULT {json}` line.
 */
import { readFileSync } from "node:fs";
import type { Policies, PolicyResource } from "@pulumi/policy";
import { AnalyzeStackRequest } from "@pulumi/pulumi/proto/analyzer_pb";
import {
  propertySharing,
  shareResourceProperties,
  stopSharingResourceProperties,
} from "../policies/core/shared-properties";
import type { StackModel } from "../policies/core/stack-model";
import { StackModelCache } from "../policies/core/stack-model-cache";
import { PACK_NAME, PACK_VERSION, packArgs, RULES } from "../policies/pack";
import { analyzeResources } from "../testing/analyze";
import type { CapturedResource } from "../testing/capture";
import { analyzeStack, analyzeStackRequestBytes, levelName, ServerDiagnostic } from "./analyzer-request";
import { reportResult } from "./child-process";
import { passThroughPolicies } from "./pass-through-policy";
import type { Templates } from "./host-templates";
import { buildStack, StackComposition } from "./policy-stack";
import { elapsedMs, median } from "./stats";
import { recordCpuProfile } from "./cpu-profile";
import { ProfileLine, summariseProfile } from "./profile-summary";
import { repoRoot } from "../tests/lab/repo-root";

/** What one policy-evaluation worker measured for one stack size. */
export interface PolicyRunResult {
  readonly size: number;
  readonly composition: StackComposition;
  readonly buildMs: number;
  /** Milliseconds per repetition: the pack, one pass-through policy, as many pass-through policies as rules. */
  readonly packMs: number[];
  readonly passThroughMs: number[];
  readonly passThroughPerRuleMs: number[];
  /** CPU milliseconds (user + system) of the same repetitions. */
  readonly packCpuMs: number[];
  readonly passThroughCpuMs: number[];
  readonly passThroughPerRuleCpuMs: number[];
  /**
   * Where the pack's own CPU time goes (medians over the repetitions, ms): building the stack model from one
   * rule's resources, checking that another rule's resources are the same stack (the other rules each pay
   * this instead of a build), and each rule's evaluation on the shared model.
   */
  readonly breakdown?: {
    readonly modelCpuMs: number;
    readonly sameStackCheckCpuMs: number;
    readonly ruleCpuMs: Record<string, number>;
  };
  /**
   * The pack without the property sharing (every stack policy deserializes its own copy, as `@pulumi/policy`
   * does by itself), timed like the pack, and the diagnostics of that run and of the testing analyzer
   * (`testing/analyze.ts`), which must equal the pack's.
   */
  readonly comparison?: {
    readonly unsharedPackMs: number[];
    readonly unsharedPackCpuMs: number[];
    readonly unsharedDiagnostics: number;
    readonly harnessDiagnostics: number;
  };
  readonly stackPolicies: number;
  /** Diagnostics the pack reported, by rule and level (a realistic stack is not spotless). */
  readonly diagnostics: Record<string, number>;
  /** Peak RSS of the process up to the end of the timed runs (before the breakdown and comparison runs). */
  readonly maxRssKiB: number;
  /** Where one pack run's CPU time goes, when profiling was asked for. */
  readonly profile?: { readonly self: ProfileLine[]; readonly total: ProfileLine[] };
}

const NOW = new Date("2026-06-01T12:00:00Z");

/**
 * One analysis, as one `analyzeStack` request: the request is decoded afresh from the engine's bytes (as the
 * gRPC server does for every call, untimed: it is the same for every policy set), and the analysis starts in a
 * new turn of the event loop, as a request from the engine does, so nothing the pack keeps for one analysis
 * (its caches last until the event loop turns, its shared properties as long as the request) is carried into
 * the next. `shared`: with the pack's property sharing installed, as in the pack's own process. Timed.
 */
function analyze(bytes: Uint8Array, policies: Policies, shared: boolean): Promise<Analysis> {
  return analyzeDecoded(AnalyzeStackRequest.deserializeBinary(bytes), policies, shared);
}

interface Analysis {
  readonly ms: number;
  readonly cpuMs: number;
  readonly diagnostics: ServerDiagnostic[];
}

/** {@link analyze} on a request decoded by the caller. */
async function analyzeDecoded(
  request: AnalyzeStackRequest,
  policies: Policies,
  shared: boolean,
): Promise<Analysis> {
  if (shared) {
    const sharing = shareResourceProperties();
    if (!sharing.active) throw new Error(`bench: the pack's property sharing is off: ${sharing.reason}`);
  } else {
    stopSharingResourceProperties();
  }
  let diagnostics: ServerDiagnostic[] = [];
  const run = await timed(async () => (diagnostics = await analyzeStack(request, policies)));
  return { ...run, diagnostics };
}

function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Times `run` from a new turn of the event loop (the turn change itself is not timed). */
async function timed(run: () => Promise<unknown>): Promise<{ ms: number; cpuMs: number }> {
  await nextTurn();
  const cpu = process.cpuUsage();
  const start = process.hrtime.bigint();
  await run();
  const ms = elapsedMs(start);
  const used = process.cpuUsage(cpu);
  return { ms, cpuMs: (used.user + used.system) / 1000 };
}

/** The resources two of the pack's stack policies receive from the handler in one analysis. */
async function engineCopies(
  bytes: Uint8Array,
): Promise<readonly [readonly PolicyResource[], readonly PolicyResource[]]> {
  const copies: (readonly PolicyResource[])[] = [];
  const grab: Policies = [0, 1].map((k) => ({
    name: `grab-${k}`,
    description: "Keeps the resources it is given.",
    validateStack: (args) => {
      copies.push(args.resources);
    },
  }));
  await analyze(bytes, grab, true);
  const [first, second] = copies;
  if (!first || !second) throw new Error("bench: the handler did not run both policies");
  return [first, second];
}

function cpuOf(work: () => unknown): number {
  const start = process.cpuUsage();
  work();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
}

/** Splits the pack's own work (without the handler's part) into the model, the same-stack check and the rules. */
async function packBreakdown(bytes: Uint8Array, reps: number) {
  const model: number[] = [];
  const check: number[] = [];
  const rules: Record<string, number[]> = {};
  for (let r = 0; r < reps; r++) {
    const [first, second] = await engineCopies(bytes);
    await nextTurn();
    const cache = new StackModelCache();
    let built: StackModel | undefined;
    model.push(cpuOf(() => (built = cache.modelOf(first))));
    const shared = built as StackModel;
    check.push(
      cpuOf(() => {
        if (cache.modelOf(second) !== shared)
          throw new Error("bench: the same stack did not share its model");
      }),
    );
    for (const rule of RULES) {
      (rules[rule.id] ??= []).push(cpuOf(() => rule.evaluate({ model: shared, config: {} })));
    }
  }
  const ruleCpuMs: Record<string, number> = {};
  for (const [id, values] of Object.entries(rules)) ruleCpuMs[id] = median(values);
  return { modelCpuMs: median(model), sameStackCheckCpuMs: median(check), ruleCpuMs };
}

/** The pack without the property sharing, and the testing analyzer's diagnostics for the same stack. */
async function comparisonRuns(resources: readonly CapturedResource[], bytes: Uint8Array, reps: number) {
  const unsharedDiagnostics = (await analyze(bytes, packArgs.policies, false)).diagnostics.length;
  const out = { unsharedPackMs: [] as number[], unsharedPackCpuMs: [] as number[] };
  for (let r = 0; r < reps; r++) {
    const run = await analyze(bytes, packArgs.policies, false);
    out.unsharedPackMs.push(run.ms);
    out.unsharedPackCpuMs.push(run.cpuMs);
  }
  await nextTurn();
  const harness = await analyzeResources(resources, {
    policies: packArgs.policies,
    policyPackName: PACK_NAME,
    policyPackVersion: PACK_VERSION,
    packEnforcementLevel: packArgs.enforcementLevel,
    now: NOW,
  });
  return { ...out, unsharedDiagnostics, harnessDiagnostics: harness.length };
}

/** Runs the pack once under the V8 profiler and summarises where the time went. */
async function profilePack(bytes: Uint8Array, size: number, dir: string) {
  const request = AnalyzeStackRequest.deserializeBinary(bytes);
  const file = await recordCpuProfile(dir, `pack-${size}`, () =>
    analyzeDecoded(request, packArgs.policies, true),
  );
  return summariseProfile(file, repoRoot());
}

async function measure(
  templates: Templates,
  size: number,
  reps: number,
  options: { perRule: boolean; compare: boolean; profileDir?: string },
): Promise<PolicyRunResult> {
  const buildStart = process.hrtime.bigint();
  const built: { resources?: CapturedResource[]; composition: StackComposition } = buildStack(
    templates,
    size,
  );
  const buildMs = elapsedMs(buildStart);
  const bytes = analyzeStackRequestBytes(built.resources ?? []);
  // The analyzer process holds the request, not the program's resources: keep them only for the comparison
  // with the testing analyzer, so that the garbage collector traces what it would trace in the analyzer.
  const resources = options.compare ? built.resources : undefined;
  delete built.resources;
  const pack = packArgs.policies;
  const one = passThroughPolicies(1);
  const perRule = passThroughPolicies(pack.length);
  // One untimed pass of each, so the first timed repetition does not pay for JIT warm-up alone (skipped on
  // stacks so large that one pass is long enough to warm up by itself).
  let diagnostics: ServerDiagnostic[] | undefined;
  if (size <= 10_000) {
    diagnostics = (await analyze(bytes, pack, true)).diagnostics;
    await analyze(bytes, one, false);
    await analyze(bytes, perRule, true);
  }
  const result = {
    packMs: [] as number[],
    passThroughMs: [] as number[],
    passThroughPerRuleMs: [] as number[],
    packCpuMs: [] as number[],
    passThroughCpuMs: [] as number[],
    passThroughPerRuleCpuMs: [] as number[],
  };
  // Interleaved, so that a busy moment of the machine falls on all three alike.
  for (let r = 0; r < reps; r++) {
    const a = await analyze(bytes, pack, true);
    diagnostics ??= a.diagnostics;
    const b = await analyze(bytes, one, false);
    const c = await analyze(bytes, perRule, true);
    result.packMs.push(a.ms);
    result.packCpuMs.push(a.cpuMs);
    result.passThroughMs.push(b.ms);
    result.passThroughCpuMs.push(b.cpuMs);
    result.passThroughPerRuleMs.push(c.ms);
    result.passThroughPerRuleCpuMs.push(c.cpuMs);
  }
  // Peak memory of the timed runs, before the extra measurements below add their own copies.
  const maxRssKiB = process.resourceUsage().maxRSS;
  const breakdown = options.perRule ? await packBreakdown(bytes, reps) : undefined;
  const comparison = resources ? await comparisonRuns(resources, bytes, reps) : undefined;
  const profile = options.profileDir ? await profilePack(bytes, size, options.profileDir) : undefined;
  const counts: Record<string, number> = {};
  for (const d of diagnostics ?? []) {
    const key = `${d.policyname} (${levelName(d.enforcementlevel)})`;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return {
    size,
    composition: built.composition,
    buildMs,
    ...result,
    breakdown,
    comparison,
    stackPolicies: pack.length,
    diagnostics: counts,
    maxRssKiB,
    profile,
  };
}

async function main(): Promise<void> {
  const [mode, file, size, reps, ...flags] = process.argv.slice(2);
  if (mode === "measure") {
    const templates = JSON.parse(readFileSync(file, "utf8")) as Templates;
    const profileDir = flags.find((f) => f.startsWith("profile="))?.slice("profile=".length);
    const result = await measure(templates, Number(size), Number(reps), {
      perRule: flags.includes("per-rule"),
      compare: flags.includes("compare"),
      profileDir,
    });
    reportResult(result);
    console.error(`policy ${size}: pack median ${median(result.packMs).toFixed(0)} ms`);
  } else if (mode === "once" && (reps === "pack" || reps === "one" || reps === "all")) {
    const templates = JSON.parse(readFileSync(file, "utf8")) as Templates;
    const bytes = analyzeStackRequestBytes(buildStack(templates, Number(size)).resources);
    const policies =
      reps === "pack"
        ? packArgs.policies
        : passThroughPolicies(reps === "one" ? 1 : packArgs.policies.length);
    const run = await analyze(bytes, policies, reps !== "one");
    reportResult({
      size: Number(size),
      policies: reps,
      sharing: propertySharing(),
      ms: run.ms,
      cpuMs: run.cpuMs,
      diagnostics: run.diagnostics.length,
    });
  } else {
    throw new Error(`policy-worker: unknown mode "${mode}" (measure, once)`);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
