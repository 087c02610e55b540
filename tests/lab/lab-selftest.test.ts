/**
 * The lab itself, without the package's scripts: the VM boots Debian's kernel, SSH works, the provider,
 * HE and internet namespaces route, the provider's RA reaches the host, a sit tunnel built by hand carries
 * IPv6, the simulated filters (provider SMTP block, HE's Sage filter) bite, Postfix delivers to the remote MX
 * and the lab's DNS server serves a plan loaded from records. If this file fails, the other lab tests say
 * nothing about the package.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";

import { LabVm, runInstance } from "../../lab-driver/lab-vm";
import { addressOf, hostProviderAddress } from "../../lab-driver/topology";
import { waitFor } from "../../lab-driver/wait-for";
import { planMailDns, ptrOwnerName } from "../../net";
import { labDnsZones, labMailDnsSpec, labSmtpAddress } from "./lab-host-specs";
import { labSkipReason } from "./lab-skip";

describe("lab self-test", { skip: labSkipReason() }, () => {
  let vm: LabVm;

  before(async () => {
    vm = await LabVm.start(runInstance("selftest"));
  });

  after(async () => {
    await vm?.stop();
  });

  it("boots Debian's stock kernel and answers over SSH on 127.0.0.1", async () => {
    const t = vm.topology;
    assert.equal(vm.ssh.sshHost, "127.0.0.1");
    assert.equal(await vm.sh("hostname -f"), t.host.fqdn);
    assert.match(await vm.sh("uname -r"), /-amd64$/);
    assert.equal(await vm.sh("systemctl is-system-running || true"), "running");
    // The kernel this machine lacks: sit (6in4).
    await vm.sh("modprobe sit && test -d /sys/module/sit");
  });

  it("has the provider, he and internet namespaces, with the host's public IPv4", async () => {
    const t = vm.topology;
    const namespaces = await vm.sh("ip netns list | awk '{print $1}' | sort");
    assert.deepEqual(
      namespaces.split("\n"),
      [t.he.namespace, t.internet.namespace, t.provider.namespace].sort(),
    );
    const addrs = await vm.sh(`ip -4 -o addr show dev ${t.host.public.interface}`);
    assert.match(addrs, new RegExp(`inet ${t.host.public.ipv4.replace(/\./g, "\\.")}`));
    await vm.sh(`ping -c 1 -W 5 ${t.he.serverIpv4}`);
  });

  it("gets a SLAAC address of the provider's shared /64 from router advertisements", async () => {
    const t = vm.topology;
    const route = await vm.sh("ip -6 route show default");
    assert.match(route, new RegExp(`via fe80::\\S+ dev ${t.host.public.interface} proto ra`));
    const addr = await vm.sh(`ip -6 -o addr show dev ${t.host.public.interface} scope global`);
    assert.match(addr, new RegExp(`inet6 ${hostProviderAddress(t)}/64 `));
  });

  it("counts router advertisements from any source when no firewall is loaded (baseline of the RA test)", async () => {
    const t = vm.topology;
    const count = async () =>
      Number(await vm.sh("awk '$1 == \"Icmp6InRouterAdvertisements\" { print $2 }' /proc/net/snmp6"));
    const before = await count();
    await vm.labCtl([
      "provider",
      "send-ra",
      addressOf(t.provider.hostLink.ipv6 ?? ""),
      "2001:db8:bad1::/64",
      "3",
    ]);
    const after = await waitFor("the host to count 3 advertisements", async () => {
      const n = await count();
      return n - before >= 3 ? n : undefined;
    });
    assert.ok(after - before >= 3);
    // The kernel and networkd ignore a global source themselves: no address from that prefix.
    const addrs = await vm.sh(`ip -6 -o addr show dev ${t.host.public.interface}`);
    assert.doesNotMatch(addrs, /2001:db8:bad1:/);
  });

  it("serves the remote mail domain from the lab's DNS server, over IPv4 and IPv6", async () => {
    const t = vm.topology;
    assert.deepEqual(await vm.dig(t.internet.mx.domain, "MX"), [`10 ${t.internet.mx.name}.`]);
    const aaaa = await vm.sh(`dig +short @${t.internet.dns.ipv6} ${t.internet.mx.name} AAAA`);
    assert.equal(aaaa, t.internet.mx.ipv6);
  });

  it("loads a DNS plan of records into zones and answers for real (AAAA, PTR, TXT, MX)", async () => {
    const t = vm.topology;
    const records = planMailDns(labMailDnsSpec(t));
    await vm.loadDnsRecords(labDnsZones(t), records);
    const smtp = labSmtpAddress(t);
    assert.deepEqual(await vm.dig(t.host.fqdn, "AAAA"), [smtp]);
    assert.deepEqual(await vm.dig(ptrOwnerName(smtp), "PTR"), [`${t.host.fqdn}.`]);
    const spf = (await vm.dig(t.host.zone, "TXT")).join(" ");
    assert.match(spf, new RegExp(`ip6:${t.he.routedPrefix.replace(/\//g, "\\/")}`));
    assert.deepEqual(await vm.dig(t.host.zone, "MX"), [`10 ${t.host.fqdn}.`]);
    // A record outside every zone is refused with the record named.
    const bad = await vm.labCtl(["dns", "load-records", t.host.zone], {
      input: JSON.stringify([{ type: "A", name: "www.example.org", content: "192.0.2.1", ttl: 300 }]),
      check: false,
    });
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /www\.example\.org.*not inside any loaded zone/);
  });

  it("blocks SMTP from the provider's shared /64 (the DigitalOcean problem)", async () => {
    const t = vm.topology;
    const r = await vm.exec(`nc -6 -z -w 4 ${t.internet.mx.ipv6} 25`, { check: false });
    assert.notEqual(r.code, 0, "tcp/25 from the shared /64 must not connect");
    const counter = await vm.sh(`lab-ctl ns ${t.provider.namespace} nft list table inet lab_provider`);
    assert.match(counter, /counter packets [1-9]/);
    await vm.labCtl(["provider", "smtp-block", "off"]);
    await vm.sh(`nc -6 -z -w 4 ${t.internet.mx.ipv6} 25`);
    await vm.labCtl(["provider", "smtp-block", "on"]);
  });

  it("carries IPv6 over a sit tunnel built by hand, and HE's Sage switch opens tcp/25", async () => {
    const t = vm.topology;
    const smtp = labSmtpAddress(t);
    await vm.sh(
      [
        `ip tunnel add lab-sit mode sit remote ${t.he.serverIpv4} local ${addressOf(t.host.public.ipv4)} ttl 255`,
        `ip link set lab-sit mtu ${t.he.tunnelMtu} up`,
        `ip addr add ${t.he.clientIpv6}/64 dev lab-sit`,
        `ip addr add ${smtp}/128 dev lab-sit nodad`,
        `ip -6 route add ${t.internet.services.prefix} via ${t.he.serverIpv6} dev lab-sit src ${smtp}`,
      ].join(" && "),
    );
    await waitFor("HE's ::1 to answer through the tunnel", async () =>
      (await vm.exec(`ping -6 -c 1 -W 2 ${t.he.serverIpv6}`, { check: false })).code === 0 ? true : undefined,
    );
    assert.match(
      await vm.sh(`ip -6 route get ${t.internet.mx.ipv6}`),
      new RegExp(`dev lab-sit src ${smtp} `),
    );
    await vm.labCtl(["he", "sage", "off"]);
    const filtered = await vm.exec(`nc -6 -z -w 4 -s ${smtp} ${t.internet.mx.ipv6} 25`, { check: false });
    assert.notEqual(filtered.code, 0, "HE filters tcp/25 until the Sage switch is on");
    await vm.labCtl(["he", "sage", "on"]);
    await vm.sh(`nc -6 -z -w 4 -s ${smtp} ${t.internet.mx.ipv6} 25`);
  });

  it("delivers mail from Postfix to the remote MX, which logs the peer address", async () => {
    const t = vm.topology;
    const smtp = labSmtpAddress(t);
    await vm.labCtl(["mx", "clear"]);
    await vm.sh(`postconf -e smtp_bind_address6=${smtp} && postfix reload`);
    const subject = `lab self-test ${Date.now()}`;
    await vm.exec(`sendmail -f root@${t.host.fqdn} someone@${t.internet.mx.domain}`, {
      input: `Subject: ${subject}\n\nhello from the lab\n`,
    });
    const delivery = await waitFor("the MX to log the delivery", async () =>
      (await vm.mxDeliveries()).find((d) => d.subject === subject),
    );
    assert.equal(delivery.peer, smtp);
    assert.equal(delivery.helo, t.host.fqdn);
    assert.deepEqual(delivery.rcptTo, [`someone@${t.internet.mx.domain}`]);
  });
});
