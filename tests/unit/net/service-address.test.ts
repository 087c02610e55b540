/** The SMTP source address picked inside the dedicated /64. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  checkSmtpAddressInPrefix,
  DEFAULT_SMTP_INTERFACE_ID,
  IpParseError,
  serviceAddress,
} from "../../../net";

describe("serviceAddress", () => {
  const table: [string, string | undefined, string][] = [
    ["2001:db8:25::/64", undefined, "2001:db8:25::25"],
    ["2001:db8:25::/64", "::25", "2001:db8:25::25"],
    ["2001:db8:25::/64", "::a:25", "2001:db8:25::a:25"],
    ["2001:db8:25::/64", "::1", "2001:db8:25::1"],
    ["2001:db8:25::/64", "2001:db8:25::1", "2001:db8:25::1"],
    ["2001:DB8:25:0::/64", "2001:db8:25:0:ffff:ffff:ffff:ffff", "2001:db8:25:0:ffff:ffff:ffff:ffff"],
    ["2001:470:1f0b:9a::/64", "::25", "2001:470:1f0b:9a::25"],
  ];
  for (const [prefix, id, expected] of table) {
    it(`${prefix} + ${id ?? "(default)"} -> ${expected}`, () => {
      const address = serviceAddress(prefix, id);
      assert.equal(address, expected);
      // Whatever serviceAddress picks passes the in-prefix check.
      assert.deepEqual(checkSmtpAddressInPrefix(address, prefix, "smtpAddress"), []);
    });
  }

  it("defaults to ::25", () => assert.equal(DEFAULT_SMTP_INTERFACE_ID, "::25"));

  it("rejects addresses outside the prefix and the subnet-router anycast address", () => {
    assert.throws(
      () => serviceAddress("2001:db8:25::/64", "2001:db8:26::25"),
      /lies outside the dedicated prefix 2001:db8:25::\/64/,
    );
    assert.throws(() => serviceAddress("2001:db8:25::/64", "::"), /subnet-router anycast/);
    assert.throws(() => serviceAddress("2001:db8:25::/64", "2001:db8:25::"), /subnet-router anycast/);
    assert.throws(() => serviceAddress("2001:db8:25::/64", "::25/64"), IpParseError);
    assert.throws(() => serviceAddress("2001:db8:25::1/64"), /host bits set/);
  });
});
