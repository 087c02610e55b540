import { test } from "node:test";
import assert from "node:assert/strict";
import * as cloudflare from "@pulumi/cloudflare";
import { ptrOwnerName } from "../../net";
import { check, describe, entriesOf, HE_DECLARED } from "./helpers";
import { HE, MAIL_HOST } from "./fixtures/addresses";
import {
  componentStack,
  goodMailServerShape,
  hetznerStack,
  RAW_HE_GOOD,
  rawDropletStack,
} from "./fixtures/programs";

const RULE = "fcrdns-consistent";

test("PTR, AAAA back and HELO all match: passes (raw, component and Hetzner rDNS)", async () => {
  const raw = await check(rawDropletStack(RAW_HE_GOOD), { config: HE_DECLARED });
  assert.deepEqual(entriesOf(raw, RULE), [], describe(raw));
  const component = await check(componentStack(goodMailServerShape()));
  assert.deepEqual(entriesOf(component, RULE), [], describe(component));
  const hetzner = await check(hetznerStack());
  assert.deepEqual(entriesOf(hetzner, RULE), [], describe(hetzner));
});

test("no PTR for the SMTP address is a violation", async () => {
  const shape = goodMailServerShape();
  const report = await check(
    componentStack({ ...shape, records: shape.records.filter((r) => r.type !== "PTR") }),
  );
  const [entry] = entriesOf(report, RULE);
  assert.ok(entry, describe(report));
  assert.match(entry.message, new RegExp(`${HE.smtp} has no PTR record`));
  const hetzner = await check(hetznerStack({ rdns: false }));
  assert.match(entriesOf(hetzner, RULE)[0]?.message ?? "", /has no PTR record/, describe(hetzner));
});

test("a PTR name without an AAAA back to the address is a violation", async () => {
  const shape = goodMailServerShape();
  const records = shape.records.map((r) =>
    r.type === "AAAA" ? { ...r, content: "2001:470:1f0b:25::26" } : r,
  );
  const report = await check(componentStack({ ...shape, records }));
  const [entry] = entriesOf(report, RULE);
  assert.ok(entry, describe(report));
  assert.match(
    entry.message,
    /has AAAA 2001:470:1f0b:25::26; forward-confirmed reverse DNS needs an AAAA back/,
  );
});

test("an MTA host name that differs from the PTR name is a violation", async () => {
  const report = await check(
    () => {
      rawDropletStack({ ...RAW_HE_GOOD, dns: false })();
      new cloudflare.DnsRecord("aaaa", {
        zoneId: "z",
        name: "smtp.example.net",
        type: "AAAA",
        content: HE.smtp,
        ttl: 300,
      });
      new cloudflare.DnsRecord("ptr", {
        zoneId: "z",
        name: ptrOwnerName(HE.smtp),
        type: "PTR",
        content: "smtp.example.net.",
        ttl: 300,
      });
      new cloudflare.DnsRecord("spf", {
        zoneId: "z",
        name: "example.net",
        type: "TXT",
        content: `v=spf1 ip6:${HE.routed64} -all`,
        ttl: 300,
      });
    },
    { config: HE_DECLARED },
  );
  const [entry] = entriesOf(report, RULE);
  assert.ok(entry, describe(report));
  assert.match(
    entry.message,
    new RegExp(`announces itself as ${MAIL_HOST} .* but the PTR of ${HE.smtp} is smtp\\.example\\.net`),
  );
});

test("two PTR names for one address are a violation", async () => {
  const shape = goodMailServerShape();
  const records = [
    ...shape.records,
    { type: "PTR", name: ptrOwnerName(HE.smtp), content: "other.example.net", ttl: 300 },
  ];
  const report = await check(componentStack({ ...shape, records }));
  assert.ok(
    entriesOf(report, RULE).some((e) => /2 PTR names/.test(e.message)),
    describe(report),
  );
});

test("at preview, an unknown SMTP address fails closed; allowUnknownAtPreview makes it advisory", async () => {
  const closed = await check(hetznerStack(), { preview: true });
  const [entry] = entriesOf(closed, RULE);
  assert.ok(entry, describe(closed));
  assert.equal(entry.kind, "preview-unknown");
  assert.equal(entry.level, "mandatory");
  assert.match(entry.message, /^cannot verify at preview: /);
  const open = await check(hetznerStack(), {
    preview: true,
    config: { [RULE]: { allowUnknownAtPreview: true } },
  });
  const [advisory] = entriesOf(open, RULE);
  assert.equal(advisory.kind, "preview-unknown");
  assert.equal(advisory.level, "advisory");
});
