import { readFileSync } from "node:fs";
import * as path from "node:path";

import { type ExecResult, LabCommandError, runLocal, type RunOptions, shellQuote } from "./local-command";
import { repoRoot } from "./repo-root";
import { loadTopology, type LabTopology } from "./topology";
import { waitFor } from "./wait-for";

/** What `lab/lab.sh start` writes to `lab/build/run/<instance>/state.json`. */
export interface LabState {
  readonly instance: string;
  /**
   * The image flavour: `full`, `bare` (no Postfix, nftables, curl or ping; a package repository instead) or
   * `docker` (full, plus Debian's docker.io and a test container's root file system).
   */
  readonly flavour?: LabFlavour;
  readonly sshHost: string;
  readonly sshPort: number;
  readonly pid: number;
  readonly sshUser: string;
  readonly privateKeyPath: string;
  readonly knownHostsPath: string;
  readonly hostKeyAlias: string;
  readonly sshConfig: string;
  readonly serialLog: string;
  /** qemu start to SSH answering (a boot, or a restore of the snapshot). */
  readonly bootSeconds: number | null;
  /** qemu start to the lab's services running. */
  readonly readySeconds: number | null;
  /** `boot`, or `snapshot <key>` when the instance was restored from the saved, already booted VM. */
  readonly startedFrom?: string;
}

/**
 * `full`: the image has what a mail host needs. `bare`: like a fresh cloud image. `docker`: full, plus Debian's
 * Docker engine, for docker-mailserver hosts; a flavour of its own so the other images stay small and boot fast
 * (see lab/README.md).
 */
export type LabFlavour = "full" | "bare" | "docker";

/** Options of {@link LabVm.exec}. */
export interface ExecOptions extends RunOptions {
  /**
   * Open a new SSH connection instead of reusing the shared one, e.g. to prove that a firewall still lets
   * new SSH connections in (an established connection would survive a bad ruleset).
   */
  readonly newConnection?: boolean;
}

/** One delivery logged by the lab's remote MX (the SMTP sink in the `internet` namespace). */
export interface MxDelivery {
  readonly time: string;
  /** The address the delivering host connected from: what the kernel and the MTA chose. */
  readonly peer: string;
  readonly helo: string;
  readonly mailFrom: string;
  readonly rcptTo: readonly string[];
  readonly subject: string;
  readonly messageId: string;
  readonly bytes: number;
}

/** The lab's entry point, `lab/lab.sh`. */
export const LAB_SCRIPT = path.join(repoRoot(), "lab", "lab.sh");

/**
 * The lab instance named `name` for this run: `<LAB_INSTANCE>-<name>` when LAB_INSTANCE is set, else `name`.
 *
 * Why: every test file starts its own instance under a fixed name, and several runs on one machine may share
 * one build directory (LAB_BUILD_DIR); with the same instance name one run would join, then stop, the other's
 * VM. LAB_INSTANCE names the run, so each run's instances are its own.
 */
export function runInstance(name: string, run = process.env.LAB_INSTANCE): string {
  return run === undefined || run === "" ? name : `${run}-${name}`;
}

/**
 * A running lab VM: the mail host (real systemd, sshd, Postfix) with the provider, HE and internet as
 * network namespaces inside it. Commands run over a real SSH connection with the key the image build made,
 * exactly as the package's remote commands do in production.
 *
 * Each test file starts its own instance (see {@link runInstance}), so files do not depend on each other's leftovers: the lab's
 * snapshot of the booted image restored onto a fresh copy-on-write overlay (or, with LAB_SNAPSHOT=0, a boot
 * of the cached image). A reboot inside the instance is a real boot of its kernel and disk.
 */
export class LabVm {
  readonly topology: LabTopology = loadTopology();

  private constructor(
    readonly instance: string,
    private state: LabState,
  ) {}

  /**
   * Starts (or joins, if it already runs) the instance, building the image and the snapshot first if their
   * inputs changed.
   */
  static async start(instance: string, flavour: LabFlavour = "full"): Promise<LabVm> {
    await runLocal("bash", [LAB_SCRIPT, "start"], {
      env: { ...process.env, LAB_INSTANCE: instance, LAB_FLAVOUR: flavour },
      timeoutMs: 1_800_000,
    });
    return new LabVm(instance, LabVm.readState(instance));
  }

  private static readState(instance: string): LabState {
    const buildDir = process.env.LAB_BUILD_DIR ?? path.join(repoRoot(), "lab", "build");
    return JSON.parse(readFileSync(path.join(buildDir, "run", instance, "state.json"), "utf8")) as LabState;
  }

  /** Where and how to reach the VM (port, key, SSH config file). */
  get ssh(): LabState {
    return this.state;
  }

  /** Powers the VM off and drops its overlay. */
  async stop(): Promise<void> {
    await runLocal("bash", [LAB_SCRIPT, "stop"], { env: { ...process.env, LAB_INSTANCE: this.instance } });
  }

  /** Runs a shell command on the mail host as root, over a new SSH connection. */
  exec(command: string, options: ExecOptions = {}): Promise<ExecResult> {
    const fresh = options.newConnection ? ["-o", "ControlPath=none"] : [];
    return runLocal("ssh", ["-F", this.state.sshConfig, ...fresh, "lab", command], options).catch(
      (err: unknown) => {
        if (err instanceof LabCommandError) throw new LabCommandError(command, err.result);
        throw err;
      },
    );
  }

  /** Runs a command and returns its standard output, trimmed; throws when it fails. */
  async sh(command: string, options: Omit<ExecOptions, "check"> = {}): Promise<string> {
    return (await this.exec(command, options)).stdout.trim();
  }

