/**
 * MailServer `services`: addresses of their own in the dedicated /64, added on the host (tunnel or NIC), their
 * ports opened in the host firewall on their address only, an AAAA each and a PTR with a host name, the facts
 * saying so, and every bad setting refused before anything is registered, named by its field.
 */
import { before, beforeEach, describe, it } from "node:test";
import * as assert from "node:assert/strict";
import { MailServer, MailServerArgs } from "../../../components";
import type { ServiceSettings } from "../../../components/services/service-settings";
import { planMailDns, ptrOwnerName } from "../../../net";
import { renderFirewallRuleset } from "../../../host-config";
import { assertExplained } from "../net/problem-assertions";
import { ADMIN_IPV6, digitalOceanMailServer, HE_SMTP_ADDRESS, hetznerMailServer } from "./fixtures";
import { buildMailServer, registeredFacts } from "./mail-server-build";
import { expectRejected, installMocks, MockEnvironment, text, unwrap, valueOf } from "./mock-harness";

const COMMAND = "command:remote:Command";
const RECORD = "cloudflare:index/dnsRecord:DnsRecord";
const RDNS = "hcloud:index/rdns:Rdns";
const WEB_ADDRESS = "2001:470:1f0b:9a::80";
const SHOP_ADDRESS = "2001:470:1f0b:9a::443";

const SERVICES: ServiceSettings[] = [
  { name: "web", interfaceId: "::80", ports: [{ port: 443 }, { port: 80 }] },
  {
    name: "shop",
    interfaceId: "::443",
    hostName: "shop.example.org",
    ports: [{ port: 8443, sources: [ADMIN_IPV6] }],
  },
];

describe("MailServer services through a Hurricane Electric tunnel", () => {
  let env: MockEnvironment;
  before(async () => {
    env = await installMocks();
  });
  beforeEach(() => env.reset());

  it("adds each service address on the tunnel and opens its ports with that address as destination only", async () => {
    await buildMailServer(env, "mx", digitalOceanMailServer({ services: SERVICES }));
    const apply = text(env.get(COMMAND, "mx-host"), "create");
    const lines = apply.split("\n").map((l) => l.trim());
    for (const line of [
      `Address=${HE_SMTP_ADDRESS}/128`,
      `Address=${WEB_ADDRESS}/128`,
      `Address=${SHOP_ADDRESS}/128`,
      `ip6 daddr ${WEB_ADDRESS} tcp dport { 80, 443 } accept comment "service web"`,
      `ip6 daddr ${SHOP_ADDRESS} ip6 saddr { ${ADMIN_IPV6} } tcp dport 8443 accept comment "service shop"`,
      // Outbound connections keep the SMTP address as source.
      `PreferredSource=${HE_SMTP_ADDRESS}`,
    ]) {
      assert.ok(lines.includes(line), `apply has ${line}`);
    }
    // No service port is opened for every address.
    assert.ok(
      !lines.some((l) => /^tcp dport .*\b(80|443|8443)\b.* accept$/.test(l)),
      "no port open on all addresses",
    );
    // The remove script takes the tunnel's .network away, with the service addresses in it.
    assert.match(text(env.get(COMMAND, "mx-host"), "delete"), /60-ipv6-mail-he-ipv6\.network/);
  });

  it("publishes an AAAA per service and the PTR of the service that has a host name", async () => {
    const server = await buildMailServer(env, "mx", digitalOceanMailServer({ services: SERVICES }));
    const aaaa = (role: string) => unwrap(env.get(RECORD, `mx-${role}`).inputs) as Record<string, unknown>;
    assert.deepEqual([aaaa("web-aaaa").name, aaaa("web-aaaa").content], ["web.example.org", WEB_ADDRESS]);
    assert.deepEqual([aaaa("shop-aaaa").name, aaaa("shop-aaaa").content], ["shop.example.org", SHOP_ADDRESS]);
    const ptr = aaaa("shop-ptr");
    assert.deepEqual(
      [ptr.zoneId, ptr.name, ptr.content],
      ["zone-he-reverse", ptrOwnerName(SHOP_ADDRESS), "shop.example.org"],
    );
    assert.throws(() => env.get(RECORD, "mx-web-ptr"), "no PTR without a host name");
    // The mail host's own PTR is still the SMTP address's.
    assert.equal(
      (unwrap(env.get(RECORD, "mx-ptr").inputs) as { name: string }).name,
      ptrOwnerName(HE_SMTP_ADDRESS),
    );
    // SPF is unchanged: services do not send mail.
    assert.equal(await valueOf(server.spfRecord), "v=spf1 ip4:203.0.113.20 ip6:2001:470:1f0b:9a::/64 -all");
  });

  it("says so in its facts: the services, and the firewall's ports with their destination", async () => {
    await buildMailServer(env, "mx", digitalOceanMailServer({ services: SERVICES }));
    const server = registeredFacts(env, "ipv6-mail:index:MailServer", "mx");
    assert.deepEqual(
      server.services?.map((s) => [s.name, s.address.value, s.recordName, s.ptr]),
      [
        ["web", WEB_ADDRESS, "web.example.org", false],
        ["shop", SHOP_ADDRESS, "shop.example.org", true],
      ],
    );
    const open = registeredFacts(env, "ipv6-mail:index:HostFirewall", "mx").firewall?.ipv6Input.open ?? [];
    assert.deepEqual(
      open.filter((o) => o.destination).map((o) => [o.port, o.sources, o.destination?.address]),
      [
        [80, ["::/0"], WEB_ADDRESS],
        [443, ["::/0"], WEB_ADDRESS],
        [8443, [ADMIN_IPV6], SHOP_ADDRESS],
      ],
    );
  });
});

