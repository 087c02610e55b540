import { before, beforeEach, describe, it } from "node:test";
import * as assert from "node:assert/strict";
import { HetznerHost, HetznerHostArgs } from "../../../components";
import { assertExplained } from "../net/problem-assertions";
import { assertTree, ADMIN_IPV4, ADMIN_IPV6, SECRETS, SSH_PRIVATE_KEY } from "./fixtures";
import {
  assertNoPlainSecrets,
  expectRejected,
  HCLOUD_FIREWALL_ID,
  HCLOUD_IPV4,
  HCLOUD_IPV6,
  HCLOUD_IPV6_NETWORK,
  HCLOUD_SERVER_ID,
  installMocks,
  isSecretOutput,
  MockEnvironment,
  unwrap,
  valueOf,
} from "./mock-harness";

const TYPE = "ipv6-mail:index:HetznerHost";
const SERVER = "hcloud:index/server:Server";
const FIREWALL = "hcloud:index/firewall:Firewall";
const ATTACHMENT = "hcloud:index/firewallAttachment:FirewallAttachment";
const RDNS = "hcloud:index/rdns:Rdns";

function args(overrides: Partial<HetznerHostArgs> = {}): HetznerHostArgs {
  return {
    hostName: "mx2.example.org",
    sshKeys: ["admin"],
    sshPrivateKey: SSH_PRIVATE_KEY,
    access: { adminSources: [ADMIN_IPV4, ADMIN_IPV6] },
    ...overrides,
  };
}

interface Rule {
  direction: string;
  protocol: string;
  port?: string;
  sourceIps: string[];
}

describe("HetznerHost", () => {
  let env: MockEnvironment;
  before(async () => {
    env = await installMocks();
  });
  beforeEach(() => env.reset());

  it("registers server, firewall, attachment and IPv4 rDNS, all parented to the component", async () => {
    const host = new HetznerHost("hz", args());
    await valueOf(host.ipv6Prefix);
    await env.settle();
    assertTree(env, [
      [TYPE, "hz"],
      [SERVER, "hz", [TYPE, "hz"]],
      [FIREWALL, "hz", [TYPE, "hz"]],
      [ATTACHMENT, "hz", [TYPE, "hz"]],
      [RDNS, "hz-ipv4", [TYPE, "hz"]],
    ]);
  });

  it("creates the server with public IPv4 and IPv6 under its FQDN", async () => {
    const host = new HetznerHost("hz", args({ labels: { role: "mail" } }));
    await valueOf(host.ipv4Address);
    await env.settle();
    const server = unwrap(env.get(SERVER, "hz").inputs) as Record<string, unknown>;
    assert.equal(server.name, "mx2.example.org");
    assert.deepEqual(server.publicNets, [{ ipv4Enabled: true, ipv6Enabled: true }]);
    assert.equal(server.image, "debian-12");
    assert.equal(server.serverType, "cx22");
    assert.equal(server.location, "fsn1");
    assert.deepEqual(server.sshKeys, ["admin"]);
    assert.deepEqual(server.labels, { role: "mail" });
  });

  it("opens the mail ports to IPv4 and IPv6, SSH to the admins, and attaches the firewall", async () => {
    const host = new HetznerHost("hz", args());
    await valueOf(host.ipv4Address);
    await env.settle();
    const rules = (unwrap(env.get(FIREWALL, "hz").inputs) as { rules: Rule[] }).rules;
    assert.ok(
      rules.every((r) => r.direction === "in"),
      "inbound rules only: outbound stays open",
    );
    const tcp = rules.filter((r) => r.protocol === "tcp");
    assert.deepEqual(tcp.map((r) => r.port).sort(), ["22", "25", "465", "587", "993"]);
    for (const rule of tcp.filter((r) => r.port !== "22")) {
      assert.deepEqual([...rule.sourceIps].sort(), ["0.0.0.0/0", "::/0"], `port ${rule.port}`);
    }
    assert.deepEqual(tcp.find((r) => r.port === "22")?.sourceIps, [ADMIN_IPV4, ADMIN_IPV6]);
    assert.deepEqual(rules.find((r) => r.protocol === "icmp")?.sourceIps.sort(), ["0.0.0.0/0", "::/0"]);
    const attachment = unwrap(env.get(ATTACHMENT, "hz").inputs);
    assert.deepEqual(attachment, { firewallId: HCLOUD_FIREWALL_ID, serverIds: [HCLOUD_SERVER_ID] });
  });

  it("points the IPv4 reverse DNS at the host name", async () => {
    const host = new HetznerHost("hz", args());
    await valueOf(host.ipv4Address);
    await env.settle();
    assert.deepEqual(unwrap(env.get(RDNS, "hz-ipv4").inputs), {
      serverId: HCLOUD_SERVER_ID,
      ipAddress: HCLOUD_IPV4,
      dnsPtr: "mx2.example.org",
    });
  });

  it("outputs the server's own /64 as a dedicated prefix and a secret SSH connection", async () => {
    const host = new HetznerHost("hz", args());
    assert.equal(await valueOf(host.ipv4Address), HCLOUD_IPV4);
    assert.equal(await valueOf(host.ipv6Address), HCLOUD_IPV6);
    assert.equal(await valueOf(host.ipv6Prefix), HCLOUD_IPV6_NETWORK);
    assert.equal(await valueOf(host.serverId), HCLOUD_SERVER_ID);
    assert.equal(host.prefixSource, "hetzner-server-64");
    assert.equal(await isSecretOutput(host.connection.privateKey), true);
    await env.settle();
    assertNoPlainSecrets(env, SECRETS);
  });

  it("rejects bad access settings before registering anything", async () => {
    const error = await expectRejected(
      env,
      () =>
        new HetznerHost(
          "hz",
          args({ access: { adminSources: ["::/0"], mailPorts: [25, 22] }, sshKeys: [] as string[] }),
        ),
      "HetznerHost",
      "hz",
    );
    assertExplained(error.problems, error.message, {
      field: "access.adminSources",
      value: ["::/0"],
      mentions: ["whole internet"],
      fix: "admins connect from",
    });
    assertExplained(error.problems, error.message, {
      field: "access.sshPort",
      value: 22,
      mentions: ["mailPorts"],
      fix: "remove it from mailPorts",
    });
    assertExplained(error.problems, error.message, {
      field: "sshKeys",
      value: [],
      mentions: ["SSH key"],
      fix: "Hetzner Cloud project",
    });
  });
});
