import { test } from "node:test";
import assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import * as digitalocean from "@pulumi/digitalocean";
import * as command from "@pulumi/command";
import { PolicyPack } from "@pulumi/policy";
import { analyzeResources, checkResources, runProgram, unknown } from "../../testing";
import { FakeComponent } from "./fixtures/fake-component";
import { providerOutputs } from "./fixtures/programs";

function program() {
  const parent = new FakeComponent("ipv6-mail:index:DigitalOceanHost", "host", { note: "component outputs" });
  const droplet = new digitalocean.Droplet(
    "vm",
    { image: "debian-12-x64", region: "fra1", size: "s-1vcpu-1gb", ipv6: true },
    { parent },
  );
  new command.remote.Command(
    "cmd",
    { connection: { host: droplet.ipv4Address, privateKey: pulumi.secret("s3cret") }, create: "true" },
    { dependsOn: [droplet] },
  );
  return { ip: droplet.ipv4Address };
}

test("registrations carry parent, dependencies, property dependencies, inputs and outputs", async () => {
  const stack = await runProgram(program, { outputs: providerOutputs, project: "p", stack: "s" });
  const byName = new Map(stack.resources.map((r) => [r.name, r]));
  const root = byName.get("p-s");
  const host = byName.get("host");
  const vm = byName.get("vm");
  const cmd = byName.get("cmd");
  assert.ok(root && host && vm && cmd);
  assert.equal(root.type, "pulumi:pulumi:Stack");
  assert.equal(host.parent, root.urn);
  assert.equal(vm.parent, host.urn);
  assert.equal(
    vm.urn,
    "urn:pulumi:s::p::ipv6-mail:index:DigitalOceanHost$digitalocean:index/droplet:Droplet::vm",
  );
  assert.deepEqual(host.outputs, { note: "component outputs" });
  assert.equal(vm.outputs.ipv6Address, "2a03:b0c0:3:d0::1a2b:1");
  assert.deepEqual(cmd.propertyDependencies.connection, [vm.urn]);
  assert.ok(cmd.dependencies.includes(vm.urn));
  assert.equal(
    (cmd.inputs.connection as Record<string, unknown>).privateKey,
    "s3cret",
    "secrets are unwrapped as the analyzer sees them",
  );
  assert.equal(stack.outputs?.ip, "203.0.113.7");
});

test("preview: computed outputs and inputs derived from them are the engine's unknown sentinel", async () => {
  const stack = await runProgram(program, { outputs: providerOutputs, preview: true });
  const vm = stack.resources.find((r) => r.name === "vm");
  const cmd = stack.resources.find((r) => r.name === "cmd");
  assert.equal(vm?.outputs.ipv6Address, unknown);
  // @pulumi/command makes `connection` a secret as a whole, so one unknown inside makes all of it unknown.
  assert.equal(cmd?.outputs.connection, unknown);
  assert.deepEqual(cmd?.propertyDependencies.connection, [vm?.urn], "structure stays known");
});

test("stack policies get resource objects and the unknown-checking proxy, like the engine's analyzer", async () => {
  const stack = await runProgram(program, { outputs: providerOutputs, preview: true });
  const seen: string[] = [];
  const diagnostics = await analyzeResources(stack, {
    policyPackName: "probe",
    policyPackVersion: "1.0.0",
    policies: [
      {
        name: "probe",
        description: "reads an unknown value",
        enforcementLevel: "mandatory",
        validateStack: (args) => {
          const cmd = args.resources.find((r) => r.name === "cmd");
          seen.push(cmd?.parent?.type ?? "", cmd?.propertyDependencies.connection?.[0]?.name ?? "");
          void cmd?.props.connection;
        },
      },
    ],
  });
  assert.deepEqual(seen, ["pulumi:pulumi:Stack", "vm"]);
  assert.equal(diagnostics.length, 1);
  assert.equal(diagnostics[0].enforcementLevel, "advisory");
  assert.match(
    diagnostics[0].message,
    /can't run policy 'probe' .* during preview: string value at \.connection can't be known during preview/,
  );
});

test("resource policies run per resource on inputs; runs of several programs do not mix", async () => {
  const [a, b] = await Promise.all([
    runProgram(program, { outputs: providerOutputs }),
    runProgram(() => new FakeComponent("x:index:Y", "only", {})),
  ]);
  assert.equal(a.resources.length, 4);
  assert.deepEqual(b.resources.map((r) => r.name).sort(), ["only", "project-stack"]);
  const report = await checkResources(a, {
    policies: [
      {
        name: "no-droplets",
        description: "No droplets",
        enforcementLevel: "advisory",
        validateResource: (args, reportViolation) => {
          if (args.type === "digitalocean:index/droplet:Droplet")
            reportViolation(`found ${args.name} (${String(args.props.region)})`);
        },
      },
    ],
  });
  assert.equal(report.entries.length, 1);
  assert.equal(report.entries[0].message, "found vm (fra1)");
  assert.equal(report.entries[0].level, "advisory");
});

test("constructing the CLI entry's PolicyPack is not needed by the harness (pack.ts has no side effects)", async () => {
  const pack = await import("../../policies/pack");
  assert.equal(pack.policies.length, pack.RULES.length);
  assert.ok(typeof PolicyPack === "function");
  for (const policy of pack.policies) {
    assert.match(policy.url ?? "", new RegExp(`RULES\\.md#${policy.name}$`));
    assert.ok(policy.configSchema?.properties.exceptions, policy.name);
  }
});
