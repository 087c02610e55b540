/**
 * Child process for item 1 (program evaluation). Usage:
 *   node dist/bench/program-worker.js mailserver <hosts> [profile=<dir>]
 *   node dist/bench/program-worker.js baseline <file> <kind> [profile=<dir>]  registers them plainly; kind:
 *     same-count     every registration as a plain custom resource (components become plain resources
 *                    carrying the outputs they registered): the same number of resources, same properties
 *     provider-only  only the provider resources (what a program written without the package registers)
 * Prints one `BENCH-RESULT {json}` line.
 */
import { readFileSync } from "node:fs";
import * as pulumi from "@pulumi/pulumi";
import * as digitalocean from "@pulumi/digitalocean";
import * as cloudflare from "@pulumi/cloudflare";
import * as command from "@pulumi/command";
import { MailServer } from "../components";
import { startMockEngine } from "../testing/mock-engine";
import { REPO_ROOT, reportResult } from "./child-process";
import { recordCpuProfile } from "./cpu-profile";
import { ProfileLine, summariseProfile } from "./profile-summary";
import { fleetHostArgs, fleetProviderOutputs, fleetResourceName } from "./mail-fleet";
import { elapsedMs } from "./stats";

/** What a program-evaluation worker measured. */
export interface ProgramRunResult {
  readonly mode: ProgramMode;
  readonly hosts: number;
  readonly wallMs: number;
  readonly registrations: number;
  /** Peak resident set size of the whole process, modules included (KiB). */
  readonly maxRssKiB: number;
  /** Resident set size just before the program started (modules loaded), KiB. */
  readonly rssBeforeKiB: number;
  /** V8 heap in use when the evaluation finished (no forced GC), KiB. */
  readonly heapUsedKiB: number;
  /** CPU time (user + system) the evaluation used, ms: less sensitive than wall time to a busy machine. */
  readonly cpuMs: number;
  /** Time from process start to the program's first line (module loading), ms. */
  readonly startupMs: number;
  /** Where the evaluation's CPU time went, when profiled (the timing figures of a profiled run are not used). */
  readonly profile?: {
    readonly self: ProfileLine[];
    readonly total: ProfileLine[];
    readonly own: ProfileLine[];
  };
}

/** What a worker evaluates: the MailServer fleet, or one of the two baselines. */
export type ProgramMode = "mailserver" | "same-count" | "provider-only";

/** A registration as the baselines replay it (written by `program-evaluation.ts` from the host templates). */
export interface PlainResource {
  readonly type: string;
  readonly name: string;
  /** A component of the MailServer program: replayed by `same-count` only, as a plain resource. */
  readonly component: boolean;
  /** A provider resource's inputs; a component's registered outputs. */
  readonly properties: Record<string, unknown>;
}

/** A custom resource of a type the bench has no SDK class for. */
class GenericResource extends pulumi.CustomResource {
  constructor(type: string, name: string, inputs: Record<string, unknown>) {
    super(type, name, inputs);
  }
}

type Constructor = new (name: string, args: Record<string, unknown>) => pulumi.CustomResource;

/** The provider SDK classes of the resources a fleet registers, by type token. */
const SDK_CLASSES = new Map<string, Constructor>(
  [digitalocean.Droplet, digitalocean.Firewall, cloudflare.DnsRecord, command.remote.Command].map((c) => [
    (c as unknown as { __pulumiType: string }).__pulumiType,
    c as unknown as Constructor,
  ]),
);

function fleetProgram(hosts: number): () => void {
  return () => {
    // Hosts 1..N: the numbers the host templates clone (see host-templates.ts).
    for (let i = 1; i <= hosts; i++) new MailServer(fleetResourceName(i), fleetHostArgs(i));
  };
}

/**
 * Registers the recorded resources with literal properties: provider resources through their SDK classes,
 * and (for `same-count`) each component as a plain custom resource of a `bench:index:<Component>` type. No
 * components, no parents, no validation, no rendering.
 */
function baselineProgram(
  resources: readonly PlainResource[],
  kind: "same-count" | "provider-only",
): () => void {
  return () => {
    for (const r of resources) {
      if (r.component) {
        if (kind === "same-count")
          new GenericResource(`bench:index:${r.type.split(":").pop()}`, r.name, r.properties);
        continue;
      }
      const sdk = SDK_CLASSES.get(r.type);
      if (sdk) new sdk(r.name, r.properties);
      else new GenericResource(r.type, r.name, r.properties);
    }
  };
}

/**
 * Evaluates `program` on the package's mock engine (`testing/mock-engine.ts`, counting registrations without
 * recording them) and waits until every registration has been answered, so the time covers the whole
 * evaluation and not just the synchronous constructors. The Pulumi runtime is process-global: one evaluation
 * per process, which also makes the process's peak memory that of this evaluation.
 */
async function evaluate(program: () => void): Promise<{ wallMs: number; registrations: number }> {
  const engine = await startMockEngine({
    project: "bench",
    stack: "bench",
    outputs: fleetProviderOutputs,
    record: false,
  });
  const start = process.hrtime.bigint();
  await pulumi.runtime.runInPulumiStack(async () => {
    program();
    return undefined;
  });
  await engine.settle();
  return { wallMs: elapsedMs(start), registrations: engine.registrationCount };
}

async function measure(
  mode: ProgramMode,
  hosts: number,
  program: () => void,
  profileDir: string | undefined,
) {
  const startupMs = process.uptime() * 1000;
  const rssBeforeKiB = Math.round(process.memoryUsage().rss / 1024);
  const cpuBefore = process.cpuUsage();
  let run: { wallMs: number; registrations: number } | undefined;
  const once = async () => {
    run = await evaluate(program);
  };
  let profile: ProgramRunResult["profile"];
  if (profileDir) {
    const file = await recordCpuProfile(profileDir, `${mode}-${hosts}`, once);
    const summary = summariseProfile(file, REPO_ROOT, 10);
    // The package's own code (components, host-config, net) by total time: what a MailServer adds.
    const own = summariseProfile(file, REPO_ROOT, 10, /^(components|host-config|net)\//).total;
    profile = { ...summary, own };
  } else await once();
  const cpu = process.cpuUsage(cpuBefore);
  if (!run) throw new Error("bench: the evaluation did not finish");
  const result: ProgramRunResult = {
    mode,
    hosts,
    wallMs: run.wallMs,
    profile,
    registrations: run.registrations,
    maxRssKiB: process.resourceUsage().maxRSS,
    rssBeforeKiB,
    heapUsedKiB: Math.round(process.memoryUsage().heapUsed / 1024),
    cpuMs: (cpu.user + cpu.system) / 1000,
    startupMs,
  };
  reportResult(result);
}

async function main(): Promise<void> {
  const [mode, arg1, arg2] = process.argv.slice(2);
  const profileDir = process.argv
    .slice(3)
    .find((a) => a.startsWith("profile="))
    ?.slice("profile=".length);
  if (mode === "mailserver") {
    const hosts = Number(arg1);
    await measure("mailserver", hosts, fleetProgram(hosts), profileDir);
  } else if (mode === "baseline" && (arg2 === "same-count" || arg2 === "provider-only")) {
    const file = JSON.parse(readFileSync(arg1, "utf8")) as { hosts: number; resources: PlainResource[] };
    await measure(arg2, file.hosts, baselineProgram(file.resources, arg2), profileDir);
  } else {
    throw new Error(
      `program-worker: unknown mode "${mode} ${arg2 ?? ""}" (mailserver, baseline same-count|provider-only)`,
    );
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
