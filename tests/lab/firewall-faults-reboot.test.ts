/**
 * The whole host configuration as the MailServer component composes it (tunnel, firewall, Postfix in one
 * script, confirmed over a second SSH connection), in a real kernel: what the IPv6 firewall lets in and
 * drops, how applies that fail put the previous configuration back without ever cutting IPv4 SSH, and that
 * everything comes back by itself after a reboot.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";

import {
  composeHostScript,
  firewallApplySection,
  firewallConfirmSection,
  type FirewallSpec,
  postfixSection,
  renderFirewallScripts,
  renderTunnelScripts,
  RESULT_CHANGED,
  RESULT_FAILED,
  RESULT_UNCHANGED,
  tunnelApplySection,
} from "../../host-config";
import {
  LAB_MANAGEMENT_CLIENT,
  labFirewallSpec,
  labPostfixSpec,
  labSmtpAddress,
  labTunnelSpec,
} from "./lab-host-specs";
import { labSkipReason, LabVm, waitFor } from "./lab-vm";
import { lastLine, sendMail, waitDelivered } from "./mail-flow";
import { addressOf, hostProviderAddress, loadTopology } from "./topology";

const t = loadTopology();
const smtp = labSmtpAddress(t);
const providerAddress = hostProviderAddress(t);
const admin = t.internet.admin.ipv6; // the remote admin's address, admitted to SSH over IPv6
const stranger = t.internet.mx.ipv6; // an internet address that is no admin source
const run = Date.now().toString(36);

function hostScripts(fw: FirewallSpec = labFirewallSpec(t)) {
  return {
    apply: composeHostScript(
      [tunnelApplySection(labTunnelSpec(t)), firewallApplySection(fw), postfixSection(labPostfixSpec(t))],
      { title: "lab mail host (apply)" },
    ),
    confirm: composeHostScript([firewallConfirmSection(fw)], { title: "lab mail host (confirm)" }),
  };
}

describe("host-config in a real kernel: firewall, faults, reboot", { skip: labSkipReason() }, () => {
  let vm: LabVm;

  /** Whether a TCP connection from the internet namespace (from `source`) to host:port is accepted. */
  const connects = async (source: string, host: string, port: number) => {
    const r = await vm.netns(t.internet.namespace, `nc -6 -z -v -w 4 -s ${source} ${host} ${port}`, {
      check: false,
    });
    return { ok: r.code === 0, refused: /refused/i.test(r.stderr) };
  };
  const raCount = async () =>
    Number(await vm.sh("awk '$1 == \"Icmp6InRouterAdvertisements\" { print $2 }' /proc/net/snmp6"));

  /** A fresh IPv4 SSH connection (the management path) works. */
  const assertIpv4Ssh = async () => {
    assert.equal(await vm.sh("echo ok", { newConnection: true }), "ok");
  };
  const assertTunnelWorks = async () => {
    await waitFor("HE's ::1 to answer", async () =>
      (await vm.exec(`ping -6 -c 1 -W 2 ${t.he.serverIpv6}`, { check: false })).code === 0 ? true : undefined,
    );
    assert.match(
      await vm.sh(`ip -6 route get ${t.internet.mx.ipv6}`),
      new RegExp(`dev he-ipv6 .*src ${smtp} `),
    );
  };

  before(async () => {
    vm = await LabVm.start("faults");
    await vm.labCtl(["he", "sage", "on"]);
    await vm.authorizeNamespaceSsh();
    const scripts = hostScripts();
    const r = await vm.runScript(scripts.apply, [], { check: false });
    assert.equal(r.code, 0, `apply failed:\n${r.stdout}\n${r.stderr}`);
    assert.equal(lastLine(r.stdout), RESULT_CHANGED);
    const c = await vm.runScript(scripts.confirm, [], { newConnection: true });
    assert.equal(lastLine(c.stdout), RESULT_CHANGED);
  });

  after(async () => {
    await vm?.stop();
  });

  it("3: the allowed ports answer over IPv6 from the internet, on the SMTP and the provider address", async () => {
    for (const host of [smtp, providerAddress]) {
      assert.ok((await connects(stranger, host, 25)).ok, `tcp/25 on ${host}`);
    }
    assert.ok((await connects(admin, smtp, 22)).ok, "SSH from the admin prefix");
    const s = await vm.sshFromNamespace(t.internet.namespace, admin, smtp, "hostname");
    assert.equal(s.stdout.trim(), t.host.hostname);
  });

  it("3: a service on ::: that is not allowed (8080), and SSH from a stranger, are dropped, not refused", async () => {
    await vm.sh(
      "(setsid python3 -m http.server --bind :: 8080 >/dev/null 2>&1 & echo $! > /run/lab-8080.pid); " +
        "for i in $(seq 1 50); do nc -6 -z ::1 8080 && exit 0; sleep 0.2; done; exit 1",
    );
    // Each dropped connection only ends with nc's timeout: the three run side by side.
    const targets = [
      [smtp, 8080],
      [providerAddress, 8080],
      [smtp, 22],
    ] as const;
    const results = await Promise.all(targets.map(([host, port]) => connects(stranger, host, port)));
    targets.forEach(([host, port], i) => {
      assert.equal(results[i].ok, false, `${host} port ${port} must not connect`);
      assert.equal(results[i].refused, false, `${host} port ${port} is dropped (no TCP reset)`);
    });
    await vm.sh("kill $(cat /run/lab-8080.pid)");
  });

  it("3: ping and neighbour discovery keep working", async () => {
    await vm.netns(t.internet.namespace, `ping -6 -c 1 -W 3 ${smtp} && ping -6 -c 1 -W 3 ${providerAddress}`);
    await vm.netns(
      t.provider.namespace,
      `ip -6 neigh flush dev ${t.provider.hostLink.interface} && ping -6 -c 1 -W 3 ${providerAddress} && ` +
        `ip -6 neigh show ${providerAddress} dev ${t.provider.hostLink.interface}`,
    );
    const neigh = await vm.sh(
      `ip -6 neigh flush dev ${t.host.public.interface}; ping -6 -c 1 -W 3 ${addressOf(t.provider.hostLink.ipv6 ?? "")}`,
    );
    assert.match(neigh, /1 received/);
  });

  it("3: router advertisements are accepted from fe80::/10 only", async () => {
    const linkLocal = await vm.netns(
      t.provider.namespace,
      `ip -6 -o addr show dev ${t.provider.hostLink.interface} scope link | awk '{ print $4 }' | cut -d/ -f1`,
    );
    const fromLinkLocal = linkLocal.stdout.trim();
    assert.match(fromLinkLocal, /^fe80:/);

    let before = await raCount();
    await vm.labCtl(["provider", "send-ra", fromLinkLocal, "2001:db8:bad2::/64", "3"]);
    await waitFor("the host to count the link-local advertisements", async () =>
      (await raCount()) - before >= 3 ? true : undefined,
    );

    before = await raCount();
    await vm.labCtl([
      "provider",
      "send-ra",
      addressOf(t.provider.hostLink.ipv6 ?? ""),
      "2001:db8:bad3::/64",
      "5",
    ]);
    await vm.sh("sleep 2");
    // At most one of the provider's periodic advertisements may arrive meanwhile; the 5 forged ones must not.
    assert.ok(
      (await raCount()) - before <= 1,
      "advertisements from a global source are dropped by the firewall",
    );
    assert.doesNotMatch(await vm.sh("ip -6 -o addr show"), /2001:db8:bad3:/);
  });

  it("6: a wrong HE server address fails with a clear message and restores the working tunnel", async () => {
    const wrong = renderTunnelScripts(labTunnelSpec(t, { heServerIpv4: "198.51.100.99" }));
    const netdevBefore = await vm.readFile("/etc/systemd/network/60-ipv6-mail-he-ipv6.netdev");
    const r = await vm.runScript(wrong.apply, [], { check: false });
    assert.notEqual(r.code, 0);
    assert.equal(lastLine(r.stdout), RESULT_FAILED);
    assert.match(r.stderr, /HE server 198\.51\.100\.99 did not answer on the tunnel/);
    assert.equal(await vm.readFile("/etc/systemd/network/60-ipv6-mail-he-ipv6.netdev"), netdevBefore);
    assert.match(await vm.sh("ip -d link show dev he-ipv6"), /remote 198\.51\.100\.1 /);
    await assertTunnelWorks();
    await assertIpv4Ssh();
  });

  it("6: an unreachable tunnel endpoint fails the apply clearly; the previous configuration stays", async () => {
    const changed = renderTunnelScripts(labTunnelSpec(t, { mtu: 1400 }));
    await vm.labCtl(["he", "endpoint", "down"]);
    try {
      const r = await vm.runScript(changed.apply, [], { check: false });
      assert.notEqual(r.code, 0);
      assert.equal(lastLine(r.stdout), RESULT_FAILED);
      assert.match(r.stderr, /did not answer on the tunnel/);
      assert.match(await vm.sh("ip link show dev he-ipv6"), /mtu 1480 /);
      await assertIpv4Ssh();
    } finally {
      await vm.labCtl(["he", "endpoint", "up"]);
    }
    await assertTunnelWorks();
  });

  it("6: a firewall that would cut the IPv6 SSH session running it is refused before anything changes", async () => {
    const tablesBefore = await vm.sh("nft list table ip6 ipv6_mail");
    const cutting = renderFirewallScripts(labFirewallSpec(t, { adminSources: [LAB_MANAGEMENT_CLIENT] }));
    const r = await vm.sshFromNamespace(t.internet.namespace, admin, smtp, "bash -s", {
      input: cutting.apply,
      check: false,
    });
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /would cut your SSH session from 2001:db8:ad::1/);
    assert.equal(await vm.sh("nft list table ip6 ipv6_mail"), tablesBefore);
  });

  it("6: a firewall that cuts new SSH connections is rolled back when nobody confirms it", async () => {
    const good = labFirewallSpec(t);
    // The shortest rollback window the component accepts: long enough for the checks below to run inside it.
    const cutting = renderFirewallScripts(
      labFirewallSpec(t, { adminSources: [LAB_MANAGEMENT_CLIENT], rollbackSeconds: 10 }),
    );
    const r = await vm.runScript(cutting.apply);
    assert.equal(lastLine(r.stdout), RESULT_CHANGED);
    // The admin's new IPv6 connection now fails: the caller cannot confirm over it.
    assert.equal((await connects(admin, smtp, 22)).ok, false);
    await assertIpv4Ssh();
    await waitFor(
      "the rollback timer to restore the previous ruleset",
      async () => ((await connects(admin, smtp, 22)).ok ? true : undefined),
      { timeoutMs: 120_000, intervalMs: 1_000 },
    );
    const late = await vm.runScript(cutting.confirm, [], { check: false, newConnection: true });
    assert.notEqual(late.code, 0);
    assert.match(late.stderr, /rollback already ran/);
    // The good ruleset is live again, as applied before: applying it once more changes nothing (no reload,
    // no new rollback timer). The whole host script is applied again, unchanged, after the reboot below.
    const again = await vm.runScript(renderFirewallScripts(good).apply);
    assert.equal(lastLine(again.stdout), RESULT_UNCHANGED);
    assert.match(again.stdout, /firewall already loaded/);
    await assertIpv4Ssh();
  });

  it("6: after a reboot the configuration comes back by itself", async () => {
    await vm.reboot();
    await assertTunnelWorks();
    assert.match(await vm.sh("nft list table ip6 ipv6_mail"), /policy drop/);
    assert.equal(await vm.sh("postconf -h smtp_bind_address6"), smtp);
    assert.ok((await connects(admin, smtp, 22)).ok, "SSH from the admin prefix after reboot");
    assert.equal((await connects(stranger, smtp, 22)).ok, false, "SSH from a stranger still dropped");
    const subject = `after reboot ${run}`;
    await vm.labCtl(["mx", "clear"]);
    await sendMail(vm, `reboot-${run}@${t.internet.mx.domain}`, subject);
    assert.equal((await waitDelivered(vm, subject)).peer, smtp);
    const again = await vm.runScript(hostScripts().apply);
    assert.equal(lastLine(again.stdout), RESULT_UNCHANGED, "the booted host already is as configured");
  });
});
