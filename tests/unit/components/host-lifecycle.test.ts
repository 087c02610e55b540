/**
 * The host scripts the components register cover a host's whole life: apply installs what a fresh image
 * lacks before the sections that run it, and delete (`pulumi destroy`) gives back every setting apply
 * changed, in reverse order, keeps the packages and forgets the host's ipv6-mail state.
 */
import { before, beforeEach, describe, it } from "node:test";
import * as assert from "node:assert/strict";
import { commandConnection, MailServer, MailServerArgs, MtaBinding } from "../../../components";
import { digitalOceanMailServer, HE_SMTP_ADDRESS, hetznerMailServer, SSH_PRIVATE_KEY } from "./fixtures";
import { installMocks, MockEnvironment, text, valueOf } from "./mock-harness";

const COMMAND = "command:remote:Command";

async function hostScripts(
  env: MockEnvironment,
  name: string,
  args: MailServerArgs,
): Promise<{ create: string; delete: string }> {
  const server = new MailServer(name, args);
  await valueOf(server.hostCommands.confirm?.stdout);
  await env.settle();
  const apply = env.get(COMMAND, `${name}-host`);
  return { create: text(apply, "create"), delete: text(apply, "delete") };
}

/** The `ipv6_mail_section <name>` calls of a script, in order. */
function sections(script: string): string[] {
  return [...script.matchAll(/^ipv6_mail_section (\S+)$/gm)].map((m) => m[1]);
}

describe("host scripts over a host's life", () => {
  let env: MockEnvironment;
  before(async () => {
    env = await installMocks();
  });
  beforeEach(() => env.reset());

  it("a DigitalOcean host: packages first, Postfix preseeded with the host name; delete restores in reverse", async () => {
    const s = await hostScripts(env, "mx", digitalOceanMailServer());
    assert.deepEqual(sections(s.create), [
      "packages",
      "he_endpoint",
      "tunnel",
      "firewall",
      "postfix",
      "gai_conf_restore",
    ]);
    assert.match(
      s.create,
      /^pk_names=\(curl ca-certificates iproute2 kmod iputils-ping nftables postfix\)$/m,
    );
    assert.ok(s.create.includes("postfix postfix/mailname string mx1.example.org"));
    assert.ok(s.create.includes("postfix postfix/main_mailer_type select Internet Site"));
    assert.deepEqual(sections(s.delete), [
      "gai_conf_restore",
      "postfix_restore",
      "tunnel_remove",
      "firewall_remove",
      "packages_remove",
      "host_state_remove",
    ]);
  });

  it("a host that prefers IPv4 writes gai.conf, and its delete restores it", async () => {
    const s = await hostScripts(
      env,
      "v4",
      digitalOceanMailServer({ tunnel: undefined, smtpOverIpv4Only: true }),
    );
    assert.deepEqual(sections(s.create), ["packages", "firewall", "gai_conf"]);
    assert.deepEqual(sections(s.delete), [
      "gai_conf_restore",
      "firewall_remove",
      "packages_remove",
      "host_state_remove",
    ]);
  });

  it("a Hetzner host takes its SMTP address off the NIC on delete; an Exim host gets Debian's exim4", async () => {
    const s = await hostScripts(env, "hz", hetznerMailServer({ mta: { kind: "exim" } }));
    assert.deepEqual(sections(s.create), [
      "packages",
      "native_address",
      "firewall",
      "exim",
      "gai_conf_restore",
    ]);
    assert.match(s.create, /^pk_names=\(iproute2 nftables exim4-daemon-light\)$/m);
    assert.ok(s.create.includes("exim4-config exim4/mailname string mx2.example.org"));
    assert.deepEqual(sections(s.delete), [
      "gai_conf_restore",
      "exim_restore",
      "native_address_remove",
      "firewall_remove",
      "packages_remove",
      "host_state_remove",
    ]);
  });

  it("MtaBinding installs its MTA when missing and restores the MTA's settings on delete", async () => {
    const binding = new MtaBinding("mta", {
      connection: commandConnection({ host: "203.0.113.20", privateKey: SSH_PRIVATE_KEY }),
      smtpAddress: HE_SMTP_ADDRESS,
      hostName: "mx1.example.org",
    });
    await valueOf(binding.commands.apply.stdout);
    await env.settle();
    const command = env.get(COMMAND, "mta");
    assert.deepEqual(sections(text(command, "create")), ["packages", "postfix"]);
    assert.deepEqual(sections(text(command, "delete")), ["postfix_restore"]);
  });
});
