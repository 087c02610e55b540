import { runWorker } from "./child-process";
import type { PrefixRunResult, Samples } from "./prefix-worker";
import { median, round } from "./stats";

/** One case of item 3. */
export interface PrefixCase {
  readonly name: string;
  readonly description: string;
  readonly medianMs: number;
  readonly medianCpuMs: number;
  readonly samplesMs: number[];
  /** Absolute goal in ms, when the issue sets one. */
  readonly goalMs?: number;
}

/** Item 3's result. */
export interface PrefixPlanningResult {
  readonly repetitions: number;
  readonly cases: PrefixCase[];
  readonly pinnedHosts: number;
}

/** Item 3: allocation, planning and PTR rendering at the scale of a whole /48, in a fresh process. */
export async function runPrefixPlanning(repetitions: number): Promise<PrefixPlanningResult> {
  const raw = await runWorker<PrefixRunResult>("prefix-worker", [String(repetitions)]);
  const c = (name: string, description: string, samples: Samples, goalMs?: number): PrefixCase => ({
    name,
    description,
    medianMs: round(median(samples.wallMs)),
    medianCpuMs: round(median(samples.cpuMs)),
    samplesMs: samples.wallMs.map((s) => round(s)),
    goalMs,
  });
  return {
    repetitions,
    pinnedHosts: raw.pinnedHosts,
    cases: [
      c(
        "allocate all 65,536 /64s of a /48",
        "`planSubnets` with every index 0..65535 pinned (duplicate, range and collision checks included)",
        raw.allocateAll,
        1000,
      ),
      c(
        "plan 1,000 hosts with collision checks",
        `\`planSubnets\` for 1,000 hashed names; the ${raw.pinnedHosts} that collide pinned to free indexes`,
        raw.plan1000,
        1000,
      ),
      c(
        "render 65,536 PTR names",
        "`ptrOwnerName` of the SMTP address (`::25`) of every /64 of the /48",
        raw.ptr65536,
        1000,
      ),
      c(
        "reference: `subnet64Of48` × 65,536",
        "the bare /64 arithmetic, no checks (no goal; shows what the allocator's checks cost)",
        raw.subnetOnly,
      ),
    ],
  };
}
