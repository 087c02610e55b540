import { before, beforeEach, describe, it } from "node:test";
import * as assert from "node:assert/strict";
import { DigitalOceanHost, DigitalOceanHostArgs } from "../../../components";
import { assertExplained } from "../net/problem-assertions";
import { assertTree, ADMIN_IPV4, ADMIN_IPV6, SECRETS, SSH_PRIVATE_KEY } from "./fixtures";
import {
  assertNoPlainSecrets,
  DROPLET_ID,
  DROPLET_IPV4,
  DROPLET_IPV6,
  expectRejected,
  installMocks,
  isSecretOutput,
  MockEnvironment,
  unwrap,
  valueOf,
} from "./mock-harness";

const TYPE = "ipv6-mail:index:DigitalOceanHost";
const DROPLET = "digitalocean:index/droplet:Droplet";
const FIREWALL = "digitalocean:index/firewall:Firewall";

function args(overrides: Partial<DigitalOceanHostArgs> = {}): DigitalOceanHostArgs {
  return {
    hostName: "mx1.example.org",
    sshKeys: ["3b:16:bf:e4:8b:00:8b:b8:59:8c:a9:d3:f0:19:45:fa"],
    sshPrivateKey: SSH_PRIVATE_KEY,
    access: { adminSources: [ADMIN_IPV4, ADMIN_IPV6] },
    ...overrides,
  };
}

interface InboundRule {
  protocol: string;
  portRange?: string;
  sourceAddresses: string[];
}

describe("DigitalOceanHost", () => {
  let env: MockEnvironment;
  before(async () => {
    env = await installMocks();
  });
  beforeEach(() => env.reset());

  it("registers a droplet and a cloud firewall, both parented to the component", async () => {
    const host = new DigitalOceanHost("do", args());
    await valueOf(host.ipv6Prefix);
    await env.settle();
    assertTree(env, [
      [TYPE, "do"],
      [DROPLET, "do", [TYPE, "do"]],
      [FIREWALL, "do", [TYPE, "do"]],
    ]);
  });

  it("enables IPv6 and names the droplet with the FQDN, so DigitalOcean sets the PTR", async () => {
    const host = new DigitalOceanHost("do", args({ tags: ["mail"] }));
    await valueOf(host.ipv4Address);
    await env.settle();
    const droplet = unwrap(env.get(DROPLET, "do").inputs) as Record<string, unknown>;
    assert.equal(droplet.ipv6, true);
    assert.equal(droplet.name, "mx1.example.org");
    assert.equal(droplet.region, "fra1");
    assert.equal(droplet.image, "debian-12-x64");
    assert.deepEqual(droplet.sshKeys, ["3b:16:bf:e4:8b:00:8b:b8:59:8c:a9:d3:f0:19:45:fa"]);
    assert.deepEqual(droplet.tags, ["mail"]);
  });

  it("opens the mail ports to IPv4 and IPv6 and SSH only to the admin networks", async () => {
    const host = new DigitalOceanHost("do", args());
    await valueOf(host.ipv4Address);
    await env.settle();
    const firewall = unwrap(env.get(FIREWALL, "do").inputs) as {
      dropletIds: number[];
      inboundRules: InboundRule[];
      outboundRules: { protocol: string; destinationAddresses: string[] }[];
    };
    assert.deepEqual(firewall.dropletIds, [DROPLET_ID]);
    const tcp = firewall.inboundRules.filter((r) => r.protocol === "tcp");
    assert.deepEqual(tcp.map((r) => r.portRange).sort(), ["22", "25", "465", "587", "993"]);
    for (const rule of tcp.filter((r) => r.portRange !== "22")) {
      assert.deepEqual([...rule.sourceAddresses].sort(), ["0.0.0.0/0", "::/0"], `port ${rule.portRange}`);
    }
    const ssh = tcp.filter((r) => r.portRange === "22");
    assert.equal(ssh.length, 1, "one SSH rule");
    assert.deepEqual(ssh[0].sourceAddresses, [ADMIN_IPV4, ADMIN_IPV6]);
    const icmp = firewall.inboundRules.find((r) => r.protocol === "icmp");
    assert.deepEqual(icmp?.sourceAddresses.sort(), ["0.0.0.0/0", "::/0"]);
    for (const rule of firewall.outboundRules) {
      assert.deepEqual([...rule.destinationAddresses].sort(), ["0.0.0.0/0", "::/0"], rule.protocol);
    }
  });

  it("honours mailPorts and sshPort", async () => {
    const host = new DigitalOceanHost(
      "do",
      args({ access: { adminSources: [ADMIN_IPV4], mailPorts: [25, 587], sshPort: 2222 } }),
    );
    await valueOf(host.ipv4Address);
    await env.settle();
    const rules = (unwrap(env.get(FIREWALL, "do").inputs) as { inboundRules: InboundRule[] }).inboundRules;
    assert.deepEqual(
      rules.filter((r) => r.protocol === "tcp").map((r) => [r.portRange, r.sourceAddresses.join(" ")]),
      [
        ["2222", ADMIN_IPV4],
        ["25", "0.0.0.0/0 ::/0"],
        ["587", "0.0.0.0/0 ::/0"],
      ],
    );
  });

  it("outputs the droplet's addresses, its shared /64, and a secret SSH connection", async () => {
    const host = new DigitalOceanHost("do", args());
    assert.equal(await valueOf(host.ipv4Address), DROPLET_IPV4);
    assert.equal(await valueOf(host.ipv6Address), DROPLET_IPV6);
    assert.equal(await valueOf(host.ipv6Prefix), "2a03:b0c0:3:d0::/64");
    assert.equal(host.prefixSource, "digitalocean-native");
    assert.equal(await valueOf(host.connection.host), DROPLET_IPV4);
    assert.equal(await isSecretOutput(host.connection.privateKey), true, "the private key is secret");
    await env.settle();
    const component = env.get(TYPE, "do");
    assert.equal(unwrap(component.outputs?.ipv6Prefix), "2a03:b0c0:3:d0::/64");
    assertNoPlainSecrets(env, SECRETS);
  });

  it("rejects SSH open to the world before registering anything", async () => {
    const error = await expectRejected(
      env,
      () => new DigitalOceanHost("do", args({ access: { adminSources: ["0.0.0.0/0", "::/0"] } })),
      "DigitalOceanHost",
      "do",
    );
    assertExplained(error.problems, error.message, {
      field: "access.adminSources",
      value: ["0.0.0.0/0", "::/0"],
      mentions: ["whole internet"],
      fix: "admins connect from",
    });
  });

  it("rejects a host name that is not an FQDN and a missing key, all in one error", async () => {
    const error = await expectRejected(
      env,
      () => new DigitalOceanHost("do", args({ hostName: "mail", sshKeys: [], sshPrivateKey: "" })),
      "DigitalOceanHost",
      "do",
    );
    assert.deepEqual(
      error.problems.map((p) => p.field),
      ["hostName", "sshKeys", "sshPrivateKey"],
    );
    assertExplained(error.problems, error.message, {
      field: "hostName",
      value: "mail",
      mentions: ["fully qualified"],
      fix: "mx1.example.org",
    });
    assert.ok(!error.message.includes(SSH_PRIVATE_KEY), "the message never shows a key");
  });
});
