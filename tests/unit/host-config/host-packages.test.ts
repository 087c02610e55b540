import { describe, it } from "node:test";
import * as assert from "node:assert/strict";
import {
  composeHostScript,
  eximSection,
  firewallApplySection,
  hostPackagesRemoveSection,
  hostPackagesSection,
  HostPackage,
  HostScriptSection,
  hostPath,
  heredoc,
  packagesOf,
  postfixPackage,
  postfixSection,
  RESULT_CHANGED,
  RESULT_FAILED,
  RESULT_UNCHANGED,
  tunnelApplySection,
} from "../../../host-config";
import { assertScriptLints, describeRun, resultLine, Sandbox } from "./shell-harness";

// Commands no machine has, so the tests decide what is "installed" (stub commands in the sandbox's bin).
const ALPHA: HostPackage = {
  name: "ipv6-mail-test-alpha",
  command: "ipv6-mail-test-alpha-cmd",
  debconf: ["ipv6-mail-test-alpha alpha/question select Internet Site"],
};
const BETA: HostPackage = { name: "ipv6-mail-test-beta", command: "ipv6-mail-test-beta-cmd" };

function needing(name: string, packages: HostPackage[], extra = ""): HostScriptSection {
  return {
    name,
    apply: `for c in ${packages.map((p) => p.command).join(" ")}; do "$c"; done\n${extra}`,
    packages,
  };
}

/**
 * An apt-get stand-in: `update` and `install` log their arguments; install puts a command of each package
 * named on its command line into the sandbox's bin (unless APT_FAIL says which step fails, as apt would).
 */
function aptBox(): Sandbox {
  const box = new Sandbox();
  box.stub(
    "apt-get",
    String.raw`printf '%s\n' "DEBIAN_FRONTEND=$DEBIAN_FRONTEND" >>"$STUB_LOG"
for a in "$@"; do case $a in update) step=update ;; install) step=install ;; esac; done
if [ "$step" = "${"$"}{APT_FAIL:-}" ]; then
  echo "E: Unable to locate package ipv6-mail-test-alpha"
  echo "W: an apt warning"
  exit 100
fi
if [ "$step" = install ]; then
  for a in "$@"; do
    case $a in ipv6-mail-test-*)
      [ "${"$"}{APT_BROKEN:-}" = "$a" ] && continue
      printf '#!/bin/bash\nexit 0\n' >"$(dirname "$0")/$a-cmd"
      chmod +x "$(dirname "$0")/$a-cmd" ;;
    esac
  done
fi`,
  );
  box.stub("debconf-set-selections", 'cat >>"$IPV6_MAIL_ROOT/debconf.answers"');
  return box;
}

