import { before, beforeEach, describe, it } from "node:test";
import * as assert from "node:assert/strict";
import { remote } from "@pulumi/command";
import { commandConnection, HeTunnel, HeTunnelArgs, MailServer } from "../../../components";
import { assertExplained } from "../net/problem-assertions";
import {
  assertTree,
  HE_ROUTED_64,
  HE_SMTP_ADDRESS,
  HE_TUNNEL,
  HE_TUNNEL_WITH_CREDENTIALS,
  HE_UPDATE_KEY,
  HE_USERNAME,
  SECRETS,
  SSH_PRIVATE_KEY,
} from "./fixtures";
import {
  assertNoPlainSecrets,
  expectRejected,
  installMocks,
  isSecretOutput,
  isWireSecret,
  MockEnvironment,
  text,
  unwrap,
  valueOf,
} from "./mock-harness";

const TYPE = "ipv6-mail:index:HeTunnel";
const COMMAND = "command:remote:Command";
const PUBLIC_IPV4 = "203.0.113.20";

function args(overrides: Partial<HeTunnelArgs> = {}): HeTunnelArgs {
  return {
    ...HE_TUNNEL,
    connection: commandConnection({ host: PUBLIC_IPV4, privateKey: SSH_PRIVATE_KEY }),
    hostName: "mx1.example.org",
    publicIpv4: PUBLIC_IPV4,
    ...overrides,
  };
}

