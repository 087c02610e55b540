import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { instantiate, Templates } from "./host-templates";
import * as path from "node:path";
import { runWorker } from "./child-process";
import type { PlainResource, ProgramMode, ProgramRunResult } from "./program-worker";
import { median, round, spread } from "./stats";

/** One figure for the MailServer program and both baselines, with the ratios. */
export interface Compared {
  readonly mailServer: number;
  /** The same number of registrations as plain resources with the same properties (the baseline). */
  readonly sameCount: number;
  /** Only the provider resources, as a program written without the package registers them. */
  readonly providerOnly: number;
  readonly ratio: number;
  readonly ratioProviderOnly: number;
}

/** Item 1's figures for one fleet size (medians over the repetitions). */
export interface ProgramSizeResult {
  readonly hosts: number;
  readonly repetitions: number;
  readonly registrations: {
    readonly mailServer: number;
    readonly sameCount: number;
    readonly providerOnly: number;
  };
  readonly wallMs: Compared;
  readonly cpuMs: Compared;
  readonly peakRssMiB: Compared;
  /** CPU ms per registration: the Pulumi runtime's cost of one resource, whatever registers it. */
  readonly cpuPerRegistrationMs: Compared;
  /** Spread (max - min) / median of the MailServer wall times: how noisy the machine was. */
  readonly wallSpread: number;
  readonly wallPerHostMs: Compared;
  readonly cpuPerHostMs: Compared;
  readonly samples: Record<ProgramMode, ProgramRunResult[]>;
}

/** Item 1's result. */
export interface ProgramEvaluationResult {
  readonly sizes: ProgramSizeResult[];
  /** Where the programs' CPU time goes (one profiled run of each), when profiling was asked for. */
  readonly profile?: {
    readonly hosts: number;
    readonly mailServer: NonNullable<ProgramRunResult["profile"]>;
    readonly sameCount: NonNullable<ProgramRunResult["profile"]>;
  };
}

/** How item 1 runs. */
export interface ProgramEvaluationOptions {
  readonly sizes: readonly number[];
  /** Repetitions per size; sizes not listed use `defaultRepetitions`. */
  readonly repetitions: Readonly<Record<number, number>>;
  readonly defaultRepetitions: number;
  readonly workDir: string;
  /** The MailServer templates (`templates-worker`): the baselines replay their clones. */
  readonly templatesFile: string;
  /** Sizes that also run the provider-only baseline (it is a reference; the large sizes skip it for time). */
  readonly providerOnlySizes: readonly number[];
  /** Profile one run of this many hosts of the MailServer program and of the same-count baseline. */
  readonly profileHosts?: number;
  readonly log: (line: string) => void;
}

const MODES: readonly ProgramMode[] = ["mailserver", "same-count", "provider-only"];

/**
 * Writes the registrations of fleet hosts 1..`hosts` for the baselines: clones of the captured MailServer,
 * which `host-templates.ts` proves equal to what the component registers for each host.
 */
function writeBaselineFile(templates: Templates, hosts: number, outFile: string): void {
  const resources: PlainResource[] = [];
  for (let j = 1; j <= hosts; j++) {
    for (const r of instantiate(templates.digitalocean, j)) {
      resources.push({
        type: r.type,
        name: r.name,
        component: !r.custom,
        properties: r.custom ? r.inputs : r.outputs,
      });
    }
  }
  writeFileSync(outFile, JSON.stringify({ hosts, resources }));
}

function workerArgs(mode: ProgramMode, hosts: number, baselineFile: string): string[] {
  return mode === "mailserver" ? ["mailserver", String(hosts)] : ["baseline", baselineFile, mode];
}

function compared(
  samples: Record<ProgramMode, ProgramRunResult[]>,
  f: (r: ProgramRunResult) => number,
): Compared {
  const m = (mode: ProgramMode) => median(samples[mode].map(f));
  const [mailServer, sameCount, providerOnly] = MODES.map(m);
  return {
    mailServer: round(mailServer),
    sameCount: round(sameCount),
    providerOnly: round(providerOnly),
    ratio: round(mailServer / sameCount, 3),
    ratioProviderOnly: round(mailServer / providerOnly, 3),
  };
}

