import { describe, it } from "node:test";
import * as assert from "node:assert/strict";
import {
  composeHostScript,
  eximSection,
  firewallApplySection,
  gaiConfSection,
  postfixSection,
  postfixSettings,
  RESULT_CHANGED,
  RESULT_FAILED,
  RESULT_UNCHANGED,
  renderComposeIpv6Network,
  renderDockerDaemonJson,
  renderDockerDaemonScript,
  renderDockerMailserverEnv,
  renderEximInterface,
  renderEximMacros,
  renderEximScript,
  renderGaiConf,
  renderGaiConfScript,
  renderPostfixScript,
  tunnelApplySection,
} from "../../../host-config";
import { assertScriptLints, describeRun, hasCommand, resultLine, Sandbox } from "./shell-harness";
import { postfixBox } from "./postfix-stub";

const PF = { smtpAddress: "2001:db8:25::25", hostName: "mail.example.org", smtpIpv4: "192.0.2.25" };

describe("Postfix", () => {
  it("binds outbound SMTP to the mail address and enforces it", () => {
    assert.deepEqual(postfixSettings(PF), [
      ["inet_protocols", "all"],
      ["smtp_bind_address6", "2001:db8:25::25"],
      ["smtp_bind_address_enforce", "yes"],
      ["myhostname", "mail.example.org"],
      ["smtp_helo_name", "mail.example.org"],
      ["smtp_bind_address", "192.0.2.25"],
    ]);
    assert.throws(() => postfixSettings({ ...PF, hostName: "mail" }), /not a fully qualified host name/);
    assertScriptLints(renderPostfixScript(PF), "postfix");
    assert.equal(renderPostfixScript(PF), renderPostfixScript({ ...PF }));
  });

  it("changes only differing values, restarts for inet_protocols, then is idempotent", () => {
    const box = postfixBox("3.7.11");
    try {
      const first = box.run(renderPostfixScript(PF));
      assert.equal(first.status, 0, describeRun(first));
      assert.equal(resultLine(first), RESULT_CHANGED);
      const main = box.read("etc/postfix/main.cf");
      assert.match(main, /^smtp_bind_address6 = 2001:db8:25::25$/m);
      assert.match(main, /^smtp_bind_address_enforce = yes$/m);
      assert.match(main, /^inet_protocols = all$/m);
      assert.deepEqual(
        box.calls().filter((c) => c.startsWith("postfix ")),
        ["postfix status", "postfix stop", "postfix start"],
      );
      box.clearCalls();
      const second = box.run(renderPostfixScript(PF));
      assert.equal(resultLine(second), RESULT_UNCHANGED, describeRun(second));
      assert.deepEqual(
        box.calls().filter((c) => c.startsWith("postfix ") || c.startsWith("postconf -e")),
        [],
      );
      const moved = box.run(renderPostfixScript({ ...PF, smtpAddress: "2001:db8:25::26" }));
      assert.equal(resultLine(moved), RESULT_CHANGED);
      assert.ok(box.calls().includes("postfix reload"));
    } finally {
      box.dispose();
    }
  });

  it("fails clearly on Postfix older than 3.7 and changes nothing", () => {
    const box = postfixBox("3.5.18");
    try {
      const run = box.run(renderPostfixScript(PF));
      assert.equal(run.status, 1, describeRun(run));
      assert.match(run.stderr, /Postfix 3\.5\.18 is older than 3\.7: smtp_bind_address_enforce needs 3\.7/);
      assert.equal(box.read("etc/postfix/main.cf"), "inet_protocols = ipv4\nmyhostname = old.example.org\n");
    } finally {
      box.dispose();
    }
  });
});

