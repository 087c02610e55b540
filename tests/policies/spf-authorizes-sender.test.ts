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

test("authorization is RFC 7208 evaluation over the stack's own records", async () => {
  // a: and mx-style terms that name the stack's own host resolve from its AAAA record.
  assert.deepEqual(entriesOf(await withSpf("v=spf1 a:mail.example.net -all"), RULE), []);
  // A network written with host bits set is the network (RFC 7208 §5.6).
  assert.deepEqual(entriesOf(await withSpf(`v=spf1 ip6:${HE.smtp}/64 -all`), RULE), []);
  // A name with no record in the stack cannot be known: unprovable, not a pass (and not a fail either).
  const outside = await withSpf(`v=spf1 a:elsewhere.example.org ip6:${HE.routed64} -all`);
  assert.match(
    entriesOf(outside, RULE)[0]?.message ?? "",
    /cannot be shown to authorize .* from the stack's own records/,
    describe(outside),
  );
  // The host's own AAAA, matched as a /128 (the dual CIDR suffix): the SMTP address itself.
  assert.deepEqual(entriesOf(await withSpf("v=spf1 a:mail.example.net//128 -all"), RULE), []);
  // The host's own AAAA, but a term that only IPv4 uses: a real fail, not an unknown.
  const v4only = await withSpf("v=spf1 ip4:192.0.2.0/24 -all");
  assert.match(entriesOf(v4only, RULE)[0]?.message ?? "", /receivers get fail/, describe(v4only));
  // The stack publishes no MX at mail.example.net: cannot be known.
  const mx = await withSpf("v=spf1 mx:mail.example.net -all");
  assert.match(entriesOf(mx, RULE)[0]?.message ?? "", /cannot be shown/, describe(mx));
});

test("RFC 7208 syntax: a domain-spec without a top label, a bad macro are invalid", async () => {
  for (const term of ["a:foo-bar", "exists:%{z}.example.net"]) {
    const report = await withSpf(`v=spf1 ip6:${HE.routed64} ${term} -all`);
    assert.ok(
      entriesOf(report, RULE).some((e) => /is invalid/.test(e.message)),
      `${term}: ${describe(report)}`,
    );
  }
});
