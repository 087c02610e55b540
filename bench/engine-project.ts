import { engineEnv, EngineUnavailable, lastLines } from "../lab-driver/engine-env";
import { type CliRun, LabStack } from "../lab-driver/lab-stack";
import { LabVm } from "../lab-driver/lab-vm";
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
    const env = await engineEnv();
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

  /** Removes the temporary project and stops the lab instance. */
  async close(): Promise<void> {
    this.labStack.close();
    await this.vm.stop();
  }
}

/** A failed CLI call as one line for a "not measured" reason. */
export function cliFailure(what: string, r: ExecResult): string {
  return `${what} failed (exit ${r.code}): ${lastLines(`${r.stdout}\n${r.stderr}`, 8)}`;
}
