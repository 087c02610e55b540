import { test } from "node:test";
import assert from "node:assert/strict";
import * as cloudflare from "@pulumi/cloudflare";
import { check, describe, entriesOf, HE_DECLARED } from "./helpers";
import { HE } from "./fixtures/addresses";
import { componentStack, goodMailServerShape, RAW_HE_GOOD, rawDropletStack } from "./fixtures/programs";

const RULE = "spf-authorizes-sender";

function withSpf(spf: string) {
  return check(rawDropletStack({ ...RAW_HE_GOOD, spf }), { config: HE_DECLARED });
}

test("an SPF record with the routed /64 and -all passes; so does ~all", async () => {
  assert.deepEqual(entriesOf(await withSpf(`v=spf1 ip6:${HE.routed64} -all`), RULE), []);
  assert.deepEqual(
    entriesOf(await withSpf(`v=spf1 ip6:${HE.routed64} include:_spf.example.org ~all`), RULE),
    [],
  );
});

test("an SPF record that does not cover the SMTP address is a violation", async () => {
  const report = await withSpf("v=spf1 ip6:2001:470:1f0b:26::/64 -all");
  assert.match(
    entriesOf(report, RULE)[0]?.message ?? "",
    new RegExp(`does not authorize the SMTP address ${HE.smtp}`),
    describe(report),
  );
});

test("?all, +all and a missing all are violations", async () => {
  for (const all of ["?all", "+all", ""]) {
    const report = await withSpf(`v=spf1 ip6:${HE.routed64} ${all}`.trim());
    assert.ok(
      entriesOf(report, RULE).some((e) => /it must end in -all/.test(e.message)),
      `${all}: ${describe(report)}`,
    );
  }
});

test("syntax errors and more than 10 lookups are violations", async () => {
  const syntax = await withSpf(`v=spf1 ip6:2001:470:1f0b:25::/644 ip6:${HE.routed64} -all`);
  assert.ok(
    entriesOf(syntax, RULE).some((e) => /is invalid/.test(e.message)),
    describe(syntax),
  );
  const includes = Array.from({ length: 11 }, (_, i) => `include:s${i}.example.org`).join(" ");
  const lookups = await withSpf(`v=spf1 ip6:${HE.routed64} ${includes} -all`);
  assert.ok(
    entriesOf(lookups, RULE).some((e) => /11 terms cause DNS lookups/.test(e.message)),
    describe(lookups),
  );
});

test("two SPF records on one name are a violation (permerror)", async () => {
  const report = await check(
    () => {
      rawDropletStack(RAW_HE_GOOD)();
      new cloudflare.DnsRecord("spf2", {
        zoneId: "z",
        name: "example.net",
        type: "TXT",
        content: "v=spf1 mx -all",
        ttl: 300,
      });
    },
    { config: HE_DECLARED },
  );
  assert.ok(
    entriesOf(report, RULE).some((e) => /example\.net has 2 SPF records/.test(e.message)),
    describe(report),
  );
});

test("no SPF record at all is a violation; the MailServer's records pass", async () => {
  const none = await check(rawDropletStack({ ...RAW_HE_GOOD, dns: false }), { config: HE_DECLARED });
  assert.match(
    entriesOf(none, RULE)[0]?.message ?? "",
    /no SPF record found at mail\.example\.net or example\.net/,
    describe(none),
  );
  const component = await check(componentStack(goodMailServerShape()));
  assert.deepEqual(entriesOf(component, RULE), [], describe(component));
});
