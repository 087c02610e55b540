/**
 * `pulumi destroy` leaves the host as it was before `pulumi up`: a Postfix with its own custom settings (a
 * HELO name, no IPv6 bind address) is made a mail host by a real `pulumi up` of the `lab` stack (the engine's
 * `@pulumi/command` provider sends the composed apply script over SSH) and delivers from the SMTP address;
 * `pulumi destroy` then runs the remove script, which gives main.cf its old values back (`postconf -n` as
 * before), restores gai.conf byte for byte, and takes the tunnel, its routing rules and the firewall's tables
 * away; Postfix then delivers again the way its old configuration did, from the provider's address with the
 * old HELO name.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";

import { RESULT_CHANGED, RESULT_UNCHANGED, TUNNEL_RULE_PRIORITIES } from "../../host-config";
import { engineEnv } from "../../lab-driver/engine-env";
import { cliText, LabStack } from "../../lab-driver/lab-stack";
import { LabVm, runInstance } from "../../lab-driver/lab-vm";
import { lastLine, sendMail, waitDelivered } from "../../lab-driver/mail-flow";
import { hostProviderAddress, loadTopology } from "../../lab-driver/topology";
import { labSmtpAddress } from "./lab-host-specs";
import { hostSettings } from "./host-settings";
import { labSkipReason } from "./lab-skip";
import { mailHostCommand } from "./mail-host-command";

const t = loadTopology();
const smtp = labSmtpAddress(t);
const run = Date.now().toString(36);
const OLD_HELO = "old-helo.example.com";

describe("destroy leaves the host as it was before", { skip: labSkipReason() }, () => {
  let vm: LabVm;
  let stack: LabStack;
  let before_: Record<string, string>;
  let removeScript: string;

  before(async () => {
    const engine = await engineEnv();
    vm = await LabVm.start(runInstance("destroy-restores"));
    // The host's own configuration before ipv6-mail: a custom HELO name, smtp_bind_address6 unset. The
    // provider's SMTP block is lifted, so the old configuration really delivers (from the provider address).
    await vm.sh(
      `postconf -e smtp_helo_name=${OLD_HELO} smtp_connect_timeout=5s && postconf -X smtp_bind_address6 && postfix reload`,
    );
    await vm.labCtl(["provider", "smtp-block", "off"]);
    await vm.labCtl(["he", "sage", "on"]);
    await vm.labCtl(["mx", "clear"]);
    before_ = await hostSettings(vm);
    stack = await LabStack.open(vm, engine, "restores");
    // gai.conf is part of what apply changes here (a host that prefers IPv4 for its other connections).
    stack.configure({ ...stack.settings(), preferIpv4Outbound: true });
  });

  after(async () => {
    stack?.close();
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

  it("pulumi up makes it send from the SMTP address", async () => {
    const r = await stack.up();
    assert.equal(r.code, 0, `pulumi up failed:\n${cliText(r)}`);
    assert.equal(await stack.output("hostApplyResult"), RESULT_CHANGED);
    const command = await mailHostCommand(stack);
    assert.match(command.stdout, /^ipv6-mail: packages: .* present$/m, "the full image has every package");
    removeScript = command.remove;
    // The confirming command ran over its own connection: no timed rollback is waiting.
    assert.equal(
      await vm.sh("test -e /var/lib/ipv6-mail/firewall/pending && echo pending || echo none"),
      "none",
    );
    assert.equal(await vm.sh("postconf -h smtp_bind_address6"), smtp);
    assert.match(await vm.readFile("/etc/gai.conf"), /^precedence ::ffff:0:0\/96 100$/m);
    const subject = `applied ${run}`;
    await sendMail(vm, `applied-${run}@${t.internet.mx.domain}`, subject);
    const d = await waitDelivered(vm, subject);
    assert.equal(d.peer, smtp);
    assert.equal(d.helo, t.host.fqdn);
  });

  it("pulumi destroy restores every setting, removes tunnel, rules and tables, and deletes its state", async () => {
    const r = await stack.destroy();
    assert.equal(r.code, 0, `pulumi destroy failed:\n${cliText(r)}`);
    assert.ok((await stack.lastUpdateChanges()).delete, "the destroy deleted the stack's resources");
    const after_ = await hostSettings(vm);
    assert.deepEqual(after_, before_, "postconf -n, gai.conf, nftables, networkd, rules, links as before");
    assert.doesNotMatch(after_.links, /he-ipv6/);
    for (const prio of TUNNEL_RULE_PRIORITIES)
      assert.doesNotMatch(after_.rules, new RegExp(`^${prio}:`, "m"));
    assert.doesNotMatch(after_.tables, /ipv6_mail/);
    assert.match(after_.stateDir, /No such file or directory[\s\S]*No such file or directory/);
    // The remove script destroy ran, once more by hand: there is nothing left for it to do.
    assert.equal(lastLine((await vm.runScript(removeScript)).stdout), RESULT_UNCHANGED);
  });

  it("after: Postfix delivers again from its old configuration (provider address, old HELO name)", async () => {
    const subject = `after destroy ${run}`;
    await sendMail(vm, `after-${run}@${t.internet.mx.domain}`, subject);
    const d = await waitDelivered(vm, subject);
    assert.equal(d.peer, hostProviderAddress(t), "not deferred for a bind address that is gone");
    assert.equal(d.helo, OLD_HELO);
  });
});