/**
 * Item 1: evaluates a program of N MailServers (DigitalOcean + HE tunnel + Cloudflare) under the mock engine,
 * and two baselines built from a recording of that program's registrations: the same number of plain
 * resources with the same properties (components replaced by plain resources carrying their outputs), and the
 * provider resources alone. No components, validation or rendering in either. Each run is a fresh Node
 * process; the order of the three rotates between repetitions so that a busy moment falls on each alike.
 */
export async function runProgramEvaluation(
  options: ProgramEvaluationOptions,
): Promise<ProgramEvaluationResult> {
  mkdirSync(options.workDir, { recursive: true });
  const templates = JSON.parse(readFileSync(options.templatesFile, "utf8")) as Templates;
  const sizes: ProgramSizeResult[] = [];
  for (const hosts of options.sizes) {
    const baselineFile = path.join(options.workDir, `baseline-${hosts}.json`);
    writeBaselineFile(templates, hosts, baselineFile);
    const reps = options.repetitions[hosts] ?? options.defaultRepetitions;
    const modes = MODES.filter((m) => m !== "provider-only" || options.providerOnlySizes.includes(hosts));
    const samples: Record<ProgramMode, ProgramRunResult[]> = {
      mailserver: [],
      "same-count": [],
      "provider-only": [],
    };
    for (let r = 0; r < reps; r++) {
      for (let k = 0; k < modes.length; k++) {
        const mode = modes[(k + r) % modes.length];
        const result = await runWorker<ProgramRunResult>(
          "program-worker",
          workerArgs(mode, hosts, baselineFile),
          {
            timeoutMs: 900_000,
          },
        );
        samples[mode].push(result);
        options.log(
          `program: ${hosts} hosts ${mode} #${r + 1}: ${Math.round(result.wallMs)} ms wall, ` +
            `${Math.round(result.cpuMs)} ms CPU, peak ${Math.round(result.maxRssKiB / 1024)} MiB`,
        );
      }
    }
    const perHost = (c: Compared): Compared => ({
      ...c,
      mailServer: round(c.mailServer / hosts),
      sameCount: round(c.sameCount / hosts),
      providerOnly: round(c.providerOnly / hosts),
    });
    const wall = compared(samples, (x) => x.wallMs);
    const cpu = compared(samples, (x) => x.cpuMs);
    sizes.push({
      hosts,
      repetitions: reps,
      registrations: {
        mailServer: samples.mailserver[0].registrations,
        sameCount: samples["same-count"][0].registrations,
        providerOnly: samples["provider-only"][0]?.registrations ?? Number.NaN,
      },
      wallMs: wall,
      cpuMs: cpu,
      peakRssMiB: compared(samples, (x) => x.maxRssKiB / 1024),
      cpuPerRegistrationMs: compared(samples, (x) => x.cpuMs / x.registrations),
      wallSpread: round(spread(samples.mailserver.map((x) => x.wallMs)), 3),
      wallPerHostMs: perHost(wall),
      cpuPerHostMs: perHost(cpu),
      samples,
    });
  }
  let profile: ProgramEvaluationResult["profile"];
  if (options.profileHosts !== undefined) {
    const hosts = options.profileHosts;
    const dir = path.join(options.workDir, "profile-program");
    const baselineFile = path.join(options.workDir, `baseline-${hosts}.json`);
    writeBaselineFile(templates, hosts, baselineFile);
    options.log(`program: profiling ${hosts} MailServers and the same-count baseline`);
    const run = (mode: ProgramMode) =>
      runWorker<ProgramRunResult>(
        "program-worker",
        [...workerArgs(mode, hosts, baselineFile), `profile=${dir}`],
        {
          timeoutMs: 900_000,
        },
      );
    const ms = await run("mailserver");
    const same = await run("same-count");
    if (ms.profile && same.profile) profile = { hosts, mailServer: ms.profile, sameCount: same.profile };
  }
  return { sizes, profile };
}
