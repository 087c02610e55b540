/**
 * The policy pack on a real MailServer on a FreeBSD droplet: judged by the same facts as a Debian host's (the
 * firewall's from the pf rules' spec, the tunnel's on gif0), so a good FreeBSD stack passes every rule, a bad
 * configuration is found exactly as on Debian, and pf facts that drop neighbour discovery or accept every
 * input fail the stack.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { MailServer, MailServerArgs } from "../../components";
import type { FirewallFacts, MailFacts } from "../../facts/mail-facts";
import { checkResources, runProgram } from "../../testing";
import { StackModel } from "../../policies/core/stack-model";
import { hostFirewallCoverage } from "../../policies/core/host-firewall-coverage";
import { check, describe, entriesOf, findings, NOW } from "./helpers";
import { HE } from "./fixtures/addresses";
import { providerOutputs } from "./fixtures/programs";
import { digitalOceanMailServerArgs } from "./fixtures/mail-server-args";

/** The droplet fixture on Debian, or on FreeBSD from a custom image. */
function dropletArgs(os: "debian" | "freebsd", overrides: Partial<MailServerArgs> = {}): MailServerArgs {
  const args = digitalOceanMailServerArgs(overrides);
  return os === "debian"
    ? args
    : { ...args, digitalocean: { ...args.digitalocean!, os, image: "178412345" } };
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
