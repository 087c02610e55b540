/**
 * Parsing and canonical forms of addresses and prefixes (fixtures/ip-parse.json): RFC 5952 output whatever
 * the input spelling, and a clear IpParseError for everything else, including values that are not text.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Address6 } from "ip-address";
import {
  containingIpv6Prefix,
  formatIpv6,
  IpParseError,
  ipv6PrefixFromValue,
  ipv6ToBigInt,
  isIpv4Address,
  isIpv6Address,
  parseCidr,
  parseIpv4Address,
  parseIpv4Prefix,
  parseIpv6Address,
  parseIpv6Prefix,
  prefixContainsAddress,
  prefixContainsPrefix,
  prefixesOverlap,
  tryParseCidr,
  tryParseIpv4Prefix,
  tryParseIpv6Prefix,
} from "../../../net";
import fixture from "./fixtures/ip-parse.json";

/** Asserts that `fn` throws an IpParseError whose message contains `phrase`, and returns it. */
function assertParseError(fn: () => unknown, phrase: string): IpParseError {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof IpParseError, `expected IpParseError, got ${String(error)}`);
    assert.ok(
      error.message.includes(phrase),
      `${JSON.stringify(error.message)} lacks ${JSON.stringify(phrase)}`,
    );
    assert.equal(error.name, "IpParseError");
    return error;
  }
  assert.fail(`expected an IpParseError mentioning ${JSON.stringify(phrase)}`);
}

/** Values a YAML or JSON config can hold that are not text. */
const NON_STRINGS: readonly unknown[] = [
  undefined,
  null,
  42,
  0,
  true,
  {},
  [],
  ["2001:db8::/64"],
  { prefix: "::/0" },
];

describe("parseIpv6Address: canonical forms", () => {
  for (const c of fixture.addresses) {
    it(`${JSON.stringify(c.input)} -> ${c.canonical} (${c.why})`, () => {
      assert.equal(parseIpv6Address(c.input), c.canonical);
      assert.equal(isIpv6Address(c.input), true);
      // The canonical text parses back to itself and to the same number.
      assert.equal(parseIpv6Address(c.canonical), c.canonical);
      assert.equal(ipv6ToBigInt(c.input), ipv6ToBigInt(c.canonical));
      assert.equal(formatIpv6(ipv6ToBigInt(c.input)), c.canonical);
    });
  }

  it("canonical text is lower case, has no leading zeros and at most one ::", () => {
    for (const c of fixture.addresses) {
      const canonical = parseIpv6Address(c.input);
      assert.equal(canonical, canonical.toLowerCase());
      assert.ok(canonical.split("::").length <= 2);
      for (const group of canonical.split(":").filter((g) => g !== ""))
        assert.match(group, /^(0|[1-9a-f][0-9a-f]{0,3})$/);
    }
  });
});

describe("parseIpv6Address: rejections", () => {
  for (const c of fixture.badAddresses) {
    it(`rejects ${JSON.stringify(c.input)} (${c.mentions})`, () => {
      const error = assertParseError(() => parseIpv6Address(c.input), c.mentions);
      assert.equal(error.input, c.input);
      assert.ok(error.message.includes(c.input), "the message quotes the input");
      assert.equal(isIpv6Address(c.input), false);
    });
  }

  for (const value of NON_STRINGS) {
    it(`rejects the non-string ${String(JSON.stringify(value))} with an IpParseError, not a TypeError`, () => {
      assertParseError(() => parseIpv6Address(value as string), "is not a string");
      assertParseError(() => ipv6ToBigInt(value as string), "is not a string");
      assert.equal(isIpv6Address(value as string), false);
    });
  }
});