  /** Runs a whole script (e.g. one rendered by host-config/) with bash, fed on standard input. */
  runScript(script: string, args: readonly string[] = [], options: Omit<ExecOptions, "input"> = {}) {
    const argv = args.map(shellQuote).join(" ");
    return this.exec(`bash -s -- ${argv}`, { ...options, input: script });
  }

  /** Runs a shell command inside one of the lab's namespaces (provider, he, internet). */
  netns(namespace: string, command: string, options: ExecOptions = {}): Promise<ExecResult> {
    return this.exec(`ip netns exec ${shellQuote(namespace)} sh -c ${shellQuote(command)}`, options);
  }

  /** Runs `lab-ctl` (switches, DNS zones, the MX log) inside the VM. */
  labCtl(args: readonly string[], options: ExecOptions = {}): Promise<ExecResult> {
    return this.exec(`lab-ctl ${args.map(shellQuote).join(" ")}`, options);
  }

  /** Writes a file on the mail host (content over SSH's standard input; never on a command line). */
  async writeFile(file: string, content: string, mode = "0644"): Promise<void> {
    const dir = path.posix.dirname(file);
    await this.exec(
      `mkdir -p ${shellQuote(dir)} && cat > ${shellQuote(file)}.tmp && chmod ${mode} ${shellQuote(file)}.tmp && mv -f ${shellQuote(file)}.tmp ${shellQuote(file)}`,
      { input: content },
    );
  }

  /** Reads a file on the mail host. */
  async readFile(file: string): Promise<string> {
    return (await this.exec(`cat ${shellQuote(file)}`)).stdout;
  }

  /** The kernel's boot id: changes with every boot, so a reboot can be told from a dropped connection. */
  bootId(): Promise<string> {
    return this.sh("cat /proc/sys/kernel/random/boot_id");
  }

  /** Waits until SSH answers and the lab's services run (after a boot). */
  async waitReady(timeoutSeconds = 300): Promise<void> {
    await runLocal("bash", [LAB_SCRIPT, "wait", String(timeoutSeconds)], {
      env: { ...process.env, LAB_INSTANCE: this.instance },
      timeoutMs: (timeoutSeconds + 60) * 1000,
    });
  }

  /**
   * Lets the `internet` namespace log in to the mail host over IPv6, as a remote admin would: a key pair is
   * made inside the VM (once) and authorized for root. Use with {@link LabVm.sshFromNamespace}.
   */
  async authorizeNamespaceSsh(): Promise<void> {
    await this.sh(
      "test -f /root/.ssh/lab-peer || ssh-keygen -q -t ed25519 -N '' -C lab-peer -f /root/.ssh/lab-peer; " +
        'grep -qF "$(cat /root/.ssh/lab-peer.pub)" /root/.ssh/authorized_keys || cat /root/.ssh/lab-peer.pub >> /root/.ssh/authorized_keys',
    );
  }

  /**
   * Runs a command on the mail host over a NEW SSH connection made from inside a namespace, from `source` to
   * `target` (e.g. from the admin's IPv6 address in `internet` to the host's SMTP address).
   */
  sshFromNamespace(
    namespace: string,
    source: string,
    target: string,
    command: string,
    options: ExecOptions = {},
  ): Promise<ExecResult> {
    const ssh = [
      "ssh -i /root/.ssh/lab-peer -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null",
      "-o LogLevel=ERROR -o ConnectTimeout=6 -o KexAlgorithms=curve25519-sha256",
      `-b ${shellQuote(source)} root@${shellQuote(target)} ${shellQuote(command)}`,
    ].join(" ");
    return this.exec(`ip netns exec ${shellQuote(namespace)} ${ssh}`, options);
  }

  /** Reboots the VM (systemd's orderly reboot) and waits until it is back and ready. */
  async reboot(): Promise<void> {
    const before = await this.bootId();
    await this.exec("systemctl reboot", { check: false, timeoutMs: 30_000 });
    // The shared connection dies with the old boot; poll over new connections until `lab.sh wait` opens
    // a new one.
    await runLocal("ssh", ["-F", this.state.sshConfig, "-O", "exit", "lab"], { check: false });
    await waitFor(
      "the lab VM to come back from its reboot",
      async () => {
        const id = (
          await this.exec("cat /proc/sys/kernel/random/boot_id", { timeoutMs: 15_000, newConnection: true })
        ).stdout.trim();
        return id && id !== before ? id : undefined;
      },
      { timeoutMs: 300_000, intervalMs: 2_000 },
    );
    await this.waitReady();
  }

  /** Loads a DNS plan ({type, name, content, ttl} records) into the lab's authoritative server. */
  async loadDnsRecords(zones: readonly string[], records: readonly object[]): Promise<string> {
    const result = await this.labCtl(["dns", "load-records", ...zones], { input: JSON.stringify(records) });
    return result.stdout;
  }

  /** The remote MX's delivery log. */
  async mxDeliveries(): Promise<MxDelivery[]> {
    const log = (await this.labCtl(["mx", "log"])).stdout;
    return log
      .split("\n")
      .filter((line) => line.trim() !== "")
      .map((line) => JSON.parse(line) as MxDelivery);
  }

  /** Queries the lab's DNS server for real (dig from the mail host) and returns the answers' data. */
  async dig(name: string, type: string): Promise<string[]> {
    const out = await this.sh(
      `dig +short +time=2 +tries=2 @${this.topology.internet.dns.ipv4} ${shellQuote(name)} ${shellQuote(type)}`,
    );
    return out === "" ? [] : out.split("\n").map((l) => l.trim());
  }
}
