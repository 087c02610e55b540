/**
 * `pulumi destroy` leaves the host as it was before `pulumi up`: a Postfix with its own custom settings (a
 * HELO name, no IPv6 bind address) is made a mail host by the composed apply script and delivers from the
 * SMTP address; the remove script then gives main.cf its old values back (`postconf -n` as before), restores
 * gai.conf byte for byte, and takes the tunnel, its routing rules and the firewall's tables away; Postfix then
 * delivers again the way its old configuration did, from the provider's address with the old HELO name.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";

import { RESULT_CHANGED, RESULT_UNCHANGED, TUNNEL_RULE_PRIORITIES } from "../../host-config";
import { labSmtpAddress } from "./lab-host-specs";
import { labMailHostScripts } from "./lab-mail-host-scripts";
import { labSkipReason } from "./lab-skip";
import { LabVm } from "../../lab-driver/lab-vm";
import { lastLine, sendMail, waitDelivered } from "../../lab-driver/mail-flow";
import { hostProviderAddress, loadTopology } from "../../lab-driver/topology";

const t = loadTopology();
const smtp = labSmtpAddress(t);
// gai.conf is part of what apply changes here (a host that prefers IPv4 for its other connections).
const scripts = labMailHostScripts(t, { preferIpv4Outbound: true });
const run = Date.now().toString(36);
const OLD_HELO = "old-helo.example.com";

/** What destroy must give back, read from the host. */
async function hostSettings(vm: LabVm): Promise<Record<string, string>> {
  const read = async (command: string) => (await vm.exec(command, { check: false })).stdout;
  return {
    postconf: await read("postconf -n"),
    gaiConf: await read("sha256sum /etc/gai.conf; stat -c %a /etc/gai.conf"),
    nftablesConf: await read("sha256sum /etc/nftables.conf 2>&1"),
    nftablesService: await read("systemctl is-enabled nftables.service"),
    networkd: await read("systemctl is-enabled systemd-networkd; systemctl is-active systemd-networkd"),
    networkdDropIns: await read("ls /etc/systemd/networkd.conf.d 2>&1"),
    rules: await read("ip -6 rule show"),
    tables: await read("nft list tables"),
    links: await read("ip -o link show | awk '{ print $2 }'"),
    stateDir: await read("ls -d /var/lib/ipv6-mail /etc/ipv6-mail 2>&1"),
  };
}

describe("destroy leaves the host as it was before", { skip: labSkipReason() }, () => {
  let vm: LabVm;
  let before_: Record<string, string>;

  before(async () => {
    vm = await LabVm.start("destroy-restores");
    // The host's own configuration before ipv6-mail: a custom HELO name, smtp_bind_address6 unset. The
    // provider's SMTP block is lifted, so the old configuration really delivers (from the provider address).
    await vm.sh(
      `postconf -e smtp_helo_name=${OLD_HELO} smtp_connect_timeout=5s && postconf -X smtp_bind_address6 && postfix reload`,
    );
    await vm.labCtl(["provider", "smtp-block", "off"]);
    await vm.labCtl(["he", "sage", "on"]);
    await vm.labCtl(["mx", "clear"]);
    before_ = await hostSettings(vm);
  });

  after(async () => {
    await vm?.stop();
  });

  it("before: the host's own Postfix delivers from the provider address under its old HELO name", async () => {
    assert.match(before_.postconf, new RegExp(`^smtp_helo_name = ${OLD_HELO}$`, "m"));
    assert.doesNotMatch(before_.postconf, /smtp_bind_address6/);
    const subject = `old configuration ${run}`;
    await sendMail(vm, `old-${run}@${t.internet.mx.domain}`, subject);
    const d = await waitDelivered(vm, subject);
    assert.equal(d.peer, hostProviderAddress(t));
    assert.equal(d.helo, OLD_HELO);
  });

  it("apply and confirm make it send from the SMTP address", async () => {
    const r = await vm.runScript(scripts.apply, [], { check: false, timeoutMs: 600_000 });
    assert.equal(r.code, 0, `apply failed:\n${r.stdout}\n${r.stderr}`);
    assert.equal(lastLine(r.stdout), RESULT_CHANGED);
    assert.match(r.stdout, /^ipv6-mail: packages: .* present$/m, "the full image has every package");
    const confirm = await vm.runScript(scripts.confirm, [], { check: false, newConnection: true });
    assert.equal(confirm.code, 0, `confirm failed:\n${confirm.stdout}\n${confirm.stderr}`);
    assert.equal(await vm.sh("postconf -h smtp_bind_address6"), smtp);
    assert.match(await vm.readFile("/etc/gai.conf"), /^precedence ::ffff:0:0\/96 100$/m);
    const subject = `applied ${run}`;
    await sendMail(vm, `applied-${run}@${t.internet.mx.domain}`, subject);
    const d = await waitDelivered(vm, subject);
    assert.equal(d.peer, smtp);
    assert.equal(d.helo, t.host.fqdn);
  });

  it("remove restores every setting, removes tunnel, rules and tables, and deletes its state", async () => {
    const r = await vm.runScript(scripts.remove, [], { check: false });
    assert.equal(r.code, 0, `remove failed:\n${r.stdout}\n${r.stderr}`);
    assert.equal(lastLine(r.stdout), RESULT_CHANGED);
    const after_ = await hostSettings(vm);
    assert.deepEqual(after_, before_, "postconf -n, gai.conf, nftables, networkd, rules, links as before");
    assert.doesNotMatch(after_.links, /he-ipv6/);
    for (const prio of TUNNEL_RULE_PRIORITIES)
      assert.doesNotMatch(after_.rules, new RegExp(`^${prio}:`, "m"));
    assert.doesNotMatch(after_.tables, /ipv6_mail/);
    assert.match(after_.stateDir, /No such file or directory[\s\S]*No such file or directory/);
    assert.equal(lastLine((await vm.runScript(scripts.remove)).stdout), RESULT_UNCHANGED);
  });

  it("after: Postfix delivers again from its old configuration (provider address, old HELO name)", async () => {
    const subject = `after destroy ${run}`;
    await sendMail(vm, `after-${run}@${t.internet.mx.domain}`, subject);
    const d = await waitDelivered(vm, subject);
    assert.equal(d.peer, hostProviderAddress(t), "not deferred for a bind address that is gone");
    assert.equal(d.helo, OLD_HELO);
  });
});
