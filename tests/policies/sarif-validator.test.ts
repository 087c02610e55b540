import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { RULES } from "../../policies/pack";
import { buildReport, formatSarif } from "../../testing";
import { check } from "./helpers";
import { componentStack, goodMailServerShape, RAW_HE_GOOD, rawDropletStack } from "./fixtures/programs";
import { NFT_DROPS_ND, NFT_SSH_WORLD } from "./fixtures/rulesets";

/**
 * The SARIF the report CLI writes, checked by Microsoft's SARIF validator (`@microsoft/sarif-multitool`, the
 * reference implementation of the SARIF 2.1.0 rules GitHub code scanning builds on), not by this package's code.
 */
function multitool(): string | undefined {
  try {
    const binary = join(
      dirname(require.resolve("@microsoft/sarif-multitool-linux/package.json")),
      "Sarif.Multitool",
    );
    if (!existsSync(binary)) return undefined;
    // npm runs no install scripts here, and the package's own script is what sets the run bit.
    if ((statSync(binary).mode & 0o111) === 0) chmodSync(binary, 0o755);
    return binary;
  } catch {
    return undefined;
  }
}

const binary = process.platform === "linux" ? multitool() : undefined;

/** Stacks that, together, break every rule; plus an applied exception and a finding unknown at preview. */
async function reportWithEveryRule() {
  const far = "2099-12-31";
  const reports = await Promise.all([
    check(rawDropletStack({ tags: ["smtp"], dns: false }), {
      settings: {
        exceptions: [
          { rule: "smtp-egress-unblocked", resource: "mail", reason: "lifted for the account", expires: far },
        ],
      },
    }),
    check(rawDropletStack({ ...RAW_HE_GOOD, tags: ["smtp"], bind: false, hostFirewall: NFT_DROPS_ND })),
    check(
      rawDropletStack({ ...RAW_HE_GOOD, tags: ["smtp"], smtp: "2001:db8::25", hostFirewall: NFT_SSH_WORLD }),
    ),
    check(componentStack({ ...goodMailServerShape(), mta: "docker-mailserver", dockerIp6tables: false })),
    check(rawDropletStack({ tags: ["smtp"] }), { preview: true }),
  ]);
  return buildReport(
    reports.flatMap((r) => r.diagnostics),
    { project: "mail", stack: "prod" },
  );
}

test(
  "the report CLI's SARIF passes Microsoft's SARIF validator with no error and no warning",
  { skip: binary ? false : "the SARIF multitool's Linux binary is not installed (npm ci)" },
  async (t) => {
    const report = await reportWithEveryRule();
    const rules = new Set(report.entries.map((e) => e.rule));
    assert.deepEqual(
      RULES.map((r) => r.id).filter((id) => !rules.has(id)),
      [],
      "the report has findings of every rule",
    );
    assert.ok(report.entries.some((e) => e.kind === "exception-applied"));
    assert.ok(report.entries.some((e) => e.kind === "preview-unknown"));
    const dir = mkdtempSync(join(tmpdir(), "ipv6-mail-sarif-"));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const input = join(dir, "policy.sarif");
    const output = join(dir, "validation.sarif");
    writeFileSync(input, formatSarif(report, { artifactUri: "index.ts", toolVersion: "0.1.0" }));
    // Offline, as in CI: the validator must not need the network (a network namespace of its own has none).
    const unshare = spawnSync("unshare", ["-n", "true"]).status === 0;
    const command = unshare ? "unshare" : (binary as string);
    const args = [...(unshare ? ["-n", binary as string] : []), "validate", input, "--output", output];
    const run = spawnSync(command, args, { encoding: "utf8", timeout: 120_000 });
    assert.equal(run.status, 0, `${run.stdout}\n${run.stderr}`);
    const log = JSON.parse(readFileSync(output, "utf8")) as {
      runs: {
        results?: { ruleId: string; level?: string; message: { text?: string; arguments?: string[] } }[];
      }[];
    };
    const results = log.runs.flatMap((r) => r.results ?? []);
    // A validator result without a level is a warning (SARIF's default level).
    const problems = results
      .map((r) => ({
        level: r.level ?? "warning",
        text: `${r.ruleId}: ${r.message.text ?? (r.message.arguments ?? []).join(", ")}`,
      }))
      .filter((r) => r.level === "error" || r.level === "warning");
    assert.deepEqual(problems, [], "the validator's errors and warnings");
    assert.doesNotMatch(run.stdout, /\b(error|warning) SARIF\d+/);
  },
);
