/**
 * InvalidConfigError and ConfigProblems: every problem collected, one line each, in the format
 * `Invalid <Component> "<name>":\n - field = value: problem. Fix: fix`.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ConfigProblem, ConfigProblems, formatProblems, InvalidConfigError } from "../../../net";
import { catchInvalidConfig } from "./problem-assertions";

describe("formatProblems", () => {
  it("renders the documented example exactly", () => {
    const text = formatProblems("HeTunnel", "he", [
      { field: "mtu", value: 9000, problem: "must be 1280..1480", fix: "use 1480" },
    ]);
    assert.equal(text, 'Invalid HeTunnel "he":\n - mtu = 9000: must be 1280..1480. Fix: use 1480');
  });

  const values: [unknown, string][] = [
    ["2001:db8::/56", '"2001:db8::/56"'],
    [undefined, "(not set)"],
    [null, "null"],
    [0, "0"],
    [false, "false"],
    [["a", 1], '["a",1]'],
    [{ routedPrefix: "::/0" }, '{"routedPrefix":"::/0"}'],
    ['say "hi"', '"say \\"hi\\""'],
  ];
  for (const [value, rendered] of values) {
    it(`renders the value ${rendered}`, () => {
      const text = formatProblems("C", "n", [{ field: "f", value, problem: "p", fix: "x" }]);
      assert.equal(text, `Invalid C "n":\n - f = ${rendered}: p. Fix: x`);
    });
  }

  it("renders values JSON cannot (bigint, circular objects) without throwing", () => {
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    assert.equal(
      formatProblems("C", "n", [{ field: "f", value: 5n, problem: "p", fix: "x" }]),
      'Invalid C "n":\n - f = 5: p. Fix: x',
    );
    assert.match(
      formatProblems("C", "n", [{ field: "f", value: circular, problem: "p", fix: "x" }]),
      / - f = \[object Object\]: p\. Fix: x$/,
    );
  });
});

describe("InvalidConfigError", () => {
  const problems: ConfigProblem[] = [
    {
      field: "tunnel.routedPrefix",
      value: "2001:db8:25::/56",
      problem: "is a /56, but a /64 is needed here",
      fix: "give one /64 out of it",
    },
    {
      field: "ttl",
      value: 30,
      problem: "must be a whole number of seconds from 60 to 86400",
      fix: "use 3600",
    },
    {
      field: "hostName",
      value: undefined,
      problem: "is not a fully qualified domain name",
      fix: 'give the host FQDN, e.g. "mx1.example.org"',
    },
  ];

  it("carries component, resource name, every problem, and the formatted message", () => {
    const error = new InvalidConfigError("MailServer", "mx1", problems);
    assert.ok(error instanceof Error);
    assert.equal(error.name, "InvalidConfigError");
    assert.equal(error.component, "MailServer");
    assert.equal(error.resourceName, "mx1");
    assert.deepEqual(error.problems, problems);
    assert.equal(
      error.message,
      [
        'Invalid MailServer "mx1":',
        ' - tunnel.routedPrefix = "2001:db8:25::/56": is a /56, but a /64 is needed here. Fix: give one /64 out of it',
        " - ttl = 30: must be a whole number of seconds from 60 to 86400. Fix: use 3600",
        ' - hostName = (not set): is not a fully qualified domain name. Fix: give the host FQDN, e.g. "mx1.example.org"',
      ].join("\n"),
    );
    assert.ok(String(error).startsWith('InvalidConfigError: Invalid MailServer "mx1":'));
  });

  it("ConfigProblems collects in order and throws all of them at once", () => {
    const collected = new ConfigProblems();
    collected.throwIfAny("MailServer", "mx1"); // nothing yet: no throw
    collected.add(problems[0].field, problems[0].value, problems[0].problem, problems[0].fix);
    collected.addAll(problems.slice(1));
    assert.deepEqual(collected.list, problems);
    const error = catchInvalidConfig(() => collected.throwIfAny("MailServer", "mx1"));
    assert.equal(error.problems.length, 3);
    assert.equal(error.message.split("\n").length, 4, "a header and one line per problem");
    // The error holds a snapshot: problems added later do not change it.
    collected.add("late", 1, "p", "f");
    assert.equal(error.problems.length, 3);
  });
});
