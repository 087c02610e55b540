/**
 * Child process for item 2 (policy evaluation). Usage:
 *   node dist/bench/policy-worker.js measure <file> <size> <reps> [per-rule] [server] [profile=<dir>]
 *   node dist/bench/policy-worker.js once <file> <size> pack|one|all
 *     one analysis in this fresh process, nothing warmed up: how the Pulumi CLI's analyzer process runs the pack
 *     once per preview (`one`: a pass-through policy, `all`: as many pass-through policies as the pack has rules)
 * Prints one `BENCH-RESULT {json}` line.
 */
import { readFileSync } from "node:fs";
import type { Policies, PolicyResource } from "@pulumi/policy";
import type { StackModel } from "../policies/core/stack-model";
import { StackModelCache } from "../policies/core/stack-model-cache";
import { PACK_NAME, PACK_VERSION, packArgs, RULES } from "../policies/pack";
import { analyzeResources, Diagnostic } from "../testing/analyze";
import type { CapturedResource } from "../testing/capture";
import { analyzeStack, analyzeStackRequest } from "./analyzer-request";
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
   * rule's copy of the resources, checking that another rule's copy is the same stack (the other rules each
   * pay this instead of a build), and each rule's evaluation on the shared model.
   */
  readonly breakdown?: {
    readonly modelCpuMs: number;
    readonly sameStackCheckCpuMs: number;
    readonly ruleCpuMs: Record<string, number>;
  };
  /** The same three runs through `@pulumi/policy`'s own `analyzeStack` handler on a protobuf request. */
  readonly server?: {
    readonly packCpuMs: number[];
    readonly passThroughCpuMs: number[];
    readonly passThroughPerRuleCpuMs: number[];
    readonly packMs: number[];
    readonly passThroughMs: number[];
    readonly passThroughPerRuleMs: number[];
    readonly diagnostics: number;
  };
  readonly stackPolicies: number;
  /** Diagnostics the pack reported, by rule and level (a realistic stack is not spotless). */
  readonly diagnostics: Record<string, number>;
  /** Peak RSS of the process up to the end of the timed runs (before the breakdown and server runs). */
  readonly maxRssKiB: number;
  /** Where one pack run's CPU time goes, when profiling was asked for. */
  readonly profile?: { readonly self: ProfileLine[]; readonly total: ProfileLine[] };
}

const NOW = new Date("2026-06-01T12:00:00Z");

/**
 * One analysis, as one `analyzeStack` request: it starts in a new turn of the event loop, as a request from the
 * engine does, so nothing the pack caches for one analysis (it drops its caches when the event loop turns) is
 * carried into the next.
 */
