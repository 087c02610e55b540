import { test } from "node:test";
import assert from "node:assert/strict";
import { MailServer, MailServerArgs } from "../../components";
import { checkResources } from "../../testing";
import { check, describe, entriesOf, findings, NOW } from "./helpers";
import { HE } from "./fixtures/addresses";
import {
  digitalOceanMailServerArgs,
  HE_TUNNEL_ARGS,
  hetznerMailServerArgs,
} from "./fixtures/mail-server-args";

/** The do-prod stack's shape with real-looking (non-documentation) HE values. */
function doArgs(sageCertified = true): MailServerArgs {
  return digitalOceanMailServerArgs({ tunnel: { ...HE_TUNNEL_ARGS, sageCertified } });
}

const hetznerArgs = () => hetznerMailServerArgs();

test("the real MailServer on DigitalOcean with an HE tunnel passes every rule once created", async () => {
  const report = await check(() => new MailServer("mail", doArgs()));
  assert.deepEqual(findings(report), [], describe(report));
  assert.equal(report.passed, true);
  assert.ok(report.resources.some((r) => r.type === "ipv6-mail:index:MailServer"));
});

test("the real MailServer: HE's tcp/25 filter is flagged until sageCertified", async () => {
  const report = await check(() => new MailServer("mail", doArgs(false)));
  const [entry] = entriesOf(report, "smtp-egress-unblocked");
  assert.ok(entry, describe(report));
  assert.equal(entry.level, "advisory");
  assert.equal(report.passed, true);
});

test("the real MailServer at preview passes by its facts: the DNS it writes takes the literal SMTP address, the SPF's ip6: term is literal", async () => {
  const report = await check(() => new MailServer("mail", doArgs()), { preview: true });
  assert.deepEqual(
    findings(report).filter((e) => e.level === "mandatory"),
    [],
    describe(report),
  );
  assert.deepEqual(
    findings(report).filter((e) => e.kind === "preview-unknown"),
    [],
    describe(report),
  );
  assert.equal(report.passed, true, describe(report));
});

test("a new Hetzner MailServer passes at preview with spfAuthorize: address: the SPF's ip6: term is the SMTP address itself", async () => {
  const args: MailServerArgs = { ...hetznerArgs(), dns: { ...hetznerArgs().dns, spfAuthorize: "address" } };
  const report = await check(() => new MailServer("mail", args), { preview: true });
  assert.deepEqual(entriesOf(report, "spf-authorizes-sender"), [], describe(report));
  assert.deepEqual(entriesOf(report, "fcrdns-consistent"), [], describe(report));
});

test("the real MailServer on Hetzner: its own /64 passes (at preview by structure); the account block is advised", async () => {
  const created = await check(() => new MailServer("mail", hetznerArgs()));
  assert.deepEqual(
    findings(created).filter((e) => e.level === "mandatory"),
    [],
    describe(created),
  );
  assert.equal(entriesOf(created, "smtp-egress-unblocked").length, 1, describe(created));
  const preview = await check(() => new MailServer("mail", hetznerArgs()), { preview: true });
  assert.deepEqual(entriesOf(preview, "smtp-from-dedicated-prefix"), [], describe(preview));
  assert.deepEqual(entriesOf(preview, "ipv6-firewall-configured"), [], describe(preview));
});

test("the real MailServer is judged by its parts' facts, not by parsing its host script: tunnel, Exim bind, firewall", async () => {
  const { runProgram } = await import("../../testing");
  const { StackModel } = await import("../../policies/core/stack-model");
  const { hostFirewallCoverage } = await import("../../policies/core/host-firewall-coverage");
  const { providerOutputs } = await import("./fixtures/programs");
  const captured = await runProgram(() => new MailServer("mail", { ...doArgs(), mta: { kind: "exim" } }), {
    outputs: providerOutputs,
  });
  const model = new StackModel(captured.resources.map((c) => ({ ...c, props: c.outputs })));
  const [host] = model.hosts;
  assert.equal(host.kind, "droplet");
  assert.deepEqual(
    host.tunnels.map((t) => [t.interfaceName, t.origin]),
    [["he-ipv6", "HeTunnel component"]],
  );
  assert.ok(
    host.commands.every((c) => c.facts === undefined && c.firewall === undefined),
    "the MailServer's own host script is not parsed",
  );
  const [ms] = model.mailServers;
  assert.equal(ms.facts?.mta?.value.kind, "exim");
  assert.equal(ms.facts?.mta?.value.bind6?.value, HE.smtp);
  assert.equal(ms.facts?.mta?.value.bindEnforced, true);
  const coverage = hostFirewallCoverage(host, "he-ipv6");
  assert.equal(coverage.covered, true);
  assert.match(coverage.evidence, /HostFirewall component: IPv6 input policy drop \(its facts\)/);
});

test("the real MailServer sending over IPv4 only on DigitalOcean: no IPv6 source is judged, so it passes", async () => {
  const args: MailServerArgs = { ...doArgs(), tunnel: undefined, smtpOverIpv4Only: true };
  const report = await check(() => new MailServer("mail", args));
  assert.deepEqual(entriesOf(report, "smtp-from-dedicated-prefix"), [], describe(report));
  assert.deepEqual(entriesOf(report, "smtp-egress-unblocked"), [], describe(report));
  assert.equal(report.passed, true, describe(report));
  // The same resources with the flag off: the MailServer then sends from the droplet's shared /64.
  const flipped = report.resources.map((r) =>
    r.type === "ipv6-mail:index:MailServer"
      ? {
          ...r,
          outputs: {
            ...r.outputs,
            smtpOverIpv4Only: false,
            facts: { ...(r.outputs.facts as object), sendsOverIpv6: true },
          },
        }
      : r,
  );
  const overIpv6 = await checkResources(flipped, { now: NOW });
  assert.equal(entriesOf(overIpv6, "smtp-from-dedicated-prefix").length, 1, describe(overIpv6));
});
