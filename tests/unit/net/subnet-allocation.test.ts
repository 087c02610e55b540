/**
 * One dedicated /64 per host out of a routed /48: fixed positions, a stable hash, explicit indexes that win,
 * and collisions reported (never silently probed past).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { hashedSubnetIndex, planSubnets, SUBNETS_PER_48, subnet64Of48 } from "../../../net";
import pins from "./fixtures/hash-pins.json";
import { assertExplained, catchInvalidConfig } from "./problem-assertions";

const ROUTED_48 = "2001:db8:100::/48";

/** The first two names `host-<n>.example.org` whose hashes collide (deterministic: the hash is fixed). */
function findCollidingPair(): [string, string, number] {
  const seen = new Map<number, string>();
  for (let n = 0; n < 100_000; n++) {
    const name = `host-${n}.example.org`;
    const index = hashedSubnetIndex(name);
    const earlier = seen.get(index);
    if (earlier !== undefined) return [earlier, name, index];
    seen.set(index, name);
  }
  throw new Error("no collision among 100000 names");
}

describe("subnet64Of48", () => {
  const table: [number, string][] = [
    [0, "2001:db8:100::/64"],
    [1, "2001:db8:100:1::/64"],
    [37, "2001:db8:100:25::/64"],
    [0x25, "2001:db8:100:25::/64"],
    [0x1000, "2001:db8:100:1000::/64"],
    [65535, "2001:db8:100:ffff::/64"],
  ];
  for (const [index, subnet] of table) {
    it(`index ${index} -> ${subnet}`, () => assert.equal(subnet64Of48(ROUTED_48, index), subnet));
  }

  it("accepts any spelling of the /48", () => {
    assert.equal(subnet64Of48("2001:0DB8:0100:0::/48", 37), "2001:db8:100:25::/64");
  });

  it("rejects indexes outside 0..65535 and prefixes that are not a /48", () => {
    for (const index of [-1, 65536, 1.5, Number.NaN, Infinity]) {
      assert.throws(() => subnet64Of48(ROUTED_48, index), RangeError, String(index));
    }
    assert.throws(() => subnet64Of48("2001:db8:100::/56", 0), /is not a \/48/);
    assert.throws(() => subnet64Of48("2001:db8:100::/40", 0), /is not a \/48/);
    assert.equal(SUBNETS_PER_48, 65536);
  });
});

describe("hashedSubnetIndex", () => {
  for (const pin of pins.pins) {
    it(`${pin.name} -> ${pin.index} (pinned: changing it would renumber running hosts)`, () => {
      assert.equal(hashedSubnetIndex(pin.name), pin.index);
      assert.equal(subnet64Of48(ROUTED_48, hashedSubnetIndex(pin.name)), pin.subnet);
    });
  }

  it("ignores case and surrounding white space (host names are DNS names)", () => {
    assert.equal(hashedSubnetIndex(" MX1.Example.ORG\n"), hashedSubnetIndex("mx1.example.org"));
  });

  it("stays inside 0..65535 and spreads names", () => {
    const indexes = new Set<number>();
    for (let n = 0; n < 2000; n++) {
      const index = hashedSubnetIndex(`h${n}.example.org`);
      assert.ok(Number.isInteger(index) && index >= 0 && index < SUBNETS_PER_48);
      indexes.add(index);
    }
    assert.ok(indexes.size > 1900, `only ${indexes.size} distinct indexes for 2000 names`);
  });
});

