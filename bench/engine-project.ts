import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { ExecResult, LabVm, runLocal } from "../tests/lab/lab-vm";
import { repoRoot } from "../tests/lab/repo-root";

/** Why the engine items could not run. */
export class EngineUnavailable extends Error {}

function lastLines(text: string, n = 4): string {
  return text.trim().split("\n").slice(-n).join(" ").replace(/\s+/g, " ");
}

/** The environment `scripts/pulumi-engine.sh --env` sets up (PATH, PULUMI_HOME, offline switches). */
async function engineEnv(root: string): Promise<NodeJS.ProcessEnv> {
  const r = await runLocal(
    "bash",
    ["-c", 'eval "$(bash "$1/scripts/pulumi-engine.sh" --env)" && env -0', "engine", root],
    { check: false, timeoutMs: 1_800_000 },
  );
  if (r.code !== 0) throw new EngineUnavailable(`scripts/pulumi-engine.sh failed: ${lastLines(r.stderr)}`);
  const env: NodeJS.ProcessEnv = {};
  for (const entry of r.stdout.split("\0")) {
    const eq = entry.indexOf("=");
    if (eq > 0) env[entry.slice(0, eq)] = entry.slice(eq + 1);
  }
  const version = await runLocal("pulumi", ["version"], { env, check: false });
  if (version.code !== 0)
    throw new EngineUnavailable(`the built pulumi CLI does not run: ${lastLines(version.stderr)}`);
  return env;
}

/**
 * The `lab` stack on the real engine, against a lab VM of its own: a temporary copy of the project
 * (Pulumi.yaml; stacks/Pulumi.lab.yaml pointing at the instance; `dist` and `node_modules` linked to the
 * repository's) with a file backend inside it, so nothing in the repository or the engine's home changes.
 * `npm run bench` builds `dist` first, so the engine runs the code under measurement.
 */
export class EngineProject {
  private constructor(
    readonly vm: LabVm,
    readonly dir: string,
    private readonly env: NodeJS.ProcessEnv,
    readonly stack: string,
  ) {}

  /** Builds or finds the engine, boots the lab instance and creates the stack; throws {@link EngineUnavailable}. */
  static async open(instance: string, log: (line: string) => void): Promise<EngineProject> {
    const root = repoRoot();
    log("engine: scripts/pulumi-engine.sh --env");
    const env = await engineEnv(root);
    log(`engine: starting lab instance ${instance}`);
    let vm: LabVm;
    try {
      vm = await LabVm.start(instance);
    } catch (err) {
      throw new EngineUnavailable(`the lab VM did not start: ${lastLines((err as Error).message, 6)}`);
    }
    const dir = mkdtempSync(path.join(os.tmpdir(), "ipv6-mail-bench-"));
    try {
      mkdirSync(path.join(dir, "stacks"));
      mkdirSync(path.join(dir, "state"));
      copyFileSync(path.join(root, "Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
      symlinkSync(path.join(root, "dist"), path.join(dir, "dist"));
      symlinkSync(path.join(root, "node_modules"), path.join(dir, "node_modules"));
      const buildDir = process.env.LAB_BUILD_DIR ?? path.join(root, "lab", "build");
      const statePath = path.join(buildDir, "run", instance, "state.json");
      const config = readFileSync(path.join(root, "stacks", "Pulumi.lab.yaml"), "utf8");
      if (!/labState: .*/.test(config)) throw new EngineUnavailable("stacks/Pulumi.lab.yaml has no labState");
      writeFileSync(
        path.join(dir, "stacks", "Pulumi.lab.yaml"),
        config.replace(/labState: .*/, `labState: ${statePath}`),
      );
      const project = new EngineProject(
        vm,
        dir,
        {
          ...env,
          PULUMI_BACKEND_URL: `file://${path.join(dir, "state")}`,
          // The lab stack's config carries the salt of the lab's documented passphrase (see scripts/demo.sh).
          PULUMI_CONFIG_PASSPHRASE: process.env.PULUMI_CONFIG_PASSPHRASE ?? "ipv6-mail-lab",
          CI: "true",
        },
        "lab",
      );
      const init = await project.pulumi(["stack", "init", project.stack]);
      if (init.code !== 0) throw new EngineUnavailable(`pulumi stack init failed: ${lastLines(init.stderr)}`);
      return project;
    } catch (err) {
      rmSync(dir, { recursive: true, force: true });
      await vm.stop();
      throw err;
    }
  }

  /** Runs the CLI in the project (non-interactive; the caller checks the exit code). */
  pulumi(args: readonly string[], timeoutMs = 1_200_000): Promise<ExecResult> {
    return runLocal("pulumi", ["--cwd", this.dir, "--non-interactive", ...args], {
      env: this.env,
      check: false,
      timeoutMs,
    });
  }

  /** Removes the temporary project and stops the lab instance. */
  async close(): Promise<void> {
    rmSync(this.dir, { recursive: true, force: true });
    await this.vm.stop();
  }
}

/** A failed CLI call as one line for a "not measured" reason. */
export function cliFailure(what: string, r: ExecResult): string {
  return `${what} failed (exit ${r.code}): ${lastLines(`${r.stdout}\n${r.stderr}`, 8)}`;
}
