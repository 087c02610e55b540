/**
 * Exim as the mail host's MTA, the way a user gets it: a real `pulumi up` of the `lab` stack with
 * `mta: { kind: "exim" }` on the bare image flavour (no MTA at all, apt's only source the lab's repository,
 * which carries Debian's exim4 as well). The apply script installs exim4-daemon-light without a question as
 * an internet site, binds its remote_smtp transport to the SMTP address (`interface = <; …`, Debian's
 * REMOTE_SMTP_INTERFACE macro) and a message reaches the remote MX from that address. With the tunnel down
 * (its link down: the SMTP address is gone, and the provider's shared /64 is a working way out, its SMTP
 * block switched off) the message stays in Exim's queue, also after forced queue runs, and the MX sees no
 * new peer: Exim does not fall back to another source when the bind fails. The tunnel back, the queued
 * message leaves from the SMTP address. `pulumi destroy` takes the binding out of Exim's configuration.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";

import { EXIM_LOCALMACROS_PATH, RESULT_CHANGED } from "../../host-config";
import { engineEnv } from "../../lab-driver/engine-env";
import { eximDeferrals, eximForceQueueRun, eximQueue } from "../../lab-driver/exim-queue";
import { cliText, LabStack } from "../../lab-driver/lab-stack";
import { LabVm, runInstance } from "../../lab-driver/lab-vm";
import { sendMail, waitDelivered } from "../../lab-driver/mail-flow";
import { hostProviderAddress, loadTopology } from "../../lab-driver/topology";
import { waitFor } from "../../lab-driver/wait-for";
import { labSmtpAddress } from "./lab-host-specs";
import { labSkipReason } from "./lab-skip";
import { mailHostCommand } from "./mail-host-command";

const t = loadTopology();
const smtp = labSmtpAddress(t);
const run = Date.now().toString(36);
const TUNNEL = "he-ipv6";
/** How long the test watches for a delivery that must not happen, between and after forced queue runs. */
const WATCH_MS = 20_000;

