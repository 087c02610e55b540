/** Tunnel prefixes that belong together, as HE's tunnel details page shows them (rejections: bad-inputs.test.ts). */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { checkSmtpAddressInPrefix, checkTunnelPrefixes, IpParseError, TunnelPrefixes } from "../../../net";

const HE: TunnelPrefixes = {
  linkClientAddress: "2001:470:1f0a:9a::2",
  linkServerAddress: "2001:470:1f0a:9a::1",
  routedPrefix: "2001:470:1f0b:9a::/64",
};

describe("checkTunnelPrefixes accepts", () => {
  it("a tunnel without a routed /48", () => assert.deepEqual(checkTunnelPrefixes(HE, "tunnel."), []));
  it("a tunnel with a separate routed /48", () => {
    assert.deepEqual(checkTunnelPrefixes({ ...HE, routed48: "2001:470:8b2c::/48" }, "tunnel."), []);
  });
  it("a routed /64 carved from the routed /48 when asked to", () => {
    const tunnel = { ...HE, routedPrefix: "2001:470:8b2c:25::/64", routed48: "2001:470:8b2c::/48" };
    assert.deepEqual(checkTunnelPrefixes(tunnel, "", { routedPrefixFromRouted48: true }), []);
  });
  it("the same values in any spelling", () => {
    const tunnel = {
      linkClientAddress: "2001:0470:1F0A:009A:0:0:0:2",
      linkServerAddress: "2001:470:1f0a:9a:0::1",
      routedPrefix: "2001:470:1F0B:9A::/64",
    };
    assert.deepEqual(checkTunnelPrefixes(tunnel, ""), []);
  });
  it("a documentation-numbered lab tunnel with allowDocumentation", () => {
    const lab = {
      linkClientAddress: "2001:db8:1e::2",
      linkServerAddress: "2001:db8:1e::1",
      routedPrefix: "2001:db8:25::/64",
    };
    assert.deepEqual(checkTunnelPrefixes(lab, "", { allowDocumentation: true }), []);
    assert.deepEqual(
      checkTunnelPrefixes(lab, "").map((p) => p.field),
      ["linkClientAddress", "linkServerAddress", "routedPrefix"],
    );
  });
  it("prefixes every field name with fieldPrefix", () => {
    const problems = checkTunnelPrefixes({ ...HE, routedPrefix: "2001:470:1f0a:9a::/64" }, "mail.tunnel.");
    assert.deepEqual(
      problems.map((p) => p.field),
      ["mail.tunnel.routedPrefix"],
    );
  });
});

describe("checkSmtpAddressInPrefix", () => {
  it("accepts addresses of the prefix, in any spelling, up to its last address", () => {
    for (const address of [
      "2001:470:1f0b:9a::25",
      "2001:470:1F0B:9A:0::25",
      "2001:470:1f0b:9a::1",
      "2001:470:1f0b:9a:ffff:ffff:ffff:ffff",
    ]) {
      assert.deepEqual(
        checkSmtpAddressInPrefix(address, "2001:470:1f0b:9a::/64", "smtpAddress"),
        [],
        address,
      );
    }
  });
  it("gives a correct example address for prefixes that do not end in ::", () => {
    const [problem] = checkSmtpAddressInPrefix("2001:db8:26::25", "2001:db8:25:0:0:1::/96", "smtpAddress");
    assert.ok(problem.fix.includes("(e.g. 2001:db8:25::1:0:25)"), problem.fix);
  });
  it("accepts the single address of a /128", () => {
    assert.deepEqual(checkSmtpAddressInPrefix("2001:db8:25::25", "2001:db8:25::25/128", "smtpAddress"), []);
  });
  it("throws for a dedicated prefix that was not checked first", () => {
    assert.throws(
      () => checkSmtpAddressInPrefix("2001:db8:25::25", "2001:db8:25::1/64", "smtpAddress"),
      IpParseError,
    );
  });
});
