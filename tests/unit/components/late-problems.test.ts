/**
 * Problems that show only once an output is known (a Hetzner server's /64, a droplet's IPv4, an address given
 * as another resource's output): the run reports one error for the component that took the value, naming
 * where the value came from, nothing that takes it is registered, and the process goes on (no unhandled
 * rejection ends it). Runs through `ipv6-mail/testing`'s runProgram, which reports errors the way the
 * engine's language host does.
 */
import { describe, it } from "node:test";
import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { HeTunnel, MailDns, MailServer, MtaBinding } from "../../../components";
import { LateConfigError } from "../../../components/late-check";
import { CapturedResource, ProgramRunError, runProgram } from "../../../testing";
import { assertExplained } from "../net/problem-assertions";
import { digitalOceanMailServer, FIREWALL, HE_TUNNEL, hetznerMailServer, SSH_PRIVATE_KEY } from "./fixtures";
import { HCLOUD_IPV4, HCLOUD_IPV6, HCLOUD_IPV6_NETWORK, providerOutputs } from "./mock-harness";

const COMMAND = "command:remote:Command";
const RECORD = "cloudflare:index/dnsRecord:DnsRecord";
const RDNS = "hcloud:index/rdns:Rdns";

/** Provider outputs with `changes` applied to resources of `type`. */
function outputsWith(type: string, changes: Record<string, unknown>) {
  return (args: pulumi.runtime.MockResourceArgs) => ({
    ...providerOutputs(args),
    ...(args.type === type ? changes : {}),
  });
}

/** Runs `program`, which must fail, and returns the one error it reported and what it registered. */
async function runFailing(
  program: () => unknown,
  outputs: (args: pulumi.runtime.MockResourceArgs) => Record<string, unknown>,
): Promise<{ error: LateConfigError; resources: readonly CapturedResource[] }> {
  const listeners = process.listenerCount("unhandledRejection");
  let caught: unknown;
  try {
    await runProgram(program, { outputs });
  } catch (error) {
    caught = error;
  }
  assert.equal(process.listenerCount("unhandledRejection"), listeners, "the run removed its handler");
  assert.ok(caught instanceof ProgramRunError, `the run fails with ProgramRunError, got ${String(caught)}`);
  assert.equal(caught.errors.length, 1, `one error, reported once:\n${caught.message}`);
  const [error] = caught.errors;
  assert.ok(error instanceof LateConfigError, `a LateConfigError, got ${String(error)}`);
  assert.ok(
    pulumi.ResourceError.isInstance(error),
    "a Pulumi ResourceError: the CLI shows it under the resource",
  );
  assert.ok(error.hideStack, "reported without a stack trace, like any bad configuration");
  assert.doesNotMatch(error.message, /error serializing property/, "the message is the component's own");
  return { error, resources: caught.resources };
}

function typesOf(resources: readonly CapturedResource[]): string[] {
  return resources.map((r) => r.type);
}

