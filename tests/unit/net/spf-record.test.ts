/**
 * SPF (RFC 7208) without DNS: parsing and its problems, what the evaluator answers for one record whose
 * lookups cannot be known, building a record, and splitting TXT data into 255-byte strings
 * (fixtures/spf-records.json). The whole openspf RFC 7208 suite runs in openspf-suite.test.ts.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  buildSpfRecord,
  evaluateSpf,
  parseSpf,
  SPF_LOOKUP_LIMIT,
  SpfDnsSource,
  SpfResult,
  spfTermNetwork,
  splitTxt255,
} from "../../../net";
import fixture from "./fixtures/spf-records.json";

interface ValidCase {
  readonly record: string;
  readonly lookupCount: number;
  readonly all: string | null;
  readonly terms: readonly string[];
}
interface InvalidCase {
  readonly record: string;
  readonly mentions: string;
  readonly syntax: boolean;
}
interface AuthorizeCase {
  readonly record: string;
  readonly address: string;
  readonly expected: SpfResult;
  readonly why: string;
}

const valid = fixture.valid as readonly ValidCase[];
const invalid = fixture.invalid as readonly InvalidCase[];
const authorizes = fixture.authorizes as readonly AuthorizeCase[];

describe("parseSpf: valid records", () => {
  for (const c of valid) {
    it(JSON.stringify(c.record.length > 90 ? `${c.record.slice(0, 90)}…` : c.record), () => {
      const parsed = parseSpf(c.record);
      assert.deepEqual(parsed.problems, []);
      assert.equal(parsed.lookupCount, c.lookupCount);
      assert.equal(parsed.all, c.all ?? undefined);
      assert.deepEqual(
        parsed.terms.map((t) => t.name),
        c.terms,
      );
    });
  }

  it("splits terms into qualifier, name and value", () => {
    const parsed = parseSpf(
      "v=spf1 -ip6:2001:db8::/64 ~a/24 mx:mail.example.org include:_spf.example.net redirect=x.example",
    );
    assert.deepEqual(
      parsed.terms.map((t) => [t.qualifier, t.name, t.value, t.kind]),
      [
        ["-", "ip6", "2001:db8::/64", "mechanism"],
        ["~", "a", "/24", "mechanism"],
        ["+", "mx", "mail.example.org", "mechanism"],
        ["+", "include", "_spf.example.net", "mechanism"],
        [undefined, "redirect", "x.example", "modifier"],
      ],
    );
  });

  it(`allows exactly ${SPF_LOOKUP_LIMIT} lookups`, () => assert.equal(SPF_LOOKUP_LIMIT, 10));
});

describe("parseSpf: invalid records", () => {
  for (const c of invalid) {
    it(`${JSON.stringify(c.record.length > 70 ? `${c.record.slice(0, 70)}…` : c.record)}: ${c.mentions}`, () => {
      const parsed = parseSpf(c.record);
      assert.ok(
        parsed.problems.some((p) => p.includes(c.mentions)),
        `problems ${JSON.stringify(parsed.problems)} lack ${JSON.stringify(c.mentions)}`,
      );
    });
  }

  it("covers version, mechanisms, networks, domain-specs, CIDR suffixes, macros, characters and limits", () => {
    for (const phrase of [
      'start with "v=spf1"',
      "Unknown mechanism",
      'Invalid "ip6" term',
      "Invalid domain-spec",
      "Invalid CIDR length",
      "macro",
      "printable ASCII",
      "11 terms",
      "comes after",
      "more than 1 redirect",
    ]) {
      assert.ok(
        invalid.some((c) => c.mentions.includes(phrase)),
        phrase,
      );
    }
  });

  it("reports the first all as the policy when two are present", () => {
    assert.equal(parseSpf("v=spf1 ~all -all").all, "~all");
  });
});

/** The DNS of one record: it is the TXT of example.org, and nothing else can be known. */
function only(record: string): SpfDnsSource {
  return (name, type) => (name === "example.org" && type === "TXT" ? [record] : "cannot-know");
}

async function resultFor(record: string, address: string): Promise<SpfResult> {
  return (
    await evaluateSpf({
      ip: address,
      mailFrom: "postmaster@example.org",
      helo: "mx1.example.org",
      dns: only(record),
    })
  ).result;
}

describe("evaluateSpf on one record, other names unknown", () => {
  for (const c of authorizes) {
    const shown = c.record.length > 80 ? `${c.record.slice(0, 80)}…` : c.record;
    it(`${JSON.stringify(shown)} for ${c.address}: ${c.expected} (${c.why})`, async () => {
      assert.equal(await resultFor(c.record, c.address), c.expected);
    });
  }

  it("records with a syntax error never authorize (permerror, or none without v=spf1), whatever they say", async () => {
    for (const c of invalid.filter((i) => i.syntax)) {
      const withPlusAll = `${c.record} +all`;
      const result = await resultFor(withPlusAll, "2001:db8:25::25");
      assert.ok(result === "permerror" || result === "none", `${withPlusAll}: ${result}`);
    }
  });

  it("agrees with parseSpf on validity: one validator", async () => {
    for (const c of [...valid, ...invalid]) {
      const result = await resultFor(c.record, "2001:db8:25::25");
      const syntaxProblem = parseSpf(c.record).problems.length > 0 && !("syntax" in c && c.syntax === false);
      assert.equal(result === "permerror" || result === "none", syntaxProblem, `${c.record}: ${result}`);
    }
  });

  it("is temperror for an address that is not one", async () => {
    assert.equal(await resultFor("v=spf1 +all", "2001:db8:25::/64"), "temperror");
  });
});

