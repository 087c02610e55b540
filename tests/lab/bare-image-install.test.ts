/**
 * A fresh cloud image becomes a mail host: the lab's bare image flavour has no Postfix, nftables, curl or
 * ping (as DigitalOcean's or Hetzner's Debian images may not), and apt's only source is the lab's package
 * repository in the provider namespace. The mail host's composed apply script, over SSH, installs what it
 * needs from there (Postfix preseeded as an Internet Site named after the host), then brings up the tunnel,
 * the firewall and Postfix, and a message reaches the remote MX from the SMTP address. A second apply
 * installs nothing. The remove script keeps the packages and puts back the configuration they came with.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";

import { RESULT_CHANGED, RESULT_UNCHANGED } from "../../host-config";
import { labSmtpAddress } from "./lab-host-specs";
import { labMailHostScripts } from "./lab-mail-host-scripts";
import { labSkipReason } from "./lab-skip";
import { LabVm } from "../../lab-driver/lab-vm";
import { lastLine, sendMail, waitDelivered } from "../../lab-driver/mail-flow";
import { loadTopology } from "../../lab-driver/topology";

const t = loadTopology();
const smtp = labSmtpAddress(t);
const scripts = labMailHostScripts(t);
const run = Date.now().toString(36);
const MAIL_HOST_COMMANDS = ["postconf", "nft", "ping", "curl"];

/** The .deb files the mail host fetched from the lab repository (its HTTP server's access log). */
async function repoDownloads(vm: LabVm): Promise<string[]> {
  const log = await vm.sh("journalctl -u lab-repo.service --no-pager -o cat");
  return [...log.matchAll(/"GET \/(?:\.\/)?([^ "]+\.deb) HTTP\/1\.[01]" 200/g)].map((m) => m[1]);
}

