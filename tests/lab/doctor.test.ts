/**
 * `ipv6-mail doctor` against the lab, as a user runs it: the built CLI (`dist/doctor/cli.js`) on this machine,
 * SSH to the lab's mail host with the lab's key and pinned host key, and DNS questions to the lab's real NSD
 * in the `internet` namespace (carried into the VM by `DnsUdpRelay` over `NamespaceSshRelay`: nothing leaves
 * this machine). The host is configured by the host scripts; the DNS plan, DKIM and DMARC records are loaded
 * into the lab's DNS (`lab-ctl dns load-records`); the lab's DNSBL lists the provider's shared /64.
 *
 *  - a fresh host sending from the provider's shared /64 fails the source-address and DNSBL checks, with fixes;
 *  - with tunnel, Postfix and DKIM set up and the records published, every check passes (exit 0, JSON shape);
 *  - with the PTR removed, PTR and FCrDNS fail; with an SPF lacking the ip6: term, SPF fails;
 *  - a list answering 127.255.255.254 (Spamhaus' "query refused") is reported as refused, not listed;
 *  - with HE's endpoint down, the tunnel check fails.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { after, before, describe, it, type TestContext } from "node:test";

import {
  parseDkimPublicKeys,
  renderOpendkimScript,
  renderPostfixScript,
  renderTunnelScripts,
} from "../../host-config";
import {
  buildSpfRecord,
  dkimRecordName,
  dkimRecordText,
  dmarcRecordName,
  dmarcRecordText,
  planMailDns,
  type DnsRecordPlan,
} from "../../net";
import type { DoctorReport } from "../../doctor/doctor-report";
import { DnsUdpRelay } from "../../lab-driver/dns-udp-relay";
import { LabVm, runInstance } from "../../lab-driver/lab-vm";
import { type ExecResult, runLocal } from "../../lab-driver/local-command";
import { NamespaceSshRelay } from "../../lab-driver/namespace-ssh-relay";
import { repoRoot } from "../../lab-driver/repo-root";
import { addressOf, hostProviderAddress, loadTopology } from "../../lab-driver/topology";
import { labDnsZones, labMailDnsSpec, labPostfixSpec, labSmtpAddress, labTunnelSpec } from "./lab-host-specs";
import { labSkipReason } from "./lab-skip";

const t = loadTopology();
const smtp = labSmtpAddress(t);
const selector = "lab";
/** A lab list that answers every query like Spamhaus answers queries through public resolvers. */
const refusingZone = "refusing-dnsbl.example.net";
const CLI = path.join(repoRoot(), "dist", "doctor", "cli.js");

