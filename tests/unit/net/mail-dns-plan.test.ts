/**
 * The DNS records of a mail host (A, AAAA, MX, SPF on zone and host, PTR): the full list for a typical input,
 * forward-confirmed reverse DNS, the AAAA TTL, and every problem of a bad spec collected at once.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Address6 } from "ip-address";
import {
  DnsRecordPlan,
  isDomainName,
  MailDnsSpec,
  planMailDns,
  spfAuthorizesIpv6,
} from "../../../components/net";
import { catchInvalidConfig } from "./problem-assertions";

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

  it("holds forward-confirmed reverse DNS and an SPF that authorizes the sender", () => {
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
      assert.equal(spfAuthorizesIpv6(txtValue(txt.content), aaaa.content), true);
      assert.equal(
        spfAuthorizesIpv6(txtValue(txt.content), "2001:db8:26::25"),
        "unknown",
        "only the include could",
      );
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
