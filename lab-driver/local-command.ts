import { spawn } from "node:child_process";

/** Result of a command run on the lab host (or on the machine driving the lab). */
export interface ExecResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Options of {@link runLocal} (and, with the SSH ones, of `LabVm.exec`). */
export interface RunOptions {
  /** Text fed to the command's standard input. */
  readonly input?: string;
  /** Kill the command after this many milliseconds (default 180 000). */
  readonly timeoutMs?: number;
  /** Throw when the command exits non-zero (default true). */
  readonly check?: boolean;
}

/** A command that failed; carries its exit code and output so a failure shows what the host said. */
export class LabCommandError extends Error {
  constructor(
    readonly command: string,
    readonly result: ExecResult,
  ) {
    super(
      `lab: command failed (exit ${result.code}): ${command}\n--- stdout ---\n${result.stdout}\n--- stderr ---\n${result.stderr}`,
    );
    this.name = "LabCommandError";
  }
}

/** Quotes a string for a POSIX shell. */
export function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/**
 * Runs a program on the machine driving the lab (not in the VM): `ssh`, `lab/lab.sh`, the `pulumi` CLI.
 * Output is collected whole, so a failure can show it; `check` (default) turns a non-zero exit into a
 * {@link LabCommandError}.
 */
export function runLocal(
  file: string,
  args: readonly string[],
  options: RunOptions & { env?: NodeJS.ProcessEnv } = {},
): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { env: options.env ?? process.env, stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    const timeoutMs = options.timeoutMs ?? 180_000;
    const timer = setTimeout(() => {
      stderr += `\nlab: killed after ${timeoutMs} ms`;
      child.kill("SIGKILL");
    }, timeoutMs);
    child.on("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      const result = { code: code ?? (signal ? 128 : 1), stdout, stderr };
      if ((options.check ?? true) && result.code !== 0) {
        reject(new LabCommandError([file, ...args].join(" "), result));
      } else {
        resolve(result);
      }
    });
    child.stdin.on("error", () => undefined);
    child.stdin.end(options.input ?? "");
  });
}