describe("host packages", () => {
  it("takes the packages from the sections, each once, and refuses two different declarations", () => {
    assert.deepEqual(
      packagesOf([needing("a", [ALPHA]), needing("b", [BETA, ALPHA])]).map((p) => p.name),
      [ALPHA.name, BETA.name],
    );
    assert.equal(hostPackagesSection([{ name: "x", apply: ":" }]), undefined);
    assert.throws(
      () => packagesOf([needing("a", [ALPHA]), needing("b", [{ ...ALPHA, command: "other" }])]),
      /two sections ask for package ipv6-mail-test-alpha differently/,
    );
    assert.throws(
      () => packagesOf([needing("a", [{ name: "Bad Name", command: "x" }])]),
      /not a Debian package/,
    );
    assert.throws(
      () => packagesOf([needing("a", [{ name: "pkg", command: "x", debconf: ["pkg only-two"] }])]),
      /is not "<owner> <question> <type> <value>"/,
    );
  });

  it("asks the real sections for what they run: Postfix preseeded with the host name, nftables, ip, ping", () => {
    const sections = [
      tunnelApplySection({
        heServerIpv4: "198.51.100.9",
        localIpv4: "192.0.2.5",
        linkClientAddress: "2001:470:1f0a:123::2",
        linkServerAddress: "2001:470:1f0a:123::1",
        routedPrefix: "2001:470:1f0b:123::/64",
        smtpAddress: "2001:470:1f0b:123::25",
        providerDefaultRoute: "keep",
      }),
      firewallApplySection({ allowedTcpPorts: [25], adminSources: ["2001:db8:a::/48"] }),
      postfixSection({ smtpAddress: "2001:470:1f0b:123::25", hostName: "Mail.Example.org" }),
    ];
    assert.deepEqual(
      packagesOf(sections).map((p) => `${p.name}:${p.command}`),
      ["iproute2:ip", "kmod:modprobe", "iputils-ping:ping", "nftables:nft", "postfix:postconf"],
    );
    assert.deepEqual(postfixPackage("Mail.Example.org").debconf, [
      "postfix postfix/main_mailer_type select Internet Site",
      "postfix postfix/mailname string mail.example.org",
    ]);
    assert.throws(() => postfixPackage("mail"), /not a fully qualified host name/);
    assert.match(
      (eximSection({ smtpAddress: "2001:470:1f0b:123::25", hostName: "mail.example.org" }).packages ?? [])
        .flatMap((p) => p.debconf ?? [])
        .join("\n"),
      /^exim4-config exim4\/dc_eximconfig_configtype select internet site; mail is sent and received directly using SMTP$/m,
    );
    const section = hostPackagesSection(sections);
    assert.ok(section);
    assertScriptLints(composeHostScript([section, ...sections]), "packages + mail host");
  });

  it("installs nothing, and never runs apt, when every command is there", () => {
    const box = aptBox();
    try {
      box.stub(ALPHA.command, "exit 0");
      box.stub(BETA.command, "exit 0");
      const sections = [needing("uses", [ALPHA, BETA])];
      const run = box.run(composeHostScript([hostPackagesSection(sections)!, ...sections]));
      assert.equal(run.status, 0, describeRun(run));
      assert.equal(resultLine(run), RESULT_UNCHANGED);
      assert.deepEqual(
        box.calls().filter((c) => c.startsWith("apt-get") || c.startsWith("debconf")),
        [],
      );
    } finally {
      box.dispose();
    }
  });

  it("installs only what is missing, answers debconf first, updates once, then is idempotent", () => {
    const box = aptBox();
    try {
      box.stub(BETA.command, "exit 0");
      const sections = [needing("uses", [ALPHA, BETA])];
      const script = composeHostScript([hostPackagesSection(sections)!, ...sections]);
      const first = box.run(script);
      assert.equal(first.status, 0, describeRun(first));
      assert.equal(resultLine(first), RESULT_CHANGED);
      assert.match(first.stdout, /changed: installed ipv6-mail-test-alpha$/m);
      const apt = box.calls().filter((c) => c.startsWith("apt-get"));
      assert.equal(apt.length, 2, apt.join("\n"));
      assert.match(apt[0], /^apt-get -q -y -o DPkg::Lock::Timeout=300 .* update$/);
      assert.match(
        apt[1],
        / install --no-install-recommends --no-remove ipv6-mail-test-alpha$/,
        "beta is present: only alpha is installed",
      );
      assert.ok(box.calls().includes("DEBIAN_FRONTEND=noninteractive"));
      assert.equal(box.read("debconf.answers"), `${ALPHA.debconf![0]}\n`);
      assert.equal(box.read("var/lib/ipv6-mail/installed-packages"), "ipv6-mail-test-alpha\n");

      box.clearCalls();
      const second = box.run(script);
      assert.equal(resultLine(second), RESULT_UNCHANGED, describeRun(second));
      assert.deepEqual(
        box.calls().filter((c) => c.startsWith("apt-get")),
        [],
      );
    } finally {
      box.dispose();
    }
  });

  for (const step of ["update", "install"]) {
    it(`fails with apt's own error when apt-get ${step} fails, and rolls back the run`, () => {
      const box = aptBox();
      try {
        box.write("etc/before.conf", "old\n");
        const sections = [needing("uses", [ALPHA])];
        const writer: HostScriptSection = {
          name: "writer",
          apply: `if install_file_if_changed ${hostPath("/etc/before.conf")} 0644 ${heredoc("new\n")}\nthen :; fi`,
        };
        const run = box.run(composeHostScript([writer, hostPackagesSection(sections)!, ...sections]), {
          env: { APT_FAIL: step },
        });
        assert.equal(run.status, 1, describeRun(run));
        assert.equal(resultLine(run), RESULT_FAILED);
        assert.match(
          run.stderr,
          step === "update"
            ? /ERROR: apt-get update failed, nothing was installed: E: Unable to locate package ipv6-mail-test-alpha W: an apt warning/
            : /ERROR: apt-get install ipv6-mail-test-alpha failed \(apt removed nothing\): E: Unable to locate/,
        );
        assert.equal(box.read("etc/before.conf"), "old\n", "the run's other changes are rolled back");
        assert.equal(box.exists("var/lib/ipv6-mail/installed-packages"), false);
      } finally {
        box.dispose();
      }
    });
  }

  it("fails when the package installed but the command the script needs is still missing", () => {
    const box = aptBox();
    try {
      const sections = [needing("uses", [ALPHA])];
      const run = box.run(composeHostScript([hostPackagesSection(sections)!, ...sections]), {
        env: { APT_BROKEN: ALPHA.name },
      });
      assert.equal(run.status, 1, describeRun(run));
      assert.match(
        run.stderr,
        /ipv6-mail-test-alpha is installed but ipv6-mail-test-alpha-cmd is still not on PATH/,
      );
    } finally {
      box.dispose();
    }
  });

  it("on removal keeps the packages and says which ones ipv6-mail installed", () => {
    const box = aptBox();
    try {
      box.write("var/lib/ipv6-mail/installed-packages", "postfix\nnftables\npostfix\n");
      const remove = composeHostScript([hostPackagesRemoveSection()]);
      assertScriptLints(remove, "packages remove");
      const run = box.run(remove);
      assert.equal(run.status, 0, describeRun(run));
      assert.match(
        run.stdout,
        /packages installed by ipv6-mail stay installed: nftables postfix \(apt-get purge/,
      );
      assert.equal(box.exists("var/lib/ipv6-mail/installed-packages"), false);
      assert.deepEqual(
        box.calls().filter((c) => c.startsWith("apt-get")),
        [],
      );
      assert.equal(resultLine(box.run(remove)), RESULT_UNCHANGED);
    } finally {
      box.dispose();
    }
  });
});
