import { before, beforeEach, describe, it } from "node:test";
import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { MailDns, MailDnsArgs } from "../../../components";
import { assertExplained } from "../net/problem-assertions";
import { assertTree, HE_ROUTED_64, HE_SMTP_ADDRESS, HE_SMTP_PTR } from "./fixtures";
import { expectRejected, installMocks, MockEnvironment, unwrap, valueOf } from "./mock-harness";

const TYPE = "ipv6-mail:index:MailDns";
const RECORD = "cloudflare:index/dnsRecord:DnsRecord";
const RDNS = "hcloud:index/rdns:Rdns";
const SPF = "v=spf1 ip4:203.0.113.20 ip6:2001:470:1f0b:9a::/64 -all";

function args(overrides: Partial<MailDnsArgs> = {}): MailDnsArgs {
  return {
    zone: "example.org",
    hostName: "mx1.example.org",
    smtpAddress: HE_SMTP_ADDRESS,
    dedicatedPrefix: HE_ROUTED_64,
    ipv4Address: "203.0.113.20",
    aaaaTtl: 300,
    cloudflare: { zoneId: "zone-example-org", reverseZoneId: "zone-he-reverse" },
    ...overrides,
  };
}

interface RecordInputs {
  zoneId: string;
  type: string;
  name: string;
  content: string;
  ttl: number;
  priority?: number;
  proxied: boolean;
}

async function records(env: MockEnvironment, dns: MailDns): Promise<Map<string, RecordInputs>> {
  await valueOf(dns.records);
  await env.settle();
  return new Map(env.ofType(RECORD).map((r) => [r.name, unwrap(r.inputs) as RecordInputs]));
}

