/**
 * The policy pack on a real MailServer on a FreeBSD droplet: judged by the same facts as a Debian host's (the
 * firewall's from the pf rules' spec, the tunnel's on gif0), so a good FreeBSD stack passes every rule, a bad
 * configuration is found exactly as on Debian, and pf facts that drop neighbour discovery or accept every
 * input fail the stack.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { MailServer, MailServerArgs } from "../../components";
import type { FirewallFacts, MailFacts } from "../../facts/mail-facts";
import { checkResources, runProgram } from "../../testing";
import { StackModel } from "../../policies/core/stack-model";
import { hostFirewallCoverage } from "../../policies/core/host-firewall-coverage";
import { check, describe, entriesOf, findings, NOW } from "./helpers";
import { HE } from "./fixtures/addresses";
import { providerOutputs } from "./fixtures/programs";

const SSH = {
  sshKeys: ["3b:16:bf:e4:8b:00:8b:b8:59:8c:a9:d3:f0:19:45:fa"],
  sshPrivateKey: pulumi.secret("not-a-key"),
};

function dropletArgs(os: "debian" | "freebsd", overrides: Partial<MailServerArgs> = {}): MailServerArgs {
  return {
    hostName: "mx1.example.net",
    zone: "example.net",
    digitalocean: { ...SSH, ...(os === "freebsd" ? { os, image: "178412345" } : {}) },
    tunnel: {
      tunnelId: "912345",
      heServerIpv4: HE.serverIpv4,
      linkClientAddress: HE.linkClient,
      linkServerAddress: HE.linkServer,
      routedPrefix: HE.routed64,
      sageCertified: true,
    },
    firewall: { adminSources: ["192.0.2.7/32", "2001:470:abcd::/48"] },
    mta: { kind: "postfix" },
    dns: {
      cloudflare: {
        zoneId: "0123456789abcdef0123456789abcdef",
        reverseZoneId: "fedcba9876543210fedcba9876543210",
      },
    },
    ...overrides,
  };
}

/** What the pack found, by rule and level, to compare two stacks' reports. */
function verdicts(report: Awaited<ReturnType<typeof check>>): string[] {
  return findings(report)
    .map((e) => `${e.level} ${e.rule}`)
    .sort();
}

test("a FreeBSD MailServer passes every rule once created and at preview, as its Debian twin does", async () => {
  const created = await check(() => new MailServer("mail", dropletArgs("freebsd")));
  assert.deepEqual(findings(created), [], describe(created));
  assert.equal(created.passed, true);
  const preview = await check(() => new MailServer("mail", dropletArgs("freebsd")), { preview: true });
  assert.deepEqual(
    findings(preview).filter((e) => e.level === "mandatory" || e.kind === "preview-unknown"),
    [],
    describe(preview),
  );
});

test("the pack reads the FreeBSD host's facts: the tunnel on gif0, the pf firewall covering it", async () => {
  const captured = await runProgram(() => new MailServer("mail", dropletArgs("freebsd")), {
    outputs: providerOutputs,
  });
  const model = new StackModel(captured.resources.map((c) => ({ ...c, props: c.outputs })));
  const [host] = model.hosts;
  assert.deepEqual(
    host.tunnels.map((t) => [t.interfaceName, t.origin]),
    [["gif0", "HeTunnel component"]],
  );
  const [ms] = model.mailServers;
  assert.equal(ms.facts?.main.facts.hostOs, "freebsd");
  assert.equal(ms.facts?.firewall?.value.engine, "pf");
  assert.equal(ms.facts?.mta?.value.bind6?.value, HE.smtp);
  const coverage = hostFirewallCoverage(host, "gif0");
  assert.equal(coverage.covered, true, coverage.evidence);
});

test("a bad configuration is found on FreeBSD exactly as on Debian", async () => {
  const bad: Partial<MailServerArgs> = {
    services: [{ name: "desk", interfaceId: "::3389", ports: [{ port: 3389 }] }],
  };
  const freebsd = await check(() => new MailServer("mail", dropletArgs("freebsd", bad)));
  const debian = await check(() => new MailServer("mail", dropletArgs("debian", bad)));
  assert.ok(entriesOf(freebsd, "admin-ports-not-world-open").length > 0, describe(freebsd));
  assert.deepEqual(verdicts(freebsd), verdicts(debian));
  const uncertified = (os: "debian" | "freebsd") =>
    check(() => {
      const args = dropletArgs(os);
      return new MailServer("mail", { ...args, tunnel: { ...args.tunnel!, sageCertified: false } });
    });
  const [f, d] = await Promise.all([uncertified("freebsd"), uncertified("debian")]);
  assert.deepEqual(entriesOf(f, "smtp-egress-unblocked").length, 1, describe(f));
  assert.deepEqual(verdicts(f), verdicts(d));
});

test("pf facts that drop neighbour discovery or accept all IPv6 input fail the FreeBSD stack", async () => {
  const created = await check(() => new MailServer("mail", dropletArgs("freebsd")));
  const withFirewall = (change: (f: FirewallFacts) => FirewallFacts) =>
    created.resources.map((r) => {
      if (r.type !== "ipv6-mail:index:HostFirewall") return r;
      const facts = r.outputs.facts as MailFacts;
      return { ...r, outputs: { ...r.outputs, facts: { ...facts, firewall: change(facts.firewall!) } } };
    });
  const noNd = await checkResources(
    withFirewall((f) => ({
      ...f,
      ipv6Input: {
        ...f.ipv6Input,
        icmpv6Accepted: f.ipv6Input.icmpv6Accepted.filter((t) => !t.startsWith("nd-")),
      },
    })),
    { now: NOW },
  );
  assert.equal(entriesOf(noNd, "ipv6-icmp-allowed")[0]?.level, "mandatory", describe(noNd));
  assert.equal(noNd.passed, false);
  const open = await checkResources(
    withFirewall((f) => ({ ...f, ipv6Input: { ...f.ipv6Input, policy: "accept" } })),
    { now: NOW },
  );
  assert.equal(entriesOf(open, "ipv6-firewall-configured")[0]?.level, "mandatory", describe(open));
  assert.equal(open.passed, false);
});
