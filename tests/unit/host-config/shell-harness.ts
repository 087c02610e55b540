// Helpers shared by the host-config tests: syntax and lint checks of rendered scripts, and running them
// against a staging root with stub commands first on PATH.
import { spawnSync, SpawnSyncReturns } from "node:child_process";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

export function hasCommand(name: string): boolean {
  return spawnSync("bash", ["-c", `command -v ${name}`], { encoding: "utf8" }).status === 0;
}

/**
 * Fails unless `<shell> -n` accepts the script and (when installed, or always in CI) shellcheck -S warning does,
 * for that shell: bash for the Linux scripts, POSIX sh for FreeBSD's.
 */
export function assertScriptLints(script: string, label: string, shell: "bash" | "sh" = "bash"): void {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ipv6-mail-lint-"));
  const file = path.join(dir, "script.sh");
  fs.writeFileSync(file, script);
  try {
    const syntax = spawnSync(shell, ["-n", file], { encoding: "utf8" });
    assert.equal(syntax.status, 0, `${label}: ${shell} -n failed:\n${syntax.stderr}`);
    if (!hasCommand("shellcheck")) {
      if (process.env.CI === "true") assert.fail(`${label}: shellcheck is required in CI`);
      console.log(`# ${label}: shellcheck not installed, lint skipped (apt-get install -y shellcheck)`);
      return;
    }
    const lint = spawnSync("shellcheck", ["-s", shell, "-S", "warning", file], { encoding: "utf8" });
    assert.equal(lint.status, 0, `${label}: shellcheck -S warning failed:\n${lint.stdout}${lint.stderr}`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** A staging root for IPV6_MAIL_ROOT plus a directory of stub commands placed first on PATH. */
export class Sandbox {
  readonly root: string;
  readonly bin: string;
  readonly log: string;

  constructor() {
    this.root = fs.mkdtempSync(path.join(os.tmpdir(), "ipv6-mail-root-"));
    this.bin = path.join(this.root, ".stub-bin");
    this.log = path.join(this.root, ".stub-calls");
    fs.mkdirSync(this.bin);
    fs.writeFileSync(this.log, "");
  }

  /** Installs a stub command; its body runs under bash with $STUB_LOG available. Calls are logged. */
  stub(name: string, body: string): void {
    const file = path.join(this.bin, name);
    fs.writeFileSync(file, `#!/bin/bash\nprintf '%s\\n' "${name} $*" >>"$STUB_LOG"\n${body}\n`);
    fs.chmodSync(file, 0o755);
  }

  path(p: string): string {
    return path.join(this.root, p);
  }

  write(p: string, content: string): void {
    fs.mkdirSync(path.dirname(this.path(p)), { recursive: true });
    fs.writeFileSync(this.path(p), content);
  }

  read(p: string): string {
    return fs.readFileSync(this.path(p), "utf8");
  }

  exists(p: string): boolean {
    return fs.existsSync(this.path(p));
  }

  calls(): string[] {
    return fs.readFileSync(this.log, "utf8").split("\n").filter(Boolean);
  }

  clearCalls(): void {
    fs.writeFileSync(this.log, "");
  }

  run(
    script: string,
    opts: { env?: Record<string, string>; input?: string; prefix?: string[] } = {},
  ): SpawnSyncReturns<string> {
    const file = path.join(this.root, ".script.sh");
    fs.writeFileSync(file, script);
    const env: Record<string, string> = {
      PATH: `${this.bin}:${process.env.PATH ?? "/usr/bin:/bin"}`,
      HOME: this.root,
      IPV6_MAIL_ROOT: this.root,
      STUB_LOG: this.log,
      ...opts.env,
    };
    const argv = [...(opts.prefix ?? []), "bash", file];
    return spawnSync(argv[0], argv.slice(1), {
      encoding: "utf8",
      env,
      input: opts.input ?? "",
      timeout: 120_000,
    });
  }

  dispose(): void {
    fs.rmSync(this.root, { recursive: true, force: true });
  }
}

/** The last stdout line of a run: ipv6-mail: changed | unchanged | failed. */
export function resultLine(run: { stdout: string }): string {
  const lines = run.stdout.trimEnd().split("\n");
  return lines[lines.length - 1];
}

export function describeRun(run: SpawnSyncReturns<string>): string {
  return `status ${run.status}\nstdout:\n${run.stdout}\nstderr:\n${run.stderr}`;
}
