import { test } from "node:test";
import assert from "node:assert/strict";
import * as command from "@pulumi/command";
import { check, describe, entriesOf } from "./helpers";
import { componentStack, goodMailServerShape } from "./fixtures/programs";

const RULE = "docker-ipv6-real-client-ip";

function dockerMail(overrides: { dockerIp6tables?: boolean; trustedNetworks?: string[] }) {
  return componentStack({
    ...goodMailServerShape(),
    mta: "docker-mailserver",
    dockerIp6tables: true,
    trustedNetworks: ["127.0.0.0/8", "::1/128"],
    ...overrides,
  });
}

test("docker-mailserver with ip6tables and no docker range trusted passes; Postfix stacks are not judged", async () => {
  assert.deepEqual(entriesOf(await check(dockerMail({})), RULE), []);
  assert.deepEqual(entriesOf(await check(componentStack(goodMailServerShape())), RULE), []);
});

test("ip6tables off or unset is a violation", async () => {
  for (const dockerIp6tables of [false, undefined]) {
    const report = await check(dockerMail({ dockerIp6tables }));
    const [entry] = entriesOf(report, RULE);
    assert.ok(entry, describe(report));
    assert.equal(entry.level, "mandatory");
    assert.match(entry.message, /appear as the docker gateway/);
  }
});

test("trusting the docker ULA or bridge range to relay is an open relay", async () => {
  for (const trusted of ["fd00:cafe:face:feed::/64", "172.17.0.0/16"]) {
    const report = await check(dockerMail({ trustedNetworks: ["127.0.0.0/8", trusted] }));
    const [entry] = entriesOf(report, RULE);
    assert.ok(entry, trusted);
    assert.match(entry.message, /open relay/);
  }
});

test("hand-built: daemon.json and PERMIT_DOCKER in host scripts are read", async () => {
  const run = (daemon: string, permit: string) =>
    check(() => {
      new command.remote.Command("docker", {
        connection: { host: "192.0.2.10" },
        create: `cat > /etc/docker/daemon.json <<'EOF'\n${daemon}\nEOF\ndocker run -d -e PERMIT_DOCKER=${permit} ghcr.io/docker-mailserver/docker-mailserver:14`,
      });
    });
  const bad = await run('{ "ip6tables": false }', "connected-networks");
  const messages = entriesOf(bad, RULE).map((e) => e.message);
  assert.ok(
    messages.some((m) => /it is set to false/.test(m)),
    messages.join("\n"),
  );
  assert.ok(
    messages.some((m) => /PERMIT_DOCKER=connected-networks/.test(m)),
    messages.join("\n"),
  );
  const good = await run(
    '{ "ip6tables": true, "experimental": true, "fixed-cidr-v6": "fd00:cafe:face:feed::/64" }',
    "none",
  );
  assert.deepEqual(entriesOf(good, RULE), [], describe(good));
});