describe("planSubnets", () => {
  it("hashes hosts without an index and keeps explicit ones", () => {
    const plan = planSubnets(ROUTED_48, [
      { name: "mx1.example.org" },
      { name: "relay.example.org", index: 37 },
    ]);
    assert.deepEqual(
      [...plan.entries()],
      [
        ["relay.example.org", { prefix: "2001:db8:100:25::/64", index: 37, how: "explicit" }],
        ["mx1.example.org", { prefix: "2001:db8:100:6797::/64", index: 26519, how: "hashed" }],
      ],
    );
  });

  it("gives the same /64s whatever the order of hosts, and adding a host renumbers nobody", () => {
    const hosts = pins.pins.map((p) => ({ name: p.name }));
    const forward = planSubnets(ROUTED_48, hosts);
    const backward = planSubnets(ROUTED_48, [...hosts].reverse());
    for (const pin of pins.pins) {
      assert.equal(forward.get(pin.name)?.prefix, pin.subnet);
      assert.equal(backward.get(pin.name)?.prefix, pin.subnet);
    }
    const more = planSubnets(ROUTED_48, [...hosts, { name: "new.example.org" }]);
    for (const pin of pins.pins) assert.equal(more.get(pin.name)?.prefix, pin.subnet);
  });

  it("never hands out one /64 twice", () => {
    const hosts = Array.from({ length: 50 }, (_, n) => ({ name: `node-${n}.example.org`, index: n * 1000 }));
    const plan = planSubnets(ROUTED_48, hosts);
    assert.equal(new Set([...plan.values()].map((a) => a.prefix)).size, 50);
  });

  it("an explicit index wins over a hashed host that lands on it", () => {
    // mx1.example.org hashes to 26519; pin another host there, listed after it.
    const error = catchInvalidConfig(() =>
      planSubnets(ROUTED_48, [{ name: "mx1.example.org" }, { name: "pinned.example.org", index: 26519 }]),
    );
    assert.equal(error.problems.length, 1);
    assertExplained(error.problems, error.message, {
      field: "hosts[0].index",
      value: "(hash of mx1.example.org)",
      mentions: ["mx1.example.org would get subnet 26519, which pinned.example.org already has"],
      fix: "pin one of them with an explicit index, e.g. index: 26520",
    });
    // Following the fix works, and the pinned host keeps its /64.
    const plan = planSubnets(ROUTED_48, [
      { name: "mx1.example.org", index: 26520 },
      { name: "pinned.example.org", index: 26519 },
    ]);
    assert.equal(plan.get("pinned.example.org")?.prefix, "2001:db8:100:6797::/64");
    assert.equal(plan.get("mx1.example.org")?.prefix, "2001:db8:100:6798::/64");
  });

  it("reports two hosts whose names hash to the same index, naming both", () => {
    const [first, second, index] = findCollidingPair();
    assert.notEqual(first, second);
    const error = catchInvalidConfig(() =>
      planSubnets(ROUTED_48, [{ name: first }, { name: second }], "MailFleet", "fleet"),
    );
    assert.ok(error.message.startsWith('Invalid MailFleet "fleet":\n'));
    assert.equal(error.problems.length, 1);
    assertExplained(error.problems, error.message, {
      field: "hosts[1].index",
      value: `(hash of ${second})`,
      mentions: [`${second} would get subnet ${index}, which ${first} already has`],
      fix: "pin one of them with an explicit index",
    });
    // Pinning the second host with the suggested index resolves it.
    const suggested = Number(/index: (\d+)/.exec(error.problems[0].fix)?.[1]);
    const plan = planSubnets(ROUTED_48, [{ name: first }, { name: second, index: suggested }]);
    assert.equal(plan.get(first)?.index, index);
    assert.equal(plan.get(second)?.index, suggested);
  });

  it("suggests a free index that no other host asks for", () => {
    // 10 is taken twice; 11 is pinned by a later host, so the suggestion must skip it.
    const error = catchInvalidConfig(() =>
      planSubnets(ROUTED_48, [
        { name: "a.example.org", index: 10 },
        { name: "b.example.org", index: 10 },
        { name: "c.example.org", index: 11 },
        { name: "d.example.org", index: 10 },
      ]),
    );
    assert.deepEqual(
      error.problems.map((p) => [p.field, p.fix.replace(/.*index: /, "")]),
      [
        ["hosts[1].index", "12"],
        ["hosts[3].index", "13"],
      ],
    );
  });

  it("wraps the suggestion around the end of the /48", () => {
    const error = catchInvalidConfig(() =>
      planSubnets(ROUTED_48, [
        { name: "a.example.org", index: 65535 },
        { name: "b.example.org", index: 65535 },
        { name: "c.example.org", index: 0 },
      ]),
    );
    assert.match(error.problems[0].fix, /index: 1$/);
  });

  it("collects every problem of a bad plan at once", () => {
    const error = catchInvalidConfig(() =>
      planSubnets(ROUTED_48, [
        { name: "a.example.org", index: 70000 },
        { name: "A.example.org" },
        { name: "" },
        { name: "b.example.org", index: 5 },
        { name: "c.example.org", index: 5 },
      ]),
    );
    assert.deepEqual(
      error.problems.map((p) => p.field),
      ["hosts[0].index", "hosts[1].name", "hosts[2].name", "hosts[4].index"],
    );
    assert.equal(error.resourceName, ROUTED_48, "the resource name defaults to the /48");
    assert.equal(error.component, "SubnetPlan");
  });

  it("reports a missing host list instead of crashing", () => {
    const error = catchInvalidConfig(() => planSubnets(ROUTED_48, undefined as unknown as []));
    assert.deepEqual(
      error.problems.map((p) => p.field),
      ["hosts"],
    );
  });

  it("returns an empty plan for no hosts", () => {
    assert.equal(planSubnets(ROUTED_48, []).size, 0);
  });
});
