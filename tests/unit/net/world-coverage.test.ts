/**
 * Whether a list of firewall sources opens a port to the whole IPv6 (2000::/3) or IPv4 internet
 * (fixtures/world-coverage.json). Parsed, never string-compared.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { coversIpv4World, coversIpv6World, hasIpv6Source, tryParseCidr } from "../../../net";
import fixture from "./fixtures/world-coverage.json";

interface CoverageCase {
  readonly name: string;
  readonly sources: readonly string[];
  readonly ipv6World: boolean;
  readonly ipv4World: boolean;
  readonly hasIpv6: boolean;
  /** The list holds entries that do not parse, on purpose. */
  readonly junk?: boolean;
}

const cases = fixture as readonly CoverageCase[];

describe("world coverage", () => {
  for (const c of cases) {
    it(`${c.name}: IPv6 world ${c.ipv6World}, IPv4 world ${c.ipv4World}`, () => {
      if (!c.junk) {
        // Otherwise a typo in the table would make a "false" case pass for the wrong reason.
        for (const source of c.sources) assert.ok(tryParseCidr(source), `fixture entry ${source} parses`);
      } else {
        assert.ok(
          c.sources.some((s) => tryParseCidr(s) === undefined),
          "a junk case holds junk",
        );
      }
      assert.equal(coversIpv6World(c.sources), c.ipv6World);
      assert.equal(coversIpv4World(c.sources), c.ipv4World);
      assert.equal(hasIpv6Source(c.sources), c.hasIpv6);
      assert.equal(coversIpv6World([...c.sources].reverse()), c.ipv6World, "order does not matter");
    });
  }

  it("covers the forms the task names", () => {
    const names = cases.map((c) => c.name);
    for (const name of [
      "::/0",
      "0::/0",
      "::0/0",
      "2000::/3",
      "2000::/4 + 3000::/4",
      "IPv4 0.0.0.0/0",
      "IPv4 two /1 halves",
    ]) {
      assert.ok(names.includes(name), name);
    }
  });

  it("removing any one of the eight /6s opens a gap", () => {
    const sixes = [
      "2000::/6",
      "2400::/6",
      "2800::/6",
      "2c00::/6",
      "3000::/6",
      "3400::/6",
      "3800::/6",
      "3c00::/6",
    ];
    assert.equal(coversIpv6World(sixes), true);
    for (let i = 0; i < sixes.length; i++) {
      assert.equal(coversIpv6World(sixes.filter((_, j) => j !== i)), false, `without ${sixes[i]}`);
    }
  });

  it("all 256 /11s cover it; without the last one they do not", () => {
    const pieces = Array.from({ length: 256 }, (_, i) => `${(0x2000 + i * 0x20).toString(16)}::/11`);
    assert.equal(coversIpv6World(pieces), true);
    assert.equal(coversIpv6World(pieces.slice(0, 255)), false);
    assert.equal(coversIpv6World([...pieces.slice(1), ...pieces.slice(0, 1)]), true);
  });
});
