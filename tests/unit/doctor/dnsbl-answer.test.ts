/**
 * What a DNSBL's answer means: NXDOMAIN is clean, 127.0.0.x a listing, Spamhaus' 127.255.255.x a refused
 * query (not a listing), anything outside 127/8 or a server failure an error; and the DNSBL check built on it.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { dnsblCheck, dnsblQueries } from "../../../doctor/checks/dnsbl-check";
import { classifyDnsblAnswer } from "../../../doctor/dnsbl-answer";
import { dnsblQueryName } from "../../../net";

describe("classifyDnsblAnswer", () => {
  it("reads NXDOMAIN and no data as not listed", () => {
    assert.equal(classifyDnsblAnswer({ failure: "nxdomain", message: "x" }).verdict, "clean");
    assert.equal(classifyDnsblAnswer({ failure: "nodata", message: "x" }).verdict, "clean");
  });

  it("reads 127.0.0.2 .. 127.0.0.11 as a listing, with the codes", () => {
    const c = classifyDnsblAnswer({ records: ["127.0.0.2", "127.0.0.4"] });
    assert.equal(c.verdict, "listed");
    assert.deepEqual(c.codes, ["127.0.0.2", "127.0.0.4"]);
    assert.equal(c.reason, "listed (127.0.0.2, 127.0.0.4)");
  });

  for (const code of ["127.255.255.252", "127.255.255.254", "127.255.255.255"]) {
    it(`reads Spamhaus' ${code} as a refused query, not a listing`, () => {
      const c = classifyDnsblAnswer({ records: [code] });
      assert.equal(c.verdict, "refused");
      assert.match(c.reason, /refused the query/);
    });
  }

  it("reads a refusal mixed with a listing code as refused (nothing is known)", () => {
    assert.equal(classifyDnsblAnswer({ records: ["127.0.0.2", "127.255.255.254"] }).verdict, "refused");
  });

  it("reads an answer outside 127.0.0.0/8 (a dead list's wildcard) and 127.0.0.1 as errors", () => {
    assert.equal(classifyDnsblAnswer({ records: ["192.0.2.1"] }).verdict, "error");
    assert.equal(classifyDnsblAnswer({ records: ["127.0.0.1"] }).verdict, "error");
  });

  it("reads a server failure or timeout as an error, not as clean", () => {
    for (const failure of ["servfail", "timeout", "refused", "error"] as const) {
      assert.equal(classifyDnsblAnswer({ failure, message: "x" }).verdict, "error", failure);
    }
  });
});

describe("dnsblCheck", () => {
  const zone = "zen.spamhaus.org";
  const [smtp, shared] = ["2001:db8:25::25", "2001:db8:5ace::210"];

  it("asks one nibble-form name per address (RFC 5782), the package's own", () => {
    assert.deepEqual(dnsblQueries(zone, [smtp]), [{ address: smtp, queryName: dnsblQueryName(smtp, zone) }]);
    assert.equal(dnsblQueries(zone, [smtp])[0].queryName.split(".").length, 32 + 3);
  });

  it("fails on a listing, with the list's TXT reason and the dedicated-/64 fix", () => {
    const c = dnsblCheck(zone, [
      { address: smtp, queryName: "a", answer: { failure: "nxdomain", message: "" } },
      {
        address: shared,
        queryName: "b",
        answer: { records: ["127.0.0.3"] },
        txt: { records: [["Listed by CSS"]] },
      },
    ]);
    assert.equal(c.status, "fail");
    assert.equal(c.summary, `${zone}: ${shared} listed (127.0.0.3): "Listed by CSS"`);
    assert.match(c.fix ?? "", /dedicated \/64/);
  });

  it("warns (exit status unchanged) when the list refused the query, and says to use an own resolver", () => {
    const c = dnsblCheck(zone, [{ address: smtp, queryName: "a", answer: { records: ["127.255.255.254"] } }]);
    assert.equal(c.status, "warn");
    assert.match(c.fix ?? "", /resolver of your own/);
  });

  it("passes when every lookup is NXDOMAIN", () => {
    const c = dnsblCheck(zone, [
      { address: smtp, queryName: "a", answer: { failure: "nxdomain", message: "" } },
    ]);
    assert.equal(c.status, "ok");
    assert.equal(c.summary, `${zone}: ${smtp} not listed`);
  });
});