describe("a bare cloud image becomes a mail host", { skip: labSkipReason() }, () => {
  let vm: LabVm;

  before(async () => {
    vm = await LabVm.start("bare-install", "bare");
    await vm.labCtl(["mx", "clear"]);
  });

  after(async () => {
    await vm?.stop();
  });

  it("the bare flavour lacks the mail host's packages and has only the lab repository as apt source", async () => {
    for (const command of MAIL_HOST_COMMANDS) {
      const found = await vm.exec(`command -v ${command}`, { check: false });
      assert.notEqual(found.code, 0, `${command} is not installed: ${found.stdout}`);
    }
    assert.equal(
      (await vm.exec("dpkg-query -W -f='${db:Status-Abbrev}' postfix", { check: false })).stdout
        .trim()
        .startsWith("ii"),
      false,
    );
    assert.equal(
      await vm.sh("cat /etc/apt/sources.list.d/*.sources"),
      `Types: deb\nURIs: http://${t.provider.hostLink.ipv4.replace(/\/.*/, "")}:${t.provider.packageRepository.port}/\nSuites: ./\nTrusted: yes`,
    );
    assert.equal((await vm.exec("test -e /etc/apt/sources.list", { check: false })).code, 1);
    // The lab's own switches still work: its namespaces use a private nft outside the host's PATH.
    assert.match(
      await vm.sh(
        `ip netns exec ${t.provider.namespace} /usr/local/lib/lab/lab-nft list table inet lab_provider`,
      ),
      /outbound smtp block/,
    );
  });

  it("apply installs the missing packages from the lab repository, then tunnel, firewall and Postfix come up and mail is delivered", async () => {
    const started = Date.now();
    const r = await vm.runScript(scripts.apply, [], { check: false, timeoutMs: 900_000 });
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    console.log(`# apply on the bare image (installing packages): ${seconds} s`);
    assert.equal(r.code, 0, `apply failed:\n${r.stdout}\n${r.stderr}`);
    assert.equal(lastLine(r.stdout), RESULT_CHANGED);
    // iproute2 and kmod are in every cloud image (and in the bare flavour): only the rest is installed.
    assert.match(r.stdout, /^ipv6-mail: changed: installed iputils-ping nftables postfix$/m);
    const downloads = await repoDownloads(vm);
    for (const pkg of ["postfix", "nftables", "libnftables1", "iputils-ping"]) {
      assert.ok(
        downloads.some((d) => d.startsWith(`${pkg}_`)),
        `${pkg} came from the lab repository: ${downloads.join(" ")}`,
      );
    }
    assert.equal(await vm.sh("dpkg-query -W -f='${Status}' postfix"), "install ok installed");
    // Preseeded: an Internet Site under the host's name, installed without a question.
    assert.equal(
      await vm.sh("debconf-show postfix | sed -n 's/^[* ] postfix\\/main_mailer_type: //p'"),
      "Internet Site",
    );
    assert.equal(await vm.sh("cat /etc/mailname"), t.host.fqdn);
    assert.equal(await vm.sh("postconf -h smtp_bind_address6"), smtp);
    assert.match(await vm.sh("ip -d link show dev he-ipv6"), /sit /);
    assert.match(await vm.sh("nft list table ip6 ipv6_mail"), /policy drop/);

    const confirm = await vm.runScript(scripts.confirm, [], { check: false, newConnection: true });
    assert.equal(confirm.code, 0, `confirm failed:\n${confirm.stdout}\n${confirm.stderr}`);

    await vm.labCtl(["he", "sage", "on"]);
    const subject = `bare image ${run}`;
    await sendMail(vm, `bare-${run}@${t.internet.mx.domain}`, subject);
    const delivered = await waitDelivered(vm, subject);
    assert.equal(delivered.peer, smtp, "delivered from the SMTP address");
    assert.equal(delivered.helo, t.host.fqdn);
  });

  it("a second apply installs nothing and changes nothing", async () => {
    const before = (await repoDownloads(vm)).length;
    const again = await vm.runScript(scripts.apply, [], { check: false });
    assert.equal(again.code, 0, `re-apply failed:\n${again.stdout}\n${again.stderr}`);
    assert.equal(lastLine(again.stdout), RESULT_UNCHANGED);
    assert.match(again.stdout, /^ipv6-mail: packages: iproute2 kmod iputils-ping nftables postfix present$/m);
    assert.doesNotMatch(again.stdout, /installing/);
    assert.equal((await repoDownloads(vm)).length, before, "nothing fetched from the repository");
  });

  it("remove keeps the packages and gives back the configuration they were installed with", async () => {
    const r = await vm.runScript(scripts.remove, [], { check: false });
    assert.equal(r.code, 0, `remove failed:\n${r.stdout}\n${r.stderr}`);
    assert.equal(lastLine(r.stdout), RESULT_CHANGED);
    assert.match(
      r.stdout,
      /packages installed by ipv6-mail stay installed: iputils-ping nftables postfix \(apt-get purge/,
    );
    assert.equal(
      await vm.sh("dpkg-query -W -f='${Status}' postfix nftables"),
      "install ok installedinstall ok installed",
    );
    assert.equal(await vm.sh("postconf -n smtp_bind_address6 smtp_bind_address_enforce"), "");
    // nftables.conf is the package's own file again, byte for byte, and the service is disabled as shipped.
    const [conffile] = (await vm.sh("dpkg-query -W -f='${Conffiles}' nftables"))
      .split("\n")
      .filter((l) => l.includes("/etc/nftables.conf"));
    assert.equal(await vm.sh("md5sum < /etc/nftables.conf | cut -d' ' -f1"), conffile.trim().split(/\s+/)[1]);
    assert.equal(
      (await vm.exec("systemctl is-enabled nftables.service", { check: false })).stdout.trim(),
      "disabled",
    );
    assert.equal((await vm.exec("test -e /var/lib/ipv6-mail", { check: false })).code, 1);
    assert.equal((await vm.exec("ip link show dev he-ipv6", { check: false })).code, 1);
    assert.equal(lastLine((await vm.runScript(scripts.remove)).stdout), RESULT_UNCHANGED);
  });
});
