/**
 * Special-purpose ranges (fixtures/address-kinds.json): the first and last address of each range, and the
 * addresses just outside it, so an off-by-one in a range boundary shows up.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  DOCUMENTATION_PREFIXES,
  describeIpv6AddressKind,
  IpParseError,
  ipv6AddressKind,
  Ipv6AddressKind,
  isDocumentationPrefix,
} from "../../../net";
import fixture from "./fixtures/address-kinds.json";

const cases = fixture as readonly { input: string; kind: Ipv6AddressKind; why: string }[];

/** The range each kind's description names, as the user will read it in an error. */
const DESCRIPTION_MENTIONS: Record<Ipv6AddressKind, string> = {
  unspecified: "the unspecified address ::",
  loopback: "the loopback address ::1",
  "ipv4-mapped": "::ffff:0:0/96",
  "link-local": "fe80::/10",
  multicast: "ff00::/8",
  "unique-local": "fc00::/7",
  documentation: "documentation range",
  "global-unicast": "2000::/3",
  "other-reserved": "reserved",
};

describe("ipv6AddressKind", () => {
  for (const c of cases) {
    it(`${c.input} is ${c.kind} (${c.why})`, () => {
      assert.equal(ipv6AddressKind(c.input), c.kind);
      assert.ok(describeIpv6AddressKind(c.input).includes(DESCRIPTION_MENTIONS[c.kind]));
      assert.equal(isDocumentationPrefix(c.input), c.kind === "documentation");
    });
  }

  it("covers every kind, with an inside and an outside case for each special range", () => {
    const kinds = new Set(cases.map((c) => c.kind));
    for (const kind of Object.keys(DESCRIPTION_MENTIONS)) assert.ok(kinds.has(kind as Ipv6AddressKind), kind);
    assert.ok(cases.filter((c) => c.why.startsWith("just ")).length >= 12, "boundary neighbours are listed");
  });

  it("names the documentation range that matched", () => {
    assert.equal(describeIpv6AddressKind("2001:db8:25::/64"), "the documentation range 2001:db8::/32");
    assert.equal(describeIpv6AddressKind("3fff:25::25"), "the documentation range 3fff::/20");
  });

  it("DOCUMENTATION_PREFIXES are the RFC 3849 and RFC 9637 ranges, and are documentation", () => {
    assert.deepEqual([...DOCUMENTATION_PREFIXES], ["2001:db8::/32", "3fff::/20"]);
    for (const prefix of DOCUMENTATION_PREFIXES) assert.equal(isDocumentationPrefix(prefix), true);
  });

  it("throws IpParseError on text that is not IPv6, and on prefixes with host bits", () => {
    for (const bad of ["garbage", "192.0.2.1", "2001:db8::1/64", "fe80::1%eth0", 42 as unknown as string]) {
      assert.throws(() => ipv6AddressKind(bad), IpParseError, String(bad));
    }
  });
});
