import { test } from "node:test";
import assert from "node:assert/strict";
import * as digitalocean from "@pulumi/digitalocean";
import * as command from "@pulumi/command";
import * as cloudflare from "@pulumi/cloudflare";
import { check, describe, entriesOf, HE_DECLARED } from "./helpers";
import { DO, HE } from "./fixtures/addresses";
import {
  componentStack,
  goodMailServerShape,
  GOOD_DO_RULES,
  hetznerStack,
  RAW_HE_GOOD,
  rawDropletStack,
} from "./fixtures/programs";

const RULE = "smtp-from-dedicated-prefix";

test("a DigitalOcean droplet tagged smtp sends from its shared native /64", async () => {
  const report = await check(rawDropletStack({ tags: ["smtp"], firewallRules: GOOD_DO_RULES, dns: false }));
  const [entry, ...rest] = entriesOf(report, RULE);
  assert.equal(rest.length, 0, describe(report));
  assert.equal(entry.level, "mandatory");
  assert.equal(entry.resourceType, "digitalocean:index/droplet:Droplet");
  assert.match(entry.message, new RegExp(`${DO.ipv6} lies in ${DO.prefix64}`));
  assert.match(entry.message, /digitalocean-native/);
  assert.match(entry.message, /tag "smtp"/);
  assert.equal(report.passed, false);
});

test("an SPF record authorizing a droplet's IPv4 makes it a sender, and it would send from the shared /64", async () => {
  const report = await check(
    rawDropletStack({ firewallRules: GOOD_DO_RULES, spf: `v=spf1 ip4:${DO.ipv4} -all`, dns: true }),
  );
  const [entry] = entriesOf(report, RULE);
  assert.ok(entry, describe(report));
  assert.match(entry.message, /SPF record example\.net authorizes its address \(ip4:203\.0\.113\.7\)/);
  assert.match(entry.message, /digitalocean-native/);
});

test("a droplet with no sender signal is not judged", async () => {
  const report = await check(rawDropletStack({ firewallRules: GOOD_DO_RULES, dns: false }));
  assert.deepEqual(entriesOf(report, RULE), []);
});

test("a hand-built HE tunnel stack passes once it declares its routed /64", async () => {
  const report = await check(rawDropletStack(RAW_HE_GOOD), { config: HE_DECLARED });
  assert.deepEqual(entriesOf(report, RULE), [], describe(report));
  assert.equal(report.passed, true, describe(report));
});

test("without the declaration the pack cannot know the routed /64 is the stack's own", async () => {
  const report = await check(rawDropletStack(RAW_HE_GOOD));
  const [entry] = entriesOf(report, RULE);
  assert.ok(entry, describe(report));
  assert.match(entry.message, new RegExp(`${HE.smtp} lies in no /64 the stack shows it owns`));
});

test("an unbound MTA on a tunnel host would send from the link address ::2", async () => {
  const report = await check(rawDropletStack({ ...RAW_HE_GOOD, bind: false, tags: ["mail"] }), {
    config: HE_DECLARED,
  });
  const [entry] = entriesOf(report, RULE);
  assert.ok(entry, describe(report));
  assert.match(entry.message, /link address ::2/);
  assert.match(entry.message, /he-link-64/);
});

test("binding Postfix to the HE link address is rejected as the link /64", async () => {
  const report = await check(rawDropletStack({ ...RAW_HE_GOOD, smtp: HE.linkClient }), {
    config: HE_DECLARED,
  });
  const messages = entriesOf(report, RULE).map((e) => e.message);
  assert.ok(
    messages.some(
      (m) => m.includes(`${HE.linkClient} lies in 2001:470:1f0a:9a::/64`) && m.includes("he-link-64"),
    ),
    messages.join("\n"),
  );
});

test("Exim's `interface = <; …` counts as a bind address", async () => {
  const report = await check(() => {
    const droplet = new digitalocean.Droplet("mx", {
      name: "mx.example.net",
      image: "debian-12-x64",
      region: "fra1",
      size: "s-1vcpu-1gb",
      ipv6: true,
    });
    new digitalocean.Firewall("mx", { dropletIds: [droplet.id.apply(Number)], inboundRules: GOOD_DO_RULES });
    new command.remote.Command("exim", {
      connection: { host: droplet.ipv4Address, user: "root" },
      create: `cat > /etc/exim4/conf.d/transport/10_bind <<'EOF'\ninterface = <; ${DO.ipv6}\nEOF\nupdate-exim4.conf`,
    });
    new cloudflare.DnsRecord("spf", {
      zoneId: "z",
      name: "example.net",
      type: "TXT",
      content: "v=spf1 mx -all",
      ttl: 300,
    });
  });
  const [entry] = entriesOf(report, RULE);
  assert.ok(entry, describe(report));
  assert.match(entry.message, /binds the MTA to 2a03:b0c0:3:d0::1a2b:1/);
  assert.match(entry.message, /digitalocean-native/);
});

test("a MailServer sending from its HE routed /64 passes", async () => {
  const report = await check(componentStack(goodMailServerShape()));
  assert.deepEqual(entriesOf(report, RULE), [], describe(report));
  assert.equal(report.passed, true, describe(report));
});

test("a MailServer whose prefix source is DigitalOcean's native range is rejected", async () => {
  const shape = {
    ...goodMailServerShape(),
    prefixSource: "digitalocean-native",
    dedicatedPrefix: DO.prefix64,
    smtpAddress: DO.ipv6,
  };
  const report = await check(componentStack(shape));
  const [entry] = entriesOf(report, RULE);
  assert.ok(entry, describe(report));
  assert.equal(entry.resourceType, "ipv6-mail:index:MailServer");
  assert.match(entry.message, /digitalocean-native/);
});

test("declaring DigitalOcean's shared /64 dedicated does not whitewash it", async () => {
  const shape = {
    ...goodMailServerShape(),
    prefixSource: "declared-dedicated",
    dedicatedPrefix: DO.prefix64,
    smtpAddress: DO.ipv6,
  };
  const report = await check(componentStack(shape));
  const [entry] = entriesOf(report, RULE);
  assert.ok(entry, describe(report));
  assert.match(entry.message, /droplet "mail-host" native IPv6 \(digitalocean-native\)/);
});

test("a MailServer address inside the tunnel's link /64 is rejected even if it claims he-routed-64", async () => {
  const shape = { ...goodMailServerShape(), smtpAddress: "2001:470:1f0a:9a::25" };
  const report = await check(componentStack(shape));
  const [entry] = entriesOf(report, RULE);
  assert.ok(entry, describe(report));
  assert.match(entry.message, /he-link-64/);
});

test("a Hetzner server sends from its own /64, after creation and at preview (by structure)", async () => {
  for (const preview of [false, true]) {
    const report = await check(hetznerStack(), { preview });
    assert.deepEqual(entriesOf(report, RULE), [], `${preview}: ${describe(report)}`);
  }
});
