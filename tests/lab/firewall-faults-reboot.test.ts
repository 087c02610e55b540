/**
 * The whole host configuration as the MailServer component composes it (tunnel, firewall, Postfix in one
 * script, confirmed over a second SSH connection), applied by the real Pulumi engine: `pulumi up` of variants
 * of the `lab` stack, each host script sent by the `@pulumi/command` provider over real SSH, into a real
 * kernel. What the IPv6 firewall lets in and drops, how updates that fail put the previous configuration back
 * without ever cutting IPv4 SSH, and that everything comes back by itself after a reboot.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";

import { RESULT_CHANGED, RESULT_FAILED, RESULT_UNCHANGED } from "../../host-config";
import { engineEnv } from "../../lab-driver/engine-env";
import { type CliRun, cliText, LabStack } from "../../lab-driver/lab-stack";
import { LabVm, runInstance } from "../../lab-driver/lab-vm";
import { sendMail, waitDelivered } from "../../lab-driver/mail-flow";
import { NamespaceSshRelay, type RelayRoute } from "../../lab-driver/namespace-ssh-relay";
import { addressOf, hostProviderAddress, loadTopology } from "../../lab-driver/topology";
import { waitFor } from "../../lab-driver/wait-for";
import type { MailServerSettings } from "../../stacks/stack-settings";
import { LAB_MANAGEMENT_CLIENT, labSmtpAddress } from "./lab-host-specs";
import { labSkipReason } from "./lab-skip";

const t = loadTopology();
const smtp = labSmtpAddress(t);
const providerAddress = hostProviderAddress(t);
const admin = t.internet.admin.ipv6; // the remote admin's address, admitted to SSH over IPv6
const stranger = t.internet.mx.ipv6; // an internet address that is no admin source
const run = Date.now().toString(36);
const FIREWALL_STATE = "/var/lib/ipv6-mail/firewall";

/** The admin's SSH path over IPv6: from their address in the internet namespace to the SMTP address. */
const ADMIN_IPV6_PATH: RelayRoute = {
  namespace: t.internet.namespace,
  source: admin,
  target: smtp,
  port: 22,
};
/** The management path over IPv4, as seen from inside the VM (sshd sees an IPv4 client). */
const MANAGEMENT_PATH: RelayRoute = { target: "127.0.0.1", port: 22 };

