import {
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
  copyFileSync,
} from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

import type { MailServerSettings } from "../stacks/stack-settings";
import type { LabVm } from "./lab-vm";
import { type ExecResult, runLocal } from "./local-command";
import { repoRoot } from "./repo-root";

// js-yaml comes with @pulumi/pulumi (which reads Pulumi.yaml files with it); it ships no type declarations.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const yaml = require("js-yaml") as { load(text: string): unknown; dump(value: unknown): string };

/** What a CLI call printed and how long it took. */
export interface CliRun extends ExecResult {
  readonly ms: number;
}

/** One resource of a stack's state, secrets decrypted (see {@link LabStack.stateResource}). */
export interface StateResource {
  readonly type: string;
  readonly urn: string;
  readonly inputs: Readonly<Record<string, unknown>>;
  readonly outputs: Readonly<Record<string, unknown>>;
}

interface ExportedResource {
  readonly type: string;
  readonly urn: string;
  readonly inputs?: Record<string, unknown>;
  readonly outputs?: Record<string, unknown>;
}

/** Top-level properties as `pulumi stack export --show-secrets` writes them, each secret envelope opened. */
function plainProperties(properties: Record<string, unknown> = {}): Record<string, unknown> {
  const plain: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(properties)) {
    plain[key] =
      typeof value === "object" && value !== null && "plaintext" in value
        ? JSON.parse((value as { plaintext: string }).plaintext)
        : value;
  }
  return plain;
}

interface StackFile {
  encryptionsalt?: string;
  config: Record<string, unknown>;
}

/**
 * The `lab` stack of this repository on the real Pulumi engine (CLI, Node.js language host, `@pulumi/command`
 * provider), against one lab instance: a temporary copy of the project (its Pulumi.yaml, with `dist` and
 * `node_modules` linked to the repository's) and a `file://` backend inside it, so nothing in the repository
 * or the engine's home changes. The stack's config starts as `stacks/Pulumi.lab.yaml` aimed at the instance;
 * {@link LabStack.configure} replaces the `ipv6-mail:mailServer` object, so one instance can be driven through
 * several variants of the stack, each by a real `pulumi up`.
 *
 * The passphrase is the lab's documented one (`ipv6-mail-lab`, see scripts/demo.sh): the copied config keeps
 * the salt of stacks/Pulumi.lab.yaml, and it guards nothing but the lab's state.
 */
export class LabStack {
  private constructor(
    readonly vm: LabVm,
    readonly dir: string,
    private readonly env: NodeJS.ProcessEnv,
    readonly stack: string,
    private readonly file: StackFile,
    /** The lab stack's settings as shipped, with `existing.labState` pointing at this instance. */
    readonly shipped: MailServerSettings,
  ) {}

