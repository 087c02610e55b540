import { before, beforeEach, describe, it } from "node:test";
import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { remote } from "@pulumi/command";
import { MailServer, MailServerArgs } from "../../../components";
import { assertExplained } from "../net/problem-assertions";
import {
  ADMIN_IPV4,
  ADMIN_IPV6,
  assertTree,
  digitalOceanMailServer,
  ExpectedResource,
  HE_ROUTED_64,
  HE_SMTP_ADDRESS,
  HE_SMTP_PTR,
  HE_TUNNEL,
  HE_TUNNEL_WITH_CREDENTIALS,
  HE_UPDATE_KEY,
  HE_USERNAME,
  hetznerMailServer,
  SECRETS,
  SSH_PRIVATE_KEY,
} from "./fixtures";
import {
  assertNoPlainSecrets,
  DROPLET_IPV4,
  expectRejected,
  HCLOUD_IPV4,
  HCLOUD_SERVER_ID,
  installMocks,
  isSecretOutput,
  isWireSecret,
  MockEnvironment,
  Registration,
  text,
  unwrap,
  valueOf,
} from "./mock-harness";

const MAIL_SERVER = "ipv6-mail:index:MailServer";
const DO_HOST = "ipv6-mail:index:DigitalOceanHost";
const HZ_HOST = "ipv6-mail:index:HetznerHost";
const EXISTING_HOST = "ipv6-mail:index:ExistingHost";
const MAIL_DNS = "ipv6-mail:index:MailDns";
const HE_TUNNEL_TYPE = "ipv6-mail:index:HeTunnel";
const HOST_FIREWALL = "ipv6-mail:index:HostFirewall";
const MTA_BINDING = "ipv6-mail:index:MtaBinding";
/** The parts a MailServer is made of, each a component under it (`tunnel`: with an HE tunnel; `mta`: over IPv6). */
function parts(name: string, which: { tunnel?: boolean; mta?: boolean } = {}): ExpectedResource[] {
  return [
    ...(which.tunnel ? [[HE_TUNNEL_TYPE, name, [MAIL_SERVER, name]] as const] : []),
    [HOST_FIREWALL, name, [MAIL_SERVER, name]],
    ...((which.mta ?? true) ? [[MTA_BINDING, name, [MAIL_SERVER, name]] as const] : []),
  ];
}
const COMMAND = "command:remote:Command";
const RECORD = "cloudflare:index/dnsRecord:DnsRecord";
const RDNS = "hcloud:index/rdns:Rdns";

/** Constructs a MailServer and waits until all of its outputs and registrations are done. */
async function build(env: MockEnvironment, name: string, args: MailServerArgs): Promise<MailServer> {
  const server = new MailServer(name, args);
  await valueOf(server.spfRecord);
  await valueOf(server.dnsRecords);
  await valueOf(server.hostCommands.confirm?.stdout);
  await env.settle();
  return server;
}

/** The host script of a MailServer, as the apply command registered it. */
function scripts(
  env: MockEnvironment,
  name: string,
): { create: string; update: string; delete: string; confirm: string } {
  const apply = env.get(COMMAND, `${name}-host`);
  return {
    create: text(apply, "create"),
    update: text(apply, "update"),
    delete: text(apply, "delete"),
    confirm: text(env.get(COMMAND, `${name}-host-confirm`), "create"),
  };
}

function hasLine(script: string, line: string): boolean {
  return script.split("\n").some((l) => l.trim() === line);
}

function assertCommandSecrets(command: Registration, stdin: string | undefined): void {
  assert.ok(
    isWireSecret(command.inputs.connection),
    `${command.name}: the connection is registered as a secret`,
  );
  assert.equal((unwrap(command.inputs.connection) as { privateKey: string }).privateKey, SSH_PRIVATE_KEY);
  if (stdin === undefined) {
    assert.equal(command.inputs.stdin, undefined, `${command.name}: no stdin`);
  } else {
    assert.ok(isWireSecret(command.inputs.stdin), `${command.name}: stdin is registered as a secret`);
    assert.equal(unwrap(command.inputs.stdin), stdin);
  }
  for (const script of ["create", "update", "delete"]) {
    if (command.inputs[script] === undefined) continue;
    assert.ok(
      !isWireSecret(command.inputs[script]),
      `${command.name}.${script} is plain (nothing secret in it)`,
    );
    for (const secret of SECRETS) {
      assert.ok(!text(command, script).includes(secret), `${command.name}.${script} holds no secret`);
    }
  }
}

