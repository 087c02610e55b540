/**
 * A fresh cloud image becomes a mail host through `pulumi up`: the lab's bare image flavour has no Postfix,
 * nftables, curl or ping (as DigitalOcean's or Hetzner's Debian images may not), and apt's only source is the
 * lab's package repository in the provider namespace. The real engine runs the `lab` stack against it (CLI,
 * Node.js language host, the `@pulumi/command` provider's `remote.Command` over real SSH): the mail host's
 * apply script installs what it needs from that repository (Postfix preseeded as an Internet Site named after
 * the host), brings up the tunnel, the firewall and Postfix, and a message reaches the remote MX from the SMTP
 * address. A second `pulumi up` changes nothing and installs nothing; a changed setting runs the apply script
 * again, which finds its packages. `pulumi destroy` keeps the packages and puts back the configuration they
 * came with.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";

import { RESULT_CHANGED } from "../../host-config";
import { engineEnv } from "../../lab-driver/engine-env";
import { cliText, LabStack } from "../../lab-driver/lab-stack";
import { LabVm, runInstance } from "../../lab-driver/lab-vm";
import { sendMail, waitDelivered } from "../../lab-driver/mail-flow";
import { addressOf, loadTopology } from "../../lab-driver/topology";
import { labSmtpAddress } from "./lab-host-specs";
import { hostSettings, only } from "./host-settings";
import { labSkipReason } from "./lab-skip";
import { mailHostCommand } from "./mail-host-command";

const t = loadTopology();
const smtp = labSmtpAddress(t);
const hostIpv4 = addressOf(t.host.public.ipv4);
const run = Date.now().toString(36);
const MAIL_HOST_COMMANDS = ["postconf", "nft", "ping", "curl"];
const INSTALLED = ["postfix", "nftables", "libnftables1", "iputils-ping"];

/** One .deb the lab repository served: who fetched it (its HTTP server's access log) and which file. */
interface RepoDownload {
  readonly client: string;
  readonly file: string;
}

async function repoDownloads(vm: LabVm): Promise<RepoDownload[]> {
  const log = await vm.sh("journalctl -u lab-repo.service --no-pager -o cat");
  return [...log.matchAll(/^(\S+) - - \[[^\]]*\] "GET \/(?:\.\/)?([^ "]+\.deb) HTTP\/1\.[01]" 200/gm)].map(
    (m) => ({ client: m[1], file: m[2] }),
  );
}

/** dpkg's log: every package operation on the host adds lines. */
function dpkgLog(vm: LabVm): Promise<string> {
  return vm.sh("cat /var/log/dpkg.log 2>/dev/null || true");
}

/**
 * What `pulumi destroy` gives back on the bare host as it found it. Postfix, nftables.conf, its service and
 * the nftables tables are left out: the packages stay installed, and their configuration is checked against
 * what the packages shipped.
 */
const UNTOUCHED = ["gaiConf", "networkd", "networkdDropIns", "rules", "links", "stateDir"];