async function analyze(resources: readonly CapturedResource[], policies: Policies): Promise<Diagnostic[]> {
  await nextTurn();
  return analyzeResources(resources, {
    policies,
    policyPackName: PACK_NAME,
    policyPackVersion: PACK_VERSION,
    packEnforcementLevel: packArgs.enforcementLevel,
    now: NOW,
  });
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

/** The resources one stack policy receives from the analyzer for this stack (a fresh copy each call). */
async function engineCopy(resources: readonly CapturedResource[]): Promise<readonly PolicyResource[]> {
  let copy: readonly PolicyResource[] = [];
  const grab: Policies = [
    {
      name: "grab",
      description: "Keeps the resources it is given.",
      validateStack: (args) => {
        copy = args.resources;
      },
    },
  ];
  await analyze(resources, grab);
  return copy;
}

function cpuOf(work: () => unknown): number {
  const start = process.cpuUsage();
  work();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
}

/** Splits the pack's own work (without the analyzer's copies) into the model, the same-stack check and the rules. */
async function packBreakdown(resources: readonly CapturedResource[], reps: number) {
  const model: number[] = [];
  const check: number[] = [];
  const rules: Record<string, number[]> = {};
  for (let r = 0; r < reps; r++) {
    const first = await engineCopy(resources);
    const second = await engineCopy(resources);
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

/** Pack, one and as many pass-through policies as rules, through `@pulumi/policy`'s own handler. */
async function serverRuns(resources: readonly CapturedResource[], reps: number) {
  const request = analyzeStackRequest(resources);
  const pack = {
    name: PACK_NAME,
    version: PACK_VERSION,
    enforcementLevel: packArgs.enforcementLevel ?? "advisory",
  };
  const run = (policies: Policies) => timed(() => analyzeStack(request, policies, pack));
  await run(packArgs.policies);
  const out = {
    packCpuMs: [] as number[],
    passThroughCpuMs: [] as number[],
    passThroughPerRuleCpuMs: [] as number[],
    packMs: [] as number[],
    passThroughMs: [] as number[],
    passThroughPerRuleMs: [] as number[],
    diagnostics: await analyzeStack(request, packArgs.policies, pack),
  };
  for (let r = 0; r < reps; r++) {
    const a = await run(packArgs.policies);
    const b = await run(passThroughPolicies(1));
    const c = await run(passThroughPolicies(packArgs.policies.length));
    out.packCpuMs.push(a.cpuMs);
    out.packMs.push(a.ms);
    out.passThroughCpuMs.push(b.cpuMs);
    out.passThroughMs.push(b.ms);
    out.passThroughPerRuleCpuMs.push(c.cpuMs);
    out.passThroughPerRuleMs.push(c.ms);
  }
  return out;
}

/** Runs the pack once under the V8 profiler and summarises where the time went. */
async function profilePack(resources: readonly CapturedResource[], dir: string) {
  const file = await recordCpuProfile(dir, `pack-${resources.length}`, () =>
    analyze(resources, packArgs.policies),
  );
  return summariseProfile(file, repoRoot());
}

async function measure(
  templates: Templates,
  size: number,
  reps: number,
  options: { perRule: boolean; server: boolean; profileDir?: string },
): Promise<PolicyRunResult> {
  const buildStart = process.hrtime.bigint();
  const { resources, composition } = buildStack(templates, size);
  const buildMs = elapsedMs(buildStart);
  const pack = packArgs.policies;
  const one = passThroughPolicies(1);
  const perRule = passThroughPolicies(pack.length);
  // One untimed pass of each, so the first timed repetition does not pay for JIT warm-up alone (skipped on
  // stacks so large that one pass is long enough to warm up by itself).
  let diagnostics: Diagnostic[] | undefined;
  if (size <= 10_000) {
    diagnostics = await analyze(resources, pack);
    await analyze(resources, one);
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
    const a = await timed(async () => {
      const found = await analyze(resources, pack);
      diagnostics ??= found;
    });
    const b = await timed(() => analyze(resources, one));
    const c = await timed(() => analyze(resources, perRule));
    result.packMs.push(a.ms);
    result.packCpuMs.push(a.cpuMs);
    result.passThroughMs.push(b.ms);
    result.passThroughCpuMs.push(b.cpuMs);
    result.passThroughPerRuleMs.push(c.ms);
    result.passThroughPerRuleCpuMs.push(c.cpuMs);
  }
  // Peak memory of the timed runs, before the extra measurements below add their own copies and requests.
  const maxRssKiB = process.resourceUsage().maxRSS;
  const breakdown = options.perRule ? await packBreakdown(resources, reps) : undefined;
  const server = options.server ? await serverRuns(resources, reps) : undefined;
  const profile = options.profileDir ? await profilePack(resources, options.profileDir) : undefined;
  const counts: Record<string, number> = {};
  for (const d of diagnostics ?? []) {
    const key = `${d.policyName} (${d.enforcementLevel})`;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return {
    size,
    composition,
    buildMs,
    ...result,
    breakdown,
    server,
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
      server: flags.includes("server"),
      profileDir,
    });
    reportResult(result);
    console.error(`policy ${size}: pack median ${median(result.packMs).toFixed(0)} ms`);
  } else if (mode === "once" && (reps === "pack" || reps === "one" || reps === "all")) {
    const templates = JSON.parse(readFileSync(file, "utf8")) as Templates;
    const { resources } = buildStack(templates, Number(size));
    const policies =
      reps === "pack"
        ? packArgs.policies
        : passThroughPolicies(reps === "one" ? 1 : packArgs.policies.length);
    let diagnostics = 0;
    const run = await timed(async () => (diagnostics = (await analyze(resources, policies)).length));
    reportResult({ size: Number(size), policies: reps, ...run, diagnostics });
  } else {
    throw new Error(`policy-worker: unknown mode "${mode}" (measure, once)`);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
