/**
 * HE's endpoint update in a real kernel, against the lab's simulated tunnelbroker.net (HTTPS with the lab
 * CA, the real host name resolved to the `he` namespace by the lab image): the tunnel's apply script, run
 * as the package's remote command runs it (the script as the SSH command, the credentials on stdin), calls
 * `nic/update` and handles HE's answers; the update key is in no process list, journal, output or file.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, it } from "node:test";

import {
  heEndpointUpdateStdin,
  renderTunnelScripts,
  RESULT_CHANGED,
  RESULT_FAILED,
  RESULT_UNCHANGED,
  TUNNEL_KEEPALIVE_UNIT,
} from "../../host-config";
import { HE_UPDATE_URL } from "../../net";
import { LabVm, runInstance } from "../../lab-driver/lab-vm";
import { lastLine } from "../../lab-driver/mail-flow";
import { addressOf, loadTopology } from "../../lab-driver/topology";
import { labTunnelSpec } from "./lab-host-specs";
import { labSkipReason } from "./lab-skip";

const t = loadTopology();
const hostIpv4 = addressOf(t.host.public.ipv4);
/** The host's next public IPv4 (another address of the provider's /24), as after a move or a new lease. */
const movedIpv4 = "192.0.2.11";
const tunnelId = "100001";
const username = `lab-user-${Date.now().toString(36)}`;
/** The tunnel's update key: random per run, so finding it anywhere can only mean it leaked there. */
const updateKey = `k${randomBytes(12).toString("hex")}`;

/** One call as the simulated tunnelbroker.net records it. */
interface TunnelbrokerCall {
  readonly tunnelId: string;
  readonly myip: string;
  readonly username: string;
  readonly keyMatched: boolean;
  readonly answer: string;
  /** The mail host's `ps -eo args`, taken while the client waited for the answer. */
  readonly processes: readonly string[];
}

/** The tunnel's apply script with the endpoint update, for the host at `ipv4` (as the HeTunnel renders it). */
function applyFor(ipv4: string): string {
  return renderTunnelScripts(labTunnelSpec(t, { localIpv4: ipv4 }), { tunnelId, clientIpv4: ipv4 }).apply;
}

