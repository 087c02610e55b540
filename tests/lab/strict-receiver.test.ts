/**
 * The receiver's verdict, for real: the lab's strict receiving MTA (a second Postfix in the internet
 * namespace with reject_unknown_client_hostname, an RFC 5782 DNSBL, SPF, OpenDKIM and OpenDMARC, see
 * lab/README.md) judges mail from the lab's mail host configured by host-config's scripts.
 *
 *   2. From the provider's shared /64 the DNSBL rejects it (a neighbour spammed from that /64); through the
 *      tunnel, from the dedicated /64, it is accepted.
 *   3. From the tunnel's link address (::2, no PTR), or with the PTR removed, it is rejected.
 *   1. With DKIM signing on the host, the DKIM and DMARC records published and the SPF of the DNS plan, the
 *      receiver's Authentication-Results say spf=pass, dkim=pass, dmarc=pass.
 *   4. With an SPF lacking the ip6: term and no DKIM, DMARC (p=reject) rejects.
 *   5. Every rejection's reply, as the receiver wrote it, is printed in the test output.
 *
 * The DKIM and DMARC TXT records are published by this test through the lab's DNS (`lab-ctl dns
 * load-records`, as the lab stack publishes its DNS plan): the components do not plan them yet.
 */
import assert from "node:assert/strict";
import { after, before, describe, it, type TestContext } from "node:test";

import {
  composeHostScript,
  opendkimRestoreSection,
  parseDkimPublicKeys,
  renderOpendkimScript,
  renderPostfixScript,
  renderTunnelScripts,
  RESULT_CHANGED,
} from "../../host-config";
import {
  buildSpfRecord,
  dkimRecordName,
  dkimRecordText,
  dmarcRecordName,
  dmarcRecordText,
  dnsblQueryName,
  planMailDns,
  ptrOwnerName,
} from "../../net";
import { labDnsZones, labMailDnsSpec, labPostfixSpec, labSmtpAddress, labTunnelSpec } from "./lab-host-specs";
import { labSkipReason } from "./lab-skip";
import { LabVm } from "../../lab-driver/lab-vm";
import { lastLine, sendMail } from "../../lab-driver/mail-flow";
import { headerValues, waitAccepted, waitRejected } from "../../lab-driver/strict-receiver";
import { addressOf, hostProviderAddress, loadTopology } from "../../lab-driver/topology";

const t = loadTopology();
const smtp = labSmtpAddress(t);
const run = Date.now().toString(36);
const selector = "lab";
const dmarcReject = {
  type: "TXT",
  name: dmarcRecordName(t.host.zone),
  content: dmarcRecordText({ policy: "reject" }),
  ttl: 300,
};

/** Sends a message to the strict receiver's domain; returns its recipient and subject. */
async function send(vm: LabVm, label: string): Promise<{ rcpt: string; subject: string }> {
  const rcpt = `${label}-${run}@${t.internet.strictMx.domain}`;
  const subject = `${label} ${run}`;
  await sendMail(vm, rcpt, subject);
  return { rcpt, subject };
}

/** Prints the receiver's reply into the test output (criterion 5) and returns it. */
function report(ctx: TestContext, reply: string): string {
  ctx.diagnostic(`receiver's reply: ${reply}`);
  return reply;
}

