import { after, before, describe, it } from "node:test";
import * as assert from "node:assert/strict";
import { ChildProcess, spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
  FIREWALL_ROLLBACK_PATH,
  FIREWALL_RULESET_PATH,
  FirewallSpec,
  RESULT_CHANGED,
  RESULT_FAILED,
  RESULT_UNCHANGED,
  renderFirewallRuleset,
  renderFirewallScripts,
} from "../../../host-config";
import { assertScriptLints, describeRun, hasCommand, resultLine, Sandbox } from "./shell-harness";

const SPEC: FirewallSpec = {
  allowedTcpPorts: [993, 25, 587, 465, 587],
  sshPort: 22,
  adminSources: ["2001:db8:a::/48", "2001:db8:a:1::/64", "2001:db8:b::7", "192.0.2.0/24"],
  heServerIpv4: "198.51.100.9",
  tunnelInterface: "he-ipv6",
  rejectSmtpOverIpv6: true,
  rollbackSeconds: 120,
};

function sh(cmd: string): { status: number | null; stdout: string; stderr: string } {
  return spawnSync("bash", ["-c", cmd], { encoding: "utf8" });
}

const canNetns =
  process.getuid?.() === 0 && hasCommand("nft") && hasCommand("ip") && sh("ip netns list").status === 0;
const netnsSkip = canNetns ? false : "needs root, ip netns and nft (apt-get install -y nftables)";

