import { test } from "node:test";
import assert from "node:assert/strict";
import * as digitalocean from "@pulumi/digitalocean";
import * as hcloud from "@pulumi/hcloud";
import * as command from "@pulumi/command";
import { check, describe, entriesOf } from "./helpers";
import { NFT_GOOD, NFT_SSH_WORLD, nftScript } from "./fixtures/rulesets";

const RULE = "admin-ports-not-world-open";

function doFirewall(rules: digitalocean.types.input.FirewallInboundRule[]) {
  return () => {
    new digitalocean.Firewall("fw", { inboundRules: rules });
  };
}

test("every spelling of the IPv6 world opens SSH to it (parsed, not string-compared)", async () => {
  for (const sources of [
    ["::/0"],
    ["0::/0"],
    ["::0/0"],
    ["2000::/3"],
    ["2000::/4", "3000::/4"],
    ["0:0:0:0:0:0:0:0/0"],
  ]) {
    const report = await check(doFirewall([{ protocol: "tcp", portRange: "22", sourceAddresses: sources }]));
    const [entry] = entriesOf(report, RULE);
    assert.ok(entry, `${sources.join(",")} should be the world`);
    assert.equal(entry.level, "advisory");
    assert.match(entry.message, /admin port\(s\) 22/);
  }
});

test("sources that do not add up to the world are not findings", async () => {
  for (const sources of [["2001:470:abcd::/48"], ["2000::/4"], ["0.0.0.0/0"], ["2000::/4", "3000::/5"]]) {
    const report = await check(doFirewall([{ protocol: "tcp", portRange: "22", sourceAddresses: sources }]));
    assert.deepEqual(entriesOf(report, RULE), [], sources.join(","));
  }
});

test("port-aware: SMTP open to the world on an MX is expected; a rule opening every port is not", async () => {
  const mx = await check(
    doFirewall([
      { protocol: "tcp", portRange: "25", sourceAddresses: ["0.0.0.0/0", "::/0"] },
      { protocol: "tcp", portRange: "465-587", sourceAddresses: ["::/0"] },
    ]),
  );
  assert.deepEqual(entriesOf(mx, RULE), [], describe(mx));
  const all = await check(doFirewall([{ protocol: "tcp", portRange: "1-65535", sourceAddresses: ["::/0"] }]));
  assert.match(entriesOf(all, RULE)[0]?.message ?? "", /22, 23, 2222, 3389, 5900, 10000/);
  const udp = await check(doFirewall([{ protocol: "udp", portRange: "1-65535", sourceAddresses: ["::/0"] }]));
  assert.deepEqual(entriesOf(udp, RULE), []);
});

test("Hetzner rules with port `any` or a range are read too; adminPorts is configurable", async () => {
  const program = () => {
    new hcloud.Firewall("fw", {
      rules: [{ direction: "in", protocol: "tcp", port: "8000-9000", sourceIps: ["::/0"] }],
    });
  };
  assert.deepEqual(entriesOf(await check(program), RULE), []);
  const custom = await check(program, { config: { [RULE]: { adminPorts: [8443] } } });
  assert.match(entriesOf(custom, RULE)[0]?.message ?? "", /8443/);
  const any = await check(() => {
    new hcloud.Firewall("fw", {
      rules: [{ direction: "in", protocol: "tcp", port: "any", sourceIps: ["::0/0"] }],
    });
  });
  assert.equal(entriesOf(any, RULE).length, 1);
});

test("a host firewall accepting SSH from sources that add up to the world is a finding; the admin /48 is not", async () => {
  const world = await check(() => {
    new command.remote.Command("fw", {
      connection: { host: "192.0.2.10" },
      create: nftScript(NFT_SSH_WORLD),
    });
  });
  assert.match(
    entriesOf(world, RULE)[0]?.message ?? "",
    /accepts admin port 22 from the whole IPv6 internet/,
    describe(world),
  );
  const admin = await check(() => {
    new command.remote.Command("fw", { connection: { host: "192.0.2.10" }, create: nftScript(NFT_GOOD) });
  });
  assert.deepEqual(entriesOf(admin, RULE), [], describe(admin));
});
