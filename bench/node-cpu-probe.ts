/**
 * Loaded into the Node processes of the bench's CLI runs (`NODE_OPTIONS=--require …`, see `engine-project.ts`):
 * in the policy pack's analyzer and the Pulumi program it records the CPU time the process has used so far,
 * every 50 ms and at exit, in `$BENCH_CPU_PROBE_DIR/<role>-<pid>.json`. The CLI kills the analyzer when the
 * update ends, so the last sample stands for it (at most 50 ms short). Other Node processes are left alone.
 * This gives item 5 CPU figures beside its wall times, which a busy machine stretches.
 */
import { renameSync, writeFileSync } from "node:fs";
import * as path from "node:path";

/** What one probed process used. */
export interface ProbeSample {
  readonly role: ProbeRole;
  readonly cpuMs: number;
}

/** The Node processes of a CLI run the probe records. */
export type ProbeRole = "analyzer" | "program";

const dir = process.env.BENCH_CPU_PROBE_DIR;
const entry = process.argv[1] ?? "";
const role: ProbeRole | undefined = entry.includes("run-policy-pack")
  ? "analyzer"
  : /cmd[/\\]run[/\\]/.test(entry)
    ? "program"
    : undefined;

if (dir && role) {
  const file = path.join(dir, `${role}-${process.pid}.json`);
  const record = () => {
    const used = process.cpuUsage();
    const sample: ProbeSample = { role, cpuMs: (used.user + used.system) / 1000 };
    // Written whole, then renamed: a reader never sees half a sample.
    writeFileSync(`${file}.tmp`, JSON.stringify(sample));
    renameSync(`${file}.tmp`, file);
  };
  setInterval(record, 50).unref();
  process.on("exit", record);
}