describe("problems found once an output is known", () => {
  it("a Hetzner server whose ipv6Network comes back as a /56 fails its MailServer, with nothing sent to the host", async () => {
    const { error, resources } = await runFailing(
      () => new MailServer("mx2", hetznerMailServer()),
      outputsWith("hcloud:index/server:Server", { ipv6Network: "2a01:4f8:c17:1200::/56" }),
    );
    assert.equal(error.component, "MailServer");
    assert.equal(error.resourceName, "mx2");
    assert.match(
      error.message,
      /^Invalid MailServer "mx2":\n - hetzner server's ipv6Network = "2a01:4f8:c17:1200::\/56": /,
    );
    assertExplained(error.problems, error.message, {
      field: "hetzner server's ipv6Network",
      value: "2a01:4f8:c17:1200::/56",
      mentions: ["is a /56, but a /64 is needed"],
      fix: "Hetzner gives every server its own /64",
    });
    // The server and its firewall exist; what would configure the host or publish its records does not.
    assert.ok(typesOf(resources).includes("hcloud:index/server:Server"));
    for (const type of [COMMAND, RECORD, "ipv6-mail:index:MailDns"]) {
      assert.ok(!typesOf(resources).includes(type), `no ${type} is registered`);
    }
    assert.deepEqual(
      resources.filter((r) => r.type === RDNS).map((r) => r.name),
      ["mx2-ipv4"],
      "only the server's own IPv4 PTR, not the PTR of an SMTP address",
    );
    const server = resources.find((r) => r.type === "ipv6-mail:index:MailServer");
    assert.equal(server?.outputs.smtpAddress, undefined, "no SMTP address is published from a bad /64");
  });

  it("a Hetzner server on a documentation /64 is refused the same way", async () => {
    const { error } = await runFailing(
      () => new MailServer("mx2", hetznerMailServer()),
      outputsWith("hcloud:index/server:Server", { ipv6Network: "2001:db8:25::/64" }),
    );
    assert.deepEqual(
      error.problems.map((p) => p.field),
      ["hetzner server's ipv6Network"],
    );
    assert.match(error.message, /documentation range/);
  });

  it("a droplet whose IPv4 is unusable is blamed on the droplet, not on existing.ipv4Address", async () => {
    const { error, resources } = await runFailing(
      () => new MailServer("mx1", digitalOceanMailServer()),
      outputsWith("digitalocean:index/droplet:Droplet", { ipv4Address: "not-an-address" }),
    );
    assert.deepEqual(
      error.problems.map((p) => p.field),
      ["digitalocean droplet's ipv4Address"],
    );
    assert.doesNotMatch(error.message, /existing\./);
    assertExplained(error.problems, error.message, {
      field: "digitalocean droplet's ipv4Address",
      value: "not-an-address",
      mentions: ["is not an IPv4 address", "6in4 tunnel"],
      fix: "DigitalOcean reported this for the droplet",
    });
    assert.ok(!typesOf(resources).includes(COMMAND), "the tunnel script never runs");
  });

  it("an existing host whose IPv4 is an output resolving to garbage names existing.ipv4Address", async () => {
    const { error } = await runFailing(
      () =>
        new MailServer("lab", {
          hostName: "mx3.example.org",
          zone: "example.org",
          existing: {
            ssh: { host: "192.0.2.50", privateKey: SSH_PRIVATE_KEY },
            ipv4Address: pulumi.output(Promise.resolve("192.0.2.999")),
          },
          tunnel: HE_TUNNEL,
          firewall: FIREWALL,
          dns: { cloudflare: { zoneId: "zone-example-org" } },
        }),
      providerOutputs,
    );
    assert.deepEqual(
      error.problems.map((p) => p.field),
      ["existing.ipv4Address"],
    );
    assert.match(error.message, /existing\.ipv4Address = "192\.0\.2\.999": is not an IPv4 address/);
  });

  it("hides a secret value in the error", async () => {
    const { error } = await runFailing(
      () =>
        new HeTunnel("he", {
          ...HE_TUNNEL,
          hostName: "mx1.example.org",
          connection: { host: "192.0.2.50", privateKey: SSH_PRIVATE_KEY },
          publicIpv4: pulumi.secret("10.0.0.999"),
        }),
      providerOutputs,
    );
    assert.equal(error.component, "HeTunnel");
    assert.deepEqual(
      error.problems.map((p) => [p.field, p.value]),
      [["publicIpv4", "(secret)"]],
    );
    assert.ok(!error.message.includes("10.0.0.999"));
  });

  it("MailDns and MtaBinding given bad addresses as outputs fail under their own fields", async () => {
    const dns = await runFailing(
      () =>
        new MailDns("dns", {
          zone: "example.org",
          hostName: "mx1.example.org",
          smtpAddress: pulumi.output(Promise.resolve("fe80::25")),
          dedicatedPrefix: pulumi.output(Promise.resolve("fe80::/64")),
          cloudflare: { zoneId: "zone-example-org" },
        }),
      providerOutputs,
    );
    assert.equal(dns.error.component, "MailDns");
    assert.ok(
      dns.error.problems.some((p) => p.field === "smtpAddress"),
      dns.error.message,
    );
    assert.ok(!typesOf(dns.resources).includes(RECORD), "no record is published");

    const mta = await runFailing(
      () =>
        new MtaBinding("mta", {
          connection: { host: "192.0.2.50", privateKey: SSH_PRIVATE_KEY },
          smtpAddress: pulumi.output(Promise.resolve("2a01:4f8:c17:1234::25")),
          hostName: "mx2.example.org",
          bindIpv4: true,
          ipv4Address: pulumi.output(Promise.resolve("")),
        }),
      providerOutputs,
    );
    assert.deepEqual(
      mta.error.problems.map((p) => p.field),
      ["ipv4Address"],
    );
    assert.ok(!typesOf(mta.resources).includes(COMMAND));
  });

  it("leaves the process running: the next run of the same program with good outputs succeeds", async () => {
    const stack = await runProgram(() => new MailServer("mx2", hetznerMailServer()), {
      outputs: outputsWith("hcloud:index/server:Server", {
        ipv4Address: HCLOUD_IPV4,
        ipv6Address: HCLOUD_IPV6,
        ipv6Network: HCLOUD_IPV6_NETWORK,
      }),
    });
    assert.ok(typesOf(stack.resources).includes(COMMAND));
    const server = stack.resources.find((r) => r.type === "ipv6-mail:index:MailServer");
    assert.equal(server?.outputs.smtpAddress, "2a01:4f8:c17:1234::25");
  });

  it("waits for the values at a preview, where they are unknown, and registers everything", async () => {
    const stack = await runProgram(() => new MailServer("mx2", hetznerMailServer()), {
      preview: true,
      outputs: () => ({}),
    });
    assert.ok(typesOf(stack.resources).includes(COMMAND));
  });
});