describe("MailServer on DigitalOcean with a Hurricane Electric tunnel", () => {
  let env: MockEnvironment;
  before(async () => {
    env = await installMocks();
  });
  beforeEach(() => env.reset());

  it("registers host, firewall, host commands and DNS, each parented to its component", async () => {
    await build(env, "mx", digitalOceanMailServer());
    const expected: ExpectedResource[] = [
      [MAIL_SERVER, "mx"],
      [DO_HOST, "mx", [MAIL_SERVER, "mx"]],
      ["digitalocean:index/droplet:Droplet", "mx", [DO_HOST, "mx"]],
      ["digitalocean:index/firewall:Firewall", "mx", [DO_HOST, "mx"]],
      ...parts("mx", { tunnel: true }),
      [COMMAND, "mx-host", [MAIL_SERVER, "mx"]],
      [COMMAND, "mx-host-confirm", [MAIL_SERVER, "mx"]],
      [MAIL_DNS, "mx", [MAIL_SERVER, "mx"]],
      ...["aaaa", "a", "mx", "spf", "helo-spf", "ptr"].map(
        (role) => [RECORD, `mx-${role}`, [MAIL_DNS, "mx"]] as const,
      ),
    ];
    assertTree(env, expected);
  });

  it("outputs the routed /64, the SMTP address, its PTR name and the SPF record", async () => {
    const server = await build(env, "mx", digitalOceanMailServer());
    assert.equal(server.hostName, "mx1.example.org");
    assert.equal(server.prefixSource, "he-routed-64");
    assert.equal(server.tunnelInterface, "he-ipv6");
    assert.equal(await valueOf(server.dedicatedPrefix), HE_ROUTED_64);
    assert.equal(await valueOf(server.smtpAddress), HE_SMTP_ADDRESS);
    assert.equal(await valueOf(server.ptrName), HE_SMTP_PTR);
    assert.equal(await valueOf(server.ipv4Address), DROPLET_IPV4);
    assert.equal(await valueOf(server.spfRecord), `v=spf1 ip4:${DROPLET_IPV4} ip6:${HE_ROUTED_64} -all`);
    const outputs = unwrap(env.get(MAIL_SERVER, "mx").outputs) as Record<string, unknown>;
    assert.equal(outputs.smtpAddress, HE_SMTP_ADDRESS);
    assert.equal(outputs.prefixSource, "he-routed-64");
    // No claim about the firewall: its facts say what it loads.
    assert.equal(outputs.hostFirewall, undefined);
    const facts = unwrap(env.get(HOST_FIREWALL, "mx").outputs) as {
      facts: { partOf: string; firewall: { ipv6Input: { policy: string; interfaces: string[] } } };
    };
    assert.equal(facts.facts.partOf, "MailServer");
    assert.equal(facts.facts.firewall.ipv6Input.policy, "drop");
    assert.deepEqual(facts.facts.firewall.ipv6Input.interfaces, ["*", "he-ipv6"]);
    assert.equal(outputs.sageCertified, false);
  });

  it("creates the droplet with IPv6 under its FQDN and a firewall for both families", async () => {
    await build(env, "mx", digitalOceanMailServer());
    const droplet = unwrap(env.get("digitalocean:index/droplet:Droplet", "mx").inputs) as Record<
      string,
      unknown
    >;
    assert.equal(droplet.ipv6, true);
    assert.equal(droplet.name, "mx1.example.org");
    const rules = (
      unwrap(env.get("digitalocean:index/firewall:Firewall", "mx").inputs) as {
        inboundRules: { portRange?: string; sourceAddresses: string[] }[];
      }
    ).inboundRules;
    assert.deepEqual(rules.find((r) => r.portRange === "25")?.sourceAddresses, ["0.0.0.0/0", "::/0"]);
    assert.deepEqual(rules.find((r) => r.portRange === "22")?.sourceAddresses, [ADMIN_IPV4, ADMIN_IPV6]);
  });

  it("configures tunnel, firewall and Postfix in one script, and confirms over a second connection", async () => {
    await build(env, "mx", digitalOceanMailServer());
    const s = scripts(env, "mx");
    assert.equal(s.update, s.create);
    for (const line of [
      "he_tunnel=912345",
      `he_ip=${DROPLET_IPV4}`,
      "Kind=sit",
      "Remote=216.66.80.30",
      `Local=${DROPLET_IPV4}`,
      `Address=${HE_SMTP_ADDRESS}/128`,
      `PreferredSource=${HE_SMTP_ADDRESS}`,
      // The droplet's own /64 keeps answering through DigitalOcean (providerDefaultRoute: keep).
      "From=2a03:b0c0:3:d0::/64",
      "ip6 saddr @admin_sources tcp dport 22 accept",
      'iifname "he-ipv6" icmpv6 type nd-router-advert drop',
      "ip protocol 41 ip saddr != 216.66.80.30 drop",
    ]) {
      assert.ok(hasLine(s.create, line), `apply has ${line}`);
    }
    for (const setting of [
      `smtp_bind_address6=${HE_SMTP_ADDRESS}`,
      "smtp_bind_address_enforce=yes",
      "myhostname=mx1.example.org",
    ]) {
      assert.ok(s.create.includes(setting), `apply sets ${setting}`);
    }
    assert.ok(s.create.indexOf("he_tunnel=912345") < s.create.indexOf("Kind=sit"), "HE is updated first");
    assert.match(s.delete, /60-ipv6-mail-he-ipv6\.netdev/);
    assert.match(s.delete, /ipv6_mail/);
    assert.match(s.confirm, /ipv6_mail_section firewall_confirm/);
    const apply = env.get(COMMAND, "mx-host");
    const confirm = env.get(COMMAND, "mx-host-confirm");
    assert.ok(confirm.dependencies.includes(apply.urn), "confirm runs after apply");
    assert.ok(
      env.get(MAIL_DNS, "mx").dependencies.includes(confirm.urn),
      "DNS is published after the host works",
    );
  });

  it("keeps the SSH key and the HE credentials secret end to end", async () => {
    const server = await build(env, "mx", digitalOceanMailServer());
    assertCommandSecrets(env.get(COMMAND, "mx-host"), `${HE_USERNAME}\n${HE_UPDATE_KEY}\n`);
    assertCommandSecrets(env.get(COMMAND, "mx-host-confirm"), undefined);
    const apply = server.hostCommands.apply as remote.Command;
    assert.equal(await isSecretOutput(apply.stdin), true);
    assert.equal(await isSecretOutput(apply.connection), true);
    assertNoPlainSecrets(env, SECRETS);
  });

  it("renders byte-identical scripts when evaluated twice with the same inputs", async () => {
    await build(env, "mx", digitalOceanMailServer());
    const first = scripts(env, "mx");
    const firstRecords = env.ofType(RECORD).map((r) => JSON.stringify(r.inputs));
    await env.reset();
    await build(env, "mx", digitalOceanMailServer());
    assert.deepEqual(scripts(env, "mx"), first);
    assert.deepEqual(
      env.ofType(RECORD).map((r) => JSON.stringify(r.inputs)),
      firstRecords,
    );
  });

  it("builds the tunnel from a localIpv4 that is another resource's output (behind NAT)", async () => {
    await build(
      env,
      "nat",
      digitalOceanMailServer({
        tunnel: { ...HE_TUNNEL_WITH_CREDENTIALS, localIpv4: pulumi.output("10.19.0.5") },
      }),
    );
    const s = scripts(env, "nat");
    assert.ok(hasLine(s.create, "Local=10.19.0.5"), "the sit tunnel leaves from the private address");
    assert.ok(hasLine(s.create, `he_ip=${DROPLET_IPV4}`), "HE is told the public address");
  });

  it("accepts smtpOverIpv4Only without a tunnel: no IPv6 bind, IPv6 port 25 reset, IPv4 preferred", async () => {
    const server = await build(
      env,
      "v4",
      digitalOceanMailServer({ tunnel: undefined, smtpOverIpv4Only: true }),
    );
    assert.equal(await valueOf(server.smtpAddress), undefined);
    assert.equal(await valueOf(server.dedicatedPrefix), undefined);
    assert.equal(server.prefixSource, "digitalocean-native");
    assert.ok(
      !env.ofType(RECORD).some((r) => (unwrap(r.inputs) as { type: string }).type === "AAAA"),
      "no AAAA for a host that doesn't send over IPv6",
    );
    const s = scripts(env, "v4");
    assert.ok(
      hasLine(s.create, "tcp dport 25 reject with tcp reset") ||
        /tcp dport 25 reject with tcp reset/.test(s.create),
    );
    assert.ok(!s.create.includes("smtp_bind_address6"), "no IPv6 bind");
    assert.ok(!s.create.includes("Kind=sit"), "no tunnel");
    assert.match(s.create, /precedence ::ffff:0:0\/96 100/);
    assert.equal(env.get(COMMAND, "v4-host").inputs.stdin, undefined);
    assertNoPlainSecrets(env, SECRETS);
  });

  it("publishes A, MX and an ip4-only SPF for an IPv4-only host, and no AAAA or PTR", async () => {
    const server = await build(
      env,
      "v4",
      digitalOceanMailServer({ tunnel: undefined, smtpOverIpv4Only: true }),
    );
    assertTree(env, [
      [MAIL_SERVER, "v4"],
      [DO_HOST, "v4", [MAIL_SERVER, "v4"]],
      ["digitalocean:index/droplet:Droplet", "v4", [DO_HOST, "v4"]],
      ["digitalocean:index/firewall:Firewall", "v4", [DO_HOST, "v4"]],
      ...parts("v4", { mta: false }),
      [COMMAND, "v4-host", [MAIL_SERVER, "v4"]],
      [COMMAND, "v4-host-confirm", [MAIL_SERVER, "v4"]],
      [MAIL_DNS, "v4", [MAIL_SERVER, "v4"]],
      ...["a", "mx", "spf", "helo-spf"].map((role) => [RECORD, `v4-${role}`, [MAIL_DNS, "v4"]] as const),
    ]);
    const spf = `v=spf1 ip4:${DROPLET_IPV4} -all`;
    assert.deepEqual(await valueOf(server.dnsRecords), [
      { type: "A", name: "mx1.example.org", content: DROPLET_IPV4, ttl: 3600 },
      { type: "MX", name: "example.org", content: "mx1.example.org", ttl: 3600, priority: 10 },
      { type: "TXT", name: "example.org", content: `"${spf}"`, ttl: 3600 },
      { type: "TXT", name: "mx1.example.org", content: `"${spf}"`, ttl: 3600 },
    ]);
    assert.equal(await valueOf(server.spfRecord), spf);
    assert.equal(await valueOf(server.ptrName), undefined);
    const published = Object.fromEntries(
      env.ofType(RECORD).map((r) => {
        const inputs = unwrap(r.inputs) as { zoneId: string; type: string; name: string; content: string };
        return [r.name, [inputs.zoneId, inputs.type, inputs.name, inputs.content]];
      }),
    );
    assert.deepEqual(published, {
      "v4-a": ["zone-example-org", "A", "mx1.example.org", DROPLET_IPV4],
      "v4-mx": ["zone-example-org", "MX", "example.org", "mx1.example.org"],
      "v4-spf": ["zone-example-org", "TXT", "example.org", `"${spf}"`],
      "v4-helo-spf": ["zone-example-org", "TXT", "mx1.example.org", `"${spf}"`],
    });
    assert.ok(
      env.get(MAIL_DNS, "v4").dependencies.includes(env.get(COMMAND, "v4-host-confirm").urn),
      "DNS is published once the host is configured",
    );
    const outputs = unwrap(env.get(MAIL_SERVER, "v4").outputs) as Record<string, unknown>;
    assert.equal(outputs.smtpOverIpv4Only, true);
    assert.equal(outputs.smtpAddress, undefined);
  });
});

