// The remove scripts put every setting the apply scripts changed back as it was before the first apply: the
// originals recorded on the host (in a sandbox root here, with stub commands).
import { describe, it } from "node:test";
import * as assert from "node:assert/strict";
import {
  composeHostScript,
  dockerDaemonRestoreSection,
  dockerDaemonSection,
  eximRestoreSection,
  eximSection,
  forgetHostStateSection,
  gaiConfRestoreSection,
  gaiConfSection,
  HostScriptSection,
  nativeAddressRemoveSection,
  nativeAddressSection,
  postfixRestoreSection,
  postfixSection,
  RESULT_CHANGED,
  RESULT_FAILED,
  RESULT_UNCHANGED,
} from "../../../host-config";
import { assertScriptLints, describeRun, hasCommand, resultLine, Sandbox } from "./shell-harness";
import { postfixBox } from "./postfix-stub";

const PF = { smtpAddress: "2001:db8:25::25", hostName: "mail.example.org" };
const ORIGINALS = "var/lib/ipv6-mail/originals";

function ok(box: Sandbox, script: string, expected: string): string {
  const run = box.run(script);
  assert.equal(run.status, 0, describeRun(run));
  assert.equal(resultLine(run), expected, describeRun(run));
  return run.stdout;
}

const apply = (...sections: HostScriptSection[]) => composeHostScript(sections, { title: "apply" });
const remove = (...sections: HostScriptSection[]) =>
  composeHostScript([...sections, forgetHostStateSection()], { title: "remove" });

