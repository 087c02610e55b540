import * as path from "node:path";
import { REPO_ROOT } from "./child-process";
import { cliFailure, EngineProject, takeNodeCpu } from "./engine-project";
import { elapsedMs, median, round } from "./stats";

/** The previews item 5 compares: no policy pack, the analyzer with no rules, the pack. */
export const PREVIEW_VARIANTS = ["noPack", "emptyPack", "pack"] as const;

/** One of {@link PREVIEW_VARIANTS}. */
export type PreviewVariant = (typeof PREVIEW_VARIANTS)[number];

/** One set of previews of the lab stack in one state. */
export interface PreviewSet {
  /** Which state the stack was in: nothing deployed yet, or deployed and unchanged. */
  readonly stackState: "empty" | "deployed";
  /** Wall ms of each timed preview, per variant. */
  readonly samplesMs: Record<PreviewVariant, number[]>;
  readonly medianMs: Record<PreviewVariant, number>;
  /** CPU ms of the preview's Node processes (the program and the analyzer; not the Go CLI), medians. */
  readonly nodeCpuMs: Record<PreviewVariant, { readonly program: number; readonly analyzer: number }>;
  /** The pack over no pack: what using the pack costs a preview (the goal's ratio, ≤ 1.2). */
  readonly ratio: number;
  /** The pack over the analyzer with no rules: what the rules and the stack model add. */
  readonly ratioOverEmpty: number;
}

/** Item 5's result: measured, or why not. */
export type EnginePreviewResult =
  | { readonly measured: false; readonly reason: string }
  | { readonly measured: true; readonly repetitions: number; readonly sets: PreviewSet[] };

/** The policy pack directories of the variants (bench/empty-pack is the analyzer with no rules). */
const PACK_DIRS: Record<PreviewVariant, string | undefined> = {
  noPack: undefined,
  emptyPack: path.join(REPO_ROOT, "bench", "empty-pack"),
  pack: path.join(REPO_ROOT, "policies"),
};

/**
 * Item 5: `pulumi preview` of the lab stack without a policy pack, with bench/empty-pack (the pack's analyzer
 * serving no rules) and with `--policy-pack policies` (and the lab's policy config, as scripts/demo.sh runs
 * it), after one untimed warm-up of each, in an order that rotates every repetition. Throws with the CLI's
 * output when a preview fails.
 */
export async function measurePreviews(
  project: EngineProject,
  stackState: PreviewSet["stackState"],
  repetitions: number,
  log: (line: string) => void,
  policyConfig?: string,
): Promise<PreviewSet> {
  const preview = async (variant: PreviewVariant) => {
    const dir = PACK_DIRS[variant];
    takeNodeCpu();
    const start = process.hrtime.bigint();
    const r = await project.pulumi([
      "preview",
      "--stack",
      project.stack,
      ...(dir ? ["--policy-pack", dir] : []),
      ...(variant === "pack" && policyConfig ? ["--policy-pack-config", policyConfig] : []),
    ]);
    const ms = elapsedMs(start);
    if (r.code !== 0) throw new Error(cliFailure(`pulumi preview (${variant})`, r));
    return { ms, cpu: takeNodeCpu() };
  };
  log(`engine: warm-up previews (${stackState} stack)`);
  for (const v of PREVIEW_VARIANTS) await preview(v);
  const samplesMs: Record<PreviewVariant, number[]> = { noPack: [], emptyPack: [], pack: [] };
  const cpu = { noPack: [], emptyPack: [], pack: [] } as Record<
    PreviewVariant,
    { program: number; analyzer: number }[]
  >;
  for (let k = 0; k < repetitions; k++) {
    for (let j = 0; j < PREVIEW_VARIANTS.length; j++) {
      const v = PREVIEW_VARIANTS[(j + k) % PREVIEW_VARIANTS.length];
      const run = await preview(v);
      samplesMs[v].push(round(run.ms));
      cpu[v].push(run.cpu);
    }
    log(
      `engine: previews #${k + 1}: ${PREVIEW_VARIANTS.map((v) => `${v} ${Math.round(samplesMs[v][k])} ms`).join(", ")}`,
    );
  }
  const medianMs = {
    noPack: round(median(samplesMs.noPack)),
    emptyPack: round(median(samplesMs.emptyPack)),
    pack: round(median(samplesMs.pack)),
  };
  const cpuMedians = (v: PreviewVariant) => ({
    program: round(median(cpu[v].map((c) => c.program))),
    analyzer: round(median(cpu[v].map((c) => c.analyzer))),
  });
  return {
    stackState,
    samplesMs,
    medianMs,
    nodeCpuMs: { noPack: cpuMedians("noPack"), emptyPack: cpuMedians("emptyPack"), pack: cpuMedians("pack") },
    ratio: round(medianMs.pack / medianMs.noPack, 3),
    ratioOverEmpty: round(medianMs.pack / medianMs.emptyPack, 3),
  };
}
