import { before, beforeEach, describe, it } from "node:test";
import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { commandConnection, MtaBinding, MtaBindingArgs } from "../../../components";
import { assertExplained } from "../net/problem-assertions";
import { assertTree, HE_SMTP_ADDRESS, SECRETS, SSH_PRIVATE_KEY } from "./fixtures";
import {
  assertNoPlainSecrets,
  expectRejected,
  installMocks,
  isWireSecret,
  MockEnvironment,
  text,
  valueOf,
} from "./mock-harness";

const TYPE = "ipv6-mail:index:MtaBinding";
const COMMAND = "command:remote:Command";

function args(overrides: Partial<MtaBindingArgs> = {}): MtaBindingArgs {
  return {
    connection: commandConnection({ host: "203.0.113.20", privateKey: SSH_PRIVATE_KEY }),
    smtpAddress: HE_SMTP_ADDRESS,
    hostName: "MX1.example.org",
    ...overrides,
  };
}

async function applyScript(env: MockEnvironment, binding: MtaBinding, name: string): Promise<string[]> {
  await valueOf(binding.commands.apply.stdout);
  await env.settle();
  return text(env.get(COMMAND, name), "create").split("\n");
}

describe("MtaBinding", () => {
  let env: MockEnvironment;
  before(async () => {
    env = await installMocks();
  });
  beforeEach(() => env.reset());

  it("registers one command parented to the component, with a secret connection", async () => {
    const binding = new MtaBinding("mta", args());
    await valueOf(binding.commands.apply.stdout);
    await env.settle();
    assertTree(env, [
      [TYPE, "mta"],
      [COMMAND, "mta", [TYPE, "mta"]],
    ]);
    assert.ok(isWireSecret(env.get(COMMAND, "mta").inputs.connection));
    assertNoPlainSecrets(env, SECRETS);
  });

  it("pins Postfix to the SMTP address, enforces it, and names the host by its PTR name", async () => {
    const binding = new MtaBinding("mta", args());
    assert.equal(binding.hostName, "mx1.example.org");
    assert.equal(binding.mta, "postfix");
    const script = (await applyScript(env, binding, "mta")).join("\n");
    for (const setting of [
      `smtp_bind_address6=${HE_SMTP_ADDRESS}`,
      "smtp_bind_address_enforce=yes",
      "inet_protocols=all",
      "myhostname=mx1.example.org",
    ]) {
      assert.ok(script.includes(setting), `the script sets ${setting}`);
    }
    assert.ok(!script.includes("smtp_bind_address=203"), "no IPv4 bind unless asked");
    const update = text(env.get(COMMAND, "mta"), "update");
    assert.equal(update, script);
  });

  it("binds IPv4 too when bindIpv4 is set", async () => {
    const binding = new MtaBinding(
      "mta4",
      args({ bindIpv4: true, ipv4Address: pulumi.output("203.0.113.20") }),
    );
    const script = (await applyScript(env, binding, "mta4")).join("\n");
    assert.ok(script.includes("smtp_bind_address=203.0.113.20"));
  });

  it("gives Exim its interface list with the <; separator", async () => {
    const binding = new MtaBinding("exim", args({ kind: "exim" }));
    const script = (await applyScript(env, binding, "exim")).join("\n");
    assert.ok(script.includes(`<; ${HE_SMTP_ADDRESS}`), "exim interface = <; address");
  });

  it("turns on ip6tables for docker-mailserver and never trusts the docker network", async () => {
    const binding = new MtaBinding("dms", args({ kind: "docker-mailserver" }));
    assert.equal(binding.dockerIp6tables, true);
    assert.equal(binding.dockerMailserverEnv?.PERMIT_DOCKER, "none");
    assert.deepEqual(binding.trustedNetworks, []);
    const script = (await applyScript(env, binding, "dms")).join("\n");
    assert.match(script, /"ip6tables":\s*true/);
  });

  it("renders byte-identical scripts for the same inputs", async () => {
    const a = await applyScript(env, new MtaBinding("same", args()), "same");
    await env.reset();
    const b = await applyScript(env, new MtaBinding("same", args()), "same");
    assert.deepEqual(b, a);
  });

  it("rejects a documentation address, an unknown MTA and bindIpv4 without an address", async () => {
    const error = await expectRejected(
      env,
      () =>
        new MtaBinding(
          "mta",
          args({ smtpAddress: "2001:db8:25::25", kind: "sendmail" as never, bindIpv4: true }),
        ),
      "MtaBinding",
      "mta",
    );
    assertExplained(error.problems, error.message, {
      field: "smtpAddress",
      value: "2001:db8:25::25",
      mentions: ["documentation"],
      fix: "allowDocumentationPrefixes",
    });
    assertExplained(error.problems, error.message, {
      field: "kind",
      value: "sendmail",
      mentions: ["not a supported MTA"],
      fix: "postfix, exim, docker-mailserver",
    });
    assertExplained(error.problems, error.message, {
      field: "ipv4Address",
      mentions: ["bindIpv4"],
      fix: "give the host's IPv4 address",
    });
  });

  it("rejects a docker IPv6 subnet that is not a ULA /64", async () => {
    const error = await expectRejected(
      env,
      () => new MtaBinding("dms", args({ kind: "docker-mailserver", dockerIpv6Subnet: "2001:db8:1::/64" })),
      "MtaBinding",
      "dms",
    );
    assertExplained(error.problems, error.message, {
      field: "dockerIpv6Subnet",
      value: "2001:db8:1::/64",
      mentions: ["unique local"],
      fix: "fd00:cafe:face:feed::/64",
    });
  });
});
