/**
 * The policy pack on a real MailServer with services (their own addresses in the dedicated /64): the existing
 * rules still hold once created and at preview, a service that opens an admin port to the world is found by
 * its facts (the port's destination is the service address), and in a real stack the documentation rule sees
 * the service addresses.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { MailServer, MailServerArgs } from "../../components";
import { check, describe, entriesOf, findings } from "./helpers";
import { digitalOceanMailServerArgs, hetznerMailServerArgs } from "./fixtures/mail-server-args";

const SERVICES: MailServerArgs["services"] = [
  { name: "www", interfaceId: "::80", hostName: "www.example.net", ports: [{ port: 443 }] },
  {
    name: "shop",
    interfaceId: "::443",
    ports: [{ port: 443 }, { port: 8443, sources: ["2001:470:abcd::/48"] }],
  },
];

function doArgs(services = SERVICES): MailServerArgs {
  return digitalOceanMailServerArgs({ services });
}

function hetznerArgs(): MailServerArgs {
  return hetznerMailServerArgs({ services: SERVICES });
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