describe("MailServer services on a Hetzner server's own /64", () => {
  let env: MockEnvironment;
  before(async () => {
    env = await installMocks();
  });
  beforeEach(() => env.reset());

  it("adds the addresses on the NIC once the /64 is known, opens the cloud firewall and sets the service's rDNS", async () => {
    await buildMailServer(env, "hz", hetznerMailServer({ services: SERVICES }));
    const apply = text(env.get(COMMAND, "hz-host"), "create");
    for (const address of ["2a01:4f8:c17:1234::25", "2a01:4f8:c17:1234::80", "2a01:4f8:c17:1234::443"]) {
      assert.ok(apply.includes(`ExecStart=/sbin/ip -6 addr replace ${address}/128 dev eth0 nodad`), address);
    }
    assert.ok(
      apply.includes('ip6 daddr 2a01:4f8:c17:1234::80 tcp dport { 80, 443 } accept comment "service web"'),
    );
    const rules = (
      unwrap(env.get("hcloud:index/firewall:Firewall", "hz").inputs) as {
        rules: { port?: string; sourceIps: string[] }[];
      }
    ).rules;
    assert.deepEqual(rules.find((r) => r.port === "8443")?.sourceIps, [ADMIN_IPV6]);
    assert.deepEqual(unwrap(env.get(RDNS, "hz-shop-ptr").inputs), {
      serverId: 420001,
      ipAddress: "2a01:4f8:c17:1234::443",
      dnsPtr: "shop.example.org",
    });
    // Before the server exists its /64 is not known: the facts derive the addresses from it.
    const service = registeredFacts(env, "ipv6-mail:index:MailServer", "hz").services?.[0];
    assert.deepEqual(service?.address, { derivation: "the dedicated /64 + ::80", interfaceId: "::80" });
  });
});

describe("MailServer services: bad settings are refused before anything is registered", () => {
  let env: MockEnvironment;
  before(async () => {
    env = await installMocks();
  });
  const reject = (args: MailServerArgs) =>
    expectRejected(env, () => new MailServer("mx", args), "MailServer", "mx");

  it("an address that is the SMTP address, outside the /64, the anycast address, or another service's", async () => {
    const error = await reject(
      digitalOceanMailServer({
        services: [
          { name: "a", interfaceId: "::25" },
          { name: "b", interfaceId: "2001:470:1f0c::80" },
          { name: "c", interfaceId: "2001:470:1f0b:9a::" },
          { name: "d", interfaceId: "::80" },
          { name: "e", interfaceId: "2001:470:1f0b:9a::80" },
        ],
      }),
    );
    assertExplained(error.problems, error.message, {
      field: "services[0].interfaceId",
      value: "::25",
      mentions: [`makes ${HE_SMTP_ADDRESS}, which is the SMTP address`],
      fix: "an address of its own",
    });
    assertExplained(error.problems, error.message, {
      field: "services[1].interfaceId",
      value: "2001:470:1f0c::80",
      mentions: ["lies outside the dedicated prefix 2001:470:1f0b:9a::/64"],
      fix: "inside the dedicated /64",
    });
    assertExplained(error.problems, error.message, {
      field: "services[2].interfaceId",
      value: "2001:470:1f0b:9a::",
      mentions: ["subnet-router anycast"],
      fix: '"::80"',
    });
    assertExplained(error.problems, error.message, {
      field: "services[4].interfaceId",
      value: "2001:470:1f0b:9a::80",
      mentions: ["the address of services[3]"],
      fix: "an address of its own",
    });
    assert.equal(error.problems.length, 4);
  });

  it("names, host names, ports and sources", async () => {
    const error = await reject(
      digitalOceanMailServer({
        services: [
          { name: "Web_1", interfaceId: "::80" },
          { name: "web", interfaceId: "::81", hostName: "www.example.com" },
          { name: "web", interfaceId: "::82", hostName: "mx1.example.org" },
          {
            name: "api",
            interfaceId: "nope",
            ports: [{ port: 22 }, { port: 70000 }, { port: 8080 }, { port: 8080 }],
          },
          { name: "db", interfaceId: "::5432", ports: [{ port: 5432, sources: ["198.51.100.0/24", "bad"] }] },
        ],
      }),
    );
    const expected: [string, unknown, string, string][] = [
      ["services[0].name", "Web_1", "is not a DNS label", '"web"'],
      ["services[1].hostName", "www.example.com", "is not inside the zone example.org", "www.example.org"],
      ["services[2].name", "web", "is also the name of services[1]", "its own name"],
      ["services[2].hostName", "mx1.example.org", "the mail host's own name", "another host name"],
      ["services[3].interfaceId", "nope", "neither an interface id", '"::80"'],
      ["services[3].ports[0].port", 22, "is the SSH port", "firewall.adminSources"],
      ["services[3].ports[1].port", 70000, "", ""],
      ["services[3].ports[3].port", 8080, "is listed twice (also services[3].ports[2])", "once"],
      ["services[4].ports[0].sources[0]", "198.51.100.0/24", "is an IPv4 network", "IPv6 networks only"],
      ["services[4].ports[0].sources[1]", "bad", "", "IPv6 network"],
    ];
    for (const [field, value, mention, fix] of expected) {
      assertExplained(error.problems, error.message, { field, value, mentions: [mention], fix });
    }
  });

  it("services on a host that sends over IPv4 only", async () => {
    const error = await reject(
      hetznerMailServer({ smtpOverIpv4Only: true, services: [{ name: "web", interfaceId: "::80" }] }),
    );
    assertExplained(error.problems, error.message, {
      field: "services",
      value: ["web"],
      mentions: ["smtpOverIpv4Only says this host has none"],
      fix: "add a Hurricane Electric tunnel",
    });
  });
});

