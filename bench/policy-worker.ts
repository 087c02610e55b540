/**
 * Child process for item 2 (policy evaluation). Usage:
 *   node dist/bench/policy-worker.js measure <file> <size> <reps> [per-rule] [profile=<dir>]
 * Prints one `BENCH-RESULT {json}` line.
 */
import { readFileSync } from "node:fs";
import type { Policies } from "@pulumi/policy";
import { PACK_NAME, PACK_VERSION, packArgs } from "../policies/pack";
import { analyzeResources, Diagnostic } from "../testing/analyze";
import type { CapturedResource } from "../testing/capture";
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
  /** One pass of each rule alone, ms, to show where the pack's time goes. */
  readonly perRuleMs: Record<string, number>;
  readonly stackPolicies: number;
  /** Diagnostics the pack reported, by rule and level (a realistic stack is not spotless). */
  readonly diagnostics: Record<string, number>;
  readonly maxRssKiB: number;
  /** Where one pack run's CPU time goes, when profiling was asked for. */
  readonly profile?: { readonly self: ProfileLine[]; readonly total: ProfileLine[] };
}

const NOW = new Date("2026-06-01T12:00:00Z");

async function analyze(resources: readonly CapturedResource[], policies: Policies): Promise<Diagnostic[]> {
  return analyzeResources(resources, {
    policies,
    policyPackName: PACK_NAME,
    policyPackVersion: PACK_VERSION,
    packEnforcementLevel: packArgs.enforcementLevel,
    now: NOW,
  });
}

async function timed(run: () => Promise<unknown>): Promise<{ ms: number; cpuMs: number }> {
  const cpu = process.cpuUsage();
  const start = process.hrtime.bigint();
  await run();
  const ms = elapsedMs(start);
  const used = process.cpuUsage(cpu);
  return { ms, cpuMs: (used.user + used.system) / 1000 };
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
  options: { perRule: boolean; profileDir?: string },
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
  const perRuleMs: Record<string, number> = {};
  if (options.perRule)
    for (const policy of pack) perRuleMs[policy.name] = (await timed(() => analyze(resources, [policy]))).ms;
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
    perRuleMs,
    stackPolicies: pack.length,
    diagnostics: counts,
    maxRssKiB: process.resourceUsage().maxRSS,
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
      profileDir,
    });
    reportResult(result);
    console.error(`policy ${size}: pack median ${median(result.packMs).toFixed(0)} ms`);
  } else {
    throw new Error(`policy-worker: unknown mode "${mode}" (measure)`);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
