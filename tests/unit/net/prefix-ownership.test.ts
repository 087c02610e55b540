/** Which prefix sources are dedicated to the stack (blocklists judge a whole /64), and the HE link /64. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  checkTunnelPrefixes,
  heLinkPrefixOf,
  IpParseError,
  PREFIX_SOURCES,
  PrefixSource,
  prefixOwnership,
} from "../../../net";

const EXPECTED: Record<PrefixSource, { dedicated: boolean; mentions: string }> = {
  "he-routed-64": { dedicated: true, mentions: "Hurricane Electric routes this /64 to your tunnel alone" },
  "he-routed-48": { dedicated: true, mentions: "routed /48" },
  "hetzner-server-64": { dedicated: true, mentions: "Hetzner" },
  "declared-dedicated": { dedicated: true, mentions: "declared dedicated" },
  "digitalocean-native": { dedicated: false, mentions: "shared with other customers" },
  "he-link-64": { dedicated: false, mentions: "no rDNS" },
  unknown: { dedicated: false, mentions: "blocklists list whole /64s" },
};

describe("prefixOwnership", () => {
  for (const [source, expected] of Object.entries(EXPECTED)) {
    it(`${source}: dedicated = ${expected.dedicated}`, () => {
      const ownership = prefixOwnership(source as PrefixSource);
      assert.equal(ownership.source, source);
      assert.equal(ownership.dedicated, expected.dedicated);
      assert.ok(ownership.reason.includes(expected.mentions), ownership.reason);
    });
  }

  it("PREFIX_SOURCES lists every source exactly once, each with its own reason", () => {
    assert.deepEqual([...PREFIX_SOURCES].sort(), Object.keys(EXPECTED).sort());
    assert.equal(new Set(PREFIX_SOURCES.map((s) => prefixOwnership(s).reason)).size, PREFIX_SOURCES.length);
  });

  for (const bogus of [
    "constructor",
    "__proto__",
    "toString",
    "hasOwnProperty",
    "HE-ROUTED-64",
    "",
    "bogus",
  ]) {
    it(`treats the unknown text ${JSON.stringify(bogus)} as "unknown", not dedicated`, () => {
      const ownership = prefixOwnership(bogus as PrefixSource);
      assert.equal(ownership.source, "unknown");
      assert.equal(ownership.dedicated, false);
    });
  }
});

describe("heLinkPrefixOf", () => {
  const table: [string, string][] = [
    ["2001:470:1f0a:9a::2", "2001:470:1f0a:9a::/64"],
    ["2001:470:1f0a:9a::1", "2001:470:1f0a:9a::/64"],
    ["2001:0470:1F0A:009A:0000:0000:0000:0002", "2001:470:1f0a:9a::/64"],
    ["2001:470:1f0a:9a:ffff:ffff:ffff:ffff", "2001:470:1f0a:9a::/64"],
  ];
  for (const [address, link] of table) {
    it(`${address} -> ${link}`, () => assert.equal(heLinkPrefixOf(address), link));
  }

  it("rejects an address copied with its /64 and garbage", () => {
    assert.throws(() => heLinkPrefixOf("2001:470:1f0a:9a::2/64"), IpParseError);
    assert.throws(() => heLinkPrefixOf("tunnel"), IpParseError);
  });

  it("is the prefix checkTunnelPrefixes refuses as the routed /64", () => {
    const client = "2001:470:1f0a:9a::2";
    const problems = checkTunnelPrefixes(
      {
        linkClientAddress: client,
        linkServerAddress: "2001:470:1f0a:9a::1",
        routedPrefix: heLinkPrefixOf(client),
      },
      "",
    );
    assert.deepEqual(
      problems.map((p) => p.field),
      ["routedPrefix"],
    );
  });
});