describe("Exim", () => {
  it("renders the interface list with the <; separator", () => {
    assert.equal(renderEximInterface(PF), "<; 192.0.2.25 ; 2001:db8:25::25");
    assert.equal(renderEximInterface({ smtpAddress: "2001:DB8:25:0::25" }), "<; 2001:db8:25::25");
    assert.equal(renderEximMacros(PF), "REMOTE_SMTP_INTERFACE = <; 192.0.2.25 ; 2001:db8:25::25\n");
    assertScriptLints(renderEximScript(PF), "exim");
  });

  it("writes the macro block, regenerates the config only on change, verifies the transport", () => {
    const box = new Sandbox();
    try {
      box.write("etc/exim4/exim4.conf.localmacros", "MAIN_TLS_ENABLE = yes\n");
      box.stub("update-exim4.conf", "exit 0");
      box.stub(
        "exim4",
        String.raw`v=$(sed -n 's/^REMOTE_SMTP_INTERFACE = //p' "$IPV6_MAIL_ROOT/etc/exim4/exim4.conf.localmacros")
echo "interface = $v"`,
      );
      const first = box.run(renderEximScript(PF));
      assert.equal(resultLine(first), RESULT_CHANGED, describeRun(first));
      assert.match(box.read("etc/exim4/exim4.conf.localmacros"), /^MAIN_TLS_ENABLE = yes\n# BEGIN ipv6-mail/);
      assert.equal(box.calls().filter((c) => c.startsWith("update-exim4.conf")).length, 1);
      box.clearCalls();
      assert.equal(resultLine(box.run(renderEximScript(PF))), RESULT_UNCHANGED);
      assert.equal(box.calls().filter((c) => c.startsWith("update-exim4.conf")).length, 0);
    } finally {
      box.dispose();
    }
  });
});

describe("gai.conf", () => {
  it("writes the full precedence table with IPv4-mapped first, once", () => {
    assert.match(renderGaiConf(), /^precedence ::ffff:0:0\/96 100$/m);
    assert.equal(renderGaiConf().match(/^precedence /gm)?.length, 5);
    const box = new Sandbox();
    try {
      box.write("etc/gai.conf", "# Configuration for getaddrinfo(3).\n");
      assert.equal(resultLine(box.run(renderGaiConfScript())), RESULT_CHANGED);
      assert.equal(resultLine(box.run(renderGaiConfScript())), RESULT_UNCHANGED);
      assert.match(box.read("etc/gai.conf"), /^# Configuration for getaddrinfo\(3\)\.\n# BEGIN ipv6-mail/);
      assertScriptLints(renderGaiConfScript(), "gai.conf");
    } finally {
      box.dispose();
    }
  });
});

describe("docker-mailserver", () => {
  it("merges the IPv6 settings into an existing daemon.json", () => {
    assert.equal(
      renderDockerDaemonJson('{"log-driver": "journald", "ip6tables": false}'),
      '{\n  "log-driver": "journald",\n  "ip6tables": true,\n  "experimental": true,\n  "userland-proxy": true\n}\n',
    );
    assert.equal(renderDockerDaemonJson(), renderDockerDaemonJson(""));
    assert.throws(() => renderDockerDaemonJson("[]"), /not a JSON object/);
  });

  it(
    "merges on the host the same way, and only once",
    { skip: hasCommand("python3") ? false : "no python3" },
    () => {
      const box = new Sandbox();
      try {
        const existing = '{"log-driver": "journald", "ip6tables": false}';
        box.write("etc/docker/daemon.json", existing);
        assert.equal(resultLine(box.run(renderDockerDaemonScript())), RESULT_CHANGED);
        assert.equal(box.read("etc/docker/daemon.json"), renderDockerDaemonJson(existing));
        assert.equal(resultLine(box.run(renderDockerDaemonScript())), RESULT_UNCHANGED);
        assertScriptLints(renderDockerDaemonScript(), "docker daemon");
      } finally {
        box.dispose();
      }
    },
  );

  it("renders a ULA compose network and refuses the documentation range", () => {
    assert.equal(
      renderComposeIpv6Network(),
      "networks:\n  default:\n    enable_ipv6: true\n    ipam:\n      config:\n        - subnet: fd00:cafe:face:feed::/64\n",
    );
    assert.throws(() => renderComposeIpv6Network({ subnet: "2001:db8:1::/64" }), /documentation range/);
    assert.throws(() => renderComposeIpv6Network({ subnet: "2a01:4f8::/64" }), /not unique-local/);
    assert.deepEqual(renderDockerMailserverEnv(), { PERMIT_DOCKER: "none" });
  });
});

describe("one composed host script", () => {
  it("composes every section into one script that lints clean", () => {
    const script = composeHostScript(
      [
        tunnelApplySection({
          heServerIpv4: "198.51.100.9",
          localIpv4: "10.0.0.5",
          linkClientAddress: "2001:470:1f0a:123::2",
          linkServerAddress: "2001:470:1f0a:123::1",
          routedPrefix: "2001:470:1f0b:123::/64",
          smtpAddress: "2001:470:1f0b:123::25",
          providerDefaultRoute: "keep",
        }),
        firewallApplySection({ allowedTcpPorts: [25, 587], adminSources: ["2001:db8:a::/48"] }),
        postfixSection({ smtpAddress: "2001:470:1f0b:123::25", hostName: "mail.example.org" }),
        eximSection({ smtpAddress: "2001:470:1f0b:123::25" }),
        gaiConfSection(),
      ],
      { title: "mail host" },
    );
    assertScriptLints(script, "composed mail host");
    assert.ok(
      script.endsWith(
        "ipv6_mail_section tunnel\nipv6_mail_section firewall\nipv6_mail_section postfix\nipv6_mail_section exim\nipv6_mail_section gai_conf\n",
      ),
    );
  });

  it("a failing Postfix section rolls back the gai.conf written before it", () => {
    const box = postfixBox("3.4.0");
    try {
      box.write("etc/gai.conf", "# original\n");
      const run = box.run(composeHostScript([gaiConfSection(), postfixSection(PF)]));
      assert.equal(resultLine(run), RESULT_FAILED, describeRun(run));
      assert.equal(box.read("etc/gai.conf"), "# original\n");
    } finally {
      box.dispose();
    }
  });
});
