import { test } from "node:test";
import assert from "node:assert/strict";
import * as digitalocean from "@pulumi/digitalocean";
import * as hcloud from "@pulumi/hcloud";
import { check, describe, entriesOf, HE_DECLARED } from "./helpers";
import {
  componentStack,
  goodMailServerShape,
  GOOD_DO_RULES,
  GOOD_HCLOUD_RULES,
  hetznerStack,
  RAW_HE_GOOD,
  rawDropletStack,
} from "./fixtures/programs";
import { NFT_ETH0_ONLY } from "./fixtures/rulesets";

const RULE = "ipv6-firewall-configured";
const IPV4_ONLY_DO = [{ protocol: "tcp", portRange: "22", sourceAddresses: ["0.0.0.0/0"] }];

test("a droplet with IPv6 and no cloud firewall is a violation", async () => {
  const report = await check(rawDropletStack({ dns: false }));
  const [entry] = entriesOf(report, RULE);
  assert.ok(entry, describe(report));
  assert.equal(entry.level, "mandatory");
  assert.match(entry.message, /no cloud firewall is attached/);
});

test("a droplet without IPv6 needs no IPv6 firewall", async () => {
  const report = await check(() => {
    new digitalocean.Droplet("v4", {
      image: "debian-12-x64",
      region: "fra1",
      size: "s-1vcpu-1gb",
      ipv6: false,
    });
  });
  assert.deepEqual(entriesOf(report, RULE), []);
});

test("a firewall whose rules name only IPv4 sources does not count", async () => {
  const report = await check(rawDropletStack({ dns: false, firewallRules: IPV4_ONLY_DO }));
  const [entry] = entriesOf(report, RULE);
  assert.ok(entry, describe(report));
  assert.match(entry.message, /name only IPv4 sources/);
});

test("a firewall with IPv6 sources counts; attachment by tag is followed too", async () => {
  const byIds = await check(rawDropletStack({ dns: false, firewallRules: GOOD_DO_RULES }));
  assert.deepEqual(entriesOf(byIds, RULE), [], describe(byIds));
  const byTag = await check(() => {
    new digitalocean.Droplet("mail", {
      image: "debian-12-x64",
      region: "fra1",
      size: "s-1vcpu-1gb",
      ipv6: true,
      tags: ["edge"],
    });
    new digitalocean.Firewall("edge", { tags: ["edge"], inboundRules: GOOD_DO_RULES });
  });
  assert.deepEqual(entriesOf(byTag, RULE), [], describe(byTag));
});

test("a tunnel host needs a host firewall: the cloud firewall never sees the IPv6 inside protocol 41", async () => {
  const report = await check(rawDropletStack({ ...RAW_HE_GOOD, hostFirewall: undefined }), {
    config: HE_DECLARED,
  });
  const [entry] = entriesOf(report, RULE);
  assert.ok(entry, describe(report));
  assert.match(entry.message, /6in4 tunnel \(he-ipv6/);
  assert.match(entry.message, /protocol 41/);
});

test("a host firewall that filters eth0 only leaves the tunnel open", async () => {
  const report = await check(rawDropletStack({ ...RAW_HE_GOOD, hostFirewall: NFT_ETH0_ONLY }), {
    config: HE_DECLARED,
  });
  const [entry] = entriesOf(report, RULE);
  assert.ok(entry, describe(report));
  assert.match(entry.message, /he-ipv6/);
});

test("the complete hand-built tunnel stack passes", async () => {
  const report = await check(rawDropletStack(RAW_HE_GOOD), { config: HE_DECLARED });
  assert.deepEqual(entriesOf(report, RULE), [], describe(report));
});

test("a HostFirewall component whose ruleset filters eth0 only fails; the default-deny ruleset passes", async () => {
  const bad = await check(
    componentStack({ ...goodMailServerShape(), hostFirewallInterfaces: ["eth0"], ruleset: NFT_ETH0_ONLY }),
  );
  const [entry] = entriesOf(bad, RULE);
  assert.ok(entry, describe(bad));
  assert.match(entry.message, /he-ipv6/);
  const good = await check(componentStack(goodMailServerShape()));
  assert.deepEqual(entriesOf(good, RULE), [], describe(good));
});

test("Hetzner: IPv4-only rules fail; IPv6 rules attached by server, attachment or label pass; unattached fails", async () => {
  const v4only = await check(
    hetznerStack({
      firewallRules: [{ direction: "in", protocol: "tcp", port: "22", sourceIps: ["0.0.0.0/0"] }],
    }),
  );
  assert.match(entriesOf(v4only, RULE)[0]?.message ?? "", /only IPv4 sources/, describe(v4only));
  for (const attach of ["server", "attachment", "label"] as const) {
    const report = await check(hetznerStack({ attach, firewallRules: GOOD_HCLOUD_RULES }));
    assert.deepEqual(entriesOf(report, RULE), [], `${attach}: ${describe(report)}`);
  }
  const none = await check(hetznerStack({ attach: "none" }));
  assert.match(entriesOf(none, RULE)[0]?.message ?? "", /no cloud firewall is attached/, describe(none));
});

test("at preview the attachment is followed through property dependencies, not the unknown ids", async () => {
  const report = await check(hetznerStack({ attach: "attachment" }), { preview: true });
  assert.deepEqual(entriesOf(report, RULE), [], describe(report));
  const droplet = await check(rawDropletStack({ dns: false, firewallRules: GOOD_DO_RULES }), {
    preview: true,
  });
  assert.deepEqual(entriesOf(droplet, RULE), [], describe(droplet));
});

test("a firewall attached by id from outside the stack cannot be checked, and says so", async () => {
  const report = await check(() => {
    const server = new hcloud.Server("mail", { serverType: "cx22", image: "debian-12", location: "fsn1" });
    new hcloud.FirewallAttachment("mail", { firewallId: 4711, serverIds: [server.id.apply(Number)] });
  });
  const [entry] = entriesOf(report, RULE);
  assert.ok(entry, describe(report));
  assert.equal(entry.kind, "violation");
  assert.match(entry.message, /a firewall the stack does not define is attached \(attachment "mail"\)/);
});
