/**
 * Table of bad inputs for the validating functions of net/ (fixtures/bad-inputs.json): each must be
 * reported under the exact field, with its value, a description of what is wrong, and a fix.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  ConfigProblem,
  checkPublicIpv6Address,
  checkPublicIpv6Prefix,
  checkSmtpAddressInPrefix,
  checkTunnelPrefixes,
  formatProblems,
  MailDnsSpec,
  planMailDns,
  planSubnets,
  PublicCheckOptions,
  SubnetRequest,
  TunnelPrefixes,
} from "../../../net";
import fixture from "./fixtures/bad-inputs.json";
import { assertExplained, catchInvalidConfig } from "./problem-assertions";

interface BadInput {
  readonly id: string;
  readonly check: string;
  readonly args: Readonly<Record<string, unknown>>;
  readonly field: string;
  readonly value?: unknown;
  readonly mentions: readonly string[];
  readonly fix: string;
  readonly fields?: readonly string[];
}

const cases = fixture as readonly BadInput[];

const TUNNEL: TunnelPrefixes = {
  linkClientAddress: "2001:470:1f0a:9a::2",
  linkServerAddress: "2001:470:1f0a:9a::1",
  routedPrefix: "2001:470:1f0b:9a::/64",
  routed48: "2001:470:8b2c::/48",
};
const DEDICATED_64 = "2001:470:1f0b:9a::/64";
const MAIL: MailDnsSpec = {
  zone: "example.org",
  hostName: "mx1.example.org",
  smtpAddress: "2001:db8:25::25",
  spfIpv6: "2001:db8:25::/64",
  ipv4Address: "192.0.2.10",
  allowDocumentation: true,
};

/** The base object with the case's overrides applied and its `remove` keys deleted. */
function variant<T extends object>(base: T, args: BadInput["args"]): T {
  const out: Record<string, unknown> = {
    ...(base as Record<string, unknown>),
    ...(args.overrides as object),
  };
  for (const key of (args.remove as string[] | undefined) ?? []) delete out[key];
  return out as T;
}

/** Runs a case's check and returns its problems with the message a user would read. */
function run(c: BadInput): { problems: readonly ConfigProblem[]; message: string } {
  const formatted = (problems: ConfigProblem[]) => ({
    problems,
    message: formatProblems("Check", c.id, problems),
  });
  const options = (c.args.options as PublicCheckOptions | undefined) ?? {};
  switch (c.check) {
    case "publicPrefix":
      return formatted(checkPublicIpv6Prefix(c.args.text, c.field, options));
    case "publicAddress":
      return formatted(checkPublicIpv6Address(c.args.text, c.field, options));
    case "tunnel":
      return formatted(checkTunnelPrefixes(variant(TUNNEL, c.args), "tunnel.", options));
    case "smtpInPrefix":
      return formatted(checkSmtpAddressInPrefix(c.args.smtpAddress as string, DEDICATED_64, c.field));
    case "mailDns": {
      const spec = variant(MAIL, c.args);
      const error = catchInvalidConfig(() => planMailDns(spec, "MailServer", "mx1"));
      assert.equal(error.component, "MailServer");
      assert.equal(error.resourceName, "mx1");
      assert.ok(error.message.startsWith('Invalid MailServer "mx1":\n - '));
      return { problems: error.problems, message: error.message };
    }
    case "subnets": {
      const error = catchInvalidConfig(() =>
        planSubnets(c.args.routed48 as string, c.args.hosts as SubnetRequest[], "HeTunnel", "he"),
      );
      assert.equal(error.component, "HeTunnel");
      assert.ok(error.message.startsWith('Invalid HeTunnel "he":\n - '));
      return { problems: error.problems, message: error.message };
    }
    default:
      throw new Error(`unknown check ${c.check} in fixtures/bad-inputs.json`);
  }
}

describe("bad inputs (fixtures/bad-inputs.json)", () => {
  it("has at least 40 cases, spread over every validating function", () => {
    assert.ok(cases.length >= 40, `only ${cases.length} cases`);
    const perCheck = new Map<string, number>();
    for (const c of cases) perCheck.set(c.check, (perCheck.get(c.check) ?? 0) + 1);
    for (const check of ["publicPrefix", "publicAddress", "tunnel", "smtpInPrefix", "mailDns", "subnets"]) {
      assert.ok((perCheck.get(check) ?? 0) >= 5, `${check} has fewer than 5 cases`);
    }
    assert.equal(new Set(cases.map((c) => `${c.check}: ${c.id}`)).size, cases.length, "case ids are unique");
  });

  it("starts from valid base inputs, so each case fails for its own reason only", () => {
    assert.deepEqual(checkTunnelPrefixes(TUNNEL, "tunnel.", { routedPrefixFromRouted48: false }), []);
    assert.deepEqual(checkSmtpAddressInPrefix("2001:470:1f0b:9a::25", DEDICATED_64, "mail.smtpAddress"), []);
    assert.ok(planMailDns(MAIL).length > 0);
    assert.equal(planSubnets("2001:470:8b2c::/48", [{ name: "mx1.example.org" }]).size, 1);
  });

  for (const c of cases) {
    it(`${c.check}: ${c.id}`, () => {
      const { problems, message } = run(c);
      assert.deepEqual(
        problems.map((p) => p.field),
        c.fields ?? [c.field],
        `fields reported for ${JSON.stringify(c.args)}:\n${message}`,
      );
      assertExplained(problems, message, c);
    });
  }
});