describe("MailServer on Hetzner Cloud", () => {
  let env: MockEnvironment;
  before(async () => {
    env = await installMocks();
  });
  beforeEach(() => env.reset());

  it("sends from the server's own /64 with rDNS for IPv4 and the SMTP address", async () => {
    const server = await build(env, "hz", hetznerMailServer());
    assertTree(env, [
      [MAIL_SERVER, "hz"],
      [HZ_HOST, "hz", [MAIL_SERVER, "hz"]],
      ["hcloud:index/server:Server", "hz", [HZ_HOST, "hz"]],
      ["hcloud:index/firewall:Firewall", "hz", [HZ_HOST, "hz"]],
      ["hcloud:index/firewallAttachment:FirewallAttachment", "hz", [HZ_HOST, "hz"]],
      [RDNS, "hz-ipv4", [HZ_HOST, "hz"]],
      ...parts("hz"),
      [COMMAND, "hz-host", [MAIL_SERVER, "hz"]],
      [COMMAND, "hz-host-confirm", [MAIL_SERVER, "hz"]],
      [MAIL_DNS, "hz", [MAIL_SERVER, "hz"]],
      [RDNS, "hz-ptr", [MAIL_DNS, "hz"]],
      ...["aaaa", "a", "mx", "spf", "helo-spf"].map(
        (role) => [RECORD, `hz-${role}`, [MAIL_DNS, "hz"]] as const,
      ),
    ]);
    assert.equal(server.prefixSource, "hetzner-server-64");
    assert.equal(server.tunnelInterface, undefined);
    assert.equal(await valueOf(server.dedicatedPrefix), "2a01:4f8:c17:1234::/64");
    assert.equal(await valueOf(server.smtpAddress), "2a01:4f8:c17:1234::25");
    assert.equal(
      await valueOf(server.spfRecord),
      `v=spf1 ip4:${HCLOUD_IPV4} ip6:2a01:4f8:c17:1234::/64 -all`,
    );
    const server0 = unwrap(env.get("hcloud:index/server:Server", "hz").inputs) as Record<string, unknown>;
    assert.deepEqual(server0.publicNets, [{ ipv4Enabled: true, ipv6Enabled: true }]);
    assert.deepEqual(unwrap(env.get(RDNS, "hz-ipv4").inputs), {
      serverId: HCLOUD_SERVER_ID,
      ipAddress: HCLOUD_IPV4,
      dnsPtr: "mx2.example.org",
    });
    assert.deepEqual(unwrap(env.get(RDNS, "hz-ptr").inputs), {
      serverId: HCLOUD_SERVER_ID,
      ipAddress: "2a01:4f8:c17:1234::25",
      dnsPtr: "mx2.example.org",
    });
    const aaaa = unwrap(env.get(RECORD, "hz-aaaa").inputs) as { content: string; name: string };
    assert.deepEqual([aaaa.name, aaaa.content], ["mx2.example.org", "2a01:4f8:c17:1234::25"]);
  });

  it("adds the SMTP address on the NIC and pins Postfix to it, without a tunnel", async () => {
    await build(env, "hz", hetznerMailServer({ nativeInterface: "enp1s0" }));
    const s = scripts(env, "hz");
    assert.ok(s.create.includes("smtp_bind_address6=2a01:4f8:c17:1234::25"));
    assert.ok(s.create.includes("2a01:4f8:c17:1234::25/128"), "the SMTP address is configured");
    assert.ok(s.create.includes("enp1s0"), "on the native interface");
    assert.ok(!s.create.includes("Kind=sit"), "no tunnel");
    assertCommandSecrets(env.get(COMMAND, "hz-host"), undefined);
    assertNoPlainSecrets(env, SECRETS);
  });

  it("sets only the PTR (Hetzner rDNS) when no Cloudflare zone is given, and still outputs the records", async () => {
    const server = await build(env, "hz", hetznerMailServer({ dns: undefined }));
    assert.deepEqual(env.ofType(RECORD), []);
    assert.equal(env.ofType(RDNS).length, 2);
    const records = await valueOf(server.dnsRecords);
    assert.deepEqual(records.map((r) => r.type).sort(), ["A", "AAAA", "MX", "PTR", "TXT", "TXT"]);
  });

  it("over IPv4 only: Cloudflare gets A, MX and SPF, and no IPv6 PTR is set", async () => {
    const server = await build(env, "hz4", hetznerMailServer({ smtpOverIpv4Only: true }));
    assert.deepEqual(
      env.ofType(RDNS).map((r) => r.name),
      ["hz4-ipv4"],
      "only the server's IPv4 PTR",
    );
    assert.deepEqual(
      env
        .ofType(RECORD)
        .map((r) => r.name)
        .sort(),
      ["hz4-a", "hz4-helo-spf", "hz4-mx", "hz4-spf"],
    );
    assert.equal(await valueOf(server.spfRecord), `v=spf1 ip4:${HCLOUD_IPV4} -all`);
    assert.equal(await valueOf(server.smtpAddress), undefined);
  });

  it("over IPv4 only without Cloudflare: nothing to publish, the records are still output", async () => {
    const server = await build(env, "hz4", hetznerMailServer({ smtpOverIpv4Only: true, dns: undefined }));
    assert.deepEqual(env.ofType(MAIL_DNS), []);
    assert.deepEqual(env.ofType(RECORD), []);
    assert.deepEqual(
      env.ofType(RDNS).map((r) => r.name),
      ["hz4-ipv4"],
    );
    const records = await valueOf(server.dnsRecords);
    assert.deepEqual(
      records.map((r) => [r.type, r.name, r.content]),
      [
        ["A", "mx2.example.org", HCLOUD_IPV4],
        ["MX", "example.org", "mx2.example.org"],
        ["TXT", "example.org", `"v=spf1 ip4:${HCLOUD_IPV4} -all"`],
        ["TXT", "mx2.example.org", `"v=spf1 ip4:${HCLOUD_IPV4} -all"`],
      ],
    );
  });
});

