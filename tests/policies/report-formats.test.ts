import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { formatSarif, formatText, readReportInput } from "../../testing";
import { main } from "../../policies/report";
import { RULES } from "../../policies/pack";
import { check } from "./helpers";
import { GOOD_DO_RULES, rawDropletStack } from "./fixtures/programs";

const RULE = "smtp-from-dedicated-prefix";
const REASON = "legacy relay, migrating to the HE tunnel in Q3";

/** The report as the CLI writes it: without the harness's diagnostics and captured resources. */
function withoutInternals(report: Awaited<ReturnType<typeof sampleReport>>) {
  const plain: Record<string, unknown> = { ...report };
  delete plain.diagnostics;
  delete plain.resources;
  return plain;
}

async function sampleReport() {
  return check(rawDropletStack({ tags: ["smtp"], firewallRules: GOOD_DO_RULES, dns: false }), {
    settings: {
      exceptions: [
        { rule: "smtp-egress-unblocked", resource: "mail", reason: REASON, expires: "2026-12-31" },
      ],
    },
  });
}

test("text: verdict, each finding with resource, fix and link, then the exceptions applied", async () => {
  const text = formatText(await sampleReport());
  assert.match(
    text,
    /^ipv6-mail policy report for project\/stack\nFAILED: 3 mandatory, 0 advisory, 1 exception\(s\) applied/,
  );
  assert.match(
    text,
    /\[mandatory\] smtp-from-dedicated-prefix {2}digitalocean:index\/droplet:Droplet "mail"\n {4}Droplet "mail" \(a sender: tag "smtp"\)/,
  );
  assert.match(text, /Fix: Send from a dedicated \/64/);
  assert.match(text, /RULES\.md#smtp-from-dedicated-prefix/);
  assert.match(
    text,
    /Exceptions applied:\n {2}- smtp-egress-unblocked on digitalocean:index\/droplet:Droplet "mail": "legacy relay, migrating to the HE tunnel in Q3" \(resource mail, expires 2026-12-31\)/,
  );
});

test("SARIF 2.1.0: every rule described, results by level, the exception as an accepted suppression", async () => {
  const sarif = JSON.parse(
    formatSarif(await sampleReport(), { artifactUri: "stacks/index.ts", toolVersion: "0.1.0" }),
  );
  assert.equal(sarif.version, "2.1.0");
  assert.match(sarif.$schema, /sarif-2\.1\.0/);
  const run = sarif.runs[0];
  assert.equal(run.tool.driver.name, "ipv6-mail");
  assert.deepEqual(
    run.tool.driver.rules.map((r: { id: string }) => r.id),
    RULES.map((r) => r.id),
  );
  assert.match(run.tool.driver.rules[0].helpUri, /RULES\.md#smtp-from-dedicated-prefix$/);
  const main = run.results.find((r: { ruleId: string }) => r.ruleId === RULE);
  assert.equal(main.level, "error");
  assert.equal(run.tool.driver.rules[main.ruleIndex].id, RULE);
  assert.equal(main.locations[0].physicalLocation.artifactLocation.uri, "stacks/index.ts");
  assert.match(
    main.locations[0].logicalLocations[0].fullyQualifiedName,
    /^urn:pulumi:stack::project::.*Droplet::mail$/,
  );
  assert.match(main.partialFingerprints["ipv6MailFinding/v1"], /^[0-9a-f]{64}$/);
  const waived = run.results.find((r: { ruleId: string }) => r.ruleId === "smtp-egress-unblocked");
  assert.equal(waived.level, "note");
  assert.deepEqual(waived.suppressions, [
    { kind: "external", status: "accepted", justification: `${REASON} (expires 2026-12-31)` },
  ]);
});

test("JSON round trip: the report reads back unchanged", async () => {
  const report = await sampleReport();
  const plain = withoutInternals(report);
  const again = readReportInput(JSON.stringify(plain));
  assert.deepEqual(again, JSON.parse(JSON.stringify(plain)));
});

test("the engine's event stream (pulumi preview --event-log) is read: policyEvent objects become entries", () => {
  const urn = "urn:pulumi:prod::mail::digitalocean:index/droplet:Droplet::mail";
  const lines = [
    { sequence: 0, timestamp: 1, preludeEvent: { config: {} } },
    {
      sequence: 7,
      timestamp: 2,
      policyEvent: {
        resourceUrn: urn,
        message: `${RULES[0].description}\nDroplet "mail" sends SMTP from its native address.\nFix: ${RULES[0].remediation}\nSee: x`,
        color: "never",
        policyName: RULE,
        policyPackName: "ipv6-mail",
        policyPackVersion: "0.1.0",
        policyPackVersionTag: "0.1.0",
        enforcementLevel: "mandatory",
      },
    },
    {
      sequence: 8,
      timestamp: 3,
      summaryEvent: { maybeCorrupt: false, durationSeconds: 3, resourceChanges: {} },
    },
  ];
  const report = readReportInput(lines.map((l) => JSON.stringify(l)).join("\n"), { stack: "prod" });
  assert.equal(report.entries.length, 1);
  const [entry] = report.entries;
  assert.equal(entry.message, 'Droplet "mail" sends SMTP from its native address.');
  assert.equal(entry.resourceName, "mail");
  assert.equal(entry.resourceType, "digitalocean:index/droplet:Droplet");
  assert.equal(entry.policyPack, "ipv6-mail@v0.1.0");
  assert.equal(report.passed, false);
});

test("the CLI: formats, writes, and exits 1 on mandatory findings (0 with --fail-on never); `config` builds the CLI config", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "ipv6-mail-report-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const report = await sampleReport();
  const plain = withoutInternals(report);
  const input = join(dir, "report.json");
  writeFileSync(input, JSON.stringify(plain));
  const sarifPath = join(dir, "out.sarif");
  assert.equal(main(["--format", "sarif", "--output", sarifPath, input]), 1);
  assert.equal(JSON.parse(readFileSync(sarifPath, "utf8")).version, "2.1.0");
  assert.equal(main(["--fail-on", "never", "--output", join(dir, "out.txt"), input]), 0);
  assert.match(readFileSync(join(dir, "out.txt"), "utf8"), /^ipv6-mail policy report/);
  assert.equal(main(["--format", "yaml", input]), 2);
  const settings = join(dir, "settings.json");
  writeFileSync(
    settings,
    JSON.stringify({
      levels: { all: "mandatory", "smtp-egress-unblocked": "disabled" },
      exceptions: [
        {
          rule: "admin-ports-not-world-open",
          resource: "bastion",
          reason: "the bastion is the SSH entry point",
          expires: "2026-12-31",
        },
      ],
      options: { "smtp-from-dedicated-prefix": { dedicatedPrefixes: ["2001:470:1f0b:25::/64"] } },
    }),
  );
  const configPath = join(dir, "policy-config.json");
  assert.equal(main(["config", "--output", configPath, settings]), 0);
  assert.deepEqual(JSON.parse(readFileSync(configPath, "utf8")), {
    all: { enforcementLevel: "mandatory" },
    "smtp-egress-unblocked": { enforcementLevel: "disabled" },
    "smtp-from-dedicated-prefix": { dedicatedPrefixes: ["2001:470:1f0b:25::/64"] },
    "admin-ports-not-world-open": {
      exceptions: [
        {
          rule: "admin-ports-not-world-open",
          resource: "bastion",
          reason: "the bastion is the SSH entry point",
          expires: "2026-12-31",
        },
      ],
    },
  });
});

test("policy events recorded from the real CLI (pulumi 3.248, PULUMI_ENABLE_STREAMING_JSON_PREVIEW) are read", () => {
  const file = join(
    __dirname,
    "..",
    "..",
    "..",
    "tests",
    "policies",
    "fixtures",
    "cli-streaming-preview.jsonl",
  );
  const report = readReportInput(readFileSync(file, "utf8"));
  assert.deepEqual(
    report.entries.map((e) => [e.rule, e.kind, e.level]),
    [
      ["smtp-from-dedicated-prefix", "exception-applied", "advisory"],
      ["fcrdns-consistent", "violation", "advisory"],
      ["smtp-egress-unblocked", "violation", "advisory"],
    ],
  );
  assert.deepEqual(report.entries[0].exception, {
    reason: "legacy relay until the tunnel is certified",
    resource: "mail",
    expires: "2030-01-01",
  });
  assert.equal(report.passed, true);
});
