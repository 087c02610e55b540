import * as os from "node:os";
import { readFileSync } from "node:fs";

/** The machine a run measured on: absolute times mean nothing without it. */
export interface MachineInfo {
  readonly cpuModel: string;
  /** Cores available to this process (`nproc`). */
  readonly cores: number;
  readonly memoryGiB: number;
  readonly node: string;
  readonly platform: string;
  readonly kernel: string;
}

function cpuModel(): string {
  try {
    const line = readFileSync("/proc/cpuinfo", "utf8")
      .split("\n")
      .find((l) => l.startsWith("model name"));
    if (line) return line.split(":").slice(1).join(":").trim();
  } catch {
    // Not Linux: fall back to what Node reports.
  }
  return os.cpus()[0]?.model ?? "unknown";
}

/**
 * Describes this machine the way BENCHMARKS.md labels absolute figures: CPU model (`/proc/cpuinfo`), cores
 * available (`nproc`, which honours CPU affinity unlike the number of CPUs installed), memory and Node version.
 */
export function machineInfo(): MachineInfo {
  return {
    cpuModel: cpuModel(),
    cores: typeof os.availableParallelism === "function" ? os.availableParallelism() : os.cpus().length,
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    platform: `${os.platform()} ${os.arch()}`,
    kernel: os.release(),
  };
}

/** One line for tables: `AMD EPYC, 2 cores, 23.5 GiB, Node v20.20.2`. */
export function machineLabel(m: MachineInfo): string {
  return `${m.cpuModel}, ${m.cores} cores, ${m.memoryGiB} GiB, Node ${m.node}`;
}
