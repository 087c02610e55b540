import { test } from "node:test";
import assert from "node:assert/strict";
import { check, describe, entriesOf, findings } from "./helpers";
import { GOOD_DO_RULES, rawDropletStack } from "./fixtures/programs";

const RULE = "smtp-from-dedicated-prefix";
/** A DigitalOcean droplet sending from its shared /64: one mandatory finding of RULE (and an egress advisory). */
const program = rawDropletStack({ tags: ["smtp"], firewallRules: GOOD_DO_RULES, dns: false });
const REASON = "legacy relay, migrating to the HE tunnel in Q3";

test("a valid exception waives the finding, and the report lists it with its reason and expiry", async () => {
  const report = await check(program, {
    settings: { exceptions: [{ rule: RULE, resource: "mail", reason: REASON, expires: "2026-09-30" }] },
  });
  assert.deepEqual(entriesOf(report, RULE, "violation"), [], describe(report));
  const [applied] = entriesOf(report, RULE, "exception-applied");
  assert.ok(applied, describe(report));
  assert.equal(applied.level, "advisory");
  assert.deepEqual(applied.exception, { reason: REASON, resource: "mail", expires: "2026-09-30" });
  assert.match(applied.message, /digitalocean-native/);
  assert.equal(report.summary.exceptionsApplied, 1);
  assert.ok(
    entriesOf(report, RULE).every((e) => e.level === "advisory"),
    describe(report),
  );
});

test("an exception is matched by URN glob, and holds through its expiry day", async () => {
  const report = await check(program, {
    now: new Date("2026-09-30T23:00:00Z"),
    config: {
      [RULE]: {
        exceptions: [
          {
            resource: "urn:pulumi:*::*::*digitalocean:index/droplet:Droplet::mai?",
            reason: REASON,
            expires: "2026-09-30",
          },
        ],
      },
    },
  });
  assert.equal(entriesOf(report, RULE, "exception-applied").length, 1, describe(report));
  assert.deepEqual(entriesOf(report, RULE, "violation"), []);
});

test("an expired exception is a violation: the finding stands, marked with the expiry", async () => {
  const report = await check(program, {
    settings: { exceptions: [{ rule: RULE, resource: "mail", reason: REASON, expires: "2026-05-31" }] },
  });
  const [entry] = entriesOf(report, RULE, "exception-expired");
  assert.ok(entry, describe(report));
  assert.equal(entry.level, "mandatory");
  assert.match(entry.message, /expired on 2026-05-31/);
  assert.match(entry.message, /digitalocean-native/);
  assert.equal(report.passed, false);
});

test("an expired exception that matches nothing is still reported", async () => {
  const report = await check(program, {
    settings: { exceptions: [{ rule: RULE, resource: "gone", reason: REASON, expires: "2025-01-01" }] },
  });
  assert.ok(
    entriesOf(report, RULE, "exception-expired").some((e) =>
      /Exception #1 for "gone" expired on 2025-01-01/.test(e.message),
    ),
    describe(report),
  );
});

test("a reason shorter than 10 characters, a bad date or a wrong rule make the exception invalid and unapplied", async () => {
  const report = await check(program, {
    config: {
      [RULE]: {
        exceptions: [
          { resource: "mail", reason: "legacy", expires: "2026-12-31" },
          { resource: "mail", reason: REASON, expires: "next year" },
          { rule: "spf-authorizes-sender", resource: "mail", reason: REASON, expires: "2026-12-31" },
        ],
      },
    },
  });
  const invalid = entriesOf(report, RULE, "exception-invalid").map((e) => e.message);
  assert.equal(invalid.length, 3, invalid.join("\n"));
  assert.match(invalid[0], /reason "legacy" is shorter than 10 characters/);
  assert.match(invalid[1], /expiry "next year" is not a date/);
  assert.match(invalid[2], /names rule "spf-authorizes-sender"/);
  assert.equal(entriesOf(report, RULE, "violation").length, 1, "the finding is not waived");
  assert.equal(report.passed, false);
});

test("enforcement levels come from the stack's config: per rule, `all`, and disabled", async () => {
  const advisory = await check(program, { config: { [RULE]: "advisory" } });
  assert.equal(entriesOf(advisory, RULE)[0]?.level, "advisory");
  const all = await check(program, { settings: { levels: { all: "advisory" } } });
  assert.ok(
    findings(all).every((e) => e.level === "advisory"),
    describe(all),
  );
  assert.equal(all.passed, true);
  const disabled = await check(program, { config: { [RULE]: { enforcementLevel: "disabled" } } });
  assert.deepEqual(entriesOf(disabled, RULE), []);
  const stricter = await check(program, { config: { "smtp-egress-unblocked": "mandatory" } });
  assert.equal(entriesOf(stricter, "smtp-egress-unblocked")[0]?.level, "mandatory");
});
