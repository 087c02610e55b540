import { mkdirSync } from "node:fs";
import * as path from "node:path";
import { runWorker } from "./child-process";
import type { PolicyRunResult } from "./policy-worker";
import { median, round } from "./stats";

/** Item 2's figures for one stack size (medians over the repetitions). */
export interface PolicySizeResult {
  readonly size: number;
  readonly repetitions: number;
  readonly packMs: number;
  readonly passThroughMs: number;
  readonly passThroughPerRuleMs: number;
  readonly packCpuMs: number;
  readonly passThroughCpuMs: number;
  readonly passThroughPerRuleCpuMs: number;
  /** Pack over one pass-through policy (the baseline), wall and CPU. */
  readonly ratio: number;
  readonly ratioCpu: number;
  /** Pack over as many pass-through policies as the pack has rules (the rules' own cost). */
  readonly ratioPerRule: number;
  readonly ratioPerRuleCpu: number;
  readonly microsecondsPerResource: number;
  readonly raw: PolicyRunResult;
}

/** Item 2's result. */
export interface PolicyEvaluationResult {
  readonly sizes: PolicySizeResult[];
  /** Time at 50,000 over time at 10,000 (goal ≤ 5.5: linear is 5). */
  readonly growth?: {
    readonly from: number;
    readonly to: number;
    readonly wall: number;
    readonly cpu: number;
  };
}

/** How item 2 runs. */
export interface PolicyEvaluationOptions {
  readonly sizes: readonly number[];
  readonly repetitions: Readonly<Record<number, number>>;
  readonly defaultRepetitions: number;
  /** Sizes that also split the pack's own time into the stack model, the same-stack check and each rule. */
  readonly perRuleSizes: readonly number[];
  /**
   * Sizes that also run the pack without its property sharing (each stack policy deserializing its own copy,
   * as `@pulumi/policy` does by itself) and through the testing analyzer, to compare time and diagnostics.
   */
  readonly compareSizes: readonly number[];
  /** Sizes that profile one pack run. */
  readonly profileSizes: readonly number[];
  readonly workDir: string;
  /** The MailServer templates (`templates-worker`), shared with item 1. */
  readonly templatesFile: string;
  readonly log: (line: string) => void;
}

/**
 * Item 2: runs the policy pack over synthetic stacks (see `policy-stack.ts`) through `@pulumi/policy`'s own
 * `analyzeStack` handler on the engine's request, with the pack's property sharing installed as its entry point
 * installs it, and compares it with pass-through policies over the same request. One fresh process per size.
 */
export async function runPolicyEvaluation(options: PolicyEvaluationOptions): Promise<PolicyEvaluationResult> {
  mkdirSync(options.workDir, { recursive: true });
  const templates = options.templatesFile;
  const sizes: PolicySizeResult[] = [];
  for (const size of options.sizes) {
    const reps = options.repetitions[size] ?? options.defaultRepetitions;
    const flags = [
      ...(options.perRuleSizes.includes(size) ? ["per-rule"] : []),
      ...(options.compareSizes.includes(size) ? ["compare"] : []),
      ...(options.profileSizes.includes(size)
        ? [`profile=${path.join(options.workDir, "profile-policy")}`]
        : []),
    ];
    options.log(`policy: ${size} resources, ${reps} repetitions ${flags.join(" ")}`);
    const raw = await runWorker<PolicyRunResult>(
      "policy-worker",
      ["measure", templates, String(size), String(reps), ...flags],
      { nodeFlags: ["--max-old-space-size=8192"], timeoutMs: 1_800_000 },
    );
    const pack = median(raw.packMs);
    const one = median(raw.passThroughMs);
    const perRule = median(raw.passThroughPerRuleMs);
    const packCpu = median(raw.packCpuMs);
    const oneCpu = median(raw.passThroughCpuMs);
    const perRuleCpu = median(raw.passThroughPerRuleCpuMs);
    options.log(`policy: ${size} resources: pack ${Math.round(pack)} ms, pass-through ${Math.round(one)} ms`);
    sizes.push({
      size,
      repetitions: reps,
      packMs: round(pack),
      passThroughMs: round(one),
      passThroughPerRuleMs: round(perRule),
      packCpuMs: round(packCpu),
      passThroughCpuMs: round(oneCpu),
      passThroughPerRuleCpuMs: round(perRuleCpu),
      ratio: round(pack / one),
      ratioCpu: round(packCpu / oneCpu),
      ratioPerRule: round(pack / perRule),
      ratioPerRuleCpu: round(packCpu / perRuleCpu),
      microsecondsPerResource: round((pack * 1000) / size, 1),
      raw,
    });
  }
  const from = sizes.find((s) => s.size === 10_000);
  const to = sizes.find((s) => s.size === 50_000);
  const growth =
    from && to
      ? {
          from: from.size,
          to: to.size,
          wall: round(to.packMs / from.packMs),
          cpu: round(to.packCpuMs / from.packCpuMs),
        }
      : undefined;
  return { sizes, growth };
}