describe("the DNS plan and the firewall ruleset of services", () => {
  it("plans an AAAA per service (aaaaTtl) and the PTRs after the SMTP address's", () => {
    const records = planMailDns({
      zone: "example.org",
      hostName: "mx1.example.org",
      smtpAddress: HE_SMTP_ADDRESS,
      spfIpv6: "2001:470:1f0b:9a::/64",
      aaaaTtl: 300,
      services: [
        { recordName: "web.example.org", address: WEB_ADDRESS, ptr: false },
        { recordName: "shop.example.org", address: SHOP_ADDRESS, ptr: true },
      ],
    });
    const of = (type: string) =>
      records.filter((r) => r.type === type).map((r) => [r.name, r.content, r.ttl]);
    assert.deepEqual(of("AAAA"), [
      ["mx1.example.org", HE_SMTP_ADDRESS, 300],
      ["web.example.org", WEB_ADDRESS, 300],
      ["shop.example.org", SHOP_ADDRESS, 300],
    ]);
    assert.deepEqual(of("PTR"), [
      [ptrOwnerName(HE_SMTP_ADDRESS), "mx1.example.org", 3600],
      [ptrOwnerName(SHOP_ADDRESS), "shop.example.org", 3600],
    ]);
  });

  it("refuses a service record outside the zone or with a documentation address", () => {
    assert.throws(
      () =>
        planMailDns({
          zone: "example.org",
          hostName: "mx1.example.org",
          smtpAddress: HE_SMTP_ADDRESS,
          spfIpv6: "2001:470:1f0b:9a::/64",
          services: [{ recordName: "www.example.com", address: "2001:db8::80", ptr: true }],
        }),
      (error: Error) =>
        error.message.includes("services[0].recordName") && error.message.includes("services[0].address"),
    );
  });

  it("keeps neighbour discovery and puts the service rules before the default drop", () => {
    const ruleset = renderFirewallRuleset({
      allowedTcpPorts: [25],
      adminSources: [ADMIN_IPV6],
      services: [
        {
          name: "web",
          interfaceId: "::80",
          address: WEB_ADDRESS,
          recordName: "web.example.org",
          ptr: false,
          ports: [{ port: 443, sources: ["::/0"] }],
        },
      ],
    });
    assert.match(
      ruleset,
      /icmpv6 type \{ nd-neighbor-solicit, nd-neighbor-advert \} ip6 hoplimit 255 accept/,
    );
    assert.match(ruleset, /\tip6 daddr 2001:470:1f0b:9a::80 tcp dport 443 accept comment "service web"\n/);
    assert.throws(
      () =>
        renderFirewallRuleset({
          allowedTcpPorts: [25],
          adminSources: [ADMIN_IPV6],
          services: [
            { name: "web", interfaceId: "::80", recordName: "w.example.org", ptr: false, ports: [] },
          ],
        }),
      /service web has no address yet/,
    );
  });
});
