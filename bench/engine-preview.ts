import { cliFailure, EngineProject } from "./engine-project";
import { elapsedMs, median, round } from "./stats";

/** One set of previews: with and without the pack. */
export interface PreviewSet {
  /** Which state the stack was in: nothing deployed yet, or deployed and unchanged. */
  readonly stackState: "empty" | "deployed";
  readonly withoutPackMs: number[];
  readonly withPackMs: number[];
  readonly medianWithoutMs: number;
  readonly medianWithMs: number;
  /** Preview with the pack over preview without it. */
  readonly ratio: number;
}

/** Item 5's result: measured, or why not. */
export type EnginePreviewResult =
  | { readonly measured: false; readonly reason: string }
  | { readonly measured: true; readonly repetitions: number; readonly sets: PreviewSet[] };

/**
 * Item 5: `pulumi preview` of the lab stack with and without `--policy-pack policies` (and the lab's policy
 * config, as scripts/demo.sh runs it), alternating, after one untimed warm-up of each. Throws with the CLI's
 * output when a preview fails.
 */
export async function measurePreviews(
  project: EngineProject,
  stackState: PreviewSet["stackState"],
  repetitions: number,
  log: (line: string) => void,
  policyPack: string,
  policyConfig?: string,
): Promise<PreviewSet> {
  const preview = async (withPack: boolean) => {
    const start = process.hrtime.bigint();
    const r = await project.pulumi([
      "preview",
      "--stack",
      project.stack,
      ...(withPack ? ["--policy-pack", policyPack] : []),
      ...(withPack && policyConfig ? ["--policy-pack-config", policyConfig] : []),
    ]);
    const ms = elapsedMs(start);
    if (r.code !== 0) throw new Error(cliFailure(`pulumi preview${withPack ? " --policy-pack" : ""}`, r));
    return ms;
  };
  log(`engine: warm-up previews (${stackState} stack)`);
  await preview(false);
  await preview(true);
  const without: number[] = [];
  const withPack: number[] = [];
  for (let k = 0; k < repetitions; k++) {
    for (const p of k % 2 === 0 ? [false, true] : [true, false])
      (p ? withPack : without).push(await preview(p));
    log(
      `engine: preview #${k + 1}: ${Math.round(without[k])} ms, with the pack ${Math.round(withPack[k])} ms`,
    );
  }
  return {
    stackState,
    withoutPackMs: without.map((v) => round(v)),
    withPackMs: withPack.map((v) => round(v)),
    medianWithoutMs: round(median(without)),
    medianWithMs: round(median(withPack)),
    ratio: round(median(withPack) / median(without), 3),
  };
}
