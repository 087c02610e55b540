import { describe, it } from "node:test";
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import {
  composeHostScript,
  heredoc,
  hostPath,
  HostScriptSection,
  RESULT_CHANGED,
  RESULT_FAILED,
  RESULT_UNCHANGED,
  shellIdentifier,
  shellQuote,
} from "../../../host-config";
import { parseIpv6Prefix, prefixContainsAddress } from "../../../net";
import { assertScriptLints, describeRun, resultLine, Sandbox } from "./shell-harness";

function fileSection(name: string, file: string, content: string, extra = ""): HostScriptSection {
  return {
    name,
    apply: `if install_file_if_changed ${hostPath(file)} 0644 ${heredoc(content)}\nthen :; fi\n${extra}`,
    rollback: `printf '%s\\n' "rollback ${name}" >>"$IPV6_MAIL_ROOT/rollbacks"`,
  };
}

describe("script frame", () => {
  it("renders bash with set -euo pipefail, the helpers and one call per section, in order", () => {
    const script = composeHostScript(
      [fileSection("first", "/etc/a", "a\n"), fileSection("second", "/etc/b", "b\n")],
      {
        title: "demo",
      },
    );
    assert.ok(script.startsWith("#!/bin/bash\n# ipv6-mail: demo\n"));
    assert.match(script, /^set -euo pipefail$/m);
    assert.match(script, /^log\(\) \{ printf 'ipv6-mail: %s\\n' "\$\*"; \}$/m);
    assert.match(script, /^install_file_if_changed\(\) \{$/m);
    assert.match(script, /^trap ipv6_mail_on_exit EXIT$/m);
    assert.ok(script.endsWith("ipv6_mail_begin_run\nipv6_mail_section first\nipv6_mail_section second\n"));
    assertScriptLints(script, "composed demo");
  });

  it("writes files once, then reports unchanged (idempotency visible on the last line)", () => {
    const box = new Sandbox();
    try {
      const script = composeHostScript([fileSection("only", "/etc/demo.conf", "hello\n")]);
      const first = box.run(script);
      assert.equal(first.status, 0, describeRun(first));
      assert.equal(resultLine(first), RESULT_CHANGED);
      assert.equal(box.read("etc/demo.conf"), "hello\n");
      const second = box.run(script);
      assert.equal(second.status, 0, describeRun(second));
      assert.equal(resultLine(second), RESULT_UNCHANGED);
      assert.ok(box.exists("var/lib/ipv6-mail/last-run/backup.0") === false, "a new file has no backup copy");
    } finally {
      box.dispose();
    }
  });

  it("rolls back every section of the run when a later section fails", () => {
    const box = new Sandbox();
    try {
      box.write("etc/a.conf", "old a\n");
      const script = composeHostScript([
        fileSection("first", "/etc/a.conf", "new a\n"),
        fileSection("second", "/etc/b.conf", "new b\n", 'die "second section broke"'),
        fileSection("third", "/etc/c.conf", "new c\n"),
      ]);
      const run = box.run(script);
      assert.equal(run.status, 1, describeRun(run));
      assert.equal(resultLine(run), RESULT_FAILED);
      assert.match(run.stderr, /ipv6-mail: ERROR: second section broke/);
      assert.equal(box.read("etc/a.conf"), "old a\n", "first section's file restored");
      assert.equal(box.exists("etc/b.conf"), false, "second section's new file removed");
      assert.equal(box.exists("etc/c.conf"), false, "third section never ran");
      assert.equal(box.read("rollbacks"), "rollback second\nrollback first\n", "rollbacks last first");
      assert.equal(box.exists("var/lib/ipv6-mail/last-run"), false);
    } finally {
      box.dispose();
    }
  });

  it("a failing command (not only die) triggers the rollback too", () => {
    const box = new Sandbox();
    try {
      const run = box.run(composeHostScript([fileSection("x", "/etc/x.conf", "x\n", "false")]));
      assert.equal(run.status, 1, describeRun(run));
      assert.equal(resultLine(run), RESULT_FAILED);
      assert.equal(box.exists("etc/x.conf"), false);
    } finally {
      box.dispose();
    }
  });

  it("notices a mode change as a change", () => {
    const box = new Sandbox();
    try {
      const section = (mode: string): HostScriptSection => ({
        name: "m",
        apply: `install_file_if_changed "$IPV6_MAIL_ROOT/etc/m" ${mode} <<<'same' || true`,
      });
      assert.equal(resultLine(box.run(composeHostScript([section("0644")]))), RESULT_CHANGED);
      assert.equal(resultLine(box.run(composeHostScript([section("0600")]))), RESULT_CHANGED);
      assert.equal(resultLine(box.run(composeHostScript([section("0600")]))), RESULT_UNCHANGED);
    } finally {
      box.dispose();
    }
  });

  it("manages a marked block inside a file it does not own, and removes only that block", () => {
    const box = new Sandbox();
    try {
      box.write("etc/shared.conf", "# owned by someone else\nkeep me\n");
      const install = composeHostScript([
        {
          name: "b",
          apply: "install_block_if_changed \"$IPV6_MAIL_ROOT/etc/shared.conf\" 0644 <<<'ours = 1' || true",
        },
      ]);
      assert.equal(resultLine(box.run(install)), RESULT_CHANGED);
      assert.equal(
        box.read("etc/shared.conf"),
        "# owned by someone else\nkeep me\n# BEGIN ipv6-mail (managed block: edit the stack, not this file)\nours = 1\n# END ipv6-mail\n",
      );
      assert.equal(resultLine(box.run(install)), RESULT_UNCHANGED);
      const remove = composeHostScript([
        { name: "r", apply: 'remove_block_if_present "$IPV6_MAIL_ROOT/etc/shared.conf" || true' },
      ]);
      assert.equal(resultLine(box.run(remove)), RESULT_CHANGED);
      assert.equal(box.read("etc/shared.conf"), "# owned by someone else\nkeep me\n");
      assert.equal(resultLine(box.run(remove)), RESULT_UNCHANGED);
    } finally {
      box.dispose();
    }
  });

  it("ipv6_expand and ipv6_in_prefix agree with net/", () => {
    const cases: Array<[string, string]> = [
      ["2001:db8::1", "2001:db8::/32"],
      ["2001:db8::1", "2001:db9::/32"],
      ["2001:db8:a:1::5", "2001:db8:a::/48"],
      ["2001:db8:b::5", "2001:db8:a::/47"],
      ["2001:db8:c::5", "2001:db8:a::/47"],
      ["fe80::1%eth0", "fe80::/10"],
      ["febf::1", "fe80::/10"],
      ["fec0::1", "fe80::/10"],
      ["::1", "::1/128"],
      ["1::", "::/0"],
      ["2001:DB8:0:0:0:0:0:7", "2001:db8::7/128"],
    ];
    const lines = cases.map(([address, prefix]) => {
      const p = parseIpv6Prefix(prefix);
      return `a=$(ipv6_expand '${address}'); if ipv6_in_prefix "$a" ${p.first.toString(16).padStart(32, "0")} ${p.length}; then echo 1; else echo 0; fi`;
    });
    const box = new Sandbox();
    try {
      const run = box.run(composeHostScript([{ name: "t", apply: lines.join("\n") }]));
      assert.equal(run.status, 0, describeRun(run));
      const answers = run.stdout.split("\n").filter((l) => l === "0" || l === "1");
      const expected = cases.map(([address, prefix]) =>
        prefixContainsAddress(parseIpv6Prefix(prefix), address.replace(/%.*$/, "")) ? "1" : "0",
      );
      assert.deepEqual(answers, expected);
      const bad = box.run(
        composeHostScript([
          {
            name: "b",
            apply: "for x in 1:2:3 1::2::3 ::ffff:1.2.3.4 12345:: g::; do ipv6_expand $x || echo bad; done",
          },
        ]),
      );
      assert.equal(bad.stdout.split("\n").filter((l) => l === "bad").length, 5, describeRun(bad));
    } finally {
      box.dispose();
    }
  });

  it("rejects duplicate section names, empty scripts and heredoc delimiters in content", () => {
    assert.throws(() => composeHostScript([]), /at least one section/);
    assert.throws(
      () =>
        composeHostScript([
          { name: "a b", apply: ":" },
          { name: "a-b", apply: ":" },
        ]),
      /both named "a_b"/,
    );
    assert.throws(() => heredoc("x\nIPV6_MAIL_EOF\ny"), /delimiter/);
    assert.throws(() => hostPath("etc/relative"), /absolute path/);
    assert.equal(shellIdentifier("HE tunnel"), "he_tunnel");
  });

  it("quotes values so bash never runs them", () => {
    assert.equal(shellQuote("he-ipv6"), "he-ipv6");
    const nasty = `a'b $(touch /tmp/ipv6-mail-pwned) \`x\``;
    const out = spawnSync("bash", ["-c", `printf '%s' ${shellQuote(nasty)}`], { encoding: "utf8" });
    assert.equal(out.stdout, nasty);
  });
});
