/**
 * PTR owner names and reverse zones (RFC 3596), checked against ip-address's own reverseForm() as an
 * independent oracle and against hand-written names.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Address6 } from "ip-address";
import { containingIpv6Prefix, IpParseError, ptrOwnerName, reverseZoneName } from "../../../net";

/** ip-address's reverse name without the trailing dot. */
function oracle(address: string): string {
  return new Address6(address).reverseForm().replace(/\.$/, "");
}

describe("ptrOwnerName", () => {
  const addresses = [
    "2001:db8:25::25",
    "2001:470:1f0b:9a::25",
    "2a01:4f8:c012:3456::1",
    "::1",
    "::",
    "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
    "2001:DB8:0:0:1:0:0:1",
    "::ffff:192.0.2.1",
    "fe80::abcd:ef01",
  ];
  for (const address of addresses) {
    it(`${address} agrees with ip-address reverseForm()`, () => {
      const name = ptrOwnerName(address);
      assert.equal(name, oracle(address));
      const labels = name.split(".");
      assert.equal(labels.length, 34, "32 nibbles + ip6 + arpa");
      assert.deepEqual(labels.slice(32), ["ip6", "arpa"]);
      for (const nibble of labels.slice(0, 32)) assert.match(nibble, /^[0-9a-f]$/);
    });
  }

  const handChecked: [string, string][] = [
    ["2001:db8:25::25", "5.2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.5.2.0.0.8.b.d.0.1.0.0.2.ip6.arpa"],
    ["::1", "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.ip6.arpa"],
    ["2001:470:1f0b:9a::abc", "c.b.a.0.0.0.0.0.0.0.0.0.0.0.0.0.a.9.0.0.b.0.f.1.0.7.4.0.1.0.0.2.ip6.arpa"],
  ];
  for (const [address, name] of handChecked) {
    it(`${address} -> ${name} (hand-checked)`, () => assert.equal(ptrOwnerName(address), name));
  }

  it("rejects what is not a single address", () => {
    for (const bad of ["2001:db8::25/64", "garbage", "192.0.2.1", "fe80::1%eth0"]) {
      assert.throws(() => ptrOwnerName(bad), IpParseError, bad);
    }
  });
});

describe("reverseZoneName", () => {
  const zones: [string, string][] = [
    ["2001:db8:25::/64", "0.0.0.0.5.2.0.0.8.b.d.0.1.0.0.2.ip6.arpa"],
    ["2001:470:1f0b:9a::/64", "a.9.0.0.b.0.f.1.0.7.4.0.1.0.0.2.ip6.arpa"],
    ["2001:470:8b2c::/48", "c.2.b.8.0.7.4.0.1.0.0.2.ip6.arpa"],
    ["2001:470:8b2c:ab00::/56", "b.a.c.2.b.8.0.7.4.0.1.0.0.2.ip6.arpa"],
    ["2001:db8::/32", "8.b.d.0.1.0.0.2.ip6.arpa"],
    ["2001:db8::25/128", "5.2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa"],
  ];
  for (const [prefix, zone] of zones) {
    it(`${prefix} -> ${zone}`, () => {
      assert.equal(reverseZoneName(prefix), zone);
      const length = Number(prefix.split("/")[1]);
      assert.equal(zone.split(".").length, length / 4 + 2, "one label per nibble");
    });
  }

  it("agrees with ip-address for a /64 and holds the PTR names of its addresses", () => {
    assert.equal(`${reverseZoneName("2001:db8:25::/64")}.`, new Address6("2001:db8:25::/64").reverseForm());
    for (const address of ["2001:db8:25::25", "2001:db8:25:0:ffff:ffff:ffff:ffff"]) {
      const zone = reverseZoneName(containingIpv6Prefix(address, 64).text);
      assert.ok(ptrOwnerName(address).endsWith(`.${zone}`));
    }
  });

  for (const prefix of [
    "2001:db8:25::/62",
    "2001:db8:25::/63",
    "2001:db8:25::/65",
    "2001:db8::/31",
    "2001:db8:25::/127",
  ]) {
    it(`rejects the non-nibble-aligned ${prefix}`, () => {
      assert.throws(
        () => reverseZoneName(prefix),
        (error: unknown) => {
          assert.ok(error instanceof IpParseError);
          assert.match(error.message, /is not nibble-aligned/);
          assert.ok(error.message.includes(prefix.split("/")[1]) || error.message.includes(prefix));
          return true;
        },
      );
    });
  }

  it("rejects prefixes with host bits and bare addresses", () => {
    assert.throws(() => reverseZoneName("2001:db8:25::1/64"), /host bits set/);
    assert.throws(() => reverseZoneName("2001:db8:25::"), /no prefix length/);
  });
});
