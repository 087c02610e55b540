import { LabVm } from "../lab-driver/lab-vm";
import { shellQuote } from "../lab-driver/local-command";
import { cliFailure, EngineProject } from "./engine-project";
import { elapsedMs, round } from "./stats";

/** One `pulumi up` of the lab stack. */
export interface ApplyRun {
  /** SSH connections the host accepted during the update (sshd's `Accepted publickey` lines). */
  readonly sshSessions: number;
  readonly wallMs: number;
  /** What the engine did, from `pulumi stack history` (e.g. `{ create: 5 }`, `{ same: 5 }`). */
  readonly resourceChanges: Record<string, number>;
  /** The last line the host's apply script printed (`ipv6-mail: changed` / `unchanged`), from the stack output. */
  readonly hostApplyResult: string;
}

/**
 * The floor of one `pulumi up` that creates the host configuration: the apply and confirm scripts that update
 * sent (read back from the stack's state), sent by hand over plain `ssh host bash -s`, each on a new SSH
 * connection as the command provider makes them, to a fresh lab instance restored from the same snapshot.
 */
export interface ApplyFloor {
  readonly applyMs: number;
  readonly confirmMs: number;
  readonly wallMs: number;
  /** The apply script's last line (`ipv6-mail: changed`, as the engine's first update). */
  readonly applyResult: string;
}

/** Item 4's result: measured, or why not. */
export type LabApplyResult =
  | { readonly measured: false; readonly reason: string }
  | {
      readonly measured: true;
      readonly mailHosts: number;
      readonly first: ApplyRun;
      readonly again: ApplyRun;
      /** The same scripts over plain SSH, measured in the same run; undefined when it could not run. */
      readonly floor?: ApplyFloor;
      /** Why the floor was not measured. */
      readonly floorMissing?: string;
      /** `first.wallMs / floor.wallMs`: what the engine and the command provider add (goal: at most 1.3). */
      readonly overFloor?: number;
      /** Host state (rulesets, links, addresses, routes, rules, Postfix, config files) equal after both. */
      readonly stateUnchanged: boolean;
      readonly stateDifferences: string[];
      /** Configuration files the second update rewrote (modification time changed). */
      readonly filesTouchedByNoop: string[];
      /** Where a no-op update's time goes, from the engine's log of a third update; undefined when unreadable. */
      readonly noopPhases?: NoopPhase[];
    };

/** One phase of a no-op `pulumi up`, in wall ms. */
export interface NoopPhase {
  readonly phase: string;
  readonly ms: number;
}