  /**
   * Makes the project copy and `pulumi stack init`s the stack, configured as shipped. `engine` is the
   * environment of `engineEnv()` (engine-env.ts).
   */
  static async open(vm: LabVm, engine: NodeJS.ProcessEnv, stack = "lab"): Promise<LabStack> {
    const root = repoRoot();
    const dir = mkdtempSync(path.join(os.tmpdir(), "ipv6-mail-lab-stack-"));
    try {
      mkdirSync(path.join(dir, "stacks"));
      mkdirSync(path.join(dir, "state"));
      copyFileSync(path.join(root, "Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
      symlinkSync(path.join(root, "dist"), path.join(dir, "dist"));
      symlinkSync(path.join(root, "node_modules"), path.join(dir, "node_modules"));
      const file = yaml.load(readFileSync(path.join(root, "stacks", "Pulumi.lab.yaml"), "utf8")) as StackFile;
      const settings = structuredClone(file.config["ipv6-mail:mailServer"]) as MailServerSettings;
      if (settings.existing?.labState === undefined)
        throw new Error("stacks/Pulumi.lab.yaml has no labState");
      const buildDir = process.env.LAB_BUILD_DIR ?? path.join(root, "lab", "build");
      settings.existing.labState = path.join(buildDir, "run", vm.instance, "state.json");
      const env: NodeJS.ProcessEnv = {
        ...engine,
        PULUMI_BACKEND_URL: `file://${path.join(dir, "state")}`,
        PULUMI_CONFIG_PASSPHRASE: process.env.PULUMI_CONFIG_PASSPHRASE ?? "ipv6-mail-lab",
        CI: "true",
      };
      delete env.LAB_INSTANCE;
      const labStack = new LabStack(vm, dir, env, stack, file, settings);
      labStack.configure(settings);
      const init = await labStack.pulumi(["stack", "init", stack]);
      if (init.code !== 0) throw new Error(`pulumi stack init failed:\n${init.stdout}${init.stderr}`);
      return labStack;
    } catch (err) {
      rmSync(dir, { recursive: true, force: true });
      throw err;
    }
  }

  /** A copy of the shipped settings, to change for a variant. */
  settings(): MailServerSettings {
    return structuredClone(this.shipped);
  }

  /** Replaces the stack's `ipv6-mail:mailServer` config (the rest of the shipped config stays). */
  configure(settings: MailServerSettings): void {
    const file: StackFile = {
      ...this.file,
      config: { ...this.file.config, "ipv6-mail:mailServer": settings },
    };
    writeFileSync(path.join(this.dir, "stacks", `Pulumi.${this.stack}.yaml`), yaml.dump(file));
  }

  /** Runs the CLI in the project copy (non-interactive, no colours); the caller checks the exit code. */
  async pulumi(args: readonly string[], timeoutMs = 1_200_000): Promise<CliRun> {
    const start = process.hrtime.bigint();
    const r = await runLocal(
      "pulumi",
      ["--cwd", this.dir, "--non-interactive", "--color", "never", ...args],
      {
        env: this.env,
        check: false,
        timeoutMs,
      },
    );
    return { ...r, ms: Number(process.hrtime.bigint() - start) / 1e6 };
  }

  /** `pulumi up --yes --skip-preview` of the stack as configured now. */
  up(extra: readonly string[] = []): Promise<CliRun> {
    return this.pulumi(["up", "--yes", "--skip-preview", "--stack", this.stack, ...extra]);
  }

  /** `pulumi preview` of the stack as configured now. */
  preview(extra: readonly string[] = []): Promise<CliRun> {
    return this.pulumi(["preview", "--stack", this.stack, ...extra]);
  }

  /** `pulumi destroy --yes --skip-preview` of the stack: runs every remote command's delete script. */
  destroy(extra: readonly string[] = []): Promise<CliRun> {
    return this.pulumi(["destroy", "--yes", "--skip-preview", "--stack", this.stack, ...extra]);
  }

  /** What the last update did, from `pulumi stack history` (e.g. `{ create: 5 }`, `{ same: 5 }`). */
  async lastUpdateChanges(): Promise<Record<string, number>> {
    const r = await this.pulumi(["stack", "history", "--json", "--stack", this.stack]);
    if (r.code !== 0) throw new Error(`pulumi stack history failed:\n${r.stdout}${r.stderr}`);
    const updates = JSON.parse(r.stdout) as { resourceChanges?: Record<string, number> }[];
    return updates[0]?.resourceChanges ?? {};
  }

  /**
   * The resource of `type` named `name` in the stack's state (`pulumi stack export --show-secrets`), its
   * inputs and outputs in plain text: e.g. the script a remote command ran and what it printed.
   */
  async stateResource(type: string, name: string): Promise<StateResource> {
    const r = await this.pulumi(["stack", "export", "--show-secrets", "--stack", this.stack]);
    if (r.code !== 0) throw new Error(`pulumi stack export failed:\n${r.stdout}${r.stderr}`);
    const { resources = [] } = (JSON.parse(r.stdout) as { deployment: { resources?: ExportedResource[] } })
      .deployment;
    const found = resources.find((x) => x.type === type && x.urn.endsWith(`::${name}`));
    if (found === undefined) throw new Error(`the state of stack ${this.stack} has no ${type} ${name}`);
    return {
      type,
      urn: found.urn,
      inputs: plainProperties(found.inputs),
      outputs: plainProperties(found.outputs),
    };
  }

  /** One stack output as text (`pulumi stack output NAME`). */
  async output(name: string): Promise<string> {
    const r = await this.pulumi(["stack", "output", name, "--stack", this.stack]);
    if (r.code !== 0) throw new Error(`pulumi stack output ${name} failed:\n${r.stdout}${r.stderr}`);
    return r.stdout.trim();
  }

  /** Removes the project copy and its state (the lab instance is the caller's). */
  close(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** A failed or unexpected CLI call, for an assertion message: the command's last lines. */
export function cliText(r: ExecResult, lines = 60): string {
  return `${r.stdout}\n${r.stderr}`.trim().split("\n").slice(-lines).join("\n");
}
