import type { EnginePreviewResult } from "./engine-preview";
import type { LabApplyResult } from "./lab-apply";
import type { MachineInfo } from "./machine";
import type { PolicyEvaluationResult } from "./policy-evaluation";
import type { PrefixPlanningResult } from "./prefix-planning";
import type { ProgramEvaluationResult } from "./program-evaluation";

/** An item that was not run in this invocation (left out by a flag), or could not be. */
export interface NotMeasured {
  readonly measured: false;
  readonly reason: string;
}

/** Everything one `npm run bench` measured: written to bench/results/ as JSON and rendered to BENCHMARKS.md. */
export interface BenchResults {
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly durationSeconds: number;
  readonly machine: MachineInfo;
  /** 1-, 5- and 15-minute load averages at the start and the end: figures from a busy machine are noisy. */
  readonly loadAverage: { readonly start: number[]; readonly end: number[] };
  /** The commit the working tree is based on, and whether it had local changes. */
  readonly commit: { readonly id: string; readonly dirty: boolean };
  readonly argv: string[];
  readonly programEvaluation: ProgramEvaluationResult | NotMeasured;
  readonly policyEvaluation: PolicyEvaluationResult | NotMeasured;
  readonly prefixPlanning: PrefixPlanningResult | NotMeasured;
  readonly labApply: LabApplyResult;
  readonly enginePreview: EnginePreviewResult;
}

/** Whether an item's result is a measurement. */
export function isMeasured<T extends object>(r: T | NotMeasured): r is T {
  return !("measured" in r && r.measured === false);
}