function nftCheckInNetns(ruleset: string): { status: number | null; stderr: string } {
  const ns = `v6m-chk-${process.pid}`;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ipv6-mail-nft-"));
  const file = path.join(dir, "ruleset.nft");
  fs.writeFileSync(file, ruleset);
  try {
    sh(`ip netns add ${ns}`);
    const r = sh(`ip netns exec ${ns} nft -c -f ${file}`);
    return { status: r.status, stderr: r.stderr };
  } finally {
    sh(`ip netns del ${ns}`);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describe("nftables firewall rendering", () => {
  it("replaces only our tables and keeps ICMPv6 neighbour discovery open", () => {
    const ruleset = renderFirewallRuleset(SPEC);
    const lines = ruleset.split("\n").map((l) => l.trim());
    assert.equal(lines.includes("flush ruleset"), false, "never a global flush");
    assert.deepEqual(lines.slice(3, 7), [
      "table ip6 ipv6_mail {}",
      "delete table ip6 ipv6_mail",
      "table ip ipv6_mail_v4 {}",
      "delete table ip ipv6_mail_v4",
    ]);
    for (const expected of [
      "type filter hook input priority filter; policy drop;",
      "ct state established,related accept",
      "ct state invalid drop",
      'iif "lo" accept',
      'iifname "he-ipv6" icmpv6 type nd-router-advert drop',
      "icmpv6 type { nd-neighbor-solicit, nd-neighbor-advert } ip6 hoplimit 255 accept",
      "ip6 saddr fe80::/10 icmpv6 type nd-router-advert ip6 hoplimit 255 accept",
      "icmpv6 type { destination-unreachable, packet-too-big, time-exceeded, parameter-problem } accept",
      "icmpv6 type { echo-request, echo-reply } accept",
      "tcp dport 25 reject with tcp reset",
      "tcp dport { 465, 587, 993 } accept",
      "elements = { 2001:db8:a::/48, 2001:db8:b::7 }",
      "ip6 saddr @admin_sources tcp dport 22 accept",
      "type filter hook input priority filter; policy accept;",
      "ip protocol 41 ip saddr != 198.51.100.9 drop",
    ]) {
      assert.ok(lines.includes(expected), `missing line: ${expected}\n${ruleset}`);
    }
    assert.ok(
      lines.indexOf("tcp dport 25 reject with tcp reset") <
        lines.indexOf("tcp dport { 465, 587, 993 } accept"),
    );
    const v4 = ruleset.slice(ruleset.indexOf("table ip ipv6_mail_v4 {\n"));
    assert.match(v4, /policy accept;/, "IPv4 input keeps policy accept");
    assert.doesNotMatch(v4, /policy drop/);
  });

  it("without admin sources or HE server: no SSH rule over IPv6, no IPv4 table body, 25 open", () => {
    const ruleset = renderFirewallRuleset({ allowedTcpPorts: [25], adminSources: [] });
    assert.match(ruleset, /# no IPv6 admin source: SSH \(22\) is reachable over IPv4 only/);
    assert.match(ruleset, /tcp dport \{ 25 \} accept/);
    assert.doesNotMatch(ruleset, /table ip ipv6_mail_v4 \{\n/);
    assert.doesNotMatch(ruleset, /admin_sources/);
  });

  it("rejects bad ports, bad sources and rollback windows", () => {
    assert.throws(
      () => renderFirewallRuleset({ allowedTcpPorts: [70000], adminSources: [] }),
      /allowedTcpPorts 70000/,
    );
    assert.throws(() => renderFirewallRuleset({ allowedTcpPorts: [25], adminSources: ["nope"] }));
    assert.throws(
      () => renderFirewallScripts({ allowedTcpPorts: [25], adminSources: [], rollbackSeconds: 1 }),
      /rollbackSeconds 1/,
    );
  });

  it("renders byte-identical output for the same input, and scripts pass bash -n and shellcheck", () => {
    const a = renderFirewallScripts(SPEC);
    const b = renderFirewallScripts({ ...SPEC, allowedTcpPorts: [...SPEC.allowedTcpPorts] });
    assert.deepEqual(a, b);
    assertScriptLints(a.apply, "firewall apply");
    assertScriptLints(a.confirm, "firewall confirm");
    assertScriptLints(a.remove, "firewall remove");
    assertScriptLints(a.rollbackScript, "firewall rollback");
    assert.match(a.apply, /nft -c -f "\$candidate"/);
    assert.match(a.apply, /systemd-run --quiet --unit="\$fw_unit" --on-active="\$\{fw_seconds\}s"/);
  });

  it("nft -c accepts every variant in a fresh network namespace", { skip: netnsSkip }, () => {
    for (const spec of [
      SPEC,
      { allowedTcpPorts: [25], adminSources: [] },
      { allowedTcpPorts: [], adminSources: ["::/0"], rejectSmtpOverIpv6: true },
      { ...SPEC, tunnelInterface: undefined, heServerIpv4: undefined, sshPort: 2222 },
    ]) {
      const r = nftCheckInNetns(renderFirewallRuleset(spec));
      assert.equal(r.status, 0, r.stderr);
    }
  });
});

describe("nftables firewall in network namespaces", { skip: netnsSkip }, () => {
  const srv = `v6m-srv-${process.pid}`;
  const cli = `v6m-cli-${process.pid}`;
  const servers: ChildProcess[] = [];
  const box = new Sandbox();
  const spec: FirewallSpec = {
    allowedTcpPorts: [25, 587],
    sshPort: 22,
    adminSources: ["2001:db8:1::a/128"],
    heServerIpv4: "198.51.100.9",
    rejectSmtpOverIpv6: true,
    rollbackSeconds: 600,
  };
  const inSrv = { prefix: ["ip", "netns", "exec", srv] };

  /** curl's exit code: 0 connected, 7 refused (reset), 28 timed out (dropped). */
  function connect(from: string, port: number): number | null {
    return sh(
      `ip netns exec ${cli} curl -s -o /dev/null --interface ${from} --connect-timeout 2 http://[2001:db8:1::1]:${port}/`,
    ).status;
  }

  before(() => {
    const setup = [
      `ip netns add ${srv}`,
      `ip netns add ${cli}`,
      `ip link add v6m-s type veth peer name v6m-c`,
      `ip link set v6m-s netns ${srv}`,
      `ip link set v6m-c netns ${cli}`,
      `ip -n ${srv} link set lo up`,
      `ip -n ${cli} link set lo up`,
      `ip -n ${srv} addr add 2001:db8:1::1/64 dev v6m-s nodad`,
      `ip -n ${cli} addr add 2001:db8:1::a/64 dev v6m-c nodad`,
      `ip -n ${cli} addr add 2001:db8:1::b/64 dev v6m-c nodad`,
      `ip -n ${srv} link set v6m-s up`,
      `ip -n ${cli} link set v6m-c up`,
    ];
    for (const cmd of setup) assert.equal(sh(cmd).status, 0, cmd);
    for (const port of [22, 25, 587, 8080]) {
      servers.push(
        spawn("ip", ["netns", "exec", srv, "python3", "-m", "http.server", "--bind", "::", String(port)], {
          stdio: "ignore",
        }),
      );
    }
    for (let i = 0; i < 100; i++) {
      const listening = sh(`ip netns exec ${srv} ss -ltnH`).stdout;
      if ([22, 25, 587, 8080].every((p) => listening.includes(`:${p} `))) return;
      sh("sleep 0.1");
    }
    assert.fail("test servers did not start");
  });

  after(() => {
    for (const s of servers) s.kill();
    const pidFile = box.path("var/lib/ipv6-mail/firewall/rollback.pid");
    if (fs.existsSync(pidFile)) sh(`kill ${fs.readFileSync(pidFile, "utf8").trim()} 2>/dev/null`);
    sh(`ip netns del ${srv}; ip netns del ${cli}`);
    box.dispose();
  });

  it("before apply everything connects (baseline)", () => {
    assert.equal(connect("2001:db8:1::b", 8080), 0);
    assert.equal(connect("2001:db8:1::b", 22), 0);
  });

  it("apply loads the tables: SSH only from admins, mail ports from anywhere, 25 reset, rest dropped", () => {
    const scripts = renderFirewallScripts(spec);
    const run = box.run(scripts.apply, inSrv);
    assert.equal(run.status, 0, describeRun(run));
    assert.equal(resultLine(run), RESULT_CHANGED);
    assert.match(run.stdout, /rollback armed/);
    assert.equal(box.read(FIREWALL_RULESET_PATH.slice(1)), scripts.ruleset);
    assert.match(box.read("etc/nftables.conf"), /^include "\/etc\/ipv6-mail\/ruleset.nft"$/m);
    assert.equal(connect("2001:db8:1::a", 22), 0, "admin reaches SSH");
    assert.equal(connect("2001:db8:1::b", 22), 28, "others' SSH is dropped");
    assert.equal(connect("2001:db8:1::b", 587), 0, "submission open to all");
    assert.equal(connect("2001:db8:1::a", 25), 7, "port 25 answered with a reset");
    assert.equal(connect("2001:db8:1::a", 8080), 28, "everything else dropped");
    if (hasCommand("ping")) {
      assert.equal(
        sh(`ip netns exec ${cli} ping -6 -c 1 -W 2 2001:db8:1::1`).status,
        0,
        "echo request passes",
      );
    }
    const pid = box.read("var/lib/ipv6-mail/firewall/rollback.pid").trim();
    assert.equal(sh(`kill -0 ${pid}`).status, 0, "rollback timer process armed");
  });

  it("an unchanged ruleset reloads nothing and arms nothing new", () => {
    const pidBefore = box.read("var/lib/ipv6-mail/firewall/rollback.pid");
    const run = box.run(renderFirewallScripts(spec).apply, inSrv);
    assert.equal(run.status, 0, describeRun(run));
    assert.equal(resultLine(run), RESULT_UNCHANGED);
    assert.equal(box.read("var/lib/ipv6-mail/firewall/rollback.pid"), pidBefore);
  });

  it("confirm cancels the rollback, once", () => {
    const scripts = renderFirewallScripts(spec);
    const pid = box.read("var/lib/ipv6-mail/firewall/rollback.pid").trim();
    const run = box.run(scripts.confirm, inSrv);
    assert.equal(run.status, 0, describeRun(run));
    assert.equal(resultLine(run), RESULT_CHANGED);
    sh("sleep 0.2");
    const state = sh(`ps -o stat= -p ${pid}`).stdout.trim();
    assert.ok(state === "" || state.startsWith("Z"), `rollback process ended (state "${state}")`);
    assert.equal(box.exists("var/lib/ipv6-mail/firewall/pending"), false);
    const again = box.run(scripts.confirm, inSrv);
    assert.equal(resultLine(again), RESULT_UNCHANGED, describeRun(again));
  });

  it("refuses a ruleset that would cut the SSH session running it, before loading anything", () => {
    const before = sh(`ip netns exec ${srv} nft list table ip6 ipv6_mail`).stdout;
    const run = box.run(renderFirewallScripts({ ...spec, allowedTcpPorts: [25, 587, 8080] }).apply, {
      ...inSrv,
      env: { SSH_CONNECTION: "2001:db8:1::b 40000 2001:db8:1::1 22" },
    });
    assert.equal(run.status, 1, describeRun(run));
    assert.equal(resultLine(run), RESULT_FAILED);
    assert.match(
      run.stderr,
      /this ruleset would cut your SSH session from 2001:db8:1::b: add it to adminSources/,
    );
    assert.equal(sh(`ip netns exec ${srv} nft list table ip6 ipv6_mail`).stdout, before);
    const admitted = box.run(renderFirewallScripts(spec).apply, {
      ...inSrv,
      env: { SSH_CONNECTION: "2001:db8:1::a 40000 2001:db8:1::1 22" },
    });
    assert.equal(resultLine(admitted), RESULT_UNCHANGED, describeRun(admitted));
  });

  it("the timed rollback restores the previous tables and files; confirm then reports it", () => {
    const previousRuleset = box.read(FIREWALL_RULESET_PATH.slice(1));
    const wider = renderFirewallScripts({ ...spec, allowedTcpPorts: [25, 587, 8080] });
    const run = box.run(wider.apply, inSrv);
    assert.equal(resultLine(run), RESULT_CHANGED, describeRun(run));
    assert.equal(connect("2001:db8:1::b", 8080), 0, "new rule live");
    // What the timer runs when nobody confirms:
    const fired = box.run(box.read(FIREWALL_ROLLBACK_PATH.slice(1)), inSrv);
    assert.equal(fired.status, 0, describeRun(fired));
    assert.equal(connect("2001:db8:1::b", 8080), 28, "previous ruleset back");
    assert.equal(connect("2001:db8:1::a", 22), 0, "admin still reaches SSH");
    assert.equal(box.read(FIREWALL_RULESET_PATH.slice(1)), previousRuleset);
    const confirm = box.run(wider.confirm, inSrv);
    assert.equal(confirm.status, 1, describeRun(confirm));
    assert.match(confirm.stderr, /the firewall rollback already ran at .* and restored the previous ruleset/);
    // The rollback records the restored tables as live, so applying the configuration they came from again
    // is recognised as already loaded: unchanged, nothing reloaded, no new rollback armed.
    const reapply = box.run(renderFirewallScripts(spec).apply, inSrv);
    assert.equal(reapply.status, 0, describeRun(reapply));
    assert.equal(resultLine(reapply), RESULT_UNCHANGED, describeRun(reapply));
    assert.match(reapply.stdout, /firewall already loaded/);
    assert.equal(box.exists("var/lib/ipv6-mail/firewall/pending"), false, "no rollback armed");
  });

  it("remove deletes exactly our tables and files, and the files it created", () => {
    const scripts = renderFirewallScripts(spec);
    sh(`ip netns exec ${srv} nft add table inet someone_else`);
    const run = box.run(scripts.remove, inSrv);
    assert.equal(run.status, 0, describeRun(run));
    assert.equal(resultLine(run), RESULT_CHANGED);
    const live = sh(`ip netns exec ${srv} nft list tables`).stdout;
    assert.equal(live.trim(), "table inet someone_else");
    assert.equal(box.exists(FIREWALL_RULESET_PATH.slice(1)), false);
    assert.equal(
      box.exists("etc/nftables.conf"),
      false,
      "apply created nftables.conf; remove takes it away again",
    );
    assert.equal(box.exists("etc/ipv6-mail"), false);
    assert.equal(connect("2001:db8:1::b", 22), 0);
    assert.equal(resultLine(box.run(scripts.remove, inSrv)), RESULT_UNCHANGED);
  });
});
