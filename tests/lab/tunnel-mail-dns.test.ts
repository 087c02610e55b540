/**
 * The host scripts of host-config/ in a real Linux kernel (the lab VM), applied over SSH:
 * the HE tunnel comes up and carries IPv6 from the SMTP address, Postfix delivers from it while the same
 * delivery over the provider's shared /64 is blocked, the DNS plan gives forward-confirmed reverse DNS, and
 * applying again changes nothing.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";

import {
  renderPostfixScript,
  renderTunnelScripts,
  RESULT_CHANGED,
  RESULT_UNCHANGED,
} from "../../host-config";
import { LabVm, runInstance } from "../../lab-driver/lab-vm";
import {
  flushQueue,
  lastLine,
  nftCounter,
  sendMail,
  waitDeferred,
  waitDelivered,
} from "../../lab-driver/mail-flow";
import { hostProviderAddress, loadTopology } from "../../lab-driver/topology";
import { waitFor } from "../../lab-driver/wait-for";
import { evaluateSpf, parseSpf, planMailDns, ptrOwnerName, SpfDnsSource } from "../../net";
import { labDnsZones, labMailDnsSpec, labPostfixSpec, labSmtpAddress, labTunnelSpec } from "./lab-host-specs";
import { labSkipReason } from "./lab-skip";

const t = loadTopology();
const smtp = labSmtpAddress(t);
const tunnel = renderTunnelScripts(labTunnelSpec(t));
const postfix = renderPostfixScript(labPostfixSpec(t));
const run = Date.now().toString(36);

describe("host-config in a real kernel: tunnel, mail, DNS, idempotency", { skip: labSkipReason() }, () => {
  let vm: LabVm;
  // The message that the provider blocks first and the tunnel delivers later: "the same delivery".
  const firstRcpt = `first-${run}@${t.internet.mx.domain}`;
  const firstSubject = `first message ${run}`;

  before(async () => {
    vm = await LabVm.start(runInstance("tunnel-mail"));
    // Test tuning only: a blocked connection is deferred after 5 s instead of Postfix's 30 s.
    await vm.sh("postconf -e smtp_connect_timeout=5s && postfix reload");
    await vm.labCtl(["mx", "clear"]);
  });

  after(async () => {
    await vm?.stop();
  });

  it("without the tunnel, Postfix's delivery from the provider's shared /64 is blocked (the DigitalOcean problem)", async () => {
    const blockedBefore = await nftCounter(
      vm,
      t.provider.namespace,
      "inet lab_provider",
      "outbound smtp block",
    );
    // Stock Postfix picks the provider address as source.
    assert.match(
      await vm.sh(`ip -6 route get ${t.internet.mx.ipv6}`),
      new RegExp(`src ${hostProviderAddress(t)} `),
    );
    await sendMail(vm, firstRcpt, firstSubject);
    const deferred = await waitDeferred(vm, firstRcpt);
    assert.match(deferred.delayReason, /connect to .*\[2001:db8:feed::25\]:25: Connection timed out/);
    assert.ok(
      (await nftCounter(vm, t.provider.namespace, "inet lab_provider", "outbound smtp block")) >
        blockedBefore,
      "the provider's block dropped the connection",
    );
    assert.equal((await vm.mxDeliveries()).length, 0);
  });

  it("1: the tunnel script brings up a sit interface; HE's ::1 answers; the route to the internet uses the SMTP address", async () => {
    const r = await vm.runScript(tunnel.apply, [], { check: false });
    assert.equal(r.code, 0, `apply failed:\n${r.stdout}\n${r.stderr}`);
    assert.equal(lastLine(r.stdout), RESULT_CHANGED);

    const link = await vm.sh("ip -d link show dev he-ipv6");
    assert.match(link, /sit .*remote 198\.51\.100\.1 local 192\.0\.2\.10 ttl 255/);
    assert.match(link, /mtu 1480/);
    assert.match(link, /[<,]UP[,>]/);
    await vm.sh(`ping -6 -c 2 -W 3 ${t.he.serverIpv6}`);
    for (const target of [t.internet.mx.ipv6, t.internet.dns.ipv6]) {
      assert.match(await vm.sh(`ip -6 route get ${target}`), new RegExp(`dev he-ipv6 .*src ${smtp} `));
    }
    // The packets really cross HE: the internet sees the SMTP address as the source of a ping.
    await vm.sh(`ping -6 -c 1 -W 3 ${t.internet.mx.ipv6}`);
  });

  it("2: with HE's tcp/25 filter on, the message stays deferred; after Sage, Postfix delivers it from the SMTP address", async () => {
    await vm.labCtl(["he", "sage", "off"]);
    const filteredBefore = await nftCounter(vm, t.he.namespace, "inet lab_he", "sage filter");
    const pf = await vm.runScript(postfix, [], { check: false });
    assert.equal(pf.code, 0, `postfix apply failed:\n${pf.stdout}\n${pf.stderr}`);
    assert.equal(lastLine(pf.stdout), RESULT_CHANGED);
    assert.equal(await vm.sh("postconf -h smtp_bind_address6"), smtp);
    assert.equal(await vm.sh("postconf -h smtp_bind_address_enforce"), "yes");

    await flushQueue(vm);
    await waitFor("HE's filter to drop the retry", async () =>
      (await nftCounter(vm, t.he.namespace, "inet lab_he", "sage filter")) > filteredBefore
        ? true
        : undefined,
    );
    await waitDeferred(vm, firstRcpt);
    assert.equal((await vm.mxDeliveries()).length, 0);

    await vm.labCtl(["he", "sage", "on"]);
    await flushQueue(vm);
    const first = await waitDelivered(vm, firstSubject);
    assert.equal(first.peer, smtp);
    assert.equal(first.helo, t.host.fqdn);

    const subject = `second message ${run}`;
    await sendMail(vm, `second-${run}@${t.internet.mx.domain}`, subject);
    assert.equal((await waitDelivered(vm, subject)).peer, smtp);
  });

  it("2: with the tunnel's endpoint unreachable, mail is deferred and never sent from another address", async () => {
    // Lift the provider's block: a fallback to the provider address would now reach the MX and show up.
    await vm.labCtl(["provider", "smtp-block", "off"]);
    try {
      await vm.labCtl(["he", "endpoint", "down"]);
      const rcpt = `endpoint-down-${run}@${t.internet.mx.domain}`;
      const subject = `endpoint down ${run}`;
      await sendMail(vm, rcpt, subject);
      const deferred = await waitDeferred(vm, rcpt);
      assert.match(deferred.delayReason, /Connection timed out/);
      assert.ok(!(await vm.mxDeliveries()).some((d) => d.subject === subject));

      await vm.labCtl(["he", "endpoint", "up"]);
      await flushQueue(vm);
      assert.equal((await waitDelivered(vm, subject)).peer, smtp);
    } finally {
      await vm.labCtl(["he", "endpoint", "up"]);
      await vm.labCtl(["provider", "smtp-block", "on"]);
    }
  });

  it("2: with the tunnel interface down (SMTP address gone), mail is deferred, not sent from the provider address", async () => {
    await vm.labCtl(["provider", "smtp-block", "off"]);
    try {
      await vm.sh("ip link set dev he-ipv6 down");
      // The kernel drops the addresses of a link that goes down.
      assert.doesNotMatch(await vm.sh("ip -6 -o addr show"), new RegExp(`inet6 ${smtp}/`));
      const rcpt = `link-down-${run}@${t.internet.mx.domain}`;
      const subject = `link down ${run}`;
      await sendMail(vm, rcpt, subject);
      const deferred = await waitDeferred(vm, rcpt);
      // smtp_bind_address_enforce: Postfix defers ("server configuration error") instead of letting the
      // kernel pick another source address.
      assert.equal(deferred.delayReason, "server configuration error");
      assert.match(
        await vm.sh("journalctl -b -u postfix@- --no-pager -o cat | tail -n 50"),
        new RegExp(`bind ${smtp}: Cannot assign requested address`),
      );
      assert.ok(!(await vm.mxDeliveries()).some((d) => d.subject === subject));

      // Applying the tunnel script again repairs the tunnel.
      const r = await vm.runScript(tunnel.apply, [], { check: false });
      assert.equal(r.code, 0, `re-apply failed:\n${r.stdout}\n${r.stderr}`);
      assert.match(r.stdout, /changed: brought he-ipv6 up/);
      await flushQueue(vm);
      assert.equal((await waitDelivered(vm, subject)).peer, smtp);
    } finally {
      await vm.labCtl(["provider", "smtp-block", "on"]);
    }
    const peers = new Set((await vm.mxDeliveries()).map((d) => d.peer));
    assert.deepEqual([...peers], [smtp], "every delivery so far came from the SMTP address");
  });

  it("4: the AAAA, PTR and SPF records of the DNS plan give forward-confirmed reverse DNS for the sender", async () => {
    const records = planMailDns(labMailDnsSpec(t));
    await vm.loadDnsRecords(labDnsZones(t), records);
    const peer = (await vm.mxDeliveries())[0].peer;
    // Queried the way a receiving MX would, from the internet namespace, at the lab's DNS server.
    const dig = async (name: string, type: string) =>
      (
        await vm.netns(
          t.internet.namespace,
          `dig +short +time=2 +tries=2 @${t.internet.dns.ipv6} ${name} ${type}`,
        )
      ).stdout
        .trim()
        .split("\n")
        .filter((l) => l !== "");
    const ptr = await dig(ptrOwnerName(peer), "PTR");
    assert.deepEqual(ptr, [`${t.host.fqdn}.`]);
    assert.deepEqual(await dig(t.host.fqdn, "AAAA"), [peer], "the PTR name resolves back to the sender");
    const helo = (await vm.mxDeliveries())[0].helo;
    assert.equal(`${helo}.`, ptr[0], "HELO matches the PTR name");

    const txt = (await dig(t.host.zone, "TXT")).map((s) => s.replace(/^"|"$/g, "").replace(/" "/g, ""));
    const spf = txt.find((s) => s.startsWith("v=spf1"));
    assert.ok(spf, `an SPF record at ${t.host.zone}`);
    assert.deepEqual(parseSpf(spf).problems, []);
    // The record as the lab's DNS serves it; the lab's SPF has no term that looks further.
    const dns: SpfDnsSource = (name, type) =>
      name === t.host.zone && type === "TXT" ? [spf] : "cannot-know";
    const check = (ip: string) =>
      evaluateSpf({ ip, mailFrom: `postmaster@${t.host.zone}`, helo: t.host.zone, dns });
    assert.equal((await check(peer)).result, "pass", `SPF ${spf} authorizes ${peer}`);
    assert.equal((await check(hostProviderAddress(t))).result, "fail", "but not the shared /64");
  });

  it("5: applying the same configuration again changes nothing and does not flap the interface", async () => {
    const ifindexBefore = await vm.sh("cat /sys/class/net/he-ipv6/ifindex");
    await vm.sh(
      "rm -f /root/monitor.log; (timeout 600 ip monitor link address route > /root/monitor.log 2>&1 &) ; sleep 1",
    );
    const again = await vm.runScript(tunnel.apply);
    assert.equal(lastLine(again.stdout), RESULT_UNCHANGED);
    const pfAgain = await vm.runScript(postfix);
    assert.equal(lastLine(pfAgain.stdout), RESULT_UNCHANGED);
    await vm.sh("sleep 2; pkill -f '^ip monitor link address route' || true");
    const events = await vm.readFile("/root/monitor.log");
    assert.doesNotMatch(events, /he-ipv6/, `no link, address or route event on the tunnel:\n${events}`);
    assert.doesNotMatch(events, new RegExp(smtp), `the SMTP address did not move:\n${events}`);
    assert.equal(await vm.sh("cat /sys/class/net/he-ipv6/ifindex"), ifindexBefore);
    await vm.sh(`ping -6 -c 1 -W 3 ${t.he.serverIpv6}`);
  });
});