describe("MailDns", () => {
  let env: MockEnvironment;
  before(async () => {
    env = await installMocks();
  });
  beforeEach(() => env.reset());

  it("registers A, AAAA, MX, SPF and PTR records in Cloudflare, parented to the component", async () => {
    const dns = new MailDns("dns", args());
    await records(env, dns);
    assertTree(env, [
      [TYPE, "dns"],
      ...["aaaa", "a", "mx", "spf", "helo-spf", "ptr"].map(
        (role) => [RECORD, `dns-${role}`, [TYPE, "dns"]] as const,
      ),
    ]);
  });

  it("publishes forward records that match the SMTP address and the PTR in the reverse zone", async () => {
    const found = await records(env, new MailDns("dns", args()));
    const row = (name: string) => {
      const r = found.get(name);
      assert.ok(r, name);
      return [r.zoneId, r.type, r.name, r.content, r.ttl, r.priority, r.proxied];
    };
    assert.deepEqual(row("dns-aaaa"), [
      "zone-example-org",
      "AAAA",
      "mx1.example.org",
      HE_SMTP_ADDRESS,
      300,
      undefined,
      false,
    ]);
    assert.deepEqual(row("dns-a"), [
      "zone-example-org",
      "A",
      "mx1.example.org",
      "203.0.113.20",
      3600,
      undefined,
      false,
    ]);
    assert.deepEqual(row("dns-mx"), [
      "zone-example-org",
      "MX",
      "example.org",
      "mx1.example.org",
      3600,
      10,
      false,
    ]);
    assert.deepEqual(row("dns-spf"), [
      "zone-example-org",
      "TXT",
      "example.org",
      `"${SPF}"`,
      3600,
      undefined,
      false,
    ]);
    assert.deepEqual(row("dns-helo-spf"), [
      "zone-example-org",
      "TXT",
      "mx1.example.org",
      `"${SPF}"`,
      3600,
      undefined,
      false,
    ]);
    assert.deepEqual(row("dns-ptr"), [
      "zone-he-reverse",
      "PTR",
      HE_SMTP_PTR,
      "mx1.example.org",
      3600,
      undefined,
      false,
    ]);
  });

  it("outputs the plan, the SPF record and the PTR name", async () => {
    const dns = new MailDns("dns", args({ smtpAddress: pulumi.output(HE_SMTP_ADDRESS) }));
    assert.equal(await valueOf(dns.spfRecord), SPF);
    assert.equal(await valueOf(dns.ptrName), HE_SMTP_PTR);
    assert.equal((await valueOf(dns.records)).length, 6);
  });

  it("authorizes only the SMTP address with spfAuthorize: address, and leaves out what isn't asked for", async () => {
    const found = await records(
      env,
      new MailDns(
        "dns",
        args({
          spfAuthorize: "address",
          mx: false,
          ipv4Address: undefined,
          cloudflare: { zoneId: "zone-example-org" },
        }),
      ),
    );
    assert.deepEqual([...found.keys()].sort(), ["dns-aaaa", "dns-helo-spf", "dns-spf"]);
    assert.equal(found.get("dns-spf")?.content, `"v=spf1 ip6:${HE_SMTP_ADDRESS} -all"`);
  });

  it("sets the PTR with Hetzner's Rdns on a Hetzner server", async () => {
    const dns = new MailDns(
      "dns",
      args({
        smtpAddress: "2a01:4f8:c17:1234::25",
        dedicatedPrefix: "2a01:4f8:c17:1234::/64",
        cloudflare: undefined,
        hetznerServerId: 420001,
      }),
    );
    await valueOf(dns.records);
    await env.settle();
    assertTree(env, [
      [TYPE, "dns"],
      [RDNS, "dns-ptr", [TYPE, "dns"]],
    ]);
    assert.deepEqual(unwrap(env.get(RDNS, "dns-ptr").inputs), {
      serverId: 420001,
      ipAddress: "2a01:4f8:c17:1234::25",
      dnsPtr: "mx1.example.org",
    });
  });

  it("rejects a configuration without a DNS provider and a host outside the zone", async () => {
    const error = await expectRejected(
      env,
      () => new MailDns("dns", args({ cloudflare: undefined, hostName: "mx1.example.net" })),
      "MailDns",
      "dns",
    );
    assertExplained(error.problems, error.message, {
      field: "cloudflare",
      mentions: ["no DNS provider"],
      fix: "cloudflare.zoneId",
    });
    assertExplained(error.problems, error.message, {
      field: "hostName",
      value: "mx1.example.net",
      mentions: ["not inside the zone example.org"],
      fix: "mx1.example.org",
    });
  });

  it("names its own field when the dedicated prefix doesn't cover the SMTP address", async () => {
    const error = await expectRejected(
      env,
      () => new MailDns("dns", args({ dedicatedPrefix: "2001:470:1f0b:9b::/64" })),
      "MailDns",
      "dns",
    );
    assertExplained(error.problems, error.message, {
      field: "dedicatedPrefix",
      value: "2001:470:1f0b:9b::/64",
      mentions: ["does not cover smtpAddress"],
      fix: "smtpAddress",
    });
  });

  it("rejects a documentation SMTP address unless allowed, and a TTL of 30", async () => {
    const error = await expectRejected(
      env,
      () =>
        new MailDns(
          "dns",
          args({ smtpAddress: "2001:db8:25::25", dedicatedPrefix: "2001:db8:25::/64", ttl: 30 }),
        ),
      "MailDns",
      "dns",
    );
    assertExplained(error.problems, error.message, {
      field: "smtpAddress",
      value: "2001:db8:25::25",
      mentions: ["documentation"],
      fix: "allowDocumentationPrefixes",
    });
    assertExplained(error.problems, error.message, {
      field: "ttl",
      value: 30,
      mentions: ["60 to 86400"],
      fix: "3600",
    });
  });
  it("publishes A, MX and an ip4-only SPF, and no AAAA or PTR, for a host that sends over IPv4 only", async () => {
    const dns = new MailDns(
      "dns",
      args({
        sendsOverIpv6: false,
        smtpAddress: undefined,
        dedicatedPrefix: undefined,
        // IPv6-only settings of a stack that withdrew IPv6: kept, with nothing to apply to.
        hetznerServerId: 420001,
        ipv4Address: pulumi.output("203.0.113.20"),
      }),
    );
    const found = await records(env, dns);
    assertTree(env, [
      [TYPE, "dns"],
      ...["a", "mx", "spf", "helo-spf"].map((role) => [RECORD, `dns-${role}`, [TYPE, "dns"]] as const),
    ]);
    const spf4 = "v=spf1 ip4:203.0.113.20 -all";
    assert.deepEqual(
      Object.fromEntries([...found].map(([n, r]) => [n, [r.zoneId, r.type, r.name, r.content, r.ttl]])),
      {
        "dns-a": ["zone-example-org", "A", "mx1.example.org", "203.0.113.20", 3600],
        "dns-mx": ["zone-example-org", "MX", "example.org", "mx1.example.org", 3600],
        "dns-spf": ["zone-example-org", "TXT", "example.org", `"${spf4}"`, 3600],
        "dns-helo-spf": ["zone-example-org", "TXT", "mx1.example.org", `"${spf4}"`, 3600],
      },
    );
    assert.equal(await valueOf(dns.spfRecord), spf4);
    assert.equal(await valueOf(dns.ptrName), undefined);
    assert.deepEqual(
      (await valueOf(dns.records)).map((r) => r.type),
      ["A", "MX", "TXT", "TXT"],
    );
    assert.equal(dns.rdns, undefined);
  });

  it("rejects an IPv4-only host without IPv4 or Cloudflare and with IPv6 addresses, registering nothing", async () => {
    const error = await expectRejected(
      env,
      () =>
        new MailDns(
          "dns",
          args({
            sendsOverIpv6: false,
            smtpAddress: pulumi.output(HE_SMTP_ADDRESS),
            ipv4Address: undefined,
            cloudflare: undefined,
            hetznerServerId: 420001,
          }),
        ),
      "MailDns",
      "dns",
    );
    assert.deepEqual(
      error.problems.map((p) => p.field),
      ["ipv4Address", "smtpAddress", "dedicatedPrefix", "cloudflare"],
    );
    assertExplained(error.problems, error.message, {
      field: "smtpAddress",
      value: "(an output of another resource)",
      mentions: ["sendsOverIpv6 is false"],
      fix: "remove it",
    });
    assertExplained(error.problems, error.message, {
      field: "dedicatedPrefix",
      value: HE_ROUTED_64,
      mentions: ["sendsOverIpv6 is false"],
      fix: "remove it",
    });
    assertExplained(error.problems, error.message, {
      field: "cloudflare",
      mentions: ["IPv4 only", "A, MX and SPF"],
      fix: "cloudflare.zoneId",
    });
  });

  it("checks every other field while the addresses are outputs", async () => {
    const error = await expectRejected(
      env,
      () =>
        new MailDns(
          "dns",
          args({
            smtpAddress: pulumi.output(HE_SMTP_ADDRESS),
            ipv4Address: pulumi.output("203.0.113.20"),
            hostName: "mx1.example.net",
            ttl: 30,
          }),
        ),
      "MailDns",
      "dns",
    );
    assert.deepEqual(
      error.problems.map((p) => p.field),
      ["hostName", "ttl"],
    );
  });
});