describe("the lab stack on the real engine: firewall, faults, reboot", { skip: labSkipReason() }, () => {
  let vm: LabVm;
  let stack: LabStack;
  let relay: NamespaceSshRelay | undefined;

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

  /** `pulumi up` of a variant of the lab stack; returns what the CLI printed. */
  const upWith = async (settings: MailServerSettings): Promise<CliRun> => {
    stack.configure(settings);
    return stack.up();
  };
  /** The settings of the lab stack as shipped, changed by `change`. */
  const variant = (change: (s: MailServerSettings) => void): MailServerSettings => {
    const s = stack.settings();
    change(s);
    return s;
  };
  /** Sends the stack's SSH connections through a relay in the VM, along `route(n)` for the n-th one. */
  const viaRelay = async (s: MailServerSettings, route: (n: number) => RelayRoute) => {
    await relay?.close();
    relay = await NamespaceSshRelay.open(vm, route);
    s.existing = { ...s.existing, ssh: { host: "127.0.0.1", port: relay.port } };
    return s;
  };
  const assertFailed = (r: CliRun, pattern: RegExp) => {
    assert.notEqual(r.code, 0, `pulumi up must fail:\n${cliText(r)}`);
    assert.match(`${r.stdout}\n${r.stderr}`, pattern, cliText(r));
  };
  const assertNoPendingFirewall = async () =>
    assert.equal(await vm.sh(`test -e ${FIREWALL_STATE}/pending && echo pending || echo none`), "none");

  before(async () => {
    const engine = await engineEnv();
    vm = await LabVm.start(runInstance("faults"));
    await vm.labCtl(["he", "sage", "on"]);
    await vm.authorizeNamespaceSsh();
    stack = await LabStack.open(vm, engine, "faults");
    const r = await stack.up();
    assert.equal(r.code, 0, `pulumi up of the lab stack failed:\n${cliText(r)}`);
    assert.equal(await stack.output("hostApplyResult"), RESULT_CHANGED);
    // The confirmation ran over its own SSH connection: no rollback is waiting.
    await assertNoPendingFirewall();
  });

  after(async () => {
    await relay?.close();
    stack?.close();
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

  it("6: a wrong HE server address fails the update with a clear message and restores the working tunnel", async () => {
    const netdevBefore = await vm.readFile("/etc/systemd/network/60-ipv6-mail-he-ipv6.netdev");
    const r = await upWith(variant((s) => (s.tunnel!.heServerIpv4 = "198.51.100.99")));
    assertFailed(r, /HE server 198\.51\.100\.99 did not answer on the tunnel/);
    assert.match(`${r.stdout}\n${r.stderr}`, new RegExp(RESULT_FAILED));
    assert.equal(await vm.readFile("/etc/systemd/network/60-ipv6-mail-he-ipv6.netdev"), netdevBefore);
    assert.match(await vm.sh("ip -d link show dev he-ipv6"), /remote 198\.51\.100\.1 /);
    await assertTunnelWorks();
    await assertIpv4Ssh();
    // The failed update left the stack's state at the working configuration, which the host has again.
    stack.configure(stack.settings());
    const p = await stack.preview(["--expect-no-changes"]);
    assert.equal(
      p.code,
      0,
      `the shipped config must show no changes after the failed update:\n${cliText(p)}`,
    );
  });

  it("6: an unreachable tunnel endpoint fails the update clearly; the previous configuration stays", async () => {
    await vm.labCtl(["he", "endpoint", "down"]);
    try {
      const r = await upWith(variant((s) => (s.tunnel!.mtu = 1400)));
      assertFailed(r, /did not answer on the tunnel/);
      assert.match(await vm.sh("ip link show dev he-ipv6"), /mtu 1480 /);
      await assertIpv4Ssh();
    } finally {
      await vm.labCtl(["he", "endpoint", "up"]);
    }
    await assertTunnelWorks();
  });

  it("6: a firewall that would cut the IPv6 SSH session applying it is refused before anything changes", async () => {
    const tablesBefore = await vm.sh("nft list table ip6 ipv6_mail");
    // The engine reaches the host the way a remote admin does: over IPv6, from their address.
    const settings = await viaRelay(
      variant((s) => (s.firewall.adminSources = [LAB_MANAGEMENT_CLIENT])),
      () => ADMIN_IPV6_PATH,
    );
    const r = await upWith(settings);
    assertFailed(r, /would cut your SSH session from 2001:db8:ad::1/);
    assert.ok(relay!.connections >= 1, "the update went over the admin's IPv6 path");
    assert.equal(await vm.sh("nft list table ip6 ipv6_mail"), tablesBefore);
    await assertNoPendingFirewall();
  });

  it("6: a firewall that cuts the confirming SSH connection is rolled back by the host itself", async () => {
    // The admin's client reaches the host over IPv4 for the apply and over IPv6 from then on (as a dual-stack
    // name does once its AAAA answers). The new ruleset admits SSH over IPv6 from the management network
    // only, so the confirmation's new connection is dropped: nobody confirms, and the timer rolls back.
    const settings = await viaRelay(
      variant((s) => {
        s.firewall.adminSources = [LAB_MANAGEMENT_CLIENT];
        // The shortest rollback window the component accepts.
        s.firewall.rollbackSeconds = 10;
      }),
      (n) => (n === 0 ? MANAGEMENT_PATH : ADMIN_IPV6_PATH),
    );
    const r = await upWith(settings);
    assertFailed(r, /mail-host-confirm/);
    assert.ok(relay!.connections >= 2, "the confirmation tried its own connection");
    await assertIpv4Ssh();
    await waitFor(
      "the rollback timer to restore the previous ruleset",
      async () => ((await connects(admin, smtp, 22)).ok ? true : undefined),
      { timeoutMs: 120_000, intervalMs: 1_000 },
    );
    // The next update confirms over IPv6 again (the restored ruleset lets the admin in) and is told why it
    // came too late.
    const late = await stack.up();
    assertFailed(late, /rollback already ran/);
    // The shipped configuration, over the management path: the host already has it (the rollback restored
    // it), so the script changes nothing, and the confirmation finds nothing waiting.
    await relay?.close();
    relay = undefined;
    const again = await upWith(stack.settings());
    assert.equal(again.code, 0, cliText(again));
    assert.equal(await stack.output("hostApplyResult"), RESULT_UNCHANGED);
    await assertNoPendingFirewall();
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
    const p = await stack.preview(["--expect-no-changes"]);
    assert.equal(p.code, 0, `nothing to do for the engine after the reboot:\n${cliText(p)}`);
    // A change of the stack that alters nothing on the host (a longer rollback window) runs both scripts
    // again: the booted host already is as configured.
    const r = await upWith(variant((s) => (s.firewall.rollbackSeconds = 61)));
    assert.equal(r.code, 0, cliText(r));
    assert.equal(
      await stack.output("hostApplyResult"),
      RESULT_UNCHANGED,
      "the booted host already is as configured",
    );
    await assertNoPendingFirewall();
  });
});