describe("parseIpv6Prefix", () => {
  for (const c of fixture.prefixes) {
    it(`${JSON.stringify(c.input)} -> ${c.text}`, () => {
      const prefix = parseIpv6Prefix(c.input);
      assert.equal(prefix.text, c.text);
      assert.equal(prefix.address + "/" + prefix.length, c.text);
      assert.equal(prefix.first, BigInt(`0x${c.first}`));
      assert.equal(prefix.last, BigInt(`0x${c.last}`));
      assert.equal(
        prefix.last - prefix.first + 1n,
        1n << BigInt(128 - prefix.length),
        "the range holds 2^(128-len)",
      );
      assert.deepEqual(tryParseIpv6Prefix(c.input), prefix);
      assert.deepEqual(parseIpv6Prefix(prefix.text), prefix, "canonical text round-trips");
    });
  }

  for (const c of fixture.badPrefixes) {
    it(`rejects ${JSON.stringify(c.input)} (${c.mentions})`, () => {
      const error = assertParseError(() => parseIpv6Prefix(c.input), c.mentions);
      assert.equal(error.input, c.input);
      assert.equal(tryParseIpv6Prefix(c.input), undefined);
    });
  }

  for (const value of NON_STRINGS) {
    it(`rejects the non-string ${String(JSON.stringify(value))}`, () => {
      assertParseError(() => parseIpv6Prefix(value as string), "is not a string");
      assert.equal(tryParseIpv6Prefix(value as string), undefined);
    });
  }

  it("accepts every length 0..128 on an aligned network and rejects one bit of host part", () => {
    const base = ipv6ToBigInt("2001:db8:25:9a:1234:5678:9abc:def1");
    for (let length = 0; length <= 128; length++) {
      const network = ipv6PrefixFromValue(base, length);
      assert.deepEqual(parseIpv6Prefix(network.text), network);
      if (length < 128) {
        const withHostBit = `${formatIpv6(network.first | 1n)}/${length}`;
        assertParseError(() => parseIpv6Prefix(withHostBit), `the network is ${network.text}`);
      }
    }
  });
});

describe("parseCidr (either family, bare address = host)", () => {
  for (const c of fixture.cidrs) {
    it(`${JSON.stringify(c.input)} -> IPv${c.family} ${c.text}`, () => {
      const cidr = parseCidr(c.input);
      assert.equal(cidr.family, c.family);
      assert.equal(cidr.prefix.text, c.text);
      assert.deepEqual(tryParseCidr(c.input), cidr);
    });
  }

  for (const c of fixture.badCidrs) {
    it(`rejects ${JSON.stringify(c.input)}`, () => {
      assertParseError(() => parseCidr(c.input), c.mentions);
      assert.equal(tryParseCidr(c.input), undefined);
    });
  }

  for (const value of NON_STRINGS) {
    it(`rejects the non-string ${String(JSON.stringify(value))}`, () => {
      assertParseError(() => parseCidr(value as string), "is not a string");
      assert.equal(tryParseCidr(value as string), undefined);
    });
  }
});

describe("IPv4 parsing", () => {
  const good: [string, string][] = [
    ["192.0.2.10", "192.0.2.10"],
    [" 203.0.113.7 ", "203.0.113.7"],
    ["0.0.0.0", "0.0.0.0"],
    ["255.255.255.255", "255.255.255.255"],
  ];
  for (const [input, canonical] of good) {
    it(`parseIpv4Address(${JSON.stringify(input)}) = ${canonical}`, () => {
      assert.equal(parseIpv4Address(input), canonical);
      assert.equal(isIpv4Address(input), true);
    });
  }
  const bad: [unknown, string][] = [
    ["192.0.2.10/32", "prefix length"],
    ["192.0.2", "is not an IPv4 address"],
    ["192.0.2.256", "is not an IPv4 address"],
    ["192.000.2.1", "is not an IPv4 address"],
    ["2001:db8::1", "is not an IPv4 address"],
    ["", "is not an IPv4 address"],
    [undefined, "is not a string"],
    [3232235777, "is not a string"],
  ];
  for (const [input, phrase] of bad) {
    it(`parseIpv4Address rejects ${String(JSON.stringify(input))}`, () => {
      assertParseError(() => parseIpv4Address(input as string), phrase);
      assert.equal(isIpv4Address(input as string), false);
    });
  }
  it("parseIpv4Prefix: ranges, host bits, bad lengths, non-strings", () => {
    const world = parseIpv4Prefix("0.0.0.0/0");
    assert.equal(world.first, 0n);
    assert.equal(world.last, 0xffffffffn);
    const net = parseIpv4Prefix("192.0.2.0/24");
    assert.equal(net.text, "192.0.2.0/24");
    assert.equal(net.last - net.first, 255n);
    assertParseError(() => parseIpv4Prefix("192.0.2.1/24"), "the network is 192.0.2.0/24");
    assertParseError(() => parseIpv4Prefix("192.0.2.0"), "no prefix length");
    assertParseError(() => parseIpv4Prefix("192.0.2.0/33"), "0 to 32");
    assertParseError(() => parseIpv4Prefix("192.0.2.0/024"), "0 to 32");
    assertParseError(() => parseIpv4Prefix(null as unknown as string), "is not a string");
    assert.equal(tryParseIpv4Prefix("192.0.2.1/24"), undefined);
  });
});