describe("a bare cloud image becomes a mail host by pulumi up", { skip: labSkipReason() }, () => {
  let vm: LabVm;
  let stack: LabStack;
  let before_: Record<string, string>;

  before(async () => {
    const engine = await engineEnv();
    vm = await LabVm.start(runInstance("bare-install"), "bare");
    await vm.labCtl(["mx", "clear"]);
    await vm.labCtl(["he", "sage", "on"]);
    stack = await LabStack.open(vm, engine, "bare");
    before_ = only(await hostSettings(vm), UNTOUCHED);
  });

  after(async () => {
    stack?.close();
    await vm?.stop();
  });

  it("the bare flavour lacks the mail host's packages and has only the lab repository as apt source", async () => {
    assert.equal(vm.ssh.flavour, "bare");
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
      `Types: deb\nURIs: http://${addressOf(t.provider.hostLink.ipv4)}:${t.provider.packageRepository.port}/\nSuites: ./\nTrusted: yes`,
    );
    assert.equal((await vm.exec("test -e /etc/apt/sources.list", { check: false })).code, 1);
    assert.deepEqual(await repoDownloads(vm), [], "nothing fetched from the repository yet");
    // The lab's own switches still work: its namespaces use a private nft outside the host's PATH.
    assert.match(
      await vm.sh(
        `ip netns exec ${t.provider.namespace} /usr/local/lib/lab/lab-nft list table inet lab_provider`,
      ),
      /outbound smtp block/,
    );
  });

  it("pulumi up installs the missing packages from the lab repository; tunnel, firewall and Postfix come up and mail leaves from the SMTP address", async () => {
    const r = await stack.up();
    console.log(`# pulumi up on the bare image (installing packages): ${(r.ms / 1000).toFixed(1)} s`);
    assert.equal(r.code, 0, `pulumi up failed:\n${cliText(r)}`);
    assert.equal(await stack.output("hostApplyResult"), RESULT_CHANGED);
    // iproute2 and kmod are in every cloud image (and in the bare flavour): only the rest is installed.
    assert.match(
      (await mailHostCommand(stack)).stdout,
      /^ipv6-mail: changed: installed iputils-ping nftables postfix$/m,
    );
    const downloads = await repoDownloads(vm);
    for (const pkg of INSTALLED) {
      assert.ok(
        downloads.some((d) => d.file.startsWith(`${pkg}_`)),
        `${pkg} came from the lab repository: ${downloads.map((d) => d.file).join(" ")}`,
      );
    }
    // Fetched by the mail host itself, over its public link, from the provider side of the lab.
    assert.deepEqual([...new Set(downloads.map((d) => d.client))], [hostIpv4]);
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
    // The confirming command ran over its own connection: no timed rollback is waiting.
    assert.equal(
      await vm.sh("test -e /var/lib/ipv6-mail/firewall/pending && echo pending || echo none"),
      "none",
    );

    const subject = `bare image ${run}`;
    await sendMail(vm, `bare-${run}@${t.internet.mx.domain}`, subject);
    const delivered = await waitDelivered(vm, subject);
    assert.equal(delivered.peer, smtp, "delivered from the SMTP address");
    assert.equal(delivered.helo, t.host.fqdn);
  });

  it("a second pulumi up is a no-op: no resource changes, nothing installed", async () => {
    const downloads = (await repoDownloads(vm)).length;
    const dpkg = await dpkgLog(vm);
    const r = await stack.up(["--expect-no-changes"]);
    assert.equal(r.code, 0, `pulumi up --expect-no-changes failed:\n${cliText(r)}`);
    const changes = await stack.lastUpdateChanges();
    assert.deepEqual(Object.keys(changes), ["same"], `only unchanged resources: ${JSON.stringify(changes)}`);
    assert.equal((await repoDownloads(vm)).length, downloads, "nothing fetched from the repository");
    assert.equal(await dpkgLog(vm), dpkg, "dpkg did nothing");
  });

  it("a changed setting runs the apply script again, which finds every package and installs nothing", async () => {
    const downloads = (await repoDownloads(vm)).length;
    const dpkg = await dpkgLog(vm);
    const settings = stack.settings();
    settings.firewall = { ...settings.firewall, rollbackSeconds: 90 };
    stack.configure(settings);
    const r = await stack.up();
    assert.equal(r.code, 0, `pulumi up of the changed setting failed:\n${cliText(r)}`);
    const changes = await stack.lastUpdateChanges();
    assert.ok((changes.update ?? 0) >= 1, `the host command is updated: ${JSON.stringify(changes)}`);
    const out = (await mailHostCommand(stack)).stdout;
    assert.match(out, /^ipv6-mail: packages: iproute2 kmod iputils-ping nftables postfix present$/m);
    assert.doesNotMatch(out, /installing/);
    assert.equal((await repoDownloads(vm)).length, downloads, "nothing fetched from the repository");
    assert.equal(await dpkgLog(vm), dpkg, "dpkg did nothing");
  });

  it("pulumi destroy keeps the packages and gives back the configuration they were installed with", async () => {
    const r = await stack.destroy();
    assert.equal(r.code, 0, `pulumi destroy failed:\n${cliText(r)}`);
    assert.ok((await stack.lastUpdateChanges()).delete, "the destroy deleted the stack's resources");
    assert.equal(
      await vm.sh("dpkg-query -W -f='${Status}' postfix nftables iputils-ping"),
      "install ok installed".repeat(3),
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
    assert.doesNotMatch(await vm.sh("nft list tables"), /ipv6_mail/);
    assert.deepEqual(
      only(await hostSettings(vm), UNTOUCHED),
      before_,
      "rules, links, gai.conf, networkd and state as before",
    );
  });
});