describe("ipv6-mail doctor against the lab's mail host and DNS", { skip: labSkipReason() }, () => {
  let vm: LabVm;
  let sshRelay: NamespaceSshRelay;
  let dns: DnsUdpRelay;
  const plan = planMailDns(labMailDnsSpec(t));
  const dmarc = {
    type: "TXT",
    name: dmarcRecordName(t.host.zone),
    content: dmarcRecordText({ policy: "reject" }),
    ttl: 300,
  };
  let dkim: object[] = [];

  /**
   * Runs the built CLI as a user would, pointed at the lab's SSH and DNS. `hostKey` pins the host's key the
   * way the stack's connection does (`--host-key`); without it the lab's known_hosts file is used.
   */
  async function doctor(
    extra: readonly string[] = [],
    dnsbl = t.internet.dnsbl.zone,
    hostKey?: string,
  ): Promise<ExecResult> {
    const s = vm.ssh;
    const pin =
      hostKey === undefined
        ? ["--known-hosts", s.knownHostsPath, "--host-key-alias", s.hostKeyAlias]
        : ["--host-key", hostKey];
    return runLocal(
      process.execPath,
      [
        CLI,
        "doctor",
        t.host.fqdn,
        "--resolver",
        dns.resolver,
        "--dnsbl",
        dnsbl,
        "--ssh",
        `${s.sshUser}@${s.sshHost}`,
        "--ssh-port",
        String(s.sshPort),
        "--ssh-key",
        s.privateKeyPath,
        ...pin,
        ...extra,
      ],
      { check: false, timeoutMs: 300_000 },
    );
  }

  async function doctorJson(
    ctx: TestContext,
    dnsbl?: string,
  ): Promise<{ code: number | null; report: DoctorReport }> {
    const run = await doctor(["--json"], dnsbl);
    assert.equal(run.stderr, "", "the doctor wrote nothing to stderr");
    const report = JSON.parse(run.stdout) as DoctorReport;
    for (const c of report.checks)
      ctx.diagnostic(`${c.status} ${c.id}: ${c.summary}${c.fix ? ` | fix: ${c.fix}` : ""}`);
    return { code: run.code, report };
  }

  function check(report: DoctorReport, id: string, zone?: string) {
    const found = report.checks.filter(
      (c) => c.id === id && (zone === undefined || c.details?.zone === zone),
    );
    assert.equal(found.length, 1, `one ${id} check in ${JSON.stringify(report.checks.map((c) => c.id))}`);
    return found[0];
  }

  async function publish(records: readonly object[]): Promise<void> {
    await vm.loadDnsRecords(labDnsZones(t), records);
  }

  before(async () => {
    vm = await LabVm.start(runInstance("doctor"));
    sshRelay = await NamespaceSshRelay.open(vm, () => ({
      namespace: t.internet.namespace,
      target: t.internet.dns.ipv6,
      port: 53,
    }));
    dns = await DnsUdpRelay.open(sshRelay.port);
    await vm.loadDnsRecords(
      [refusingZone],
      [
        { type: "A", name: `*.${refusingZone}`, content: "127.255.255.254", ttl: 300 },
        {
          type: "TXT",
          name: `*.${refusingZone}`,
          content: "Query refused: asked through a public resolver",
          ttl: 300,
        },
      ],
    );
    await publish([...plan, dmarc]);
  });

  after(async () => {
    await dns?.close();
    await sshRelay?.close();
    await vm?.stop();
  });

  it("a host sending from the provider's shared /64 fails the source-address and DNSBL checks, each with its fix", async (ctx) => {
    const { code, report } = await doctorJson(ctx);
    assert.equal(code, 1);
    const source = check(report, "source-address");
    assert.equal(source.status, "fail");
    assert.equal(source.details?.source, hostProviderAddress(t));
    assert.match(source.fix ?? "", new RegExp(`smtp_bind_address6=${smtp}`));
    const dnsbl = check(report, "dnsbl");
    assert.equal(dnsbl.status, "fail");
    assert.ok(
      dnsbl.summary.includes(`${hostProviderAddress(t)} listed (${t.internet.dnsbl.listedAnswer})`),
      dnsbl.summary,
    );
    assert.ok(dnsbl.summary.includes(t.internet.dnsbl.reason), dnsbl.summary);
    assert.match(dnsbl.fix ?? "", /dedicated \/64/);
    // The SMTP address itself (the dedicated /64) is not listed; the DNS side is right.
    const lookups = dnsbl.details?.lookups as { address: string; verdict: string }[];
    assert.deepEqual(
      lookups.map((l) => [l.address, l.verdict]),
      [
        [smtp, "clean"],
        [hostProviderAddress(t), "listed"],
      ],
    );
    for (const id of ["mx", "aaaa", "ptr", "fcrdns", "spf", "dmarc"])
      assert.equal(check(report, id).status, "ok", id);

    const text = await doctor();
    for (const line of text.stdout.trimEnd().split("\n")) ctx.diagnostic(line);
    assert.equal(text.code, 1);
    assert.match(text.stdout, /^FAIL {2}source-address {2}mail leaves from 2001:db8:5ace:/m);
    assert.match(text.stdout, /^FAIL {2}dnsbl .* listed/m);
    assert.match(text.stdout, new RegExp(`fix: postconf -e smtp_bind_address6=${smtp}`));
  });

  it("with the tunnel, Postfix and DKIM set up and the records published, every check passes (exit 0)", async (ctx) => {
    for (const [name, script] of [
      ["tunnel", renderTunnelScripts(labTunnelSpec(t)).apply],
      ["postfix", renderPostfixScript(labPostfixSpec(t))],
    ]) {
      const r = await vm.runScript(script, [], { check: false });
      assert.equal(r.code, 0, `${name} apply failed:\n${r.stdout}\n${r.stderr}`);
    }
    const signing = await vm.runScript(renderOpendkimScript({ domain: t.host.zone, selector }), [], {
      check: false,
    });
    assert.equal(signing.code, 0, `DKIM apply failed:\n${signing.stdout}\n${signing.stderr}`);
    const [key] = parseDkimPublicKeys(signing.stdout);
    dkim = [
      {
        type: "TXT",
        name: dkimRecordName(selector, t.host.zone),
        content: dkimRecordText(key.publicKey),
        ttl: 300,
      },
    ];
    await publish([...plan, dmarc, ...dkim]);

    const { code, report } = await doctorJson(ctx);
    assert.deepEqual(
      report.checks.filter((c) => c.status !== "ok").map((c) => `${c.id}: ${c.summary}`),
      [],
    );
    assert.equal(code, 0);
    assert.equal(report.version, 1);
    assert.equal(report.hostName, t.host.fqdn);
    assert.equal(report.smtpAddress, smtp);
    assert.equal(report.ok, true);
    assert.deepEqual(
      report.checks.map((c) => c.id),
      ["source-address", "mx", "a", "aaaa", "ptr", "fcrdns", "spf", "dkim", "dmarc", "dnsbl", "tunnel"],
    );
    assert.deepEqual(report.counts, { ok: 11, fail: 0, warn: 0, skip: 0 });
    assert.equal(check(report, "source-address").details?.source, smtp);
    assert.equal(check(report, "source-address").details?.bindAddress, smtp);
    assert.equal(check(report, "a").details?.addresses instanceof Array, true);
    assert.deepEqual(check(report, "a").details?.addresses, [addressOf(t.host.public.ipv4)]);
    assert.equal(check(report, "tunnel").details?.serverAddress, t.he.serverIpv6);
    assert.equal(check(report, "dkim").details?.hostKeyKnown, true);

    const text = await doctor();
    assert.equal(text.code, 0);
    for (const line of text.stdout.trimEnd().split("\n")) ctx.diagnostic(line);
    assert.match(text.stdout, /^passed: 11 ok, 0 failed, 0 warnings, 0 skipped$/m);
  });

  it("with the PTR removed, the PTR and FCrDNS checks fail", async (ctx) => {
    await publish([...plan.filter((r: DnsRecordPlan) => r.type !== "PTR"), dmarc, ...dkim]);
    try {
      const { code, report } = await doctorJson(ctx);
      assert.equal(code, 1);
      assert.equal(check(report, "ptr").status, "fail");
      assert.equal(check(report, "fcrdns").status, "fail");
      assert.match(check(report, "ptr").summary, /has no PTR record \(nxdomain\)/);
      assert.match(check(report, "fcrdns").fix ?? "", /publish the PTR/);
      assert.equal(check(report, "spf").status, "ok");
    } finally {
      await publish([...plan, dmarc, ...dkim]);
    }
  });

  it("with an SPF lacking the ip6: term, the SPF check fails", async (ctx) => {
    const spfWithoutIpv6 = buildSpfRecord({ ipv4: [addressOf(t.host.public.ipv4)] });
    const weak = plan.map((r) =>
      r.type === "TXT" && r.content.startsWith('"v=spf1 ') ? { ...r, content: spfWithoutIpv6 } : r,
    );
    await publish([...weak, dmarc, ...dkim]);
    try {
      const { code, report } = await doctorJson(ctx);
      assert.equal(code, 1);
      const spf = check(report, "spf");
      assert.equal(spf.status, "fail");
      assert.equal(spf.details?.result, "fail");
      assert.match(
        spf.fix ?? "",
        new RegExp(`add ip6:${t.he.routedPrefix.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}`),
      );
      assert.deepEqual(
        report.checks.filter((c) => c.status !== "ok").map((c) => c.id),
        ["spf"],
      );
    } finally {
      await publish([...plan, dmarc, ...dkim]);
    }
  });

  it("a list answering 127.255.255.254 is reported as a refused query, not as a listing", async (ctx) => {
    const { code, report } = await doctorJson(ctx, `${t.internet.dnsbl.zone},${refusingZone}`);
    const refused = check(report, "dnsbl", refusingZone);
    assert.equal(refused.status, "warn");
    assert.match(refused.summary, /refused the query \(127\.255\.255\.254/);
    assert.match(refused.fix ?? "", /resolver of your own/);
    const lookups = refused.details?.lookups as { verdict: string; codes: string[] }[];
    assert.deepEqual(
      lookups.map((l) => [l.verdict, l.codes]),
      [["refused", ["127.255.255.254"]]],
    );
    assert.equal(check(report, "dnsbl", t.internet.dnsbl.zone).status, "ok");
    assert.equal(code, 0, "a refused query is a warning: the exit status stays 0");
  });

  it("with HE's tunnel endpoint down, the tunnel check fails", async (ctx) => {
    await vm.labCtl(["he", "endpoint", "down"]);
    try {
      const { code, report } = await doctorJson(ctx);
      assert.equal(code, 1);
      const tunnel = check(report, "tunnel");
      assert.equal(tunnel.status, "fail");
      assert.match(
        tunnel.summary,
        new RegExp(
          `HE's ${t.he.serverIpv6} does not answer over he-ipv6 \\(3 packets transmitted, 0 received`,
        ),
      );
      assert.match(tunnel.fix ?? "", /client endpoint/);
    } finally {
      await vm.labCtl(["he", "endpoint", "up"]);
    }
  });

  it("pins the host key given as the stack gives it (--host-key), and refuses another", async () => {
    const [, ...key] = readFileSync(vm.ssh.knownHostsPath, "utf8").trim().split(/\s+/);
    const pinned = await doctor(["--json"], undefined, key.join(" "));
    const report = JSON.parse(pinned.stdout) as DoctorReport;
    assert.equal(check(report, "source-address").status, "ok", check(report, "source-address").summary);
    assert.equal(pinned.code, 0);
    // Another key (a valid ed25519 key, not the host's): SSH refuses the host, the doctor says so and fails.
    const other = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl";
    const wrong = await doctor(["--json"], undefined, other);
    const refused = check(JSON.parse(wrong.stdout) as DoctorReport, "source-address");
    assert.equal(refused.status, "fail");
    assert.match(
      refused.summary,
      /could not ask the host: .*(Host key verification failed|REMOTE HOST IDENTIFICATION)/,
    );
    assert.equal(wrong.code, 1);
  });

  it("a bad command line is a usage error (exit 2) naming the flag", async () => {
    const run = await runLocal(process.execPath, [CLI, "doctor", t.host.fqdn, "--resolver", "not-an-ip"], {
      check: false,
    });
    assert.equal(run.code, 2);
    assert.match(run.stderr, /--resolver "not-an-ip" is not an address/);
  });
});
