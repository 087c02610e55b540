import { before, beforeEach, describe, it } from "node:test";
import * as assert from "node:assert/strict";
import { commandConnection, HostFirewall, HostFirewallArgs } from "../../../components";
import { assertExplained } from "../net/problem-assertions";
import { assertTree, ADMIN_IPV4, ADMIN_IPV6, SECRETS, SSH_PRIVATE_KEY } from "./fixtures";
import {
  assertNoPlainSecrets,
  expectRejected,
  installMocks,
  isWireSecret,
  MockEnvironment,
  text,
  unwrap,
  valueOf,
} from "./mock-harness";

const TYPE = "ipv6-mail:index:HostFirewall";
const COMMAND = "command:remote:Command";

function args(overrides: Partial<HostFirewallArgs> = {}): HostFirewallArgs {
  return {
    connection: commandConnection({ host: "203.0.113.20", privateKey: SSH_PRIVATE_KEY }),
    adminSources: [ADMIN_IPV4, ADMIN_IPV6],
    ...overrides,
  };
}

describe("HostFirewall", () => {
  let env: MockEnvironment;
  before(async () => {
    env = await installMocks();
  });
  beforeEach(() => env.reset());

  it("registers an apply command and a confirm command, both parented to the component", async () => {
    const firewall = new HostFirewall("fw", args());
    await valueOf(firewall.commands.confirm?.stdout);
    await env.settle();
    assertTree(env, [
      [TYPE, "fw"],
      [COMMAND, "fw", [TYPE, "fw"]],
      [COMMAND, "fw-confirm", [TYPE, "fw"]],
    ]);
  });

  it("confirms over a second connection after apply, again whenever the applied script changes", async () => {
    const firewall = new HostFirewall("fw", args());
    await valueOf(firewall.commands.confirm?.stdout);
    await env.settle();
    const apply = env.get(COMMAND, "fw");
    const confirm = env.get(COMMAND, "fw-confirm");
    assert.ok(confirm.dependencies.includes(apply.urn), "confirm depends on apply");
    assert.deepEqual(unwrap(confirm.inputs.triggers), [text(apply, "create")]);
    assert.match(text(confirm, "create"), /ipv6_mail_section firewall_confirm/);
    assert.ok(isWireSecret(apply.inputs.connection) && isWireSecret(confirm.inputs.connection));
    assertNoPlainSecrets(env, SECRETS);
  });

  it("keeps neighbour discovery open, opens mail ports and allows SSH from the admin networks only", async () => {
    const firewall = new HostFirewall(
      "fw",
      args({ heServerIpv4: "216.66.80.30", tunnelInterface: "he-ipv6" }),
    );
    const lines = firewall.ruleset.split("\n").map((l) => l.trim());
    for (const line of [
      "type filter hook input priority filter; policy drop;",
      "icmpv6 type { nd-neighbor-solicit, nd-neighbor-advert } ip6 hoplimit 255 accept",
      "ip6 saddr fe80::/10 icmpv6 type nd-router-advert ip6 hoplimit 255 accept",
      "tcp dport { 25, 465, 587, 993 } accept",
      "elements = { 2001:db8:ad::/48 }",
      "ip6 saddr @admin_sources tcp dport 22 accept",
      "ip protocol 41 ip saddr != 216.66.80.30 drop",
    ]) {
      assert.ok(lines.includes(line), `the ruleset has ${line}`);
    }
    assert.ok(!lines.some((l) => /tcp dport 22 accept/.test(l) && !l.includes("@admin_sources")));
    assert.deepEqual(firewall.interfaces, ["*", "he-ipv6"]);
    // The facts say what this ruleset does: default drop, neighbour discovery kept, SSH for the admins only.
    const facts = firewall.facts.firewall;
    assert.equal(facts?.ipv6Input.policy, "drop");
    assert.deepEqual(facts?.ipv6Input.interfaces, ["*", "he-ipv6"]);
    for (const type of ["nd-neighbor-solicit", "nd-neighbor-advert", "packet-too-big"]) {
      assert.ok(facts?.ipv6Input.icmpv6Accepted.includes(type), `${type} is kept`);
      assert.ok(lines.some((l) => l.startsWith("icmpv6 type") && l.includes(type) && l.endsWith("accept")));
    }
    assert.deepEqual(facts?.ipv6Input.icmpv6FromLinkLocal.slice(0, 1), ["nd-router-advert"]);
    assert.deepEqual(facts?.ipv6Input.icmpv6DroppedOn, [{ interface: "he-ipv6", type: "nd-router-advert" }]);
    assert.deepEqual(
      facts?.ipv6Input.open.map((o) => `${o.port} ${o.sources.join(",")}`),
      ["25 ::/0", "465 ::/0", "587 ::/0", "993 ::/0", "22 2001:db8:ad::/48"],
    );
    assert.equal(facts?.ipv4Input.protocol41From, "216.66.80.30");
    await valueOf(firewall.commands.apply.stdout);
    await env.settle();
    const apply = env.get(COMMAND, "fw");
    assert.ok(text(apply, "create").includes(firewall.ruleset.trimEnd()), "apply loads this ruleset");
    assert.equal(text(apply, "update"), text(apply, "create"));
    assert.match(text(apply, "delete"), /ipv6_mail/);
    assert.equal(unwrap(env.get(TYPE, "fw").outputs?.ruleset), firewall.ruleset);
  });

  it("answers IPv6 port 25 with a reset when asked to", () => {
    const firewall = new HostFirewall("fw", args({ rejectSmtpOverIpv6: true }));
    assert.match(firewall.ruleset, /tcp dport 25 reject with tcp reset/);
  });

  it("rejects SSH from the whole IPv6 internet and a too short rollback before registering anything", async () => {
    const error = await expectRejected(
      env,
      () => new HostFirewall("fw", args({ adminSources: ["::/0"], rollbackSeconds: 5, heServerIpv4: "he" })),
      "HostFirewall",
      "fw",
    );
    assertExplained(error.problems, error.message, {
      field: "adminSources",
      value: ["::/0"],
      mentions: ["whole internet"],
      fix: "admins connect from",
    });
    assertExplained(error.problems, error.message, {
      field: "rollbackSeconds",
      value: 5,
      mentions: ["10 to 600"],
      fix: "use 60",
    });
    assertExplained(error.problems, error.message, {
      field: "heServerIpv4",
      value: "he",
      mentions: ["not an IPv4 address"],
      fix: "Server IPv4 Address",
    });
  });
});