/** The engine's log lines (JSON with `time` and `msg`, 3.248's wording) that end each phase of an update. */
const PHASE_ENDS: readonly [phase: string, message: RegExp][] = [
  ["CLI start", /^newPlugin\(\): Launching plugin 'nodejs'/],
  ["language host: runtime metadata, required plugins", /^langhost\[nodejs\]\.Run\(.* executing$/],
  [
    "Node and the Pulumi runtime starting",
    /^ResourceMonitor\.RegisterResource received: t=pulumi:pulumi:Stack/,
  ],
  [
    "the program loading (`@pulumi/pulumi`, the package) to its first component",
    /^ResourceMonitor\.RegisterResource received: t=(?!pulumi:pulumi:Stack)/,
  ],
  [
    "registrations, the command plugin, its diffs",
    /^deploymentExecutor\.Execute\(\.\.\.\): step executor has completed/,
  ],
];

/**
 * A no-op `pulumi up` with the engine's log on (`--logflow -v=9`), cut into phases at the first log line
 * that ends each: what the CLI, the language host, Node, the program and the provider each take. The log
 * slows the update a little; the phases are for where the time goes, not for the goal.
 */
async function noopPhases(project: EngineProject): Promise<NoopPhase[] | undefined> {
  const start = Date.now();
  const r = await project.pulumi([
    "up",
    "--yes",
    "--skip-preview",
    "--stack",
    project.stack,
    "--logtostderr",
    "--logflow",
    "-v=9",
  ]);
  const end = Date.now();
  if (r.code !== 0) throw new Error(cliFailure("pulumi up (traced no-op)", r));
  const times: number[] = [];
  for (const line of r.stderr.split("\n")) {
    if (times.length === PHASE_ENDS.length) break;
    let entry: { time?: string; msg?: string };
    try {
      entry = JSON.parse(line) as { time?: string; msg?: string };
    } catch {
      continue;
    }
    if (entry.time && entry.msg && PHASE_ENDS[times.length][1].test(entry.msg))
      times.push(Date.parse(entry.time));
  }
  if (times.length < PHASE_ENDS.length) return undefined;
  const bounds = [start, ...times, end];
  return [...PHASE_ENDS.map(([phase]) => phase), "state and shutdown"].map((phase, i) => ({
    phase,
    ms: Math.max(0, bounds[i + 1] - bounds[i]),
  }));
}

/** The journal cursor now, read over the lab's shared (already authenticated) connection. */
async function cursor(vm: LabVm): Promise<string> {
  const out = await vm.sh("journalctl -n 0 --show-cursor --no-pager | sed -n 's/^-- cursor: //p'");
  if (out === "") throw new Error("the lab host's journal gave no cursor");
  return out;
}

/**
 * sshd's `Accepted publickey` lines since `after`, leaving out the connection this query arrives on (the lab's
 * shared connection, or a new one when that is gone).
 */
async function acceptedSince(vm: LabVm, after: string): Promise<string[]> {
  const out = await vm.sh(
    `echo "port=$(echo "$SSH_CLIENT" | cut -d' ' -f2)"; ` +
      `journalctl --after-cursor=${shellQuote(after)} --no-pager -o cat | grep 'sshd.*Accepted publickey\\|^Accepted publickey' || true`,
  );
  const [first, ...lines] = out.split("\n");
  const own = ` port ${first.replace(/^port=/, "")} `;
  return lines.filter((l) => l.trim() !== "" && !l.includes(own));
}

/** What the host's configuration is, as text per aspect (counters and timers left out). */
async function hostState(vm: LabVm): Promise<Record<string, string>> {
  const files = "/etc/systemd/network /etc/postfix /etc/nftables.conf /etc/gai.conf /etc/ipv6-mail";
  const aspects: Record<string, string> = {
    nftables: "nft -s list ruleset",
    links: "ip -d -br link",
    addresses: "ip -br addr",
    routes: "ip -6 route show table all | sed -E 's/ expires [0-9]+sec//'",
    rules: "ip -6 rule",
    postfix: "postconf -n 2>/dev/null || true",
    files: `find ${files} -type f 2>/dev/null | sort | xargs -r sha256sum`,
    mtimes: `find ${files} -type f 2>/dev/null | sort | xargs -r stat -c '%Y %n'`,
  };
  const state: Record<string, string> = {};
  for (const [k, cmd] of Object.entries(aspects)) state[k] = await vm.sh(cmd);
  return state;
}

async function up(project: EngineProject): Promise<ApplyRun> {
  const before = await cursor(project.vm);
  const start = process.hrtime.bigint();
  const r = await project.pulumi(["up", "--yes", "--skip-preview", "--stack", project.stack]);
  const wallMs = round(elapsedMs(start));
  if (r.code !== 0) throw new Error(cliFailure("pulumi up", r));
  const sshSessions = (await acceptedSince(project.vm, before)).length;
  const resourceChanges = await project.lastUpdateChanges();
  const output = await project.pulumi(["stack", "output", "hostApplyResult", "--stack", project.stack]);
  return {
    sshSessions,
    wallMs,
    resourceChanges,
    hostApplyResult: output.stdout.trim(),
  };
}

/** The create script (and stdin) of the stack's remote command named `name`, from the stack's state. */
async function commandOf(project: EngineProject, name: string): Promise<{ create: string; stdin?: string }> {
  const { inputs } = await project.stateResource("command:remote:Command", name);
  if (typeof inputs.create !== "string")
    throw new Error(`the state has no remote command ${name} with a create script`);
  return { create: inputs.create, stdin: typeof inputs.stdin === "string" ? inputs.stdin : undefined };
}

/**
 * The floor: the first update's apply and confirm scripts sent over plain `ssh host bash -s`, each on a new
 * connection, to `vm`, a fresh instance of the lab (restored from the same snapshot as the engine's).
 */
async function measureFloor(project: EngineProject, vm: LabVm): Promise<ApplyFloor> {
  const apply = await commandOf(project, "mail-host");
  const confirm = await commandOf(project, "mail-host-confirm");
  // `bash -s` reads the script from stdin, so a script that reads stdin itself cannot go that way.
  if (apply.stdin !== undefined || confirm.stdin !== undefined) {
    throw new Error(
      "the lab stack's host script takes stdin (HE credentials): not comparable with `bash -s`",
    );
  }
  const start = process.hrtime.bigint();
  const a = await vm.runScript(apply.create, [], { newConnection: true });
  const applyMs = elapsedMs(start);
  await vm.runScript(confirm.create, [], { newConnection: true });
  const wallMs = elapsedMs(start);
  const applyResult = a.stdout.trim().split("\n").pop() ?? "";
  return { applyMs: round(applyMs), confirmMs: round(wallMs - applyMs), wallMs: round(wallMs), applyResult };
}

/**
 * Item 4: `pulumi up` of the lab stack (one mail host, its scripts applied by the `@pulumi/command` provider
 * over SSH) on a fresh lab VM, against its floor (the same scripts over plain `ssh host bash -s`, see
 * {@link ApplyFloor}), then `pulumi up` again with nothing changed. SSH sessions are counted on the host from
 * sshd's journal; the host's state is compared after both updates.
 */
export async function runLabApply(
  project: EngineProject,
  log: (line: string) => void,
): Promise<LabApplyResult> {
  try {
    // The floor's host runs (idle) during the engine's update, and the engine's during the floor: both
    // measurements share the machine alike.
    let floorVm: LabVm | undefined;
    let floorMissing: string | undefined;
    try {
      const floorInstance = `${project.vm.instance}-floor`;
      log(`lab: starting a second fresh lab instance for the floor (${floorInstance})`);
      floorVm = await LabVm.start(floorInstance);
    } catch (err) {
      floorMissing = `the floor's lab instance did not start: ${(err as Error).message.slice(0, 600)}`;
    }
    log("lab: pulumi up (create)");
    const first = await up(project);
    const afterFirst = await hostState(project.vm);
    log(`lab: created with ${first.sshSessions} SSH sessions in ${Math.round(first.wallMs)} ms`);
    let floor: ApplyFloor | undefined;
    try {
      if (floorVm === undefined) throw new Error(floorMissing);
      floor = await measureFloor(project, floorVm);
      log(
        `lab: floor (same scripts over plain ssh bash -s): ${Math.round(floor.wallMs)} ms ` +
          `(apply ${Math.round(floor.applyMs)}, confirm ${Math.round(floor.confirmMs)}); ` +
          `pulumi up / floor = ${(first.wallMs / floor.wallMs).toFixed(2)}x (goal <= 1.3x)`,
      );
    } catch (err) {
      floorMissing = (err as Error).message.slice(0, 600);
      log(`lab: floor not measured: ${floorMissing}`);
    } finally {
      await floorVm?.stop();
    }
    log("lab: pulumi up again");
    const again = await up(project);
    const afterAgain = await hostState(project.vm);
    log(
      `lab: re-applied with ${again.sshSessions} SSH sessions in ${Math.round(again.wallMs)} ms (goal for a no-op: < 5000 ms)`,
    );
    const phases = await noopPhases(project);
    const stateDifferences = Object.keys(afterFirst).filter(
      (k) => k !== "mtimes" && afterFirst[k] !== afterAgain[k],
    );
    const before = new Set(afterFirst.mtimes.split("\n"));
    const filesTouchedByNoop = afterAgain.mtimes
      .split("\n")
      .filter((l) => l.trim() !== "" && !before.has(l))
      .map((l) => l.split(" ").slice(1).join(" "));
    return {
      measured: true,
      mailHosts: 1,
      first,
      again,
      floor,
      floorMissing,
      overFloor: floor ? round(first.wallMs / floor.wallMs) : undefined,
      stateUnchanged: stateDifferences.length === 0,
      stateDifferences,
      filesTouchedByNoop,
      noopPhases: phases,
    };
  } catch (err) {
    return { measured: false, reason: (err as Error).message.slice(0, 1200) };
  }
}