describe("spfTermNetwork", () => {
  const network = (term: string) => spfTermNetwork(parseSpf(`v=spf1 ${term}`).terms[0]);
  it("clears host bits, as RFC 7208 §5.6 reads a network", () => {
    assert.deepEqual(network("ip6:2001:db8:25::1/64"), {
      family: 6,
      first: 0x20010db800250000n << 64n,
      length: 64,
    });
    assert.deepEqual(network("-ip4:192.0.2.7/24"), { family: 4, first: 0xc0000200n, length: 24 });
    assert.deepEqual(network("ip4:192.0.2.7"), { family: 4, first: 0xc0000207n, length: 32 });
    assert.deepEqual(network("ip4:192.0.2.7/0"), { family: 4, first: 0n, length: 0 });
  });
  it("is undefined for other terms and bad values", () => {
    for (const term of [
      "a/24",
      "ip6:192.0.2.1",
      "ip4:2001:db8::1",
      "ip4:192.0.2.7/33",
      "ip4:192.0.2.7/",
      "ip6:x",
    ])
      assert.equal(network(term), undefined, term);
  });
});

describe("buildSpfRecord", () => {
  const table: { spec: Parameters<typeof buildSpfRecord>[0]; record: string; why: string }[] = [
    { spec: {}, record: "v=spf1 -all", why: "empty spec" },
    {
      spec: { ipv4: ["192.0.2.10"], ipv6: ["2001:db8:25::/64"] },
      record: "v=spf1 ip4:192.0.2.10 ip6:2001:db8:25::/64 -all",
      why: "the documented example",
    },
    {
      spec: { ipv6: ["2001:db8:25::/64"], mechanisms: ["include:_spf.relay.example", "mx"], all: "~all" },
      record: "v=spf1 ip6:2001:db8:25::/64 include:_spf.relay.example mx ~all",
      why: "IPv4, IPv6, then the user's mechanisms in order, then all",
    },
    {
      spec: { ipv6: ["2001:db8:25::/64"], mechanisms: ["ip6:2001:db8:25::/64", "mx", "mx"] },
      record: "v=spf1 ip6:2001:db8:25::/64 mx -all",
      why: "exact duplicates removed",
    },
    {
      spec: {
        ipv6: ["2001:db8:25::/64"],
        mechanisms: ["ip6:2001:DB8:25:0::/64", "+ip6:2001:db8:25::/64", "IP6:2001:db8:25::/64"],
      },
      record: "v=spf1 ip6:2001:db8:25::/64 -all",
      why: "one network spelt four ways",
    },
    {
      spec: { ipv4: ["192.0.2.10", "192.0.2.10/32"], ipv6: ["2001:db8:25::25", "2001:db8:25::25/128"] },
      record: "v=spf1 ip4:192.0.2.10 ip6:2001:db8:25::25 -all",
      why: "/32 and /128 are the bare address",
    },
    {
      spec: { ipv6: ["2001:db8:25::/64"], mechanisms: ["-ip6:2001:db8:25::/64"] },
      record: "v=spf1 ip6:2001:db8:25::/64 -ip6:2001:db8:25::/64 -all",
      why: "a different qualifier is a different term",
    },
    {
      spec: { mechanisms: ["v=spf1", "a", "+all", "?all", "-ALL", "~all"], all: "-all" },
      record: "v=spf1 a -all",
      why: "v=spf1 and all in the mechanisms are dropped",
    },
    {
      spec: { ipv6: ["garbage"] },
      record: "v=spf1 ip6:garbage -all",
      why: "unparseable values are kept as given (parseSpf reports them)",
    },
  ];
  for (const c of table) {
    it(`${c.why}: ${c.record}`, () => {
      const record = buildSpfRecord(c.spec);
      assert.equal(record, c.record);
      const words = record.split(" ");
      assert.equal(words[0], "v=spf1");
      assert.equal(words.filter((w) => /^[+\-~?]?all$/i.test(w)).length, 1, "exactly one all, at the end");
      assert.match(words[words.length - 1], /^[-~?]all$/);
    });
  }

  it("builds records that parse without problems and authorize the sender", async () => {
    const record = buildSpfRecord({
      ipv4: ["192.0.2.10"],
      ipv6: ["2001:db8:25::/64"],
      mechanisms: ["include:_spf.relay.example"],
    });
    assert.deepEqual(parseSpf(record).problems, []);
    assert.equal(await resultFor(record, "2001:db8:25::25"), "pass");
    assert.equal(await resultFor(record, "2001:db8:26::25"), "unknown", "the include could still match");
    assert.equal(await resultFor(buildSpfRecord({ ipv6: ["2001:db8:25::/64"] }), "2001:db8:26::25"), "fail");
  });
});

describe("splitTxt255", () => {
  const letters = (n: number) =>
    Array.from({ length: n }, (_, i) => String.fromCharCode(97 + (i % 26))).join("");
  const table: [number, number[]][] = [
    [0, [0]],
    [1, [1]],
    [254, [254]],
    [255, [255]],
    [256, [255, 1]],
    [510, [255, 255]],
    [511, [255, 255, 1]],
    [600, [255, 255, 90]],
  ];
  for (const [length, parts] of table) {
    it(`${length} characters -> strings of ${parts.join(" + ")}`, () => {
      const text = letters(length);
      const split = splitTxt255(text);
      assert.deepEqual(
        split.map((s) => s.length),
        parts,
      );
      assert.equal(split.join(""), text, "receivers join the strings without spaces");
    });
  }
});
