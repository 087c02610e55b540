import { test } from "node:test";
import assert from "node:assert/strict";
import { setImmediate as nextTurn } from "node:timers/promises";
import { PolicyResource, unknownCheckingProxy } from "@pulumi/policy";
import { findSenders } from "../../policies/core/senders";
import { StackModelCache } from "../../policies/core/stack-model-cache";
import { CapturedResource, checkResources } from "../../testing";
import { SYNTHETIC_CONFIG, syntheticMailStack } from "./fixtures/synthetic-stack";

/**
 * One stack policy's view of the stack, as `@pulumi/policy` hands it over: every call makes new resource objects
 * and new property objects behind a new unknown-checking proxy, with parent and dependencies as objects.
 */
function engineResources(captured: readonly CapturedResource[]): PolicyResource[] {
  const byUrn = new Map<string, PolicyResource>();
  const list = captured.map((c) => {
    const resource = {
      type: c.type,
      urn: c.urn,
      name: c.name,
      props: unknownCheckingProxy(structuredClone(c.outputs)),
      opts: c.parent ? { parent: c.parent } : {},
      dependencies: [] as PolicyResource[],
      propertyDependencies: {} as Record<string, PolicyResource[]>,
    } as unknown as PolicyResource;
    byUrn.set(c.urn, resource);
    return resource;
  });
  captured.forEach((c, i) => {
    const r = list[i] as { parent?: PolicyResource; dependencies: PolicyResource[] } & {
      propertyDependencies: Record<string, PolicyResource[]>;
    };
    if (c.parent && byUrn.has(c.parent)) r.parent = byUrn.get(c.parent);
    r.dependencies = c.dependencies.flatMap((u) => byUrn.get(u) ?? []);
    for (const [key, urns] of Object.entries(c.propertyDependencies)) {
      r.propertyDependencies[key] = urns.flatMap((u) => byUrn.get(u) ?? []);
    }
  });
  return list;
}

/** A deep copy of a captured stack with one change applied. */
function changed(
  stack: readonly CapturedResource[],
  change: (copy: CapturedResource[]) => void,
): CapturedResource[] {
  const copy = structuredClone(stack) as CapturedResource[];
  change(copy);
  return copy;
}

/** A captured resource whose fields a test may change. */
type Editable = { -readonly [K in keyof CapturedResource]: CapturedResource[K] } & {
  outputs: Record<string, unknown>;
  dependencies: string[];
  propertyDependencies: Record<string, string[]>;
};

const STACK = syntheticMailStack(3);
const at = (stack: CapturedResource[], name: string) => stack.find((r) => r.name === name) as Editable;

test("the rules of one analysis share one model: each rule's fresh copy of the same stack gets it", () => {
  const cache = new StackModelCache();
  const first = cache.modelOf(engineResources(STACK));
  for (let rule = 1; rule < 10; rule++) assert.equal(cache.modelOf(engineResources(STACK)), first);
  assert.deepEqual(cache.stats(), { hits: 9, builds: 1 });
});

test("any difference in the stack builds a fresh model that shows the difference", () => {
  const changes: Record<string, (copy: CapturedResource[]) => void> = {
    "a value deep in a property": (s) => {
      const rules = at(s, "f1").outputs.inboundRules as { portRange: string }[];
      rules[0].portRange = "2222";
    },
    "one more resource": (s) => void s.push({ ...structuredClone(at(s, "d0")), urn: `${at(s, "d0").urn}x` }),
    "one resource less": (s) => void s.splice(s.indexOf(at(s, "aaaa2")), 1),
    "the order of resources": (s) => void s.reverse(),
    "a name": (s) => void (at(s, "c0").name = "c0-renamed"),
    "a type": (s) => void (at(s, "c2").type = "command:local:Command"),
    "a parent": (s) => void (at(s, "c1").parent = at(s, "d1").urn),
    "a dependency": (s) => void at(s, "f0").dependencies.pop(),
    "a property dependency": (s) => void (at(s, "c0").propertyDependencies.connection = [at(s, "d2").urn]),
    "the order of properties": (s) => {
      const { name, ...rest } = at(s, "d0").outputs;
      at(s, "d0").outputs = { ...rest, name };
    },
    "a number for a string": (s) => void (at(s, "d2").outputs.ipv6 = "true"),
  };
  for (const [what, change] of Object.entries(changes)) {
    const cache = new StackModelCache();
    const before = cache.modelOf(engineResources(STACK));
    const other = changed(STACK, change);
    const after = cache.modelOf(engineResources(other));
    assert.notEqual(after, before, what);
    assert.deepEqual(cache.stats(), { hits: 0, builds: 2 }, what);
    assert.deepEqual(
      after.resources.map((r) => [r.urn, r.type, r.name, r.parent, r.dependencies]),
      other.map((c) => [c.urn, c.type, c.name, c.parent, c.dependencies]),
      what,
    );
    assert.deepEqual(
      after.resources.map((r) => r.props),
      other.map((c) => c.outputs),
      what,
    );
    // And back: the original stack is not mistaken for the changed one.
    assert.notEqual(cache.modelOf(engineResources(STACK)), after, what);
  }
});