describe("the strict receiver's verdict on the lab's mail host", { skip: labSkipReason() }, () => {
  let vm: LabVm;
  const plan = planMailDns(labMailDnsSpec(t));

  before(async () => {
    vm = await LabVm.start("strict-receiver");
    // Let the provider's shared /64 reach the internet: here it is the DNSBL that has to stop the mail.
    await vm.labCtl(["provider", "smtp-block", "off"]);
    await vm.sh("postconf -e smtp_connect_timeout=5s && postfix reload");
  });

  after(async () => {
    await vm?.stop();
  });

  it("the lab's DNSBL answers in RFC 5782 form: the shared /64 listed, the dedicated /64 not", async () => {
    const listed = dnsblQueryName(hostProviderAddress(t), t.internet.dnsbl.zone);
    assert.deepEqual(await vm.dig(listed, "A"), [t.internet.dnsbl.listedAnswer]);
    assert.deepEqual(await vm.dig(listed, "TXT"), [`"${t.internet.dnsbl.reason}"`]);
    assert.deepEqual(await vm.dig(dnsblQueryName(smtp, t.internet.dnsbl.zone), "A"), []);
    // RFC 5782 section 5: the test entry is listed.
    assert.deepEqual(await vm.dig(dnsblQueryName("::ffff:7f00:2", t.internet.dnsbl.zone), "A"), [
      t.internet.dnsbl.listedAnswer,
    ]);
  });

  it("2, 5: from the provider's shared /64 the DNSBL rejects the mail", async (ctx) => {
    assert.match(
      await vm.sh(`ip -6 route get ${t.internet.strictMx.ipv6}`),
      new RegExp(`src ${hostProviderAddress(t)} `),
    );
    const { rcpt } = await send(vm, "shared");
    const reply = report(ctx, await waitRejected(vm, rcpt));
    assert.match(
      reply,
      /said: 554 5\.7\.1 Service unavailable; Client host \[[0-9a-f:]+\] blocked using dnsbl\.example\.net/,
    );
    assert.ok(
      reply.includes(`[${hostProviderAddress(t)}]`) && reply.includes(t.internet.dnsbl.reason),
      reply,
    );
  });

  it("2: through the tunnel, from the dedicated /64 with its PTR, the same mail is accepted", async () => {
    const tunnel = await vm.runScript(renderTunnelScripts(labTunnelSpec(t)).apply, [], { check: false });
    assert.equal(tunnel.code, 0, `tunnel apply failed:\n${tunnel.stdout}\n${tunnel.stderr}`);
    const postfix = await vm.runScript(renderPostfixScript(labPostfixSpec(t)), [], { check: false });
    assert.equal(postfix.code, 0, `postfix apply failed:\n${postfix.stdout}\n${postfix.stderr}`);
    await vm.labCtl(["he", "sage", "on"]);
    await vm.loadDnsRecords(labDnsZones(t), plan);

    const { subject } = await send(vm, "tunnel");
    const message = await waitAccepted(vm, t, subject);
    const received = headerValues(message, "Received").join("\n");
    assert.ok(received.includes(`[IPv6:${smtp}]`), `the receiver saw the SMTP address:\n${received}`);
    assert.match(headerValues(message, "Authentication-Results").join("\n"), /spf=pass/);
  });

  it("3, 5: from the tunnel's link address (::2, no PTR) the mail is rejected", async (ctx) => {
    assert.deepEqual(await vm.dig(ptrOwnerName(t.he.clientIpv6), "PTR"), []);
    await vm.sh(`postconf -e smtp_bind_address6=${t.he.clientIpv6} && postfix reload`);
    try {
      const { rcpt } = await send(vm, "link-address");
      const reply = report(ctx, await waitRejected(vm, rcpt));
      assert.match(reply, /said: 550 5\.7\.25 Client host rejected: cannot find your hostname/);
      assert.ok(reply.includes(`[${t.he.clientIpv6}]`), reply);
    } finally {
      await vm.sh(`postconf -e smtp_bind_address6=${smtp} && postfix reload`);
    }
  });

  it("3, 5: with the PTR of the SMTP address removed the mail is rejected", async (ctx) => {
    await vm.loadDnsRecords(
      labDnsZones(t),
      plan.filter((r) => r.type !== "PTR"),
    );
    try {
      assert.deepEqual(await vm.dig(ptrOwnerName(smtp), "PTR"), []);
      const { rcpt } = await send(vm, "no-ptr");
      const reply = report(ctx, await waitRejected(vm, rcpt));
      assert.match(reply, /said: 550 5\.7\.25 Client host rejected: cannot find your hostname/);
      assert.ok(reply.includes(`[${smtp}]`), reply);
    } finally {
      await vm.loadDnsRecords(labDnsZones(t), plan);
    }
  });

  let dkimRecords: object[] = [];

  it("1: signed by OpenDKIM on the host, with DKIM and DMARC published, the verdict is spf=pass, dkim=pass, dmarc=pass", async (ctx) => {
    const before = await vm.sh("postconf -n");
    const dkim = await vm.runScript(renderOpendkimScript({ domain: t.host.zone, selector }), [], {
      check: false,
    });
    assert.equal(dkim.code, 0, `DKIM apply failed:\n${dkim.stdout}\n${dkim.stderr}`);
    assert.equal(lastLine(dkim.stdout), RESULT_CHANGED);
    const keys = parseDkimPublicKeys(dkim.stdout);
    assert.deepEqual(
      keys.map((k) => [k.domain, k.selector]),
      [[t.host.zone, selector]],
    );
    assert.ok(!dkim.stdout.includes("PRIVATE KEY"), "the private key stays on the host");
    assert.notEqual(await vm.sh("postconf -n"), before);

    dkimRecords = [
      {
        type: "TXT",
        name: dkimRecordName(selector, t.host.zone),
        content: dkimRecordText(keys[0].publicKey),
        ttl: 300,
      },
      dmarcReject,
    ];
    await vm.loadDnsRecords(labDnsZones(t), [...plan, ...dkimRecords]);

    const { subject } = await send(vm, "authenticated");
    const message = await waitAccepted(vm, t, subject);
    const results = headerValues(message, "Authentication-Results").filter((v) =>
      v.startsWith(t.internet.strictMx.name),
    );
    for (const line of results) ctx.diagnostic(`receiver's Authentication-Results: ${line}`);
    const all = results.join("\n");
    assert.match(all, /\bspf=pass\b.*smtp\.mailfrom=/);
    assert.match(all, new RegExp(`\\bdkim=pass\\b.*header\\.d=${t.host.zone.replace(/\./g, "\\.")}`));
    // The lab's messages are From root@<host name>: DMARC's relaxed alignment with d=<zone> and the SPF of the host name.
    assert.match(all, new RegExp(`\\bdmarc=pass\\b.*header\\.from=${t.host.fqdn.replace(/\./g, "\\.")}`));
    assert.match(headerValues(message, "DKIM-Signature").join("\n"), new RegExp(`\\bs=${selector};`));
  });

  it("4, 5: with an SPF lacking the ip6: term and no DKIM, DMARC rejects (and the remove script takes DKIM away)", async (ctx) => {
    const withDkim = await vm.sh("postconf -n smtpd_milters non_smtpd_milters milter_default_action");
    assert.match(withDkim, /inet:127\.0\.0\.1:8891/);
    const remove = await vm.runScript(composeHostScript([opendkimRestoreSection()]), [], { check: false });
    assert.equal(remove.code, 0, `DKIM remove failed:\n${remove.stdout}\n${remove.stderr}`);
    assert.equal(await vm.sh("postconf -n smtpd_milters non_smtpd_milters milter_default_action"), "");
    assert.equal(await vm.sh("systemctl is-active opendkim.service || true"), "inactive");

    const spfWithoutIpv6 = buildSpfRecord({ ipv4: [addressOf(t.host.public.ipv4)] });
    const weakPlan = plan.map((r) =>
      // The plan's TXT content is in zone-file form, quoted.
      r.type === "TXT" && r.content.startsWith('"v=spf1 ') ? { ...r, content: spfWithoutIpv6 } : r,
    );
    await vm.loadDnsRecords(labDnsZones(t), [...weakPlan, ...dkimRecords]);
    assert.deepEqual(await vm.dig(t.host.fqdn, "TXT"), [`"${spfWithoutIpv6}"`]);
    const { rcpt } = await send(vm, "dmarc-fail");
    const reply = report(ctx, await waitRejected(vm, rcpt));
    assert.match(
      reply,
      new RegExp(`said: 550 5\\.7\\.1 rejected by DMARC policy for ${t.host.zone.replace(/\./g, "\\.")}`),
    );
  });
});
