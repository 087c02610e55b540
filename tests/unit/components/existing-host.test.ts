import { before, beforeEach, describe, it } from "node:test";
import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { ExistingHost, ExistingHostArgs } from "../../../components";
import { assertExplained } from "../net/problem-assertions";
import { assertTree, SECRETS, SSH_PRIVATE_KEY } from "./fixtures";
import {
  assertNoPlainSecrets,
  expectRejected,
  installMocks,
  isSecretOutput,
  MockEnvironment,
  unwrap,
  valueOf,
} from "./mock-harness";

const TYPE = "ipv6-mail:index:ExistingHost";

function args(overrides: Partial<ExistingHostArgs> = {}): ExistingHostArgs {
  return {
    ssh: { host: "mx3.example.net", privateKey: SSH_PRIVATE_KEY },
    ipv4Address: "192.0.2.10",
    ipv6Prefix: "2a01:4f8:200:7a::/64",
    ...overrides,
  };
}

describe("ExistingHost", () => {
  let env: MockEnvironment;
  before(async () => {
    env = await installMocks();
  });
  beforeEach(() => env.reset());

  it("creates nothing but itself and outputs what it was told", async () => {
    const host = new ExistingHost("dedicated", args());
    assert.equal(await valueOf(host.ipv4Address), "192.0.2.10");
    assert.equal(await valueOf(host.ipv6Prefix), "2a01:4f8:200:7a::/64");
    assert.equal(host.prefixSource, "declared-dedicated");
    await env.settle();
    assertTree(env, [[TYPE, "dedicated"]]);
    assert.deepEqual(unwrap(env.get(TYPE, "dedicated").outputs), {
      ipv4Address: "192.0.2.10",
      ipv6Prefix: "2a01:4f8:200:7a::/64",
      prefixSource: "declared-dedicated",
    });
  });

  it("turns the SSH settings into a connection with a secret key and defaults", async () => {
    const host = new ExistingHost("dedicated", args());
    assert.equal(await valueOf(host.connection.host), "mx3.example.net");
    assert.equal(await valueOf(host.connection.port), 22);
    assert.equal(await valueOf(host.connection.user), "root");
    assert.equal(await isSecretOutput(host.connection.privateKey), true);
    assert.equal(await valueOf(host.connection.privateKey), SSH_PRIVATE_KEY);
    await env.settle();
    assertNoPlainSecrets(env, SECRETS);
  });

  it("has no prefix source without a prefix, and keeps a declared one", async () => {
    const withoutPrefix = new ExistingHost("tunnelled", args({ ipv6Prefix: undefined }));
    assert.equal(withoutPrefix.prefixSource, "unknown");
    assert.equal(await valueOf(withoutPrefix.ipv6Prefix), undefined);
    const declared = new ExistingHost("own", args({ prefixSource: "hetzner-server-64" }));
    assert.equal(declared.prefixSource, "hetzner-server-64");
  });

  it("accepts addresses that are outputs of other resources", async () => {
    const host = new ExistingHost(
      "later",
      args({ ipv4Address: pulumi.output("192.0.2.11"), ipv6Prefix: pulumi.output("2a01:4f8:200:7b::/64") }),
    );
    assert.equal(await valueOf(host.ipv6Prefix), "2a01:4f8:200:7b::/64");
  });

  it("rejects a documentation prefix unless documentation prefixes are allowed", async () => {
    const error = await expectRejected(
      env,
      () => new ExistingHost("lab", args({ ipv6Prefix: "2001:db8:25::/64" })),
      "ExistingHost",
      "lab",
    );
    assertExplained(error.problems, error.message, {
      field: "ipv6Prefix",
      value: "2001:db8:25::/64",
      mentions: ["documentation"],
      fix: "allowDocumentationPrefixes",
    });
    const lab = new ExistingHost(
      "lab",
      args({ ipv6Prefix: "2001:db8:25::/64", allowDocumentationPrefixes: true }),
    );
    assert.equal(await valueOf(lab.ipv6Prefix), "2001:db8:25::/64");
  });

  it("rejects a missing SSH target, a bad IPv4, a prefix that isn't a /64 and an unknown source at once", async () => {
    const error = await expectRejected(
      env,
      () =>
        new ExistingHost("bad", {
          ssh: { host: "", privateKey: "" },
          ipv4Address: "192.0.2.300",
          ipv6Prefix: "2a01:4f8:200::/48",
          prefixSource: "somewhere" as never,
        }),
      "ExistingHost",
      "bad",
    );
    assert.deepEqual(error.problems.map((p) => p.field).sort(), [
      "ipv4Address",
      "ipv6Prefix",
      "prefixSource",
      "ssh.host",
      "ssh.privateKey",
    ]);
    assertExplained(error.problems, error.message, {
      field: "ipv4Address",
      value: "192.0.2.300",
      mentions: ["not an IPv4 address"],
      fix: "public IPv4",
    });
    assertExplained(error.problems, error.message, {
      field: "prefixSource",
      value: "somewhere",
      mentions: ["not a known prefix source"],
      fix: "declared-dedicated",
    });
  });
});
