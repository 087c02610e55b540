/**
 * `npm run bench [-- flags]`: measures what the package costs as the work grows and writes
 * bench/results/bench-<time>.json (plus latest.json) and BENCHMARKS.md at the repository root.
 *
 * Items: 1 program evaluation (100 and 500 MailServers against the raw baseline), 2 policy evaluation (the
 * pack at 1,000 / 10,000 / 50,000 resources against a pass-through policy), 3 prefix planning, and with flags:
 *   --lab            also item 4: `pulumi up` of the lab stack (create, then twice with nothing to change, the
 *                    second with the engine's log on for its phases) against its floor, on a lab VM of its own
 *   --engine         also item 5: `pulumi preview` of the lab stack without a policy pack, with bench/empty-pack
 *                    (the pack's analyzer serving no rules) and with the pack
 *                    (both use the engine scripts/pulumi-engine.sh builds, and boot one lab VM between them,
 *                    the lab instance $LAB_INSTANCE, default "bench"; item 4's floor runs on "<that>-floor")
 *   --only=1,3       run only these items (4 and 5 still need --lab / --engine)
 *   --quick          smaller sizes and fewer runs (a smoke test of the bench; not for BENCHMARKS.md)
 *   --reps=N         runs per size (default: 3; 7 for 1,000 resources, 2 for 50,000, 5 for item 3)
 *   --no-profile     skip the profiled runs (one run of the 100-host program, one pack run per size)
 *   --no-markdown    write the JSON only
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { EnginePreviewResult, measurePreviews, PreviewSet } from "./engine-preview";
import { EngineProject } from "./engine-project";
import { LabApplyResult, runLabApply } from "./lab-apply";
import { REPO_ROOT, runWorker } from "./child-process";
import { machineInfo } from "./machine";
import { renderMarkdown } from "./markdown-report";
import { runPolicyEvaluation } from "./policy-evaluation";
import { runPrefixPlanning } from "./prefix-planning";
import { runProgramEvaluation } from "./program-evaluation";
import { BenchResults, NotMeasured } from "./results";

interface Flags {
  readonly lab: boolean;
  readonly engine: boolean;
  readonly quick: boolean;
  readonly only?: Set<number>;
  readonly reps?: number;
  readonly profile: boolean;
  readonly markdown: boolean;
}

function parseFlags(argv: readonly string[]): Flags {
  const known = /^--(lab|engine|quick|no-profile|no-markdown|only=[1-5](,[1-5])*|reps=[1-9]\d*)$/;
  for (const a of argv) {
    if (!known.test(a)) {
      throw new Error(
        `bench: unknown argument "${a}" (see the comment at the top of bench/run.ts for the flags)`,
      );
    }
  }
  const value = (name: string) => argv.find((a) => a.startsWith(`--${name}=`))?.split("=")[1];
  const only = value("only");
  const reps = value("reps");
  return {
    lab: argv.includes("--lab"),
    engine: argv.includes("--engine"),
    quick: argv.includes("--quick"),
    only: only ? new Set(only.split(",").map(Number)) : undefined,
    reps: reps ? Number(reps) : undefined,
    profile: !argv.includes("--no-profile"),
    markdown: !argv.includes("--no-markdown"),
  };
}

function log(line: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}\n`);
}

function commit(root: string): BenchResults["commit"] {
  try {
    const id = execFileSync("git", ["-C", root, "rev-parse", "--short=12", "HEAD"], {
      encoding: "utf8",
    }).trim();
    const status = execFileSync("git", ["-C", root, "status", "--porcelain"], { encoding: "utf8" });
    return { id, dirty: status.trim() !== "" };
  } catch {
    return { id: "unknown", dirty: true };
  }
}

const skipped = (why: string): NotMeasured => ({ measured: false, reason: why });

/** Items 4 and 5 share one lab VM and one temporary project on the real engine. */
async function runEngineItems(
  flags: Flags,
  repetitions: number,
  root: string,
): Promise<{ labApply: LabApplyResult; enginePreview: EnginePreviewResult }> {
  let labApply: LabApplyResult = skipped(
    "run with `npm run bench -- --lab` (boots a lab VM and deploys the lab stack on the engine)",
  );
  let enginePreview: EnginePreviewResult = skipped(
    "run with `npm run bench -- --engine` (boots a lab VM; needs the engine of scripts/pulumi-engine.sh)",
  );
  const wantLab = flags.lab && (!flags.only || flags.only.has(4));
  const wantEngine = flags.engine && (!flags.only || flags.only.has(5));
  if (!wantLab && !wantEngine) return { labApply, enginePreview };
  let project: EngineProject;
  try {
    project = await EngineProject.open(process.env.LAB_INSTANCE ?? "bench", log);
  } catch (err) {
    const reason = (err as Error).message;
    return {
      labApply: wantLab ? skipped(reason) : labApply,
      enginePreview: wantEngine ? skipped(reason) : enginePreview,
    };
  }
  try {
    const sets: PreviewSet[] = [];
    const labPolicyConfig = path.join(root, "stacks", "policy-config.lab.json");
    const policyConfig = existsSync(labPolicyConfig) ? labPolicyConfig : undefined;
    let previewFailure: string | undefined;
    if (wantEngine) {
      try {
        sets.push(await measurePreviews(project, "empty", repetitions, log, policyConfig));
      } catch (err) {
        previewFailure = (err as Error).message;
      }
    }
    if (wantLab) labApply = await runLabApply(project, log);
    if (wantEngine && previewFailure === undefined && labApply.measured) {
      try {
        sets.push(await measurePreviews(project, "deployed", repetitions, log, policyConfig));
      } catch (err) {
        previewFailure = (err as Error).message;
      }
    }
    if (wantEngine) {
      enginePreview =
        sets.length > 0
          ? { measured: true, repetitions, sets }
          : skipped(`the preview failed: ${previewFailure ?? "no preview ran"}`.slice(0, 1200));
    }
  } finally {
    await project.close();
  }
  return { labApply, enginePreview };
}

