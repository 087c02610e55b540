import { test } from "node:test";
import assert from "node:assert/strict";
import type { Policies, PolicyResource } from "@pulumi/policy";
import * as deserializeModule from "@pulumi/policy/deserialize";
import { AnalyzeStackRequest } from "@pulumi/pulumi/proto/analyzer_pb";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import { analyzeStack, analyzeStackRequest, ServerDiagnostic } from "../../bench/analyzer-request";
import {
  propertySharing,
  shareResourceProperties,
  stopSharingResourceProperties,
} from "../../policies/core/shared-properties";
import { unwrapPolicyProps } from "../../policies/core/unknown";
import { packArgs } from "../../policies/pack";
import { CapturedResource, runProgram } from "../../testing";
import {
  componentStack,
  goodMailServerShape,
  hetznerStack,
  providerOutputs,
  RAW_HE_GOOD,
  rawDropletStack,
} from "./fixtures/programs";
import { syntheticMailStack } from "./fixtures/synthetic-stack";

/** Stacks of every shape the rules read: components (host scripts), hand-built hosts, Hetzner, at preview. */
async function stacks(): Promise<{ name: string; resources: CapturedResource[] }[]> {
  const run = async (name: string, program: () => void, preview = false) => ({
    name,
    resources: (await runProgram(program, { outputs: providerOutputs, preview })).resources,
  });
  return [
    await run("MailServer component", componentStack(goodMailServerShape())),
    await run("MailServer component at preview", componentStack(goodMailServerShape()), true),
    await run("hand-built HE droplet", rawDropletStack(RAW_HE_GOOD)),
    await run("Hetzner", hetznerStack()),
    { name: "synthetic, 40 hosts", resources: syntheticMailStack(40) },
  ];
}

/** Stack policies that keep the resources the handler gives them, around the pack's own policies. */
function grabbing(policies: Policies): { policies: Policies; seen: (readonly PolicyResource[])[] } {
  const seen: (readonly PolicyResource[])[] = [];
  const grab = (name: string) => ({
    name,
    description: "Keeps the resources it is given.",
    validateStack: (args: { resources: PolicyResource[] }) => {
      seen.push(args.resources);
    },
  });
  return { policies: [grab("grab-before"), ...policies, grab("grab-after")], seen };
}

async function withSharing<T>(on: boolean, run: () => Promise<T>): Promise<T> {
  if (on) assert.deepEqual(shareResourceProperties(), { active: true });
  else stopSharingResourceProperties();
  try {
    return await run();
  } finally {
    stopSharingResourceProperties();
  }
}

function propsOf(resources: readonly PolicyResource[]): Record<string, unknown>[] {
  return resources.map((r) => unwrapPolicyProps(r.props));
}

test("with the pinned @pulumi/policy, the stack policies of one analysis share one copy of each resource's properties", async () => {
  const [stack] = await stacks();
  const request = analyzeStackRequest(stack.resources);
  const shared = await withSharing(true, async () => {
    const { policies, seen } = grabbing(packArgs.policies);
    await analyzeStack(request, policies);
    return seen;
  });
  const [before, after] = shared;
  assert.equal(before.length, stack.resources.length);
  assert.notEqual(before, after, "each policy still gets its own resource objects");
  propsOf(before).forEach((props, i) =>
    assert.equal(props, propsOf(after)[i], `${before[i].urn}: the second policy got its own copy`),
  );

  // Without the sharing, the handler deserializes for each policy: the check above would fail.
  const unshared = await withSharing(false, async () => {
    const { policies, seen } = grabbing([]);
    await analyzeStack(request, policies);
    return seen;
  });
  assert.notEqual(propsOf(unshared[0])[0], propsOf(unshared[1])[0]);
});

test("the sharing is per request: the next analysis of the same stack deserializes afresh", async () => {
  const [stack] = await stacks();
  const bytes = analyzeStackRequest(stack.resources).serializeBinary();
  const decode = () => AnalyzeStackRequest.deserializeBinary(bytes);
  const [first, second] = await withSharing(true, async () => {
    const out: (readonly PolicyResource[])[] = [];
    for (const request of [decode(), decode()]) {
      const { policies, seen } = grabbing([]);
      await analyzeStack(request, policies);
      out.push(seen[0]);
    }
    return out;
  });
  propsOf(first).forEach((props, i) => {
    assert.notEqual(props, propsOf(second)[i]);
    assert.deepEqual(props, propsOf(second)[i]);
  });
});

test("the pack reports the same diagnostics with and without the sharing, and leaves the properties as they were", async () => {
  let reported = 0;
  for (const stack of await stacks()) {
    const request = analyzeStackRequest(stack.resources);
    const without = await withSharing(false, () => analyzeStack(request, packArgs.policies));
    const { policies, seen } = grabbing(packArgs.policies);
    const withIt: ServerDiagnostic[] = await withSharing(true, () => analyzeStack(request, policies));
    assert.deepEqual(withIt, without, stack.name);
    reported += withIt.length;
    // The shared properties after all the rules ran, against a fresh deserialization of the same request.
    const fresh = await withSharing(false, async () => {
      const grab = grabbing([]);
      await analyzeStack(analyzeStackRequest(stack.resources), grab.policies);
      return grab.seen[0];
    });
    assert.equal(propsOf(seen[0])[0], propsOf(seen[1])[0], stack.name);
    assert.deepEqual(
      propsOf(seen[1]),
      propsOf(fresh),
      `${stack.name}: a rule wrote to the shared properties`,
    );
  }
  // Without any configuration the stacks are not spotless (undeclared prefixes, unknowns at preview).
  assert.ok(reported > 10, `only ${reported} diagnostics: the comparison would prove little`);
});

test("only the plain deserialization is shared; the secret-keeping one and a stopped sharing go to @pulumi/policy's own", () => {
  const module = deserializeModule as unknown as Record<string, unknown>;
  const original = module.deserializeProperties;
  const call = (struct: Struct, proxySecrets: boolean) =>
    (module.deserializeProperties as (s: Struct, p: boolean) => unknown)(struct, proxySecrets);
  const struct = Struct.fromJavaScript({ a: ["b", { c: 1 }] });
  shareResourceProperties();
  try {
    assert.deepEqual(propertySharing(), { active: true });
    assert.deepEqual(shareResourceProperties(), { active: true }, "installing twice is harmless");
    assert.equal(call(struct, false), call(struct, false));
    assert.deepEqual(call(struct, false), { a: ["b", { c: 1 }] });
    assert.notEqual(call(struct, true), call(struct, true));
    assert.notEqual(
      call(Struct.fromJavaScript({ a: 1 }), false),
      call(Struct.fromJavaScript({ a: 1 }), false),
    );
  } finally {
    stopSharingResourceProperties();
  }
  assert.equal(module.deserializeProperties, original);
  assert.notEqual(call(struct, false), call(struct, false));
  assert.equal(propertySharing().active, false);
});
