import { test } from "node:test";
import assert from "node:assert/strict";
import type { PolicyPackConfig } from "@pulumi/policy";
import { ruleConfigSchema } from "../../policies/core/rule";
import { RULES } from "../../policies/pack";
import { analyzeStackRequest, CapturedStack, runProgram } from "../../testing";
import { configureRequest, diagnosticOf } from "../../testing/engine-request";
import { reconcilePolicyConfig } from "../../testing/policy-config";
import { startAnalyzerProcess } from "./fixtures/analyzer-process";
import {
  componentStack,
  GOOD_DO_RULES,
  goodMailServerShape,
  hetznerStack,
  providerOutputs,
  RAW_HE_GOOD,
  rawDropletStack,
} from "./fixtures/programs";

const PACK = require.resolve("../../policies/pack");
const POLICY_SDK = require.resolve("@pulumi/policy");
const REASON = "legacy relay, migrating to the HE tunnel in Q3";

/** Stacks whose findings cover every way a violation is reported: at the rule's level, or advisory. */
async function stacks(): Promise<{ name: string; stack: CapturedStack; config: PolicyPackConfig }[]> {
  const far = "2099-12-31";
  return [
    {
      name: "a droplet sending from its shared /64, an applied, an invalid and an expired exception",
      stack: await runProgram(rawDropletStack({ tags: ["smtp"], firewallRules: GOOD_DO_RULES, dns: false }), {
        outputs: providerOutputs,
      }),
      config: {
        "smtp-from-dedicated-prefix": {
          exceptions: [
            { resource: "mail", reason: REASON, expires: far },
            { resource: "other", reason: "short", expires: far },
            { resource: "gone", reason: REASON, expires: "2020-01-01" },
          ],
        },
        // An advisory rule made mandatory: its applied exception is still advisory.
        "admin-ports-not-world-open": { enforcementLevel: "mandatory" },
        "smtp-egress-unblocked": "remediate",
      },
    },
    {
      name: "a MailServer at preview with an unexpected prefix source",
      stack: await runProgram(
        componentStack({ ...goodMailServerShape(), prefixSource: "digitalocean-native" }),
        {
          outputs: providerOutputs,
          preview: true,
        },
      ),
      config: { "spf-authorizes-sender": "advisory" },
    },
    {
      name: "Postfix bound without enforce (advice inside a mandatory rule), SPF rule disabled",
      stack: await runProgram(
        rawDropletStack({ ...RAW_HE_GOOD, tags: ["smtp"], bind: true, enforce: false }),
        {
          outputs: providerOutputs,
        },
      ),
      config: { all: "mandatory", "spf-authorizes-sender": "disabled" },
    },
    {
      name: "a Hetzner server at preview, one rule allowing unknowns",
      stack: await runProgram(hetznerStack(), { outputs: providerOutputs, preview: true }),
      config: { "fcrdns-consistent": { allowUnknownAtPreview: true } },
    },
  ];
}

const META = RULES.map((r) => ({
  name: r.id,
  enforcementLevel: r.enforcementLevel,
  configSchema: ruleConfigSchema(r),
}));

test("the pack's analyzer and the rules as @pulumi/policy stack policies (packArgs) report the same, each on its real server", async (t) => {
  const own = await startAnalyzerProcess("pack.servePack();", { pack: PACK });
  t.after(() => own.stop());
  const sdk = await startAnalyzerProcess("new policy.PolicyPack(pack.PACK_NAME, pack.packArgs);", {
    policy: POLICY_SDK,
    pack: PACK,
  });
  t.after(() => sdk.stop());
  const levels = new Set<string>();
  for (const { name, stack, config } of await stacks()) {
    const configure = configureRequest(reconcilePolicyConfig(META, config));
    await own.configure(configure);
    await sdk.configure(configure);
    const request = analyzeStackRequest(stack.resources);
    const ours = (await own.analyzeStack(request)).getDiagnosticsList().map(diagnosticOf);
    const theirs = (await sdk.analyzeStack(request)).getDiagnosticsList().map(diagnosticOf);
    assert.ok(ours.length > 0, `${name}: the stack has findings`);
    assert.deepEqual(ours, theirs, name);
    for (const d of ours) {
      assert.equal(d.policyPackName, "ipv6-mail");
      assert.equal(d.policyPackVersion, "1.0.0", "the version of the pack directory's package.json");
      levels.add(`${d.enforcementLevel} ${/\[exception applied\]/.test(d.message) ? "applied" : "finding"}`);
    }
    if (name.startsWith("Postfix")) assert.ok(!ours.some((d) => d.policyName === "spf-authorizes-sender"));
  }
  assert.deepEqual(
    [...levels].sort(),
    ["advisory applied", "advisory finding", "mandatory finding"],
    "both levels, and an applied exception, were compared",
  );
});
