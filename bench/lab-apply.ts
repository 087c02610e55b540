import { LabVm, shellQuote } from "../tests/lab/lab-vm";
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

/** Item 4's result: measured, or why not. */
export type LabApplyResult =
  | { readonly measured: false; readonly reason: string }
  | {
      readonly measured: true;
      readonly mailHosts: number;
      readonly first: ApplyRun;
      readonly again: ApplyRun;
      /** Host state (rulesets, links, addresses, routes, rules, Postfix, config files) equal after both. */
      readonly stateUnchanged: boolean;
      readonly stateDifferences: string[];
      /** Configuration files the second update rewrote (modification time changed). */
      readonly filesTouchedByNoop: string[];
    };

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
  const history = await project.pulumi(["stack", "history", "--json", "--stack", project.stack]);
  const updates = JSON.parse(history.stdout) as { resourceChanges?: Record<string, number> }[];
  const output = await project.pulumi(["stack", "output", "hostApplyResult", "--stack", project.stack]);
  return {
    sshSessions,
    wallMs,
    resourceChanges: updates[0]?.resourceChanges ?? {},
    hostApplyResult: output.stdout.trim(),
  };
}

/**
 * Item 4: `pulumi up` of the lab stack (one mail host, its scripts applied over SSH) on a fresh lab VM, then
 * `pulumi up` again with nothing changed. SSH sessions are counted on the host from sshd's journal; the host's
 * state is compared after both updates.
 */
export async function runLabApply(
  project: EngineProject,
  log: (line: string) => void,
): Promise<LabApplyResult> {
  try {
    log("lab: pulumi up (create)");
    const first = await up(project);
    const afterFirst = await hostState(project.vm);
    log(
      `lab: created with ${first.sshSessions} SSH sessions in ${Math.round(first.wallMs)} ms; pulumi up again`,
    );
    const again = await up(project);
    const afterAgain = await hostState(project.vm);
    log(`lab: re-applied with ${again.sshSessions} SSH sessions in ${Math.round(again.wallMs)} ms`);
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
      stateUnchanged: stateDifferences.length === 0,
      stateDifferences,
      filesTouchedByNoop,
    };
  } catch (err) {
    return { measured: false, reason: (err as Error).message.slice(0, 1200) };
  }
}
