import * as path from "node:path";
import { runWorker } from "./child-process";
import type { PolicyRunResult, Samples, Variant } from "./policy-worker";
import { median, round } from "./stats";

/** The policy item's figures for one stack size (medians over the repetitions). */
export interface PolicySizeResult {
  readonly size: number;
  readonly repetitions: number;
  /** Median wall and CPU ms of each variant the worker timed. */
  readonly wallMs: Partial<Record<Variant, number>>;
  readonly cpuMs: Partial<Record<Variant, number>>;
  /** The pack over one pass-through policy, wall and CPU (goal ≤ 3). */
  readonly ratio: number;
  readonly ratioCpu: number;
  readonly raw: PolicyRunResult;
}

/** The policy item's result. */
export interface PolicyEvaluationResult {
  readonly sizes: PolicySizeResult[];
  /** The pack's time at 50,000 over its time at 10,000 (goal ≤ 5.5; linear is 5). */
  readonly growth?: { readonly wall: number; readonly cpu: number };
}

/** How the policy item runs. */
export interface PolicyEvaluationOptions {
  readonly sizes: readonly number[];
  readonly repetitions: (size: number) => number;
  /** The size that also times the rules on `@pulumi/policy`, ten pass-throughs and the pack's parts. */
  readonly extraSize?: number;
  /** Profile one pack run at these sizes. */
  readonly profileSizes: readonly number[];
  readonly workDir: string;
  /** The MailServer templates (`templates-worker`), shared with the program item. */
  readonly templatesFile: string;
  readonly log: (line: string) => void;
}

const medians = (samples: Partial<Record<Variant, Samples>>, key: keyof Samples) =>
  Object.fromEntries(
    Object.entries(samples).map(([v, s]) => [v, round(median((s as Samples)[key]))]),
  ) as Partial<Record<Variant, number>>;

/**
 * The policy item: the pack's analyzer over synthetic stacks against one pass-through policy on
 * `@pulumi/policy`'s handler, the same request, in the same process (one fresh process per size).
 */
export async function runPolicyEvaluation(options: PolicyEvaluationOptions): Promise<PolicyEvaluationResult> {
  const sizes: PolicySizeResult[] = [];
  for (const size of options.sizes) {
    const reps = options.repetitions(size);
    const flags = [
      ...(size === options.extraSize ? ["extra"] : []),
      ...(options.profileSizes.includes(size)
        ? [`profile=${path.join(options.workDir, "profile-policy")}`]
        : []),
    ];
    options.log(`policy: ${size} resources, ${reps} repetitions ${flags.join(" ")}`);
    const raw = await runWorker<PolicyRunResult>(
      "policy-worker",
      [options.templatesFile, String(size), String(reps), ...flags],
      { nodeFlags: ["--max-old-space-size=8192"], timeoutMs: 3_600_000 },
    );
    const wallMs = medians(raw.samples, "wallMs");
    const cpuMs = medians(raw.samples, "cpuMs");
    const ratio = round((wallMs.pack ?? NaN) / (wallMs.passThrough ?? NaN));
    const ratioCpu = round((cpuMs.pack ?? NaN) / (cpuMs.passThrough ?? NaN));
    options.log(`policy: ${size} resources: pack ${wallMs.pack} ms, pass-through ${wallMs.passThrough} ms`);
    sizes.push({ size, repetitions: reps, wallMs, cpuMs, ratio, ratioCpu, raw });
  }
  const from = sizes.find((s) => s.size === 10_000);
  const to = sizes.find((s) => s.size === 50_000);
  const growth =
    from && to
      ? {
          wall: round((to.wallMs.pack ?? NaN) / (from.wallMs.pack ?? NaN)),
          cpu: round((to.cpuMs.pack ?? NaN) / (from.cpuMs.pack ?? NaN)),
        }
      : undefined;
  return { sizes, growth };
}
