import { test } from "node:test";
import assert from "node:assert/strict";
import { check, describe, entriesOf, HE_DECLARED } from "./helpers";
import {
  componentStack,
  goodMailServerShape,
  GOOD_DO_RULES,
  hetznerStack,
  RAW_HE_GOOD,
  rawDropletStack,
} from "./fixtures/programs";

const RULE = "smtp-egress-unblocked";

test("DigitalOcean native IPv6 SMTP is blocked by DigitalOcean (advisory)", async () => {
  const report = await check(rawDropletStack({ tags: ["smtp"], firewallRules: GOOD_DO_RULES, dns: false }));
  const [entry] = entriesOf(report, RULE);
  assert.ok(entry, describe(report));
  assert.equal(entry.level, "advisory");
  assert.match(entry.message, /DigitalOcean blocks SMTP over IPv6/);
});

test("HE tunnels: warned until sageCertified, by component output or by config", async () => {
  const uncertified = await check(componentStack({ ...goodMailServerShape(), sageCertified: false }));
  assert.match(entriesOf(uncertified, RULE)[0]?.message ?? "", /Sage certification/, describe(uncertified));
  assert.deepEqual(entriesOf(await check(componentStack(goodMailServerShape())), RULE), []);
  const raw = await check(rawDropletStack(RAW_HE_GOOD), {
    config: { "smtp-from-dedicated-prefix": HE_DECLARED["smtp-from-dedicated-prefix"] },
  });
  assert.equal(entriesOf(raw, RULE).length, 1, describe(raw));
  const declared = await check(rawDropletStack(RAW_HE_GOOD), { config: HE_DECLARED });
  assert.deepEqual(entriesOf(declared, RULE), []);
});

test("Hetzner: warned until hetznerSmtpUnblocked is declared", async () => {
  const report = await check(hetznerStack());
  assert.match(
    entriesOf(report, RULE)[0]?.message ?? "",
    /new accounts have outbound tcp 25 and 465 blocked/,
  );
  const declared = await check(hetznerStack(), { config: { [RULE]: { hetznerSmtpUnblocked: true } } });
  assert.deepEqual(entriesOf(declared, RULE), []);
});
