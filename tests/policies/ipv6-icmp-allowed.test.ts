import { test } from "node:test";
import assert from "node:assert/strict";
import * as command from "@pulumi/command";
import { check, describe, entriesOf, HE_DECLARED } from "./helpers";
import { componentStack, goodMailServerShape, RAW_HE_GOOD, rawDropletStack } from "./fixtures/programs";
import { NFT_DROPS_ND } from "./fixtures/rulesets";
import { FakeComponent } from "./fixtures/fake-component";
import { HostFirewall } from "../../components";
import { firewallFacts } from "../../host-config";
import { MAIL_FACTS_VERSION } from "../../facts/mail-facts";

const RULE = "ipv6-icmp-allowed";

test("a default-deny ruleset that only admits echo-request drops neighbour discovery", async () => {
  const report = await check(rawDropletStack({ ...RAW_HE_GOOD, hostFirewall: NFT_DROPS_ND }), {
    config: HE_DECLARED,
  });
  const [entry, ...rest] = entriesOf(report, RULE);
  assert.equal(rest.length, 0, describe(report));
  assert.equal(entry.level, "mandatory");
  assert.equal(entry.resourceType, "command:remote:Command");
  assert.match(entry.message, /neighbour solicitation/);
  assert.match(entry.message, /router advertisement/);
  assert.doesNotMatch(
    entry.message,
    /packet too big/,
    "PTB of existing connections is admitted by ct state related",
  );
});

test("the good ruleset (meta l4proto ipv6-icmp accept) passes", async () => {
  const report = await check(rawDropletStack(RAW_HE_GOOD), { config: HE_DECLARED });
  assert.deepEqual(entriesOf(report, RULE), [], describe(report));
});

test("a HostFirewall is judged by its facts: the real component passes, facts that drop neighbour discovery fail", async () => {
  const connection = { host: "192.0.2.10" };
  const real = await check(() => {
    new HostFirewall("fw", { connection, adminSources: ["198.51.100.7/32"], tunnelInterface: "he-ipv6" });
  });
  assert.deepEqual(entriesOf(real, RULE), [], describe(real));
  const facts = firewallFacts({ allowedTcpPorts: [25], adminSources: ["198.51.100.7/32"] });
  const dropsNd = {
    ...facts,
    ipv6Input: {
      ...facts.ipv6Input,
      icmpv6Accepted: facts.ipv6Input.icmpv6Accepted.filter((t) => !t.startsWith("nd-")),
    },
  };
  const bad = await check(() => {
    new FakeComponent("ipv6-mail:index:HostFirewall", "fw", {
      facts: { version: MAIL_FACTS_VERSION, component: "HostFirewall", firewall: dropsNd },
    });
  });
  assert.match(
    entriesOf(bad, RULE)[0]?.message ?? "",
    /neighbour solicitation.*\(its facts\)/,
    describe(bad),
  );
  const good = await check(componentStack(goodMailServerShape()));
  assert.deepEqual(entriesOf(good, RULE), [], describe(good));
});

test("ip6tables: policy DROP without an ICMPv6 accept fails; with `-p ipv6-icmp -j ACCEPT` passes", async () => {
  const run = (script: string) =>
    check(() => {
      new command.remote.Command("fw", { connection: { host: "192.0.2.10" }, create: script });
    });
  const bad = await run(
    "ip6tables -P INPUT DROP\nip6tables -A INPUT -m state --state ESTABLISHED,RELATED -j ACCEPT\nip6tables -A INPUT -p tcp --dport 25 -j ACCEPT",
  );
  assert.match(entriesOf(bad, RULE)[0]?.message ?? "", /neighbour solicitation/, describe(bad));
  const good = await run(
    "ip6tables -P INPUT DROP\nip6tables -A INPUT -p ipv6-icmp -j ACCEPT\nip6tables -A INPUT -p tcp --dport 25 -j ACCEPT",
  );
  assert.deepEqual(entriesOf(good, RULE), [], describe(good));
});

test("an explicit drop of router advertisements before the accept is caught", async () => {
  const ruleset = `table ip6 filter {\n  chain input {\n    type filter hook input priority 0; policy accept;\n    icmpv6 type nd-router-advert drop\n    icmpv6 type { nd-neighbor-solicit, nd-neighbor-advert, nd-router-advert } accept\n  }\n}\n`;
  const report = await check(() => {
    new command.remote.Command("fw", {
      connection: { host: "192.0.2.10" },
      create: `nft -f - <<'X'\n${ruleset}X`,
    });
  });
  const [entry] = entriesOf(report, RULE);
  assert.ok(entry, describe(report));
  assert.match(entry.message, /router advertisement .*icmpv6 type nd-router-advert drop/);
});
