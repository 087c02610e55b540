import { test } from "node:test";
import assert from "node:assert/strict";
import * as command from "@pulumi/command";
import * as digitalocean from "@pulumi/digitalocean";
import { check, describe, entriesOf, HE_DECLARED } from "./helpers";
import { HE } from "./fixtures/addresses";
import {
  componentStack,
  goodMailServerShape,
  GOOD_DO_RULES,
  RAW_HE_GOOD,
  rawDropletStack,
} from "./fixtures/programs";

const RULE = "smtp-source-pinned";

test("a tunnel host whose MTA is not bound is a violation; binding it passes", async () => {
  const unbound = await check(rawDropletStack({ ...RAW_HE_GOOD, bind: false, tags: ["smtp"] }), {
    config: HE_DECLARED,
  });
  const [entry] = entriesOf(unbound, RULE);
  assert.ok(entry, describe(unbound));
  assert.match(entry.message, /nothing binds the MTA/);
  const bound = await check(rawDropletStack(RAW_HE_GOOD), { config: HE_DECLARED });
  assert.deepEqual(entriesOf(bound, RULE), [], describe(bound));
  assert.deepEqual(entriesOf(await check(componentStack(goodMailServerShape())), RULE), []);
});

test("a Postfix bind without smtp_bind_address_enforce is advice, not a failure", async () => {
  const report = await check(rawDropletStack({ ...RAW_HE_GOOD, enforce: false }), { config: HE_DECLARED });
  const [entry] = entriesOf(report, RULE);
  assert.ok(entry, describe(report));
  assert.equal(entry.level, "advisory");
  assert.match(entry.message, /smtp_bind_address_enforce/);
  assert.equal(report.passed, true, describe(report));
});

test("Exim `interface =` with an IPv6 address but without `<;` is a violation", async () => {
  const report = await check(
    () => {
      const droplet = new digitalocean.Droplet("mx", {
        name: "mx.example.net",
        image: "debian-12-x64",
        region: "fra1",
        size: "s-1vcpu-1gb",
        ipv6: true,
      });
      new digitalocean.Firewall("mx", {
        dropletIds: [droplet.id.apply(Number)],
        inboundRules: GOOD_DO_RULES,
      });
      new command.remote.Command(
        "exim",
        {
          connection: { host: droplet.ipv4Address },
          create: `interface = ${HE.smtp}\nupdate-exim4.conf`,
          triggers: [],
        },
        {},
      );
      new command.remote.Command("tag", {
        connection: { host: droplet.ipv4Address },
        create: `interface = <; ${HE.smtp}`,
      });
    },
    { config: HE_DECLARED },
  );
  assert.match(entriesOf(report, RULE)[0]?.message ?? "", /without "<;"/, describe(report));
});
