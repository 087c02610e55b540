/**
 * The dedicated /64s claimed by the mail hosts of one program run: two hosts of a stack never share one, a
 * collision names the field the user set to get the /64, and nothing of one run reaches another (two stacks,
 * or two runs of one stack, in one process). Every run goes through `ipv6-mail/testing`'s runProgram, which
 * makes a new root stack resource per run as the engine does.
 */
import { describe, it } from "node:test";
import * as assert from "node:assert/strict";
import { HeTunnel, HeTunnelSettings, MailServer } from "../../../components";
import { hashedSubnetIndex, InvalidConfigError, subnet64Of48 } from "../../../net";
import { runProgram } from "../../../testing";
import { assertExplained } from "../net/problem-assertions";
import { digitalOceanMailServer, HE_TUNNEL } from "./fixtures";
import { providerOutputs } from "./mock-harness";

const ROUTED_48 = "2001:470:8b2c::/48";
const FROM_48: HeTunnelSettings = { ...HE_TUNNEL, routedPrefix: undefined, routed48: ROUTED_48 };

/** A mail server of `hostName` whose tunnel is `tunnel`. */
function server(resourceName: string, hostName: string, tunnel: HeTunnelSettings = HE_TUNNEL): MailServer {
  return new MailServer(resourceName, digitalOceanMailServer({ hostName, tunnel }));
}

/** Runs a program that must be refused, returning the InvalidConfigError of its second MailServer. */
async function refused(program: () => void, stack = "claims"): Promise<InvalidConfigError> {
  let caught: unknown;
  try {
    await runProgram(program, { outputs: providerOutputs, stack });
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof InvalidConfigError, `refused with InvalidConfigError, got ${String(caught)}`);
  assert.equal(caught.resourceName, "second");
  return caught;
}

describe("dedicated /64 claims", () => {
  it("refuse a second host of one run on the same routed /64, under tunnel.routedPrefix", async () => {
    const error = await refused(() => {
      server("first", "mx1.example.org");
      server("second", "mx2.example.org");
    });
    assertExplained(error.problems, error.message, {
      field: "tunnel.routedPrefix",
      value: HE_TUNNEL.routedPrefix,
      mentions: [
        "overlaps 2001:470:1f0b:9a::/64, which mail host mx1.example.org of this stack already sends from",
      ],
      fix: "give every mail host its own /64",
    });
  });

  it("name tunnel.routed48 when the hash of the host name picked the colliding /64", async () => {
    // The first host pins the subnet the second one's name hashes to.
    const index = hashedSubnetIndex("mx2.example.org");
    const error = await refused(() => {
      server("first", "mx1.example.org", { ...FROM_48, subnetIndex: index });
      server("second", "mx2.example.org", FROM_48);
    });
    assert.deepEqual(
      error.problems.map((p) => p.field),
      ["tunnel.routed48"],
      "the user wrote routed48 (and no subnetIndex), never routedPrefix",
    );
    assertExplained(error.problems, error.message, {
      field: "tunnel.routed48",
      value: ROUTED_48,
      mentions: [
        `the hash of hostName "mx2.example.org" picks subnet ${index} of it, ${subnet64Of48(ROUTED_48, index)}`,
        "which mail host mx1.example.org of this stack already sends from",
      ],
      fix: "pin this one with tunnel.subnetIndex",
    });
  });

  it("name tunnel.subnetIndex when the user's index picked it", async () => {
    const index = hashedSubnetIndex("mx1.example.org");
    const error = await refused(() => {
      server("first", "mx1.example.org", FROM_48);
      server("second", "mx2.example.org", { ...FROM_48, subnetIndex: index });
    });
    assertExplained(error.problems, error.message, {
      field: "tunnel.subnetIndex",
      value: index,
      mentions: [`picks subnet ${index} of tunnel.routed48 ${ROUTED_48}`],
      fix: "another subnetIndex",
    });
  });

  it("name a standalone HeTunnel's own fields the same way", async () => {
    const index = hashedSubnetIndex("mx2.example.org");
    const connection = { host: "192.0.2.50", privateKey: "key" };
    let caught: unknown;
    try {
      await runProgram(
        () => {
          new HeTunnel("first", {
            ...FROM_48,
            subnetIndex: index,
            hostName: "mx1.example.org",
            connection,
            publicIpv4: "192.0.2.50",
          });
          new HeTunnel("second", {
            ...FROM_48,
            hostName: "mx2.example.org",
            connection,
            publicIpv4: "192.0.2.51",
          });
        },
        { outputs: providerOutputs },
      );
    } catch (error) {
      caught = error;
    }
    assert.ok(caught instanceof InvalidConfigError, String(caught));
    assert.deepEqual(
      caught.problems.map((p) => p.field),
      ["routed48"],
    );
  });

  it("live per run: two stacks of one process each give the same /64 to a host of their own", async () => {
    for (const stack of ["staging", "production"]) {
      const captured = await runProgram(
        () => server("mx", stack === "staging" ? "mx1.example.org" : "mx2.example.org"),
        {
          outputs: providerOutputs,
          stack,
        },
      );
      assert.equal(captured.stack, stack);
      assert.ok(captured.resources.some((r) => r.type === "ipv6-mail:index:MailServer"));
    }
  });

  it("do not leak from one run of a stack to the next (a preview, then an update, in one process)", async () => {
    await runProgram(() => server("mx", "mx1.example.org"), {
      outputs: providerOutputs,
      stack: "prod",
      preview: true,
    });
    const update = await runProgram(() => server("mx", "mx2.example.org"), {
      outputs: providerOutputs,
      stack: "prod",
    });
    assert.ok(update.resources.some((r) => r.type === "ipv6-mail:index:MailServer"));
    // And the claims of the update are its own: within it, a second host on the /64 is still refused.
    await refused(() => {
      server("first", "mx3.example.org");
      server("second", "mx4.example.org");
    }, "prod");
  });
});
