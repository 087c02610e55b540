import { test } from "node:test";
import assert from "node:assert/strict";
import { checkResources } from "../../testing";
import { syntheticMailStack, SYNTHETIC_CONFIG } from "./fixtures/synthetic-stack";

test("a stack of 1,000 hosts (5,002 resources) is judged host by host: exactly one finding per host, no cross-talk", async () => {
  const resources = syntheticMailStack(1000);
  assert.equal(resources.length, 5002);
  const report = await checkResources(resources, { config: SYNTHETIC_CONFIG });
  assert.equal(report.passed, true);
  const admin = report.entries.filter((e) => e.rule === "admin-ports-not-world-open");
  assert.equal(admin.length, 1000);
  assert.equal(new Set(admin.map((e) => e.urn)).size, 1000);
  assert.deepEqual(
    report.entries
      .filter((e) => e.rule !== "admin-ports-not-world-open")
      .map((e) => `${e.rule}: ${e.message}`),
    [],
  );
});