describe("restoring what apply changed", () => {
  it("the remove sections lint clean", () => {
    for (const [label, section] of [
      ["postfix", postfixRestoreSection()],
      ["exim", eximRestoreSection()],
      ["gai.conf", gaiConfRestoreSection()],
      ["docker", dockerDaemonRestoreSection()],
    ] as const) {
      assertScriptLints(remove(section), `${label} restore`);
    }
  });

  it("Postfix: main.cf's explicit settings come back exactly, unset ones are unset again (postconf -X)", () => {
    const before = "inet_protocols = ipv4\nsmtp_helo_name = helo.before.example\nrelayhost =\n";
    const box = postfixBox("3.7.11", before);
    try {
      ok(box, apply(postfixSection(PF)), RESULT_CHANGED);
      const main = box.read("etc/postfix/main.cf");
      assert.match(main, /^smtp_bind_address6 = 2001:db8:25::25$/m);
      assert.match(main, /^inet_protocols = all$/m);
      assert.equal(box.read(`${ORIGINALS}/postfix.main.inet_protocols.value`), "ipv4");
      assert.ok(box.exists(`${ORIGINALS}/postfix.main.smtp_bind_address6.absent`));
      // A re-apply with another address keeps the first record: the original is what was there before ipv6-mail.
      ok(box, apply(postfixSection({ ...PF, smtpAddress: "2001:db8:25::26" })), RESULT_CHANGED);
      assert.ok(box.exists(`${ORIGINALS}/postfix.main.smtp_bind_address6.absent`));

      box.clearCalls();
      const out = ok(box, remove(postfixRestoreSection()), RESULT_CHANGED);
      assert.match(out, /postfix myhostname smtp_bind_address6 smtp_bind_address_enforce unset again/);
      const restored = box.read("etc/postfix/main.cf").split("\n").filter(Boolean).sort();
      assert.deepEqual(restored, before.split("\n").filter(Boolean).sort(), "postconf -n as before");
      assert.ok(box.calls().includes("postconf -X myhostname smtp_bind_address6 smtp_bind_address_enforce"));
      assert.ok(box.calls().includes("postconf -e inet_protocols=ipv4 smtp_helo_name=helo.before.example"));
      assert.equal(
        box.calls().filter((c) => c.startsWith("postconf")).length,
        5,
        "postconf runs: main.cf's directory, read, unset, set, verify",
      );
      assert.deepEqual(
        box.calls().filter((c) => c.startsWith("postfix ") && c !== "postfix status"),
        ["postfix stop", "postfix start"],
        "inet_protocols changed back: a restart, not a reload",
      );
      assert.equal(box.exists("var/lib/ipv6-mail"), false, "the state directory is gone");
      assert.equal(resultLine(box.run(remove(postfixRestoreSection()))), RESULT_UNCHANGED);
      assert.equal(box.exists("var/lib/ipv6-mail"), false);
    } finally {
      box.dispose();
    }
  });

  it("Postfix: a parameter the spec no longer sets gets its original back at the next apply", () => {
    const box = postfixBox("3.7.11", "smtp_bind_address = 198.51.100.7\n");
    try {
      ok(box, apply(postfixSection({ ...PF, smtpIpv4: "192.0.2.25" })), RESULT_CHANGED);
      assert.match(box.read("etc/postfix/main.cf"), /^smtp_bind_address = 192\.0\.2\.25$/m);
      ok(box, apply(postfixSection(PF)), RESULT_CHANGED);
      assert.match(box.read("etc/postfix/main.cf"), /^smtp_bind_address = 198\.51\.100\.7$/m);
      assert.equal(box.exists(`${ORIGINALS}/postfix.main.smtp_bind_address.value`), false);
      ok(box, apply(postfixSection(PF)), RESULT_UNCHANGED);
    } finally {
      box.dispose();
    }
  });

  it("a failed apply leaves no records behind (its rollback restored that state already)", () => {
    const box = postfixBox("3.7.11");
    try {
      const run = box.run(apply(postfixSection(PF), { name: "boom", apply: 'die "later section broke"' }));
      assert.equal(run.status, 1, describeRun(run));
      assert.equal(resultLine(run), RESULT_FAILED);
      assert.equal(box.read("etc/postfix/main.cf"), "inet_protocols = ipv4\nmyhostname = old.example.org\n");
      assert.equal(box.exists(`${ORIGINALS}/postfix.main.smtp_bind_address6.absent`), false);
      // The user changes main.cf, then the apply succeeds: the record is the user's value, not a stale one.
      box.write("etc/postfix/main.cf", "inet_protocols = ipv6\n");
      ok(box, apply(postfixSection(PF)), RESULT_CHANGED);
      assert.equal(box.read(`${ORIGINALS}/postfix.main.inet_protocols.value`), "ipv6");
    } finally {
      box.dispose();
    }
  });

  it("a failed remove keeps the records, so the next remove can still restore", () => {
    const box = postfixBox("3.7.11");
    try {
      ok(box, apply(postfixSection(PF)), RESULT_CHANGED);
      const run = box.run(remove(postfixRestoreSection(), { name: "boom", apply: "false" }));
      assert.equal(resultLine(run), RESULT_FAILED, describeRun(run));
      assert.match(
        box.read("etc/postfix/main.cf"),
        /^smtp_bind_address6 = /m,
        "rolled back to the applied state",
      );
      assert.ok(box.exists(`${ORIGINALS}/postfix.main.smtp_bind_address6.absent`));
      ok(box, remove(postfixRestoreSection()), RESULT_CHANGED);
      assert.equal(
        box.read("etc/postfix/main.cf").split("\n").filter(Boolean).sort().join("\n"),
        "inet_protocols = ipv4\nmyhostname = old.example.org",
      );
    } finally {
      box.dispose();
    }
  });

  it("gai.conf: absent stays absent, a present file comes back byte for byte, edits made since stay", () => {
    const box = new Sandbox();
    try {
      ok(box, apply(gaiConfSection()), RESULT_CHANGED);
      ok(box, remove(gaiConfRestoreSection()), RESULT_CHANGED);
      assert.equal(box.exists("etc/gai.conf"), false, "there was no gai.conf");

      const original = "# Configuration for getaddrinfo(3).\n#precedence ::ffff:0:0/96  100"; // no final newline
      box.write("etc/gai.conf", original);
      ok(box, apply(gaiConfSection()), RESULT_CHANGED);
      ok(box, apply(gaiConfSection()), RESULT_UNCHANGED);
      ok(box, remove(gaiConfRestoreSection()), RESULT_CHANGED);
      assert.equal(box.read("etc/gai.conf"), original);
      ok(box, remove(gaiConfRestoreSection()), RESULT_UNCHANGED);

      ok(box, apply(gaiConfSection()), RESULT_CHANGED);
      box.write("etc/gai.conf", `${box.read("etc/gai.conf")}label ::1/128 0\n`);
      ok(box, remove(gaiConfRestoreSection()), RESULT_CHANGED);
      assert.equal(
        box.read("etc/gai.conf"),
        "# Configuration for getaddrinfo(3).\n#precedence ::ffff:0:0/96  100\nlabel ::1/128 0\n",
      );
    } finally {
      box.dispose();
    }
  });

  it("Exim: the local macros file comes back (or goes) and the configuration is regenerated", () => {
    const box = new Sandbox();
    try {
      box.stub("update-exim4.conf", "exit 0");
      box.stub(
        "exim4",
        String.raw`v=$(sed -n 's/^REMOTE_SMTP_INTERFACE = //p' "$IPV6_MAIL_ROOT/etc/exim4/exim4.conf.localmacros")
echo "interface = $v"`,
      );
      const section = eximSection({ smtpAddress: PF.smtpAddress });
      ok(box, apply(section), RESULT_CHANGED);
      box.clearCalls();
      ok(box, remove(eximRestoreSection()), RESULT_CHANGED);
      assert.equal(box.exists("etc/exim4/exim4.conf.localmacros"), false);
      assert.equal(box.calls().filter((c) => c.startsWith("update-exim4.conf")).length, 1);

      box.write("etc/exim4/exim4.conf.localmacros", "MAIN_TLS_ENABLE = yes\n");
      ok(box, apply(section), RESULT_CHANGED);
      ok(box, remove(eximRestoreSection()), RESULT_CHANGED);
      assert.equal(box.read("etc/exim4/exim4.conf.localmacros"), "MAIN_TLS_ENABLE = yes\n");
      box.clearCalls();
      ok(box, remove(eximRestoreSection()), RESULT_UNCHANGED);
      assert.equal(box.calls().filter((c) => c.startsWith("update-exim4.conf")).length, 0);
    } finally {
      box.dispose();
    }
  });

  it(
    "docker: daemon.json comes back byte for byte, or goes; keys added since stay",
    { skip: hasCommand("python3") ? false : "no python3" },
    () => {
      const box = new Sandbox();
      try {
        ok(box, apply(dockerDaemonSection()), RESULT_CHANGED);
        ok(box, remove(dockerDaemonRestoreSection()), RESULT_CHANGED);
        assert.equal(box.exists("etc/docker/daemon.json"), false);

        const original = '{"log-driver":"journald","ip6tables":false}';
        box.write("etc/docker/daemon.json", original);
        ok(box, apply(dockerDaemonSection()), RESULT_CHANGED);
        ok(box, remove(dockerDaemonRestoreSection()), RESULT_CHANGED);
        assert.equal(box.read("etc/docker/daemon.json"), original);

        ok(box, apply(dockerDaemonSection()), RESULT_CHANGED);
        const edited = JSON.parse(box.read("etc/docker/daemon.json")) as Record<string, unknown>;
        box.write("etc/docker/daemon.json", JSON.stringify({ ...edited, "live-restore": true }));
        ok(box, remove(dockerDaemonRestoreSection()), RESULT_CHANGED);
        assert.deepEqual(JSON.parse(box.read("etc/docker/daemon.json")), {
          "log-driver": "journald",
          ip6tables: false,
          "live-restore": true,
        });
        ok(box, remove(dockerDaemonRestoreSection()), RESULT_UNCHANGED);
      } finally {
        box.dispose();
      }
    },
  );

  it("the native SMTP address: its unit goes and the address leaves the NIC", () => {
    const box = new Sandbox();
    try {
      const native = { interfaceName: "eth0", smtpAddress: "2a01:4f8:c17:1234::25" };
      box.stub("systemctl", "exit 0");
      // ip: the address is on eth0 until `ip -6 addr del` takes it off.
      box.stub(
        "ip",
        String.raw`state="$IPV6_MAIL_ROOT/.addr"
case "$*" in
  "-6 addr show dev eth0") [ -e "$state" ] || echo "    inet6 2a01:4f8:c17:1234::25/128 scope global" ;;
  "-6 addr del 2a01:4f8:c17:1234::25/128 dev eth0") : >"$state" ;;
esac`,
      );
      ok(box, apply(nativeAddressSection(native)), RESULT_CHANGED);
      assert.ok(box.exists("etc/systemd/system/ipv6-mail-smtp-address.service"));
      const script = remove(nativeAddressRemoveSection(native));
      assertScriptLints(script, "native address remove");
      const out = ok(box, script, RESULT_CHANGED);
      assert.match(out, /removed 2a01:4f8:c17:1234::25 from eth0/);
      assert.equal(box.exists("etc/systemd/system/ipv6-mail-smtp-address.service"), false);
      ok(box, script, RESULT_UNCHANGED);
    } finally {
      box.dispose();
    }
  });

  it("the state directory stays while another script's originals are still recorded", () => {
    const box = postfixBox("3.7.11");
    try {
      ok(box, apply(postfixSection(PF), gaiConfSection()), RESULT_CHANGED);
      const out = ok(box, remove(postfixRestoreSection()), RESULT_CHANGED);
      assert.match(
        out,
        /keeping .*var\/lib\/ipv6-mail: originals no section of this script restored: gai\.conf/,
      );
      assert.ok(box.exists(`${ORIGINALS}/gai.conf.absent`));
      ok(box, remove(gaiConfRestoreSection()), RESULT_CHANGED);
      assert.equal(box.exists("var/lib/ipv6-mail"), false);
    } finally {
      box.dispose();
    }
  });
});