describe("MailServer on an existing host", () => {
  let env: MockEnvironment;
  before(async () => {
    env = await installMocks();
  });
  beforeEach(() => env.reset());

  const lab: MailServerArgs = {
    hostName: "mail.example.com",
    zone: "example.com",
    allowDocumentationPrefixes: true,
    existing: {
      ssh: { host: "127.0.0.1", port: 2222, privateKey: SSH_PRIVATE_KEY },
      ipv4Address: "192.0.2.10",
    },
    tunnel: {
      tunnelId: "100001",
      heServerIpv4: "198.51.100.1",
      linkClientAddress: "2001:db8:1e::2",
      linkServerAddress: "2001:db8:1e::1",
      routedPrefix: "2001:db8:25::/64",
      providerPrefix: "2001:db8:5ace::/64",
    },
    firewall: { adminSources: ["10.0.2.2/32"] },
  };

  it("outputs the DNS records to publish by hand when there is no DNS provider", async () => {
    const server = await build(env, "lab", lab);
    assertTree(env, [
      [MAIL_SERVER, "lab"],
      [EXISTING_HOST, "lab", [MAIL_SERVER, "lab"]],
      ...parts("lab", { tunnel: true }),
      [COMMAND, "lab-host", [MAIL_SERVER, "lab"]],
      [COMMAND, "lab-host-confirm", [MAIL_SERVER, "lab"]],
    ]);
    assert.equal(await valueOf(server.spfRecord), "v=spf1 ip4:192.0.2.10 ip6:2001:db8:25::/64 -all");
    const records = await valueOf(server.dnsRecords);
    assert.deepEqual(
      records.find((r) => r.type === "AAAA"),
      { type: "AAAA", name: "mail.example.com", content: "2001:db8:25::25", ttl: 3600 },
    );
    const connection = unwrap(env.get(COMMAND, "lab-host").inputs.connection) as {
      host: string;
      port: number;
    };
    assert.deepEqual([connection.host, connection.port], ["127.0.0.1", 2222]);
    assert.ok(hasLine(scripts(env, "lab").create, "From=2001:db8:5ace::/64"));
  });

  it("publishes no A record for an IPv6-only host with its own /64", async () => {
    const server = await build(env, "v6", {
      hostName: "mx3.example.org",
      zone: "example.org",
      existing: {
        ssh: { host: "mx3.example.org", privateKey: SSH_PRIVATE_KEY },
        ipv6Prefix: "2a01:4f8:200:7a::/64",
      },
      firewall: { adminSources: [ADMIN_IPV6] },
      dns: { cloudflare: { zoneId: "zone-example-org" } },
    });
    assert.equal(server.prefixSource, "declared-dedicated");
    assert.equal(await valueOf(server.spfRecord), "v=spf1 ip6:2a01:4f8:200:7a::/64 -all");
    assert.deepEqual(
      env
        .ofType(RECORD)
        .map((r) => r.name)
        .sort(),
      ["v6-aaaa", "v6-helo-spf", "v6-mx", "v6-spf"],
    );
  });
});

