import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { PACK_VERSION, RULES } from "../../policies/pack";

const root = join(__dirname, "..", "..", "..");
const rulesMd = readFileSync(join(root, "policies", "RULES.md"), "utf8");

test("RULES.md documents every rule: its section, level, severity, what, why, fix, passing and failing example", () => {
  for (const rule of RULES) {
    const start = rulesMd.indexOf(`\n## ${rule.id}\n`);
    assert.ok(start >= 0, `RULES.md has no section "## ${rule.id}"`);
    const next = rulesMd.indexOf("\n## ", start + 1);
    const section = rulesMd.slice(start, next < 0 ? undefined : next);
    assert.match(section, new RegExp(`\\*\\*Enforcement\\*\\* ${rule.enforcementLevel}`), rule.id);
    assert.match(section, new RegExp(`\\*\\*Severity\\*\\* ${rule.severity}`), rule.id);
    for (const part of ["**What.**", "**Why.**", "**How to fix.**", "**Passes**", "**Fails**"]) {
      assert.ok(section.includes(part), `${rule.id} lacks ${part}`);
    }
    assert.ok(rulesMd.includes(`[\`${rule.id}\`](#${rule.id})`), `${rule.id} is missing from the table`);
  }
});

test("the CLI can load the pack: PulumiPolicy.yaml, and package.json whose version is the pack's", () => {
  const manifest = JSON.parse(readFileSync(join(root, "policies", "package.json"), "utf8"));
  assert.equal(manifest.version, PACK_VERSION);
  assert.equal(manifest.main, "../dist/policies/index.js");
  assert.match(
    readFileSync(join(root, "policies", "PulumiPolicy.yaml"), "utf8"),
    /runtime:\s*\n\s+name: nodejs/,
  );
});