test("the model is dropped when the event loop turns: the next analysis builds its own", async () => {
  const cache = new StackModelCache();
  const first = cache.modelOf(engineResources(STACK));
  await nextTurn();
  const second = cache.modelOf(engineResources(STACK));
  assert.notEqual(second, first);
  assert.deepEqual(cache.stats(), { hits: 0, builds: 2 });
});

test("the shared model and its senders are read-only: a rule cannot change what the next rule sees", () => {
  const model = new StackModelCache().modelOf(engineResources(STACK));
  const [host] = model.hosts;
  assert.throws(() => (model.hosts as unknown[]).push(host), TypeError);
  assert.throws(() => host.tunnels.push({ urn: "x", interfaceName: "he0", origin: "test" }), TypeError);
  assert.throws(() => ((host as { mailServer?: unknown }).mailServer = undefined), TypeError);
  const [sender] = findSenders(model);
  assert.equal(findSenders(model)[0], sender, "senders are found once per model");
  assert.throws(() => (sender.sources as unknown[]).push(sender.sources[0]), TypeError);
  assert.throws(() => (sender.heloName = "other.example.net"), TypeError);
});

test("two stacks analysed back to back, in the same turn of the event loop, are each judged on their own", async () => {
  const open = (report: Awaited<ReturnType<typeof checkResources>>) =>
    report.entries.filter((e) => e.rule === "admin-ports-not-world-open").map((e) => e.resourceName);
  const fixed = changed(STACK, (s) => {
    at(s, "f1").outputs.inboundRules = [
      { protocol: "tcp", portRange: "25", sourceAddresses: ["0.0.0.0/0", "::/0"] },
    ];
  });
  const [a, b, c] = await Promise.all([
    checkResources(STACK, { config: SYNTHETIC_CONFIG }),
    checkResources(fixed, { config: SYNTHETIC_CONFIG }),
    checkResources(STACK, { config: SYNTHETIC_CONFIG }),
  ]);
  assert.deepEqual(open(a), ["f0", "f1", "f2"]);
  assert.deepEqual(open(b), ["f0", "f2"]);
  assert.deepEqual(open(c), ["f0", "f1", "f2"]);
});

test("each rule still applies its own config and exceptions to the shared model", async () => {
  const levels = (report: Awaited<ReturnType<typeof checkResources>>, rule: string) =>
    report.entries.filter((e) => e.rule === rule).map((e) => `${e.kind} ${e.level}`);
  // Same stack, same turn: with the dedicated prefix declared for one rule, then without it.
  const declared = await checkResources(STACK, {
    config: SYNTHETIC_CONFIG,
    settings: {
      exceptions: [
        {
          rule: "admin-ports-not-world-open",
          resource: "f*",
          reason: "bastion-less lab, SSH keys only",
          expires: "2099-01-01",
        },
      ],
    },
  });
  const undeclared = await checkResources(STACK, {
    config: { "smtp-egress-unblocked": { heSageCertified: true } },
  });
  assert.deepEqual(levels(declared, "smtp-from-dedicated-prefix"), []);
  assert.deepEqual(levels(undeclared, "smtp-from-dedicated-prefix"), [
    "violation mandatory",
    "violation mandatory",
    "violation mandatory",
  ]);
  assert.deepEqual(levels(declared, "admin-ports-not-world-open"), [
    "exception-applied advisory",
    "exception-applied advisory",
    "exception-applied advisory",
  ]);
  assert.equal(levels(undeclared, "admin-ports-not-world-open").length, 3);
  assert.ok(
    levels(undeclared, "admin-ports-not-world-open").every((l) => l.startsWith("violation")),
    levels(undeclared, "admin-ports-not-world-open").join(", "),
  );
});
