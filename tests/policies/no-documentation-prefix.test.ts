import { test } from "node:test";
import assert from "node:assert/strict";
import * as command from "@pulumi/command";
import * as digitalocean from "@pulumi/digitalocean";
import { check, describe, entriesOf } from "./helpers";
import { componentStack, goodMailServerShape } from "./fixtures/programs";

const RULE = "no-documentation-prefix";

function firewallWith(sources: string[]) {
  return () => {
    new digitalocean.Firewall("fw", {
      inboundRules: [{ protocol: "tcp", portRange: "25", sourceAddresses: sources }],
    });
  };
}

test("2001:db8::/32 and 3fff::/20 are found in every spelling; neighbours are not", async () => {
  for (const value of ["2001:db8:25::/64", "2001:DB8::25", "2001:0db8:0:0::1", "3fff::/20", "3fff:fff::1"]) {
    const report = await check(firewallWith([value]));
    const [entry] = entriesOf(report, RULE);
    assert.ok(entry, value);
    assert.equal(entry.level, "mandatory");
    assert.match(entry.message, /uses documentation prefix values/);
  }
  for (const value of ["2001:db9::/32", "3fff:1000::/36", "2001:470:1f0b:25::/64"]) {
    assert.deepEqual(entriesOf(await check(firewallWith([value])), RULE), [], value);
  }
});

test("a documentation prefix inside a host script is found", async () => {
  const shape = goodMailServerShape();
  const report = await check(
    componentStack({ ...shape, smtpAddress: "2001:db8:25::25", dedicatedPrefix: "2001:db8:25::/64" }),
  );
  const types = entriesOf(report, RULE).map((e) => e.resourceType);
  assert.ok(types.includes("ipv6-mail:index:MailServer"), describe(report));
  assert.ok(types.includes("command:remote:Command"), describe(report));
});

test("a documentation address written with its prefix length in a host script is found (the way ip is written)", async () => {
  for (const script of ["ip -6 addr add 2001:DB8::25/64 dev eth0", "ip addr add 3fff:0:1::25/48 dev eth0"]) {
    const report = await check(() => {
      new command.remote.Command("addr", { connection: { host: "192.0.2.10" }, create: script });
    });
    const [entry] = entriesOf(report, RULE);
    assert.ok(entry, `${script}: ${describe(report)}`);
    assert.match(
      entry.message,
      new RegExp(
        script
          .split(" ")
          .find((w) => w.includes("/"))
          ?.replace("/", "\\/") ?? "",
      ),
    );
  }
  // Not every address with a length is one: a real routed /64's address stays quiet.
  const real = await check(() => {
    new command.remote.Command("addr", {
      connection: { host: "192.0.2.10" },
      create: "ip -6 addr add 2001:470:1f0b:9a::25/64 dev eth0",
    });
  });
  assert.deepEqual(entriesOf(real, RULE), [], describe(real));
});

test("allowed by the rule's config, or under a MailServer built with allowDocumentationPrefixes", async () => {
  const config = await check(firewallWith(["2001:db8::/32"]), {
    config: { [RULE]: { allowDocumentationPrefixes: true } },
  });
  assert.deepEqual(entriesOf(config, RULE), []);
  const shape = {
    ...goodMailServerShape(),
    smtpAddress: "2001:db8:25::25",
    dedicatedPrefix: "2001:db8:25::/64",
    allowDocumentationPrefixes: true,
  };
  const lab = await check(componentStack(shape));
  assert.deepEqual(entriesOf(lab, RULE), [], describe(lab));
});