async function main(): Promise<void> {
  const flags = parseFlags(process.argv.slice(2));
  const root = REPO_ROOT;
  const resultsDir = path.join(root, "bench", "results");
  const workDir = path.join(resultsDir, "work");
  mkdirSync(workDir, { recursive: true });
  const started = new Date();
  const loadStart = os.loadavg();
  const wanted = (item: number) => !flags.only || flags.only.has(item);
  const reps = (fallback: number) => flags.reps ?? fallback;

  // Items 1 and 2 both clone real MailServer registrations; capture (and check) them once.
  const templatesFile = path.join(workDir, "host-templates.json");
  if (wanted(1) || wanted(2)) {
    log("capturing and checking the MailServer templates");
    await runWorker("templates-worker", [templatesFile]);
  }

  const programSizes = flags.quick ? [10, 50] : [100, 500];
  const programEvaluation = wanted(1)
    ? await runProgramEvaluation({
        sizes: programSizes,
        repetitions: flags.reps ? {} : { 500: 3 },
        defaultRepetitions: reps(flags.quick ? 1 : 3),
        workDir,
        templatesFile,
        providerOnlySizes: programSizes.slice(0, 1),
        profileHosts: flags.profile ? programSizes[0] : undefined,
        log,
      })
    : skipped("left out by --only");

  const policySizes = flags.quick ? [1_000, 10_000] : [1_000, 10_000, 50_000];
  const policyEvaluation = wanted(2)
    ? await runPolicyEvaluation({
        sizes: policySizes,
        repetitions: (size) => flags.reps ?? (flags.quick ? 1 : size <= 1_000 ? 7 : size >= 50_000 ? 2 : 3),
        extraSize: 10_000,
        profileSizes: flags.profile ? policySizes : [],
        workDir,
        templatesFile,
        log,
      })
    : skipped("left out by --only");

  let prefixPlanning: BenchResults["prefixPlanning"] = skipped("left out by --only");
  if (wanted(3)) {
    log("prefix: planning runs");
    prefixPlanning = await runPrefixPlanning(reps(flags.quick ? 2 : 5));
  }

  const engineItems = await runEngineItems(flags, reps(3), root);
  const labApply = engineItems.labApply;
  const enginePreview = engineItems.enginePreview;

  const finished = new Date();
  const results: BenchResults = {
    startedAt: started.toISOString(),
    finishedAt: finished.toISOString(),
    durationSeconds: Math.round((finished.getTime() - started.getTime()) / 1000),
    machine: machineInfo(),
    loadAverage: { start: loadStart, end: os.loadavg() },
    commit: commit(root),
    argv: process.argv.slice(2),
    programEvaluation,
    policyEvaluation,
    prefixPlanning,
    labApply,
    enginePreview,
  };
  const stamp = started.toISOString().replace(/[:.]/g, "-");
  const file = path.join(resultsDir, `bench-${stamp}.json`);
  writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(path.join(resultsDir, "latest.json"), `${JSON.stringify(results, null, 2)}\n`);
  log(`results: ${path.relative(root, file)}`);
  if (flags.markdown) {
    const target = path.join(root, "BENCHMARKS.md");
    writeFileSync(target, renderMarkdown(results, path.relative(root, file)));
    log("wrote BENCHMARKS.md");
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