describe("HE endpoint update against a simulated tunnelbroker.net", { skip: labSkipReason() }, () => {
  let vm: LabVm;

  /** Runs a script exactly as @pulumi/command's remote Command does: the script is the SSH command, stdin the credentials. */
  async function applyAsRemoteCommand(script: string, key: string) {
    const since = await vm.sh("date +%s");
    const r = await vm.exec(script, { input: heEndpointUpdateStdin(username, key), check: false });
    const journal = await vm.sh(`journalctl --no-pager -o cat --since @${since}`);
    return { ...r, journal };
  }

  async function calls(): Promise<TunnelbrokerCall[]> {
    const out = await vm.sh("lab-ctl he tunnelbroker calls");
    return out === "" ? [] : out.split("\n").map((l) => JSON.parse(l) as TunnelbrokerCall);
  }

  async function heTunnelRemote(): Promise<string> {
    const out = await vm.sh(`ip -n ${t.he.namespace} -j -d link show dev ${t.he.tunnelInterface}`);
    return (JSON.parse(out) as { linkinfo: { info_data: { remote: string } } }[])[0].linkinfo.info_data
      .remote;
  }

  /** Files on the host holding the key (patterns on stdin: the key never reaches grep's argv). */
  async function filesWithKey(): Promise<string> {
    const r = await vm.exec("grep -rlFf - /var/lib /etc /run /tmp /root 2>/dev/null || true", {
      input: `${updateKey}\n`,
    });
    return r.stdout.trim();
  }

  /** The key is in none of: the process list during the call, the journal since the run, the script's output. */
  function assertKeyHidden(run: { stdout: string; stderr: string; journal: string }, call: TunnelbrokerCall) {
    assert.ok(
      call.processes.some((p) => /^curl .*--config - /.test(p)),
      `the process list was sampled while curl waited for HE:\n${call.processes.join("\n")}`,
    );
    assert.ok(
      call.processes.some((p) => p.startsWith("bash -c ") && p.includes("he_url=")),
      "the apply script itself is in the process list (as the SSH command)",
    );
    for (const p of call.processes) assert.ok(!p.includes(updateKey), `key in the process list: ${p}`);
    assert.match(
      run.journal,
      /tunnelbroker: .*GET \/nic\/update\?hostname=100001/,
      "the journal covers the call",
    );
    assert.ok(!run.journal.includes(updateKey), "key in the journal");
    assert.ok(
      !run.stdout.includes(updateKey) && !run.stderr.includes(updateKey),
      "key in the script's output",
    );
  }

  before(async () => {
    vm = await LabVm.start(runInstance("he-endpoint-update"));
    await vm.labCtl(["he", "tunnelbroker", "account", tunnelId, username], { input: `${updateKey}\n` });
    await vm.labCtl(["he", "tunnelbroker", "clear"]);
  });

  after(async () => {
    await vm?.stop();
  });

  it("the host reaches the real name over HTTPS and trusts the lab's certificate", async () => {
    assert.equal(new URL(HE_UPDATE_URL).hostname, t.he.tunnelbroker.name);
    assert.match(
      await vm.sh(`getent hosts ${t.he.tunnelbroker.name}`),
      new RegExp(`^${t.he.tunnelbroker.ipv4} `),
    );
    // No credentials: HE's badauth, over a verified TLS connection (curl fails on an untrusted certificate).
    assert.equal(
      await vm.sh(`curl --silent --show-error --max-time 20 '${HE_UPDATE_URL}?hostname=${tunnelId}'`),
      "badauth",
    );
    await vm.labCtl(["he", "tunnelbroker", "clear"]);
  });

  it("badauth: the apply fails naming the update key, rolls back, changes nothing, and IPv4 SSH still answers", async () => {
    const r = await applyAsRemoteCommand(applyFor(hostIpv4), `${updateKey}x`);
    assert.notEqual(r.code, 0, r.stdout);
    assert.equal(lastLine(r.stdout), RESULT_FAILED);
    assert.match(
      r.stderr,
      /HE endpoint update for tunnel 100001 answered 'badauth': check the tunnelbroker username and the tunnel's update key/,
    );
    const [call] = await calls();
    assert.equal(call.answer, "badauth");
    assert.equal(call.keyMatched, false);
    assertKeyHidden(r, call);
    assert.equal((await vm.exec("ip link show dev he-ipv6", { check: false })).code, 1, "no tunnel");
    assert.equal(
      await vm.sh(
        `test -e /etc/systemd/system/${TUNNEL_KEEPALIVE_UNIT}.timer && echo present || echo absent`,
      ),
      "absent",
      "no keepalive timer",
    );
    assert.equal(await vm.sh("ls /var/lib/ipv6-mail/he-endpoint-* 2>/dev/null || echo none"), "none");
    assert.equal(await heTunnelRemote(), hostIpv4, "HE's side untouched");
    assert.equal(await vm.sh("echo ok", { newConnection: true }), "ok", "a new IPv4 SSH connection");
  });

  it("nochg: HE already sends to the host (the tunnel was made with its address): the tunnel comes up", async () => {
    const r = await applyAsRemoteCommand(applyFor(hostIpv4), updateKey);
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
    assert.equal(lastLine(r.stdout), RESULT_CHANGED);
    assert.match(r.stdout, new RegExp(`HE answered: nochg ${hostIpv4.replace(/\./g, "\\.")}`));
    const all = await calls();
    assert.equal(all.length, 2);
    const { tunnelId: id, myip, username: user, keyMatched, answer } = all[1];
    assert.deepEqual(
      { id, myip, user, keyMatched, answer },
      { id: tunnelId, myip: hostIpv4, user: username, keyMatched: true, answer: `nochg ${hostIpv4}` },
    );
    assertKeyHidden(r, all[1]);
    await vm.sh(`ping -6 -c 2 -W 3 ${t.he.serverIpv6}`);
    assert.equal(await filesWithKey(), "", "no file on the host holds the key");
  });

  it("an unchanged endpoint does not call HE again", async () => {
    const r = await applyAsRemoteCommand(applyFor(hostIpv4), updateKey);
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
    assert.equal(lastLine(r.stdout), RESULT_UNCHANGED);
    assert.match(r.stdout, /HE tunnel 100001 already points at 192\.0\.2\.10/);
    assert.equal((await calls()).length, 2, "no call");
  });

  it("a new IPv4: the re-apply calls HE (good), HE's side follows, and the tunnel runs over the new address", async () => {
    await vm.sh(`ip addr add ${movedIpv4}/24 dev ${t.host.public.interface}`);
    const r = await applyAsRemoteCommand(applyFor(movedIpv4), updateKey);
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
    assert.equal(lastLine(r.stdout), RESULT_CHANGED);
    assert.match(r.stdout, /HE answered: good 192\.0\.2\.11/);
    const all = await calls();
    assert.equal(all.length, 3);
    assert.equal(all[2].answer, `good ${movedIpv4}`);
    assert.equal(all[2].myip, movedIpv4);
    assertKeyHidden(r, all[2]);
    assert.equal(await heTunnelRemote(), movedIpv4, "HE's end now sends to the new address");
    assert.match(await vm.sh("ip -d link show dev he-ipv6"), /remote 198\.51\.100\.1 local 192\.0\.2\.11 /);
    await vm.sh(`ping -6 -c 2 -W 3 ${t.he.serverIpv6}`);
  });

  it("a refusal (abuse): the re-apply fails with HE's answer and the working tunnel stays as it was", async () => {
    await vm.labCtl(["he", "tunnelbroker", "answer", "abuse"]);
    try {
      const r = await applyAsRemoteCommand(applyFor(hostIpv4), updateKey);
      assert.notEqual(r.code, 0, r.stdout);
      assert.equal(lastLine(r.stdout), RESULT_FAILED);
      assert.match(
        r.stderr,
        /HE endpoint update for tunnel 100001 answered 'abuse' \(expected good or nochg\)/,
      );
      const all = await calls();
      assert.equal(all.length, 4);
      assertKeyHidden(r, all[3]);
    } finally {
      await vm.labCtl(["he", "tunnelbroker", "answer", "normal"]);
    }
    assert.equal(await heTunnelRemote(), movedIpv4);
    assert.match(await vm.sh("ip -d link show dev he-ipv6"), /local 192\.0\.2\.11 /);
    await vm.sh(`ping -6 -c 2 -W 3 ${t.he.serverIpv6}`);
  });

  it("back to the first address (good), then the remove script takes the tunnel and its keepalive away", async () => {
    const r = await applyAsRemoteCommand(applyFor(hostIpv4), updateKey);
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
    assert.match(r.stdout, /HE answered: good 192\.0\.2\.10/);
    assert.equal(await heTunnelRemote(), hostIpv4);
    await vm.sh(`ping -6 -c 2 -W 3 ${t.he.serverIpv6}`);
    await vm.sh(`ip addr del ${movedIpv4}/24 dev ${t.host.public.interface}`);
    const removed = await vm.exec(renderTunnelScripts(labTunnelSpec(t)).remove, { check: false });
    assert.equal(removed.code, 0, `${removed.stdout}\n${removed.stderr}`);
    assert.equal((await vm.exec("ip link show dev he-ipv6", { check: false })).code, 1);
    assert.equal(await filesWithKey(), "", "no file on the host holds the key");
  });
});
