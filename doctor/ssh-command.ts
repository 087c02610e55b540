import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import * as path from "node:path";

import type { DoctorSshTarget } from "./doctor-args";

/** What a command run over SSH printed, and how it ended. */
export interface SshResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * The OpenSSH client's arguments for a target: batch mode (never a password prompt in monitoring), strict host
 * key checking against the known_hosts given (or the user's own), the key file, port and host key alias.
 * The user's `~/.ssh/config` still applies to anything not given here.
 */
export function sshArguments(target: DoctorSshTarget, remoteCommand: string): string[] {
  return [
    "-o",
    "BatchMode=yes",
    "-o",
    "StrictHostKeyChecking=yes",
    "-o",
    "ConnectTimeout=15",
    ...(target.knownHostsFile !== undefined ? ["-o", `UserKnownHostsFile=${target.knownHostsFile}`] : []),
    ...(target.hostKeyAlias !== undefined ? ["-o", `HostKeyAlias=${target.hostKeyAlias}`] : []),
    ...(target.keyFile !== undefined ? ["-i", target.keyFile, "-o", "IdentitiesOnly=yes"] : []),
    "-p",
    String(target.port),
    "-l",
    target.user,
    "--",
    target.host,
    remoteCommand,
  ];
}

/** The name a pinned host key is recorded under in the doctor's own known_hosts file. */
const PINNED_ALIAS = "ipv6-mail-host";

/**
 * Runs `bash -s <args>` on the host with `script` on its standard input (the script never appears in a process
 * list). A pinned `hostKey` goes into a known_hosts file of its own for this one session (removed after), so
 * that key and no other is accepted, as the stack's `connection.hostKey` does.
 */
export async function runOverSsh(
  target: DoctorSshTarget,
  script: string,
  args: readonly string[],
  timeoutSeconds = 120,
): Promise<SshResult> {
  if (target.hostKey === undefined) return runSsh(target, script, args, timeoutSeconds);
  const dir = await mkdtemp(path.join(tmpdir(), "ipv6-mail-doctor-"));
  try {
    const alias = target.hostKeyAlias ?? PINNED_ALIAS;
    const knownHostsFile = path.join(dir, "known_hosts");
    await writeFile(knownHostsFile, `${alias} ${target.hostKey}\n`, { mode: 0o600 });
    return await runSsh({ ...target, knownHostsFile, hostKeyAlias: alias }, script, args, timeoutSeconds);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function runSsh(
  target: DoctorSshTarget,
  script: string,
  args: readonly string[],
  timeoutSeconds = 120,
): Promise<SshResult> {
  const quoted = args.map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(" ");
  return new Promise((resolve) => {
    const child = spawn("ssh", sshArguments(target, `bash -s -- ${quoted}`), {
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    const timer = setTimeout(() => child.kill("SIGTERM"), timeoutSeconds * 1000);
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", (e) => {
      clearTimeout(timer);
      resolve({ code: null, stdout, stderr: `${stderr}${e.message}` });
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.on("error", () => undefined);
    child.stdin.end(script);
  });
}
