/**
 * The DNS records of a mail host (A, AAAA, MX, SPF on zone and host, PTR): the full list for a typical input,
 * forward-confirmed reverse DNS, the AAAA TTL, and every problem of a bad spec collected at once.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Address6 } from "ip-address";
import { DnsRecordPlan, isDomainName, MailDnsSpec, parseSpf, planMailDns, evaluateSpf } from "../../../net";
import { assertExplained, catchInvalidConfig } from "./problem-assertions";

const TYPICAL: MailDnsSpec = {
  zone: "example.org",
  hostName: "mx1.example.org",
  smtpAddress: "2001:db8:25::25",
  spfIpv6: "2001:db8:25::/64",
  ipv4Address: "192.0.2.10",
  spfMechanisms: ["include:_spf.relay.example"],
  aaaaTtl: 300,
  allowDocumentation: true,
};
const PTR_NAME = "5.2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.5.2.0.0.8.b.d.0.1.0.0.2.ip6.arpa";
const SPF = '"v=spf1 ip4:192.0.2.10 ip6:2001:db8:25::/64 include:_spf.relay.example -all"';

/** The SPF text of a TXT record's content, its quoted strings joined as receivers do. */
function txtValue(content: string): string {
  return [...content.matchAll(/"([^"]*)"/g)].map((m) => m[1]).join("");
}

describe("planMailDns", () => {
  it("plans the full record list for a typical host", () => {
    const expected: DnsRecordPlan[] = [
      { type: "A", name: "mx1.example.org", content: "192.0.2.10", ttl: 3600 },
      { type: "AAAA", name: "mx1.example.org", content: "2001:db8:25::25", ttl: 300 },
      { type: "MX", name: "example.org", content: "mx1.example.org", ttl: 3600, priority: 10 },
      { type: "TXT", name: "example.org", content: SPF, ttl: 3600 },
      { type: "TXT", name: "mx1.example.org", content: SPF, ttl: 3600 },
      { type: "PTR", name: PTR_NAME, content: "mx1.example.org", ttl: 3600 },
    ];
    assert.deepEqual(planMailDns(TYPICAL), expected);
  });

  it("holds forward-confirmed reverse DNS and an SPF that authorizes the sender", async () => {
    const records = planMailDns(TYPICAL);
    const ptr = records.find((r) => r.type === "PTR");
    const aaaa = records.find((r) => r.type === "AAAA");
    assert.ok(ptr && aaaa);
    assert.equal(
      ptr.name,
      new Address6(aaaa.content).reverseForm().replace(/\.$/, ""),
      "PTR owner is the AAAA address",
    );
    assert.equal(ptr.content, aaaa.name, "PTR target is the AAAA owner");
    for (const txt of records.filter((r) => r.type === "TXT")) {
      // ip6: comes before the user's include, so no DNS is needed to know.
      const record = txtValue(txt.content);
      const dns = (name: string, type: string) =>
        name === txt.name && type === "TXT" ? [record] : ("cannot-know" as const);
      const check = async (ip: string) =>
        (await evaluateSpf({ ip, mailFrom: `postmaster@${txt.name}`, helo: "mx1.example.org", dns })).result;
      assert.equal(await check(aaaa.content), "pass");
      assert.equal(await check("2001:db8:26::25"), "unknown", "only the include could");
    }
  });

  it("applies aaaaTtl to the AAAA record only", () => {
    const records = planMailDns({ ...TYPICAL, ttl: 7200, aaaaTtl: 300 });
    for (const record of records) assert.equal(record.ttl, record.type === "AAAA" ? 300 : 7200, record.type);
    const same = planMailDns({ ...TYPICAL, ttl: 7200, aaaaTtl: undefined });
    for (const record of same) assert.equal(record.ttl, 7200, `${record.type} without aaaaTtl`);
  });

  it("normalizes names and addresses", () => {
    const records = planMailDns({
      ...TYPICAL,
      zone: "Example.ORG",
      hostName: "MX1.Example.org",
      smtpAddress: "2001:DB8:25:0:0::25",
      ipv4Address: " 192.0.2.10 ",
    });
    assert.deepEqual(
      records.map((r) => [r.type, r.name, r.content]),
      planMailDns(TYPICAL).map((r) => [r.type, r.name, r.content]),
    );
  });

  it("leaves out A and ip4 without an IPv4 address, MX when mx is false, and the host TXT at the apex", () => {
    const records = planMailDns({
      zone: "example.org",
      hostName: "example.org",
      smtpAddress: "2001:db8:25::25",
      spfIpv6: "2001:db8:25::25",
      mx: false,
      spfAll: "~all",
      allowDocumentation: true,
    });
    assert.deepEqual(records, [
      { type: "AAAA", name: "example.org", content: "2001:db8:25::25", ttl: 3600 },
      { type: "TXT", name: "example.org", content: '"v=spf1 ip6:2001:db8:25::25 ~all"', ttl: 3600 },
      { type: "PTR", name: PTR_NAME, content: "example.org", ttl: 3600 },
    ]);
  });

  it("uses the given MX priority, including 0", () => {
    for (const priority of [0, 20, 65535]) {
      const mx = planMailDns({ ...TYPICAL, mxPriority: priority }).find((r) => r.type === "MX");
      assert.equal(mx?.priority, priority);
    }
  });

  it("splits an SPF record longer than 255 characters into quoted strings", () => {
    const mechanisms = Array.from({ length: 12 }, (_, i) => `ip6:2001:db8:${(0x100 + i).toString(16)}::/48`);
    const records = planMailDns({ ...TYPICAL, spfMechanisms: mechanisms });
    const txt = records.find((r) => r.type === "TXT" && r.name === "example.org");
    assert.ok(txt);
    const strings = [...txt.content.matchAll(/"([^"]*)"/g)].map((m) => m[1]);
    assert.ok(strings.length >= 2, txt.content);
    assert.equal(strings[0].length, 255);
    assert.equal(txt.content, strings.map((s) => `"${s}"`).join(" "));
    assert.ok(txtValue(txt.content).endsWith(" -all"));
    for (const m of mechanisms) assert.ok(txtValue(txt.content).includes(` ${m} `), m);
  });

  it("collects every problem of a bad spec in one InvalidConfigError", () => {
    const error = catchInvalidConfig(() =>
      planMailDns(
        {
          zone: "example",
          hostName: "mx1",
          smtpAddress: "fd00::25",
          spfIpv6: "::/0",
          ipv4Address: "192.0.2.300",
          ttl: 10,
          aaaaTtl: 90000,
          mxPriority: -1,
          spfMechanisms: ["foo:bar"],
          spfAll: "+all" as "-all",
        },
        "MailServer",
        "mx1",
      ),
    );
    assert.deepEqual(
      error.problems.map((p) => p.field),
      [
        "zone",
        "hostName",
        "smtpAddress",
        "ipv4Address",
        "spfIpv6",
        "ttl",
        "aaaaTtl",
        "mxPriority",
        "spfAll",
        "spfMechanisms",
      ],
    );
    const lines = error.message.split("\n");
    assert.equal(lines[0], 'Invalid MailServer "mx1":');
    assert.equal(lines.length, 11);
    for (const line of lines.slice(1)) assert.match(line, /^ - [A-Za-z0-9.[\]]+ = .+: .+\. Fix: .{10,}$/);
    assert.equal(
      lines[1],
      ' - zone = "example": is not a domain name. Fix: give the mail domain, e.g. "example.org"',
    );
  });

  it("names the component MailDns and the host by default", () => {
    const error = catchInvalidConfig(() => planMailDns({ ...TYPICAL, ttl: 1 }));
    assert.equal(error.component, "MailDns");
    assert.equal(error.resourceName, "mx1.example.org");
  });
});

