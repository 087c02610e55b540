import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

import type { CliRun } from "./lab-stack";
import { type ExecResult, runLocal } from "./local-command";
import { repoRoot } from "./repo-root";

/** The languages a consumer project of the package's component provider is written in here. */
export type ConsumerLanguage = "python" | "yaml";

/**
 * A Pulumi project in another language than TypeScript that uses this package the way a user's would: made
 * in a temporary directory from the program in `tests/consumer/<language>/`, then `pulumi package add` of
 * the repository (the source-based component provider: `PulumiPlugin.yaml`, `provider/`), which generates the
 * SDK (Python) or records the package (YAML) and installs what the program needs. A `file://` backend inside
 * the directory, so nothing in the repository or the engine's home changes.
 *
 * Python gets a virtualenv from the pinned packages of `scripts/python-wheels.sh`, and `pip` (also the one
 * `pulumi package add` runs) installs from there, with no index: `env` must carry that script's `--env`.
 */
export class ConsumerProject {
  private constructor(
    readonly language: ConsumerLanguage,
    readonly dir: string,
    private readonly env: NodeJS.ProcessEnv,
  ) {}

  /** Creates the project, and for Python its virtualenv (`pulumi==3.248.0` from `requirements.txt`). */
  static async create(language: ConsumerLanguage, env: NodeJS.ProcessEnv): Promise<ConsumerProject> {
    const dir = mkdtempSync(path.join(os.tmpdir(), `ipv6-mail-${language}-consumer-`));
    const project = new ConsumerProject(language, dir, {
      ...env,
      PULUMI_BACKEND_URL: `file://${path.join(dir, ".state")}`,
      PULUMI_CONFIG_PASSPHRASE: "ipv6-mail-lab",
      CI: "true",
    });
    try {
      mkdirSync(path.join(dir, ".state"));
      const template = path.join(repoRoot(), "tests", "consumer", language);
      for (const file of readdirSync(template)) copyFileSync(path.join(template, file), path.join(dir, file));
      if (language === "python") {
        writeFileSync(
          path.join(dir, "Pulumi.yaml"),
          "name: mail-python\nruntime:\n  name: python\n  options:\n    toolchain: pip\n    virtualenv: venv\n",
        );
        // `pulumi package add` expects requirements.txt to exist; it appends the generated SDK to it.
        writeFileSync(path.join(dir, "requirements.txt"), "pulumi==3.248.0\n");
        const venv = await project.run("python3", ["-m", "venv", path.join(dir, "venv")]);
        if (venv.code !== 0) throw new Error(`python3 -m venv failed:\n${venv.stdout}${venv.stderr}`);
        const pip = await project.run(path.join(dir, "venv", "bin", "pip"), [
          "install",
          "--quiet",
          "-r",
          path.join(dir, "requirements.txt"),
        ]);
        if (pip.code !== 0) throw new Error(`pip install failed:\n${pip.stdout}${pip.stderr}`);
      }
      return project;
    } catch (err) {
      project.close();
      throw err;
    }
  }

  /** Runs the CLI in the project (non-interactive, no colours); the caller checks the exit code. */
  pulumi(args: readonly string[], input?: string, timeoutMs = 1_200_000): Promise<CliRun> {
    return this.run("pulumi", ["--cwd", this.dir, "--non-interactive", "--color", "never", ...args], {
      input,
      timeoutMs,
    });
  }

  /** `pulumi package add <the repository>`. */
  addPackage(): Promise<CliRun> {
    return this.pulumi(["package", "add", repoRoot()]);
  }

  /** Creates `stack` with the SSH target of a lab instance as config, the private key as a secret. */
  async initStack(
    stack: string,
    ssh: { host: string; port: number; privateKey: string },
    extra: Record<string, string> = {},
  ): Promise<void> {
    const steps: [string[], string?][] = [
      [["stack", "init", stack]],
      [["config", "set", "--stack", stack, "sshHost", ssh.host]],
      [["config", "set", "--stack", stack, "sshPort", String(ssh.port)]],
      [["config", "set", "--stack", stack, "--secret", "sshPrivateKey"], ssh.privateKey],
      ...Object.entries(extra).map(([k, v]): [string[]] => [["config", "set", "--stack", stack, k, v]]),
    ];
    for (const [args, input] of steps) {
      const r = await this.pulumi(args, input);
      if (r.code !== 0) throw new Error(`pulumi ${args.join(" ")} failed:\n${r.stdout}${r.stderr}`);
    }
  }

  /** One stack output as text (`pulumi stack output NAME`). */
  async output(stack: string, name: string): Promise<string> {
    const r = await this.pulumi(["stack", "output", name, "--stack", stack]);
    if (r.code !== 0) throw new Error(`pulumi stack output ${name} failed:\n${r.stdout}${r.stderr}`);
    return r.stdout.trim();
  }

  /** The types of the resources the stack's state holds. */
  async resourceTypes(stack: string): Promise<string[]> {
    const r = await this.pulumi(["stack", "export", "--stack", stack]);
    if (r.code !== 0) throw new Error(`pulumi stack export failed:\n${r.stdout}${r.stderr}`);
    const state = JSON.parse(r.stdout) as { deployment: { resources?: { type: string }[] } };
    return (state.deployment.resources ?? []).map((res) => res.type);
  }

  /** Removes the project and its state. */
  close(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }

  private async run(
    file: string,
    args: readonly string[],
    options: { input?: string; timeoutMs?: number } = {},
  ): Promise<CliRun> {
    const start = process.hrtime.bigint();
    const r: ExecResult = await runLocal(file, args, {
      env: this.env,
      check: false,
      input: options.input,
      timeoutMs: options.timeoutMs ?? 600_000,
    });
    return { ...r, ms: Number(process.hrtime.bigint() - start) / 1e6 };
  }
}
