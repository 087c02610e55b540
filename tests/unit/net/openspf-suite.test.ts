/**
 * The openspf RFC 7208 test suite (pyspf's test/rfc7208-tests.yml, committed unchanged under
 * fixtures/openspf/) against the package's SPF evaluator, every test of every scenario.
 *
 * DNS-free here means: the scenario's zone data is all the DNS there is, so a source answering from it alone
 * ({@link zoneDataSource}) decides the test. That holds for every test of the suite (its zone data is written
 * to be complete), so every test runs; none is skipped. Each must give the result code the suite allows (one,
 * or one of a list); the suite's explanation texts, where it gives one, are checked too (ignoring case).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { evaluateSpf } from "../../../net";
import { loadOpenspfSuite, zoneDataSource } from "./openspf-zone";

const suite = loadOpenspfSuite();

describe("openspf RFC 7208 suite", () => {
  it("is the whole file: 16 scenarios, 203 tests, all of them run", () => {
    assert.equal(suite.length, 16);
    assert.equal(
      suite.reduce((n, s) => n + s.tests.length, 0),
      203,
    );
  });
  for (const scenario of suite) {
    describe(scenario.description, () => {
      const dns = zoneDataSource(scenario.zonedata);
      for (const test of scenario.tests) {
        it(`${test.id} (RFC 7208 ${test.spec}): ${test.results.join(" or ")}`, async () => {
          const verdict = await evaluateSpf({ ip: test.host, mailFrom: test.mailfrom, helo: test.helo, dns });
          assert.ok(
            test.results.includes(verdict.result),
            `${test.id}: got ${verdict.result} (${verdict.reason ?? ""}), the suite allows ${test.results.join(", ")}`,
          );
          if (test.explanation !== undefined && verdict.result === "fail") {
            // "DEFAULT" is the receiver's own text: the domain gave no explanation. The suite writes the
            // nibbles of an IPv6 %{i} in upper case, the evaluator in lower case; DNS names ignore case.
            const expected = test.explanation === "DEFAULT" ? undefined : test.explanation.toLowerCase();
            assert.equal(verdict.explanation?.toLowerCase(), expected, `${test.id}: explanation`);
          }
        });
      }
    });
  }
});