describe("planMailDns for a host that sends over IPv4 only", () => {
  const IPV4_ONLY: MailDnsSpec = {
    zone: "example.org",
    hostName: "mx1.example.org",
    sendsOverIpv6: false,
    ipv4Address: "192.0.2.10",
    spfMechanisms: ["include:_spf.relay.example"],
  };
  const SPF4 = '"v=spf1 ip4:192.0.2.10 include:_spf.relay.example -all"';

  it("plans A, MX and an ip4-only SPF for the domain and the HELO name, and nothing of IPv6", () => {
    assert.deepEqual(planMailDns(IPV4_ONLY), [
      { type: "A", name: "mx1.example.org", content: "192.0.2.10", ttl: 3600 },
      { type: "MX", name: "example.org", content: "mx1.example.org", ttl: 3600, priority: 10 },
      { type: "TXT", name: "example.org", content: SPF4, ttl: 3600 },
      { type: "TXT", name: "mx1.example.org", content: SPF4, ttl: 3600 },
    ]);
  });

  it("is the IPv6 plan without AAAA, PTR and ip6: (one plan, two modes)", () => {
    const withIpv6 = planMailDns(TYPICAL).filter((r) => r.type !== "AAAA" && r.type !== "PTR");
    const withoutIpv6 = planMailDns({ ...IPV4_ONLY, aaaaTtl: TYPICAL.aaaaTtl });
    assert.deepEqual(
      withoutIpv6,
      withIpv6.map((r) =>
        r.type === "TXT" ? { ...r, content: r.content.replace(" ip6:2001:db8:25::/64", "") } : r,
      ),
    );
    for (const txt of withoutIpv6.filter((r) => r.type === "TXT")) {
      assert.deepEqual(
        parseSpf(txtValue(txt.content)).terms.map((t) => t.name),
        ["ip4", "include", "all"],
        "no ip6 mechanism",
      );
    }
    assert.deepEqual(
      planMailDns({ ...TYPICAL, sendsOverIpv6: true }),
      planMailDns(TYPICAL),
      "true is the default",
    );
  });

  it("keeps MX, TTL, priority and SPF policy settings, and the apex without a second TXT", () => {
    const records = planMailDns({
      ...IPV4_ONLY,
      hostName: "example.org",
      spfMechanisms: undefined,
      spfAll: "~all",
      ttl: 600,
      mxPriority: 0,
    });
    assert.deepEqual(records, [
      { type: "A", name: "example.org", content: "192.0.2.10", ttl: 600 },
      { type: "MX", name: "example.org", content: "example.org", ttl: 600, priority: 0 },
      { type: "TXT", name: "example.org", content: '"v=spf1 ip4:192.0.2.10 ~all"', ttl: 600 },
    ]);
    assert.deepEqual(
      planMailDns({ ...IPV4_ONLY, mx: false }).map((r) => r.type),
      ["A", "TXT", "TXT"],
    );
  });

  it("validates the shared fields the same way as with IPv6", () => {
    const bad = {
      zone: "example",
      hostName: "mx1",
      ipv4Address: "192.0.2.300",
      ttl: 10,
      aaaaTtl: 90000,
      mxPriority: -1,
      spfMechanisms: ["foo:bar"],
      spfAll: "+all" as "-all",
    };
    const fields = (spec: MailDnsSpec) =>
      catchInvalidConfig(() => planMailDns(spec, "MailServer", "mx1")).problems.map((p) => p.field);
    const shared = [
      "zone",
      "hostName",
      "ipv4Address",
      "ttl",
      "aaaaTtl",
      "mxPriority",
      "spfAll",
      "spfMechanisms",
    ];
    assert.deepEqual(fields({ ...bad, sendsOverIpv6: false }), shared);
    assert.deepEqual(
      fields({
        ...bad,
        smtpAddress: "2001:db8:25::25",
        spfIpv6: "2001:db8:25::/64",
        allowDocumentation: true,
      }),
      shared,
    );
    const error = catchInvalidConfig(() => planMailDns({ ...IPV4_ONLY, hostName: "mx1.example.net" }));
    assertExplained(error.problems, error.message, {
      field: "hostName",
      value: "mx1.example.net",
      mentions: ["not inside the zone example.org"],
      fix: "mx1.example.org",
    });
  });

  it("requires the IPv4 address, and refuses IPv6 fields and a mode that is not a boolean", () => {
    const error = catchInvalidConfig(() =>
      planMailDns({
        ...IPV4_ONLY,
        ipv4Address: undefined,
        smtpAddress: "2001:db8:25::25",
        spfIpv6: "2001:db8:25::/64",
      }),
    );
    assert.deepEqual(
      error.problems.map((p) => p.field),
      ["ipv4Address", "smtpAddress", "spfIpv6"],
    );
    assertExplained(error.problems, error.message, {
      field: "ipv4Address",
      mentions: ["required", "IPv4 only"],
      fix: "public IPv4 address",
    });
    for (const [field, value] of [
      ["smtpAddress", "2001:db8:25::25"],
      ["spfIpv6", "2001:db8:25::/64"],
    ]) {
      assertExplained(error.problems, error.message, {
        field,
        value,
        mentions: ["sendsOverIpv6 is false", "no AAAA, PTR or SPF ip6:"],
        fix: "sendsOverIpv6: true",
      });
    }
    const mode = catchInvalidConfig(() =>
      planMailDns({ ...IPV4_ONLY, sendsOverIpv6: "no" as unknown as boolean }),
    );
    assertExplained(mode.problems, mode.message, {
      field: "sendsOverIpv6",
      value: "no",
      mentions: ["true or false"],
      fix: "false for one that sends over IPv4 only",
    });
  });

  it("still requires the SMTP address and the SPF network when sending over IPv6", () => {
    const error = catchInvalidConfig(() =>
      planMailDns({ zone: "example.org", hostName: "mx1.example.org", ipv4Address: "192.0.2.10" }),
    );
    assert.deepEqual(
      error.problems.map((p) => p.field),
      ["smtpAddress", "spfIpv6"],
    );
  });
});

describe("isDomainName", () => {
  const good = [
    "example.org",
    "mx1.example.org",
    "MX1.Example.ORG",
    "a-b.c-d.example",
    "xn--bcher-kva.example",
    `${"a".repeat(63)}.org`,
  ];
  const bad = [
    "example",
    "",
    "-a.example.org",
    "a-.example.org",
    "a..example.org",
    "mx_1.example.org",
    "example.org.",
    "example.1",
    "1.2.3.4",
    `${"a".repeat(64)}.org`,
    `${"a.".repeat(127)}org`,
    42,
    null,
    undefined,
  ];
  for (const name of good) it(`accepts ${name}`, () => assert.equal(isDomainName(name), true));
  for (const name of bad)
    it(`rejects ${String(JSON.stringify(name))}`, () => assert.equal(isDomainName(name), false));
});
