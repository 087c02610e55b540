/**
 * The policy pack on a real MailServer with services (their own addresses in the dedicated /64): the existing
 * rules still hold once created and at preview, a service that opens an admin port to the world is found by
 * its facts (the port's destination is the service address), and in a real stack the documentation rule sees
 * the service addresses.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { MailServer, MailServerArgs } from "../../components";
import { check, describe, entriesOf, findings } from "./helpers";
import { HE } from "./fixtures/addresses";

const SSH = {
  sshKeys: ["3b:16:bf:e4:8b:00:8b:b8:59:8c:a9:d3:f0:19:45:fa"],
  sshPrivateKey: pulumi.secret("not-a-key"),
};
const FIREWALL = { adminSources: ["192.0.2.7/32", "2001:470:abcd::/48"] };
const CLOUDFLARE = {
  cloudflare: {
    zoneId: "0123456789abcdef0123456789abcdef",
    reverseZoneId: "fedcba9876543210fedcba9876543210",
  },
};
const SERVICES: MailServerArgs["services"] = [
  { name: "www", interfaceId: "::80", hostName: "www.example.net", ports: [{ port: 443 }] },
  {
    name: "shop",
    interfaceId: "::443",
    ports: [{ port: 443 }, { port: 8443, sources: ["2001:470:abcd::/48"] }],
  },
];

function doArgs(services = SERVICES): MailServerArgs {
  return {
    hostName: "mx1.example.net",
    zone: "example.net",
    digitalocean: { ...SSH, tags: ["mail"] },
    tunnel: {
      tunnelId: "912345",
      heServerIpv4: HE.serverIpv4,
      linkClientAddress: HE.linkClient,
      linkServerAddress: HE.linkServer,
      routedPrefix: HE.routed64,
      sageCertified: true,
    },
    firewall: FIREWALL,
    mta: { kind: "postfix" },
    dns: CLOUDFLARE,
    services,
  };
}

function hetznerArgs(): MailServerArgs {
  return {
    hostName: "mx2.example.net",
    zone: "example.net",
    hetzner: { ...SSH, labels: { role: "mail" } },
    firewall: FIREWALL,
    mta: { kind: "postfix" },
    dns: CLOUDFLARE,
    services: SERVICES,
  };
}

test("a MailServer with services passes every rule once created, and at preview", async () => {
  const created = await check(() => new MailServer("mail", doArgs()));
  assert.deepEqual(findings(created), [], describe(created));
  const preview = await check(() => new MailServer("mail", doArgs()), { preview: true });
  assert.deepEqual(
    findings(preview).filter((e) => e.level === "mandatory" || e.kind === "preview-unknown"),
    [],
    describe(preview),
  );
});

test("a new Hetzner MailServer with services: the addresses derived from its unknown /64 break no rule at preview", async () => {
  const preview = await check(() => new MailServer("mail", hetznerArgs()), { preview: true });
  for (const rule of [
    "fcrdns-consistent",
    "smtp-from-dedicated-prefix",
    "ipv6-firewall-configured",
    "no-documentation-prefix",
  ]) {
    assert.deepEqual(entriesOf(preview, rule), [], `${rule}: ${describe(preview)}`);
  }
});

test("a service that opens an admin port to the world is found by the host firewall's facts", async () => {
  const report = await check(
    () => new MailServer("mail", doArgs([{ name: "desk", interfaceId: "::3389", ports: [{ port: 3389 }] }])),
  );
  const messages = entriesOf(report, "admin-ports-not-world-open").map((e) => e.message);
  assert.ok(
    messages.some((m) => /HostFirewall/.test(m) && /admin port 3389/.test(m) && /its facts/.test(m)),
    describe(report),
  );
});
