import * as path from "node:path";

import { runLocal } from "./local-command";
import { repoRoot } from "./repo-root";

/** Why the real Pulumi engine could not be had (the build failed, or the CLI it made does not run). */
export class EngineUnavailable extends Error {}

/** The last `n` lines of a command's output, on one line (for an error message). */
export function lastLines(text: string, n = 4): string {
  return text.trim().split("\n").slice(-n).join(" ").replace(/\s+/g, " ");
}

/**
 * The environment `scripts/pulumi-engine.sh --env` sets up (PATH with the CLI and its language hosts,
 * PULUMI_HOME with the provider plugins, the switches that keep the CLI offline), on top of this process's.
 * Builds what is missing first (minutes on a cold cache, about a second otherwise).
 */
export async function engineEnv(root = repoRoot()): Promise<NodeJS.ProcessEnv> {
  const r = await runLocal(
    "bash",
    ["-c", 'eval "$(bash "$1" --env)" && env -0', "engine", path.join(root, "scripts", "pulumi-engine.sh")],
    { check: false, timeoutMs: 3_600_000 },
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