describe("HeTunnel", () => {
  let env: MockEnvironment;
  before(async () => {
    env = await installMocks();
  });
  beforeEach(() => env.reset());

  it("registers one remote command parented to the component", async () => {
    const tunnel = new HeTunnel("he", args());
    await valueOf(tunnel.commands.apply.stdout);
    await env.settle();
    assertTree(env, [
      [TYPE, "he"],
      [COMMAND, "he", [TYPE, "he"]],
    ]);
    assert.equal(tunnel.commands.confirm, undefined);
  });

  it("applies a sit tunnel to HE with the SMTP address of the routed /64, and removes it on delete", async () => {
    const tunnel = new HeTunnel("he", args());
    assert.equal(tunnel.routedPrefix, HE_ROUTED_64);
    assert.equal(tunnel.smtpAddress, HE_SMTP_ADDRESS);
    assert.equal(tunnel.interfaceName, "he-ipv6");
    await valueOf(tunnel.commands.apply.stdout);
    await env.settle();
    const command = env.get(COMMAND, "he");
    const create = text(command, "create");
    assert.equal(text(command, "update"), create, "update runs the same idempotent script");
    for (const line of [
      "Kind=sit",
      "Name=he-ipv6",
      "Remote=216.66.80.30",
      `Local=${PUBLIC_IPV4}`,
      "TTL=255",
      "MTUBytes=1480",
      "Address=2001:470:1f0a:9a::2/64",
      `Address=${HE_SMTP_ADDRESS}/128`,
      `PreferredSource=${HE_SMTP_ADDRESS}`,
    ]) {
      assert.ok(create.split("\n").includes(line), `create has the line ${line}`);
    }
    assert.match(create, /^set -eu/m);
    const remove = text(command, "delete");
    assert.notEqual(remove, create);
    assert.match(remove, /60-ipv6-mail-he-ipv6\.netdev/);
    assert.equal(command.inputs.stdin, undefined, "no credentials, no stdin");
    // The keepalive the apply installs is in the facts, from the same link address.
    assert.match(create, /^ExecStart=\/bin\/ping .* -I he-ipv6 2001:470:1f0a:9a::1$/m);
    assert.deepEqual(tunnel.facts.tunnel?.keepalive, {
      timer: "ipv6-mail-he-keepalive.timer",
      target: "2001:470:1f0a:9a::1",
      schedule: "daily",
    });
  });

  it("updates HE's endpoint with credentials on a secret stdin, never in the scripts", async () => {
    const tunnel = new HeTunnel("he", args({ ...HE_TUNNEL_WITH_CREDENTIALS }));
    await valueOf(tunnel.commands.apply.stdout);
    await env.settle();
    const command = env.get(COMMAND, "he");
    const create = text(command, "create");
    const lines = create.split("\n");
    for (const line of [
      "he_tunnel=912345",
      `he_ip=${PUBLIC_IPV4}`,
      "he_url=https://ipv4.tunnelbroker.net/nic/update",
    ]) {
      assert.ok(lines.includes(line), `create has the line ${line}`);
    }
    assert.ok(isWireSecret(command.inputs.stdin), "stdin is registered as a secret");
    assert.equal(unwrap(command.inputs.stdin), `${HE_USERNAME}\n${HE_UPDATE_KEY}\n`);
    assert.ok(isWireSecret(command.inputs.connection), "the connection (with the key) is a secret");
    assert.equal((unwrap(command.inputs.connection) as { privateKey: string }).privateKey, SSH_PRIVATE_KEY);
    const apply = tunnel.commands.apply as remote.Command;
    assert.equal(await isSecretOutput(apply.stdin), true, "the stdin output is secret");
    assert.equal(await isSecretOutput(apply.connection), true, "the connection output is secret");
    for (const script of ["create", "update", "delete"]) {
      for (const secret of SECRETS) assert.ok(!text(command, script).includes(secret), `${script} is clean`);
    }
    assertNoPlainSecrets(env, SECRETS);
  });

  it("carves the /64 out of a routed /48 at the given subnet index", async () => {
    const tunnel = new HeTunnel(
      "he48",
      args({ routedPrefix: undefined, routed48: "2001:470:7b2c::/48", subnetIndex: 0x25 }),
    );
    assert.equal(tunnel.routedPrefix, "2001:470:7b2c:25::/64");
    assert.equal(tunnel.smtpAddress, "2001:470:7b2c:25::25");
    await valueOf(tunnel.commands.apply.stdout);
    await env.settle();
    assert.ok(text(env.get(COMMAND, "he48"), "create").includes("Address=2001:470:7b2c:25::25/128"));
  });

  it("renders byte-identical scripts for the same inputs", async () => {
    const first = new HeTunnel("he-a", args({ ...HE_TUNNEL_WITH_CREDENTIALS }));
    await valueOf(first.commands.apply.stdout);
    await env.settle();
    const a = env.get(COMMAND, "he-a");
    await env.reset();
    const second = new HeTunnel("he-a", args({ ...HE_TUNNEL_WITH_CREDENTIALS }));
    await valueOf(second.commands.apply.stdout);
    await env.settle();
    const b = env.get(COMMAND, "he-a");
    for (const script of ["create", "update", "delete"])
      assert.equal(text(b, script), text(a, script), script);
  });

  it("rejects the link /64 as the routed prefix before registering anything", async () => {
    const error = await expectRejected(
      env,
      () => new HeTunnel("he", args({ routedPrefix: "2001:470:1f0a:9a::/64" })),
      "HeTunnel",
      "he",
    );
    assertExplained(error.problems, error.message, {
      field: "routedPrefix",
      value: "2001:470:1f0a:9a::/64",
      mentions: ["link /64", "no rDNS"],
      fix: "Routed /64",
    });
  });

  it("rejects documentation prefixes unless allowed", async () => {
    const lab = {
      tunnelId: "100001",
      heServerIpv4: "198.51.100.1",
      linkClientAddress: "2001:db8:1e::2",
      linkServerAddress: "2001:db8:1e::1",
      routedPrefix: "2001:db8:25::/64",
    };
    const error = await expectRejected(env, () => new HeTunnel("lab", args(lab)), "HeTunnel", "lab");
    assertExplained(error.problems, error.message, {
      field: "routedPrefix",
      value: "2001:db8:25::/64",
      mentions: ["documentation"],
      fix: "allowDocumentationPrefixes",
    });
    const allowed = new HeTunnel("lab", args({ ...lab, allowDocumentationPrefixes: true }));
    assert.equal(allowed.smtpAddress, "2001:db8:25::25");
  });

  it("rejects an MTU above 1480 and half of the credentials, together", async () => {
    const error = await expectRejected(
      env,
      () => new HeTunnel("he", args({ mtu: 1500, username: HE_USERNAME })),
      "HeTunnel",
      "he",
    );
    assertExplained(error.problems, error.message, {
      field: "mtu",
      value: 1500,
      mentions: ["1280..1480"],
      fix: "use 1480",
    });
    assertExplained(error.problems, error.message, {
      field: "updateKey",
      value: "(secret)",
      mentions: ["together"],
      fix: "set both",
    });
    assert.ok(!error.message.includes(HE_USERNAME), "the message never shows a credential");
  });

  it("rejects a second host on the same routed /64", async () => {
    await env.reset();
    new HeTunnel("first", args());
    await env.settle();
    const before = env.inventory();
    let caught: unknown;
    try {
      new HeTunnel("second", args({ hostName: "mx9.example.org" }));
    } catch (error) {
      caught = error;
    }
    await env.settle();
    assert.deepEqual(env.inventory(), before, "the second tunnel registered nothing");
    assert.ok(caught instanceof Error);
    assert.match(caught.message, /^Invalid HeTunnel "second":/);
    assert.match(caught.message, /routedPrefix = "2001:470:1f0b:9a::\/64": overlaps .*mx1\.example\.org/);
  });
  for (const hostName of ["mx1", "", "mx_1.example.org", "mx1.example.org.", undefined]) {
    it(`rejects the host name ${JSON.stringify(hostName) ?? "(not set)"} before registering anything`, async () => {
      const error = await expectRejected(
        env,
        () => new HeTunnel("he", args({ hostName: hostName as string })),
        "HeTunnel",
        "he",
      );
      assert.deepEqual(
        error.problems.map((p) => p.field),
        ["hostName"],
      );
      assertExplained(error.problems, error.message, {
        field: "hostName",
        value: hostName,
        mentions: ["not a fully qualified domain name"],
        fix: '"mx1.example.org"',
      });
    });
  }

  it("reports a bad host name together with the tunnel's problems, as MailServer words it", async () => {
    const error = await expectRejected(
      env,
      () => new HeTunnel("he", args({ hostName: "mail", mtu: 1500 })),
      "HeTunnel",
      "he",
    );
    assert.deepEqual(
      error.problems.map((p) => p.field),
      ["hostName", "mtu"],
    );
    const server = await expectRejected(
      env,
      () =>
        new MailServer("mx", {
          hostName: "mail",
          zone: "example.org",
          existing: { ssh: { host: PUBLIC_IPV4, privateKey: SSH_PRIVATE_KEY }, ipv4Address: PUBLIC_IPV4 },
          tunnel: HE_TUNNEL,
          firewall: { adminSources: ["198.51.100.7/32"] },
        }),
      "MailServer",
      "mx",
    );
    const [tunnelProblem] = error.problems;
    const [serverProblem] = server.problems.filter((p) => p.field === "hostName");
    assert.deepEqual(tunnelProblem, serverProblem, "one check, one wording");
  });

  it("rejects an SMTP interface id that is no address, or lies outside the routed /64", async () => {
    for (const [smtpInterfaceId, mention] of [
      ["::zz", "neither an interface id"],
      ["::", "neither an interface id"],
      ["2001:470:1f0b:9b::25", "outside the dedicated prefix 2001:470:1f0b:9a::/64"],
    ]) {
      const error = await expectRejected(
        env,
        () => new HeTunnel("he", args({ smtpInterfaceId })),
        "HeTunnel",
        "he",
      );
      assertExplained(error.problems, error.message, {
        field: "smtpInterfaceId",
        value: smtpInterfaceId,
        mentions: [mention],
        fix: "::25",
      });
    }
  });

  it("claims the /64 under the host name as MailServer spells it (case does not make another host)", async () => {
    await env.reset();
    const upper = new HeTunnel("upper", args({ hostName: "MX1.Example.ORG" }));
    const lower = new HeTunnel("lower", args({ hostName: "mx1.example.org" }));
    assert.equal(upper.routedPrefix, lower.routedPrefix);
    await env.settle();
  });
});
