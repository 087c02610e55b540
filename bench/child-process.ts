import { spawn } from "node:child_process";
import * as path from "node:path";

/** The repository root: the bench runs compiled, from `dist/bench/`. */
export const REPO_ROOT = path.resolve(__dirname, "..", "..");

/** The line prefix a worker prints its JSON result after. */
export const RESULT_MARK = "BENCH-RESULT ";

/** Prints a worker's result for {@link runWorker} to read. */
export function reportResult(result: unknown): void {
  process.stdout.write(`${RESULT_MARK}${JSON.stringify(result)}\n`);
}

/** How to start a worker. */
export interface WorkerOptions {
  /** Extra Node flags, e.g. `--cpu-prof`. */
  readonly nodeFlags?: readonly string[];
  /** Kill the worker after this many milliseconds (default 300 000). */
  readonly timeoutMs?: number;
}

/**
 * Runs `bench/<worker>.js` (compiled) in a fresh Node process and returns the result it printed. A fresh
 * process per measurement keeps the Pulumi runtime's global state, JIT warm-up and the heap of one measurement
 * out of the next, and makes the child's peak RSS the peak of that measurement alone.
 */
export function runWorker<T>(
  worker: string,
  args: readonly string[],
  options: WorkerOptions = {},
): Promise<T> {
  const script = path.join(__dirname, `${worker}.js`);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...(options.nodeFlags ?? []), script, ...args], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    const timeoutMs = options.timeoutMs ?? 300_000;
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      const line = stdout
        .split("\n")
        .reverse()
        .find((l) => l.startsWith(RESULT_MARK));
      if (code !== 0 || line === undefined) {
        reject(
          new Error(
            `bench: worker ${worker} ${args.join(" ")} failed (exit ${code ?? signal}` +
              `${signal === "SIGKILL" ? `, killed after ${timeoutMs} ms` : ""})\n${stderr.slice(-4000)}`,
          ),
        );
        return;
      }
      resolve(JSON.parse(line.slice(RESULT_MARK.length)) as T);
    });
  });
}
