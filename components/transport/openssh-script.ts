import * as pulumi from "@pulumi/pulumi";

/** What an {@link OpenSshScript} runs and where. Inputs may be outputs; the key and stdin stay secret. */
export interface OpenSshScriptArgs {
  host: pulumi.Input<string>;
  port?: pulumi.Input<number>;
  user?: pulumi.Input<string>;
  privateKey: pulumi.Input<string>;
  /** Run on create and on every change of any input. */
  apply: pulumi.Input<string>;
  /** Run on delete. */
  remove: pulumi.Input<string>;
  /** Fed to the script's stdin after the script itself (secrets such as HE credentials). */
  stdin?: pulumi.Input<string>;
  /** Values whose change re-runs `apply` (like the command provider's `triggers`). */
  triggers?: pulumi.Input<unknown[]>;
}

interface ScriptInputs {
  host: string;
  port: number;
  user: string;
  privateKey: string;
  apply: string;
  remove: string;
  stdin?: string;
  triggers?: unknown[];
}

/**
 * Runs a script on a host with the machine's OpenSSH client. The script and then the secret stdin are sent
 * on the SSH channel's stdin: the remote side copies exactly the script's bytes to a temporary file with dd
 * (so no byte of the secrets is consumed) and runs it with the rest of the stream as its stdin. The private
 * key is written to a 0600 temporary file for the call; neither it nor the stdin is ever on a command line.
 * Defined inside the provider so that Pulumi's closure serialization carries it.
 */
async function runOverSsh(target: ScriptInputs, script: string): Promise<string> {
  const { spawn } = await import("node:child_process");
  const fs = await import("node:fs");
  const os = await import("node:os");
  const path = await import("node:path");
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ipv6-mail-ssh-"));
  const keyPath = path.join(dir, "key");
  fs.writeFileSync(keyPath, target.privateKey.endsWith("\n") ? target.privateKey : `${target.privateKey}\n`, {
    mode: 0o600,
  });
  const scriptBytes = Buffer.from(script, "utf8");
  const remote = `t=$(mktemp) && dd bs=1 count=${scriptBytes.length} of="$t" 2>/dev/null && bash "$t"; rc=$?; rm -f "$t"; exit $rc`;
  try {
    return await new Promise<string>((resolve, reject) => {
      const child = spawn(
        "ssh",
        [
          "-i",
          keyPath,
          "-p",
          String(target.port),
          "-o",
          "BatchMode=yes",
          "-o",
          "IdentitiesOnly=yes",
          "-o",
          "StrictHostKeyChecking=no",
          "-o",
          "UserKnownHostsFile=/dev/null",
          "-o",
          "LogLevel=ERROR",
          "-o",
          "ConnectTimeout=20",
          `${target.user}@${target.host}`,
          remote,
        ],
        { stdio: ["pipe", "pipe", "pipe"] },
      );
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
      child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
      child.on("error", reject);
      child.on("close", (code: number | null) => {
        if (code === 0) resolve(stdout);
        else
          reject(
            new Error(
              `the host script failed (exit ${code}) on ${target.host}:${target.port}\n${stdout}${stderr}`,
            ),
          );
      });
      child.stdin.end(Buffer.concat([scriptBytes, Buffer.from(target.stdin ?? "", "utf8")]));
    });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const provider: pulumi.dynamic.ResourceProvider = {
  async create(inputs: ScriptInputs) {
    const stdout = await runOverSsh(inputs, inputs.apply);
    return { id: `${inputs.host}:${inputs.port}`, outs: { ...inputs, stdout } };
  },
  async diff(_id: string, olds: ScriptInputs, news: ScriptInputs) {
    const keys: (keyof ScriptInputs)[] = ["host", "port", "user", "apply", "remove", "stdin", "triggers"];
    const changed = keys.filter((k) => JSON.stringify(olds[k]) !== JSON.stringify(news[k]));
    const replaces = changed.filter((k) => k === "host" || k === "port");
    return { changes: changed.length > 0, replaces, deleteBeforeReplace: true };
  },
  async update(_id: string, _olds: ScriptInputs, news: ScriptInputs) {
    const stdout = await runOverSsh(news, news.apply);
    return { outs: { ...news, stdout } };
  },
  async delete(_id: string, olds: ScriptInputs) {
    await runOverSsh(olds, olds.remove);
  },
};

/**
 * A host script applied through the machine's OpenSSH client instead of the `@pulumi/command` provider, for
 * places where that provider's plugin cannot be installed (this project's lab machines, whose module proxy
 * does not serve it). Same scripts, same SSH, same idempotency; the private key and stdin are secrets in
 * state.
 */
export class OpenSshScript extends pulumi.dynamic.Resource {
  declare readonly stdout: pulumi.Output<string>;

  constructor(name: string, args: OpenSshScriptArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      provider,
      name,
      {
        host: args.host,
        port: args.port ?? 22,
        user: args.user ?? "root",
        privateKey: pulumi.secret(args.privateKey),
        apply: args.apply,
        remove: args.remove,
        stdin: args.stdin === undefined ? undefined : pulumi.secret(args.stdin),
        triggers: args.triggers,
        stdout: undefined,
      },
      { ...opts, additionalSecretOutputs: ["privateKey", "stdin"] },
    );
  }
}