describe("MailServer rejects invalid configurations before registering anything", () => {
  let env: MockEnvironment;
  before(async () => {
    env = await installMocks();
  });
  beforeEach(() => env.reset());

  const reject = (args: MailServerArgs, name = "bad") =>
    expectRejected(env, () => new MailServer(name, args), "MailServer", name);

  it("two hosts at once", async () => {
    const { hetzner } = hetznerMailServer();
    const error = await reject(digitalOceanMailServer({ hetzner }));
    assertExplained(error.problems, error.message, {
      field: "digitalocean|hetzner|existing",
      value: ["digitalocean", "hetzner"],
      mentions: ["digitalocean and hetzner are given together"],
      fix: "exactly one of",
    });
  });

  it("DigitalOcean without a tunnel", async () => {
    const error = await reject(digitalOceanMailServer({ tunnel: undefined }));
    assertExplained(error.problems, error.message, {
      field: "tunnel",
      mentions: ["required on DigitalOcean", "shared /64", "blocks SMTP over IPv6"],
      fix: "smtpOverIpv4Only: true",
    });
  });

  it("a tunnel together with smtpOverIpv4Only", async () => {
    const error = await reject(digitalOceanMailServer({ smtpOverIpv4Only: true }));
    assertExplained(error.problems, error.message, {
      field: "smtpOverIpv4Only",
      value: true,
      mentions: ["contradicts the tunnel"],
      fix: "remove smtpOverIpv4Only",
    });
  });

  it("the tunnel's link /64 as the routed prefix", async () => {
    const error = await reject(
      digitalOceanMailServer({ tunnel: { ...HE_TUNNEL, routedPrefix: "2001:470:1f0a:9a::/64" } }),
    );
    assertExplained(error.problems, error.message, {
      field: "tunnel.routedPrefix",
      value: "2001:470:1f0a:9a::/64",
      mentions: ["link /64", "no rDNS"],
      fix: "Routed /64",
    });
  });

  it("a documentation prefix without allowDocumentationPrefixes", async () => {
    const error = await reject(
      digitalOceanMailServer({
        tunnel: {
          ...HE_TUNNEL,
          linkClientAddress: "2001:db8:1e::2",
          linkServerAddress: "2001:db8:1e::1",
          routedPrefix: "2001:db8:25::/64",
        },
      }),
    );
    assertExplained(error.problems, error.message, {
      field: "tunnel.routedPrefix",
      value: "2001:db8:25::/64",
      mentions: ["documentation"],
      fix: "allowDocumentationPrefixes: true",
    });
  });

  it("SSH open to the whole IPv6 internet", async () => {
    const error = await reject(digitalOceanMailServer({ firewall: { adminSources: [ADMIN_IPV4, "::/0"] } }));
    assertExplained(error.problems, error.message, {
      field: "firewall.adminSources",
      value: [ADMIN_IPV4, "::/0"],
      mentions: ["opens SSH to the whole internet"],
      fix: "admins connect from",
    });
    assert.deepEqual(
      error.problems.map((p) => p.field),
      ["firewall.adminSources"],
      "reported once, under the field the user wrote",
    );
  });

  it("an existing host with a tunnel but no IPv4 for it to end at", async () => {
    const error = await reject({
      hostName: "mx3.example.org",
      zone: "example.org",
      existing: { ssh: { host: "mx3.example.org", privateKey: SSH_PRIVATE_KEY } },
      tunnel: HE_TUNNEL,
      firewall: { adminSources: [ADMIN_IPV4] },
    });
    assertExplained(error.problems, error.message, {
      field: "existing.ipv4Address",
      mentions: ["required with a tunnel"],
      fix: "public IPv4",
    });
  });

  it("an SMTP address outside the dedicated /64", async () => {
    const error = await reject(digitalOceanMailServer({ smtpInterfaceId: "2001:470:1f0b:9b::25" }));
    assertExplained(error.problems, error.message, {
      field: "smtpInterfaceId",
      value: "2001:470:1f0b:9b::25",
      mentions: ["outside the dedicated prefix 2001:470:1f0b:9a::/64"],
      fix: "::25",
    });
  });

  it("reports every problem at once and never shows a secret", async () => {
    const error = await reject({
      hostName: "mail",
      zone: "example",
      digitalocean: { sshKeys: [], sshPrivateKey: SSH_PRIVATE_KEY },
      tunnel: { ...HE_TUNNEL, mtu: 9000, username: HE_USERNAME },
      firewall: { adminSources: [] },
    });
    const fields = error.problems.map((p) => p.field);
    for (const field of [
      "hostName",
      "zone",
      "digitalocean.sshKeys",
      "tunnel.mtu",
      "tunnel.updateKey",
      "firewall.adminSources",
    ]) {
      assert.ok(fields.includes(field), `${field} is reported; got ${fields.join(", ")}`);
    }
    assert.equal(new Set(fields).size, fields.length, "no problem is reported twice");
    assert.ok(
      !fields.some((f) => f.includes(".access.") || f === "digitalocean.hostName"),
      fields.join(", "),
    );
    for (const secret of SECRETS) assert.ok(!error.message.includes(secret));
  });

  it("DNS settings the plan refuses, before the host is registered", async () => {
    const error = await reject(
      hetznerMailServer({
        hostName: "mx2.example.net",
        dns: { cloudflare: { zoneId: "zone-example-org" }, ttl: 30, spfAll: "+all" as "-all" },
      }),
    );
    assert.deepEqual(
      error.problems.map((p) => p.field),
      ["hostName", "dns.ttl", "dns.spfAll"],
    );
    assertExplained(error.problems, error.message, {
      field: "hostName",
      value: "mx2.example.net",
      mentions: ["not inside the zone example.org"],
      fix: "mx1.example.org",
    });
    assertExplained(error.problems, error.message, {
      field: "dns.ttl",
      value: 30,
      mentions: ["60 to 86400"],
      fix: "3600",
    });
  });

  it("the same DNS settings when the host sends over IPv4 only", async () => {
    const error = await reject(
      digitalOceanMailServer({
        tunnel: undefined,
        smtpOverIpv4Only: true,
        dns: { cloudflare: { zoneId: "zone-example-org" }, mxPriority: 70000, spfMechanisms: ["foo:bar"] },
      }),
    );
    assert.deepEqual(
      error.problems.map((p) => p.field),
      ["dns.mxPriority", "dns.spfMechanisms"],
    );
  });

  it("an existing host sending over IPv4 only without an IPv4 address", async () => {
    const error = await reject({
      hostName: "mx3.example.org",
      zone: "example.org",
      existing: { ssh: { host: "mx3.example.org", privateKey: SSH_PRIVATE_KEY } },
      smtpOverIpv4Only: true,
      firewall: { adminSources: [ADMIN_IPV4] },
      dns: { cloudflare: { zoneId: "zone-example-org" } },
    });
    assertExplained(error.problems, error.message, {
      field: "existing.ipv4Address",
      mentions: ["required when the host sends over IPv4 only"],
      fix: "public IPv4 address",
    });
  });

  it("a second mail host on a /64 another host of the stack already sends from", async () => {
    await build(env, "first", digitalOceanMailServer());
    const before = env.inventory();
    let caught: unknown;
    try {
      new MailServer("second", digitalOceanMailServer({ hostName: "mx2.example.org" }));
    } catch (error) {
      caught = error;
    }
    await env.settle();
    assert.deepEqual(env.inventory(), before, "the second MailServer registered nothing");
    assert.ok(caught instanceof Error && caught.name === "InvalidConfigError", String(caught));
    assert.match(
      caught.message,
      /^Invalid MailServer "second":\n - tunnel\.routedPrefix = "2001:470:1f0b:9a::\/64": overlaps 2001:470:1f0b:9a::\/64, which mail host mx1\.example\.org of this stack already sends from\. Fix: give every mail host its own \/64/,
    );
  });
});