describe("Exim delivers from the SMTP address and fails closed without it", { skip: labSkipReason() }, () => {
  let vm: LabVm;
  let stack: LabStack;
  const heldRcpt = `held-${run}@${t.internet.mx.domain}`;
  const heldSubject = `held while the tunnel is down ${run}`;

  before(async () => {
    const engine = await engineEnv();
    vm = await LabVm.start(runInstance("exim-delivery"), "bare");
    await vm.labCtl(["mx", "clear"]);
    await vm.labCtl(["he", "sage", "on"]);
    stack = await LabStack.open(vm, engine, "exim");
    const settings = stack.settings();
    settings.mta = { kind: "exim" };
    stack.configure(settings);
  });

  after(async () => {
    stack?.close();
    await vm?.stop();
  });

  it("pulumi up installs Debian's exim4 as an internet site, without a question, and binds remote_smtp to the SMTP address", async () => {
    assert.notEqual((await vm.exec("command -v exim4", { check: false })).code, 0, "no Exim before");
    const r = await stack.up();
    console.log(`# pulumi up with mta kind exim on the bare image: ${(r.ms / 1000).toFixed(1)} s`);
    assert.equal(r.code, 0, `pulumi up failed:\n${cliText(r)}`);
    assert.equal(await stack.output("hostApplyResult"), RESULT_CHANGED);
    const out = (await mailHostCommand(stack)).stdout;
    assert.match(out, /^ipv6-mail: changed: installed .*\bexim4-daemon-light\b/m);
    assert.equal(await vm.sh("dpkg-query -W -f='${Status}' exim4-daemon-light"), "install ok installed");
    assert.notEqual(
      (await vm.exec("dpkg-query -W -f='${Status}' postfix", { check: false })).stdout,
      "install ok installed",
      "Exim, not Postfix",
    );
    // Debian's installer took the preseeded answers: internet delivery, one configuration file, the host's name.
    const conf = await vm.sh("cat /etc/exim4/update-exim4.conf.conf");
    assert.match(conf, /^dc_eximconfig_configtype='internet'$/m);
    assert.match(conf, /^dc_use_split_config='false'$/m);
    // Mail for the host's own name is local (Debian's installer lists the mail name there as well).
    const otherHostnames = /^dc_other_hostnames='([^']*)'$/m.exec(conf)?.[1] ?? "";
    assert.ok(otherHostnames.split(":").includes(t.host.fqdn), `dc_other_hostnames: ${otherHostnames}`);
    assert.equal(await vm.sh("cat /etc/mailname"), t.host.fqdn);
    assert.equal(await vm.sh("systemctl is-active exim4.service"), "active");
    assert.match(await vm.sh(`cat ${EXIM_LOCALMACROS_PATH}`), /^REMOTE_SMTP_INTERFACE = <; /m);
    const transport = await vm.sh("exim4 -bP transport remote_smtp");
    const iface = transport.split("\n").find((l) => /^\s*interface = /.test(l));
    assert.ok(iface !== undefined, `remote_smtp has an interface:\n${transport}`);
    assert.ok(
      iface
        .trim()
        .split(/\s*;\s*/)
        .includes(smtp),
      `the interface list holds ${smtp}: ${iface}`,
    );
  });

  it("a message reaches the remote MX from the SMTP address", async () => {
    const subject = `exim ${run}`;
    await sendMail(vm, `exim-${run}@${t.internet.mx.domain}`, subject);
    const delivered = await waitDelivered(vm, subject);
    assert.equal(delivered.peer, smtp, "delivered from the SMTP address");
    assert.equal(delivered.helo, t.host.fqdn);
  });

  it("with the tunnel down the message stays in Exim's queue and never leaves from another address", async () => {
    // A way out that does not need the SMTP address: the provider's shared /64, its SMTP block off. An MTA
    // that fell back to an unbound socket would deliver through it.
    await vm.labCtl(["provider", "smtp-block", "off"]);
    await vm.sh(`ip link set dev ${TUNNEL} down`);
    await waitFor("the SMTP address to leave the host", async () =>
      (await vm.sh("ip -6 -o addr show")).includes(`${smtp}/`) ? undefined : true,
    );
    assert.match(
      await vm.sh(`ip -6 route get ${t.internet.mx.ipv6}`),
      new RegExp(`dev ${t.host.public.interface} .*src ${hostProviderAddress(t)} `),
      "an unbound connection to the MX would leave from the provider's address",
    );
    // ...and would get through: a plain TCP connection from the host reaches the MX's port 25.
    await vm.sh(`nc -6 -z -w 10 ${t.internet.mx.ipv6} 25`);
    const peersBefore = (await vm.mxDeliveries()).length;

    await sendMail(vm, heldRcpt, heldSubject);
    const deferral = await waitFor("Exim to defer the message", async () => {
      const lines = await eximDeferrals(vm, heldRcpt);
      return lines.length > 0 ? lines : undefined;
    });
    console.log(`# Exim's deferral: ${deferral[0]}`);
    assert.match(deferral[0], /T=remote_smtp defer/);
    assert.match(deferral[0], /Cannot assign requested address/);

    const watch = async (phase: string) => {
      const deadline = Date.now() + WATCH_MS;
      while (Date.now() < deadline) {
        assert.equal((await vm.mxDeliveries()).length, peersBefore, `no delivery ${phase}`);
        await new Promise((r) => setTimeout(r, 2_000));
      }
    };
    await watch("after the first attempt");
    for (const queueRun of [1, 2]) {
      await eximForceQueueRun(vm);
      await watch(`after forced queue run ${queueRun}`);
    }
    assert.ok(
      (await eximDeferrals(vm, heldRcpt)).length >= 3,
      "every queue run tried again and deferred again",
    );
    const queued = (await eximQueue(vm)).filter((m) => m.recipients.includes(heldRcpt));
    assert.equal(queued.length, 1, "the message waits in Exim's queue (exim4 -bp)");
    assert.equal(
      (await vm.exec(`ip -6 -o addr show | grep -F ${smtp}/`, { check: false })).code,
      1,
      "the SMTP address stayed away throughout",
    );
  });

  it("with the tunnel back, the queued message leaves from the SMTP address", async () => {
    await vm.sh(`ip link set dev ${TUNNEL} up && networkctl reconfigure ${TUNNEL}`);
    await waitFor(
      "the SMTP address back on the tunnel",
      async () =>
        (await vm.sh(`ip -6 -o addr show dev ${TUNNEL}`)).includes(`${smtp}/128`) ? true : undefined,
      { timeoutMs: 60_000 },
    );
    await waitFor("the route to the MX through the tunnel", async () =>
      (await vm.sh(`ip -6 route get ${t.internet.mx.ipv6}`)).includes(`dev ${TUNNEL}`) ? true : undefined,
    );
    await vm.labCtl(["provider", "smtp-block", "on"]);
    await eximForceQueueRun(vm);
    const delivered = await waitDelivered(vm, heldSubject);
    assert.equal(delivered.peer, smtp);
    assert.deepEqual(
      (await eximQueue(vm)).filter((m) => m.recipients.includes(heldRcpt)),
      [],
      "the queue is empty of it",
    );
  });

  it("pulumi destroy takes the binding out of Exim's configuration; Exim stays installed and running", async () => {
    const r = await stack.destroy();
    assert.equal(r.code, 0, `pulumi destroy failed:\n${cliText(r)}`);
    // Debian's exim4-config ships no local macros file: the apply created it, the remove takes it away.
    assert.equal((await vm.exec(`test -e ${EXIM_LOCALMACROS_PATH}`, { check: false })).code, 1);
    // `exim4 -bP` prints an unset option with an empty value: no address is left.
    assert.match(await vm.sh("exim4 -bP transport remote_smtp"), /^interface = $/m);
    // The configuration Exim runs is the one Debian's generator makes from the package's files alone.
    assert.equal(
      await vm.sh(
        "update-exim4.conf -o /tmp/exim4.conf.fresh && cmp /tmp/exim4.conf.fresh /var/lib/exim4/config.autogenerated && echo same",
      ),
      "same",
    );
    assert.equal(await vm.sh("dpkg-query -W -f='${Status}' exim4-daemon-light"), "install ok installed");
    assert.equal(await vm.sh("systemctl is-active exim4.service"), "active");
  });
});
