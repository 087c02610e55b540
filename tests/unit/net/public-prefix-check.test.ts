/** What the public-address checks accept (their rejections are in bad-inputs.test.ts). */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { checkPublicIpv6Address, checkPublicIpv6Prefix, IpParseError, parseProblem } from "../../../net";

describe("checkPublicIpv6Prefix accepts", () => {
  const table: [string, Parameters<typeof checkPublicIpv6Prefix>[2]][] = [
    ["2001:470:1f0b:9a::/64", { requiredLength: 64 }],
    ["2a01:4f8:c012:3456::/64", { requiredLength: 64 }],
    ["2001:0470:1F0B:009A::/64", { requiredLength: 64 }],
    ["2001:470:8b2c::/48", { requiredLength: 48 }],
    ["2001:470:8b2c::/48", {}],
    ["2001:db8:25::/64", { requiredLength: 64, allowDocumentation: true }],
    ["3fff:25::/64", { requiredLength: 64, allowDocumentation: true }],
    ["2000::/3", {}],
    ["3fff:ffff:ffff:ffff::/64", { requiredLength: 64 }],
  ];
  for (const [text, options] of table) {
    it(`${text} with ${JSON.stringify(options)}`, () =>
      assert.deepEqual(checkPublicIpv6Prefix(text, "p", options), []));
  }

  it("allowDocumentation lets documentation through, and nothing else", () => {
    for (const text of ["fd00::/64", "fe80::/64", "ff0e::/64", "::/64"]) {
      assert.equal(
        checkPublicIpv6Prefix(text, "p", { requiredLength: 64, allowDocumentation: true }).length,
        1,
        text,
      );
    }
  });
});

describe("checkPublicIpv6Address accepts", () => {
  for (const text of [
    "2001:470:1f0b:9a::25",
    "2a01:4f8:c012:3456::1",
    " 2001:470:1F0B:9A::25 ",
    "2000::",
    "3fff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
  ]) {
    it(JSON.stringify(text), () => assert.deepEqual(checkPublicIpv6Address(text, "a"), []));
  }
  it("documentation addresses only with allowDocumentation", () => {
    assert.deepEqual(checkPublicIpv6Address("2001:db8::25", "a", { allowDocumentation: true }), []);
    assert.equal(checkPublicIpv6Address("2001:db8::25", "a").length, 1);
  });
});

describe("parseProblem", () => {
  it("turns an IpParseError into a problem naming the field", () => {
    const problem = parseProblem(
      new IpParseError("x", '"x" is not an IPv6 address or prefix'),
      "x",
      "f",
      "an IPv6 prefix",
    );
    assert.deepEqual(problem, {
      field: "f",
      value: "x",
      problem: '"x" is not an IPv6 address or prefix',
      fix: "give an IPv6 prefix",
    });
  });
  it("keeps the text of any other error", () => {
    assert.equal(parseProblem(new RangeError("boom"), 1, "f", "a number").problem, "RangeError: boom");
  });
});