describe("prefix relations", () => {
  const p = (text: string) => parseIpv6Prefix(text);
  const relations: { outer: string; inner: string; contains: boolean; overlap: boolean }[] = [
    { outer: "2001:db8::/32", inner: "2001:db8:25::/64", contains: true, overlap: true },
    { outer: "2001:db8:25::/64", inner: "2001:db8::/32", contains: false, overlap: true },
    { outer: "2001:db8:25::/64", inner: "2001:db8:25::/64", contains: true, overlap: true },
    { outer: "2001:db8:25::/64", inner: "2001:db8:26::/64", contains: false, overlap: false },
    { outer: "2001:db8:25::/64", inner: "2001:db8:25:1::/64", contains: false, overlap: false },
    { outer: "::/0", inner: "ff02::/16", contains: true, overlap: true },
    { outer: "2001:db8:24::/47", inner: "2001:db8:25:ffff::/64", contains: true, overlap: true },
  ];
  for (const r of relations) {
    it(`${r.outer} vs ${r.inner}`, () => {
      assert.equal(prefixContainsPrefix(p(r.outer), p(r.inner)), r.contains);
      assert.equal(prefixesOverlap(p(r.outer), p(r.inner)), r.overlap);
      assert.equal(prefixesOverlap(p(r.inner), p(r.outer)), r.overlap, "overlap is symmetric");
    });
  }

  it("prefixContainsAddress at the edges of a /64", () => {
    const net = p("2001:db8:25::/64");
    assert.equal(prefixContainsAddress(net, "2001:db8:25::"), true);
    assert.equal(prefixContainsAddress(net, "2001:db8:25:0:ffff:ffff:ffff:ffff"), true);
    assert.equal(prefixContainsAddress(net, "2001:db8:24:ffff:ffff:ffff:ffff:ffff"), false);
    assert.equal(prefixContainsAddress(net, "2001:db8:25:1::"), false);
    assert.throws(() => prefixContainsAddress(net, "2001:db8:25::/64"), IpParseError);
  });

  it("containingIpv6Prefix and ipv6PrefixFromValue clear host bits", () => {
    assert.equal(containingIpv6Prefix("2001:db8:1e::2", 64).text, "2001:db8:1e::/64");
    assert.equal(containingIpv6Prefix("2001:db8:1e:ab:cd::2", 48).text, "2001:db8:1e::/48");
    assert.equal(containingIpv6Prefix("2001:db8::1", 128).text, "2001:db8::1/128");
    assert.equal(containingIpv6Prefix("2001:db8::1", 0).text, "::/0");
    assert.equal(ipv6PrefixFromValue(ipv6ToBigInt("fe80::1:2:3:4"), 10).text, "fe80::/10");
  });

  it("formatIpv6 agrees with ip-address for edge values", () => {
    for (const value of [0n, 1n, (1n << 128n) - 1n, 0xffff00000000n, 1n << 127n]) {
      assert.equal(formatIpv6(value), Address6.fromBigInt(value).correctForm());
      assert.equal(ipv6ToBigInt(formatIpv6(value)), value);
    }
  });
});