describe("MailServer during a preview, before the droplet exists", () => {
  let env: MockEnvironment;
  before(async () => {
    // The droplet's addresses are unknown until it is created.
    env = await installMocks(() => ({}), {}, [], "preview", true);
  });
  beforeEach(() => env.reset());

  it("registers the same resources and knows the tunnel's addresses already", async () => {
    const server = new MailServer("mx", digitalOceanMailServer());
    assert.equal(await valueOf(server.smtpAddress), HE_SMTP_ADDRESS);
    assert.equal(await valueOf(server.dedicatedPrefix), HE_ROUTED_64);
    await env.settle();
    assert.deepEqual(
      env.inventory().filter((r) => !r.startsWith("cloudflare:")),
      [
        `${COMMAND} mx-host`,
        `${COMMAND} mx-host-confirm`,
        `${DO_HOST} mx`,
        "digitalocean:index/droplet:Droplet mx",
        "digitalocean:index/firewall:Firewall mx",
        `${HE_TUNNEL_TYPE} mx`,
        `${HOST_FIREWALL} mx`,
        `${MAIL_DNS} mx`,
        `${MAIL_SERVER} mx`,
        `${MTA_BINDING} mx`,
      ].sort(),
    );
    const apply = env.get(COMMAND, "mx-host");
    assert.ok(isWireSecret(apply.inputs.stdin), "stdin stays secret at preview");
    // The connection is unknown as a whole until the droplet's address is: nothing of it is in plain text.
    assertNoPlainSecrets(env, SECRETS);
  });
});
