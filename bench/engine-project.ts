import { mkdirSync, readdirSync, readFileSync, rmSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { engineEnv, EngineUnavailable, lastLines } from "../lab-driver/engine-env";
import { type CliRun, LabStack, type StateResource } from "../lab-driver/lab-stack";
import { LabVm } from "../lab-driver/lab-vm";
import type { ProbeRole, ProbeSample } from "./node-cpu-probe";
import type { ExecResult } from "../lab-driver/local-command";

export { EngineUnavailable };

/**
 * The `lab` stack on the real engine, against a lab VM of its own: a temporary copy of the project
 * (Pulumi.yaml; stacks/Pulumi.lab.yaml pointing at the instance; `dist` and `node_modules` linked to the
 * repository's) with a file backend inside it, so nothing in the repository or the engine's home changes.
 * `npm run bench` builds `dist` first, so the engine runs the code under measurement.
 */
export class EngineProject {
  private constructor(
    readonly vm: LabVm,
    private readonly labStack: LabStack,
  ) {}

  /** The temporary project directory. */
  get dir(): string {
    return this.labStack.dir;
  }

  /** The stack's name. */
  get stack(): string {
    return this.labStack.stack;
  }

  /** Builds or finds the engine, boots the lab instance and creates the stack; throws {@link EngineUnavailable}. */
  static async open(instance: string, log: (line: string) => void): Promise<EngineProject> {
    log("engine: scripts/pulumi-engine.sh --env");
    const engine = await engineEnv();
    const env = { ...engine, ...cpuProbeEnv(engine.NODE_OPTIONS) };
    log(`engine: starting lab instance ${instance}`);
    let vm: LabVm;
    try {
      vm = await LabVm.start(instance);
    } catch (err) {
      throw new EngineUnavailable(`the lab VM did not start: ${lastLines((err as Error).message, 6)}`);
    }
    try {
      return new EngineProject(vm, await LabStack.open(vm, env, "lab"));
    } catch (err) {
      await vm.stop();
      throw new EngineUnavailable(lastLines((err as Error).message));
    }
  }

  /** Runs the CLI in the project (non-interactive; the caller checks the exit code). */
  pulumi(args: readonly string[], timeoutMs = 1_200_000): Promise<CliRun> {
    return this.labStack.pulumi(args, timeoutMs);
  }

  /** What the last update did, from `pulumi stack history`. */
  lastUpdateChanges(): Promise<Record<string, number>> {
    return this.labStack.lastUpdateChanges();
  }

  /** One resource of the stack's state, secrets in plain text. */
  stateResource(type: string, name: string): Promise<StateResource> {
    return this.labStack.stateResource(type, name);
  }

  /** Removes the temporary project and stops the lab instance. */
  async close(): Promise<void> {
    this.labStack.close();
    rmSync(CPU_PROBE_DIR, { recursive: true, force: true });
    await this.vm.stop();
  }
}

/** Where the Node processes of the CLI runs record their CPU time (see `node-cpu-probe.ts`). */
export const CPU_PROBE_DIR = path.join(os.tmpdir(), `ipv6-mail-bench-cpu-${process.pid}`);

/** The engine's environment additions that load `node-cpu-probe.ts` into its Node processes. */
function cpuProbeEnv(nodeOptions: string | undefined): NodeJS.ProcessEnv {
  const probe = path.join(__dirname, "node-cpu-probe.js");
  const options = [nodeOptions, `--require ${probe}`].filter(Boolean).join(" ");
  return { NODE_OPTIONS: options, BENCH_CPU_PROBE_DIR: CPU_PROBE_DIR };
}

/**
 * The CPU time of the Node processes (the Pulumi program, the policy pack's analyzer) of the CLI runs since the
 * last call, by role; the Go processes (CLI, language host, plugins) are not in it.
 */
export function takeNodeCpu(): Record<ProbeRole, number> {
  const used: Record<ProbeRole, number> = { analyzer: 0, program: 0 };
  mkdirSync(CPU_PROBE_DIR, { recursive: true });
  for (const name of readdirSync(CPU_PROBE_DIR).filter((n) => n.endsWith(".json"))) {
    const file = path.join(CPU_PROBE_DIR, name);
    const sample = JSON.parse(readFileSync(file, "utf8")) as ProbeSample;
    used[sample.role] += sample.cpuMs;
    rmSync(file);
  }
  return used;
}

/** A failed CLI call as one line for a "not measured" reason. */
export function cliFailure(what: string, r: ExecResult): string {
  return `${what} failed (exit ${r.code}): ${lastLines(`${r.stdout}\n${r.stderr}`, 8)}`;
}
