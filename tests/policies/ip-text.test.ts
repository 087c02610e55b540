import { test } from "node:test";
import assert from "node:assert/strict";
import {
  containingIpv6Prefix,
  coversIpv6World,
  hasIpv6Source,
  isIpv6Address,
  parseIpv6Address,
} from "../../net";
import { anyIpv6Source, canonicalIpv6, coversWorld, sixtyFourOf } from "../../policies/core/ip-text";
import worldCoverage from "../unit/net/fixtures/world-coverage.json";

const ADDRESSES = [
  "2001:db8:25::25",
  "2001:DB8:0:0:0:0:0:25",
  " 2001:db8:25::1 ",
  "2001:0db8:0025:0000:0000:0000:0000:0001",
  "::ffff:192.0.2.1",
  "::",
  "fe80::1",
  "2a01:4f8:c17:e8::25",
];
const NOT_ADDRESSES = [
  "",
  "2001:db8::/64",
  "2001:db8::1%eth0",
  "192.0.2.1",
  "1::2::3",
  "2001:db8:25::g",
  "mx",
];

test("canonicalIpv6: the canonical form of every address spelling, undefined for anything else", () => {
  for (const text of ADDRESSES) {
    assert.ok(isIpv6Address(text), text);
    assert.equal(canonicalIpv6(text), parseIpv6Address(text), text);
  }
  for (const text of NOT_ADDRESSES) {
    assert.equal(isIpv6Address(text), false, text);
    assert.equal(canonicalIpv6(text), undefined, text);
  }
});

test("sixtyFourOf: the /64 containingIpv6Prefix gives, and its error for text that is no address", () => {
  for (const text of ADDRESSES) assert.equal(sixtyFourOf(text), containingIpv6Prefix(text, 64).text, text);
  for (const text of NOT_ADDRESSES) {
    let expected: unknown;
    try {
      containingIpv6Prefix(text, 64);
    } catch (err) {
      expected = err;
    }
    assert.ok(expected instanceof Error, text);
    assert.throws(() => sixtyFourOf(text), expected as Error, text);
  }
});

/** Source lists, among them some that differ only in where a line break is (a cache key must keep them apart). */
const SOURCE_LISTS: string[][] = [
  ...(worldCoverage as { sources: string[] }[]).map((c) => c.sources),
  [],
  ["0.0.0.0/0"],
  ["::/0"],
  ["0.0.0.0/0\n::/0"],
  ["0.0.0.0/0", "::/0"],
  ["junk\n2001:db8::/32"],
  ["junk", "2001:db8::/32"],
  ["192.0.2.0/24", " 2001:db8::1 "],
];

test("anyIpv6Source answers as hasIpv6Source for every list", () => {
  for (const list of SOURCE_LISTS)
    assert.equal(anyIpv6Source(list), hasIpv6Source(list), JSON.stringify(list));
});

test("coversWorld answers as coversIpv6World for every list", () => {
  for (const list of SOURCE_LISTS)
    assert.equal(coversWorld(list), coversIpv6World(list), JSON.stringify(list));
});
