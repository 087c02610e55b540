import { test } from "node:test";
import assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import * as digitalocean from "@pulumi/digitalocean";
import * as command from "@pulumi/command";
import { check, describe, entriesOf, findings } from "./helpers";
import { GOOD_DO_RULES, hetznerStack, rawDropletStack } from "./fixtures/programs";
import { unknown } from "../../testing";

test("the pack never trips the framework's unknown proxy (no advisory 'can't run policy during preview')", async () => {
  const report = await check(hetznerStack(), { preview: true });
  assert.deepEqual(
    report.entries.filter((e) => e.kind === "framework-note"),
    [],
  );
  assert.ok(report.diagnostics.length > 0);
});

test("structure decides where values are unknown: a tagged droplet's unknown address is still DigitalOcean's shared /64", async () => {
  const report = await check(rawDropletStack({ tags: ["smtp"], firewallRules: GOOD_DO_RULES, dns: false }), {
    preview: true,
  });
  const [entry] = entriesOf(report, "smtp-from-dedicated-prefix");
  assert.ok(entry, describe(report));
  assert.equal(entry.kind, "violation");
  assert.match(entry.message, /by the stack's structure that address lies in a digitalocean-native prefix/);
});

test("a bind address computed from an unknown output fails closed with 'cannot verify at preview'", async () => {
  const program = () => {
    const droplet = new digitalocean.Droplet("mail", {
      image: "debian-12-x64",
      region: "fra1",
      size: "s-1vcpu-1gb",
      ipv6: true,
      tags: ["mail"],
    });
    new digitalocean.Firewall("mail", {
      dropletIds: [droplet.id.apply(Number)],
      inboundRules: GOOD_DO_RULES,
    });
    const relay = new command.remote.Command("lookup", { connection: { host: "192.0.2.1" }, create: "true" });
    new command.remote.Command("postfix", {
      connection: { host: droplet.ipv4Address },
      create: pulumi.interpolate`postconf -e 'smtp_bind_address6=${relay.stdout}'`,
    });
  };
  const report = await check(program, {
    preview: true,
    outputs: (args) =>
      args.type === "command:remote:Command"
        ? { stdout: unknown }
        : args.type.endsWith("Droplet")
          ? { ipv4Address: unknown, ipv6Address: unknown }
          : undefined,
  });
  const entries = entriesOf(report, "smtp-from-dedicated-prefix");
  assert.ok(
    entries.some(
      (e) =>
        e.kind === "preview-unknown" &&
        e.level === "mandatory" &&
        /^cannot verify at preview:/.test(e.message),
    ),
    describe(report),
  );
  const relaxed = await check(program, {
    preview: true,
    outputs: (args) => (args.type === "command:remote:Command" ? { stdout: unknown } : undefined),
    settings: { allowUnknownAtPreview: true },
  });
  assert.ok(
    findings(relaxed)
      .filter((e) => e.kind === "preview-unknown")
      .every((e) => e.level === "advisory"),
    describe(relaxed),
  );
});

test("a firewall whose rules are unknown at preview cannot be shown to cover IPv6", async () => {
  const report = await check(
    () => {
      const droplet = new digitalocean.Droplet("web", {
        image: "debian-12-x64",
        region: "fra1",
        size: "s-1vcpu-1gb",
        ipv6: true,
      });
      const source = new command.remote.Command("admin", {
        connection: { host: "192.0.2.1" },
        create: "curl -s https://admin.example.net/v6",
      });
      new digitalocean.Firewall("web", {
        dropletIds: [droplet.id.apply(Number)],
        inboundRules: [{ protocol: "tcp", portRange: "22", sourceAddresses: [source.stdout] }],
      });
    },
    {
      preview: true,
      outputs: (args) => (args.type === "command:remote:Command" ? { stdout: unknown } : undefined),
    },
  );
  const [entry] = entriesOf(report, "ipv6-firewall-configured");
  assert.ok(entry, describe(report));
  assert.equal(entry.kind, "preview-unknown");
});
