/**
 * A MailServer on FreeBSD (`os: "freebsd"`, seed 004's droplet): the host is configured by the FreeBSD scripts
 * (rc.conf.local with the gif tunnel, pf, Postfix) rendered from the same parts as a Debian host's, its facts
 * say the same things (the firewall loaded by pf, the tunnel on gif0), and every setting only the Linux scripts
 * carry out is refused by its field before anything is registered.
 */
import { before, beforeEach, describe, it } from "node:test";
import * as assert from "node:assert/strict";
import { DEFAULT_MAIL_PORTS, MailServer, MailServerArgs } from "../../../components";
import { FREEBSD_RC_CONF_PATH, renderFreebsdPfConf } from "../../../host-config";
import { assertExplained } from "../net/problem-assertions";
import { buildMailServer, registeredFacts } from "./mail-server-build";
import {
  ADMIN_IPV6,
  digitalOceanMailServer,
  FIREWALL,
  HE_SMTP_ADDRESS,
  HE_TUNNEL,
  hetznerMailServer,
  SSH_PRIVATE_KEY,
} from "./fixtures";
import { DROPLET_IPV4, expectRejected, installMocks, MockEnvironment, text, unwrap } from "./mock-harness";

const COMMAND = "command:remote:Command";
const DROPLET = "digitalocean:index/droplet:Droplet";
const FREEBSD_IMAGE = "178412345";
const WEB_ADDRESS = "2001:470:1f0b:9a::80";

/** Seed 004's setup: a FreeBSD droplet from a custom image, an HE tunnel without endpoint-update credentials. */
function freebsdDroplet(overrides: Partial<MailServerArgs> = {}): MailServerArgs {
  const base = digitalOceanMailServer();
  return {
    ...base,
    digitalocean: { ...base.digitalocean!, os: "freebsd", image: FREEBSD_IMAGE },
    tunnel: HE_TUNNEL,
    ...overrides,
  };
}

describe("MailServer on a FreeBSD droplet", () => {
  let env: MockEnvironment;
  before(async () => {
    env = await installMocks();
  });
  beforeEach(() => env.reset());

  it("creates the droplet from the custom image and configures it with the FreeBSD scripts", async () => {
    const server = await buildMailServer(
      env,
      "mx",
      freebsdDroplet({
        services: [{ name: "web", interfaceId: "::80", ports: [{ port: 443 }] }],
        preferIpv4Outbound: true,
      }),
    );
    assert.equal((unwrap(env.get(DROPLET, "mx").inputs) as { image: string }).image, FREEBSD_IMAGE);
    assert.equal(server.tunnelInterface, "gif0");
    const host = env.get(COMMAND, "mx-host");
    const apply = text(host, "create");
    const lines = apply.split("\n");
    assert.equal(lines[0], "#!/bin/sh");
    for (const line of [
      `create_args_gif0="tunnel ${DROPLET_IPV4} ${HE_TUNNEL.heServerIpv4} mtu 1480"`,
      `ifconfig_gif0_alias0="inet6 ${HE_SMTP_ADDRESS} prefixlen 128"`,
      `ifconfig_gif0_alias1="inet6 ${WEB_ADDRESS} prefixlen 128"`,
      'ipv6_defaultrouter="-iface gif0"',
      'ip6addrctl_policy="ipv4_prefer"',
      'postfix_enable="YES"',
      `pass in quick inet6 proto tcp from any to ${WEB_ADDRESS} port 443 keep state`,
      "block drop in quick on gif0 inet6 proto icmp6 icmp6-type routeradv",
      `block drop in quick inet proto 41 from ! ${HE_TUNNEL.heServerIpv4} to any`,
    ])
      assert.ok(lines.includes(line), `apply has ${line}`);
    assert.match(apply, /^ {2}postconf -e .*\bsmtp_bind_address6=2001:470:1f0b:9a::25\b/m);
    assert.match(apply, new RegExp(`rc="\\$IPV6_MAIL_ROOT${FREEBSD_RC_CONF_PATH}"`));
    assert.doesNotMatch(apply, /\bnft\b|systemd|apt-get|\/etc\/gai\.conf/);
    assert.equal(text(env.get(COMMAND, "mx-host-confirm"), "create").split("\n")[0], "#!/bin/sh");
    assert.match(text(host, "delete"), /ifconfig gif0 destroy/);
    assert.equal(host.inputs.stdin, undefined, "no endpoint update, nothing on stdin");
  });

  it("renders pf from the firewall spec whose facts it publishes: engine pf, the same ports and ICMPv6", async () => {
    await buildMailServer(env, "mx", freebsdDroplet());
    const firewall = registeredFacts(env, "ipv6-mail:index:HostFirewall", "mx").firewall;
    assert.equal(firewall?.engine, "pf");
    assert.deepEqual(firewall?.ipv6Input.interfaces, ["*", "gif0"]);
    assert.deepEqual(
      firewall?.ipv6Input.open.map((o) => [o.port, o.sources]),
      [...DEFAULT_MAIL_PORTS.map((port) => [port, ["::/0"]]), [22, [ADMIN_IPV6]]],
    );
    const pf = renderFreebsdPfConf({
      allowedTcpPorts: DEFAULT_MAIL_PORTS,
      adminSources: FIREWALL.adminSources,
      heServerIpv4: HE_TUNNEL.heServerIpv4,
      tunnelInterface: "gif0",
    });
    assert.ok(text(env.get(COMMAND, "mx-host"), "create").includes(pf), "the apply carries that pf.conf");
    const server = registeredFacts(env, "ipv6-mail:index:MailServer", "mx");
    assert.equal(server.hostOs, "freebsd");
    const tunnel = registeredFacts(env, "ipv6-mail:index:HeTunnel", "mx").tunnel;
    assert.equal(tunnel?.interfaceName, "gif0");
    assert.equal(tunnel?.keepalive, undefined, "no keepalive timer is rendered for FreeBSD");
    assert.doesNotMatch(text(env.get(COMMAND, "mx-host"), "create"), /ipv6-mail-he-keepalive/);
    assert.equal(registeredFacts(env, "ipv6-mail:index:MtaBinding", "mx").mta?.bind6?.value, HE_SMTP_ADDRESS);
  });

  it("a FreeBSD droplet sending over IPv4 only: pf resets IPv6 port 25, IPv4 preferred, no gif, no Postfix binding", async () => {
    await buildMailServer(env, "v4", freebsdDroplet({ tunnel: undefined, smtpOverIpv4Only: true }));
    const apply = text(env.get(COMMAND, "v4-host"), "create");
    const lines = apply.split("\n");
    assert.ok(lines.includes("block return-rst in quick inet6 proto tcp from any to any port 25"), apply);
    assert.ok(lines.includes('ip6addrctl_policy="ipv4_prefer"'));
    assert.doesNotMatch(apply, /gif0|smtp_bind_address6|postfix_enable/);
    assert.equal(
      registeredFacts(env, "ipv6-mail:index:HostFirewall", "v4").firewall?.ipv6Input.rejected[0]?.port,
      25,
    );
  });

  it("an existing FreeBSD host with a tunnel, and a Debian host's scripts unchanged by os: debian", async () => {
    await buildMailServer(env, "bsd", {
      hostName: "mx3.example.org",
      zone: "example.org",
      existing: {
        ssh: { host: "192.0.2.50", privateKey: SSH_PRIVATE_KEY },
        ipv4Address: "192.0.2.50",
        os: "freebsd",
      },
      tunnel: { ...HE_TUNNEL, interfaceName: "gif1" },
      firewall: FIREWALL,
    });
    assert.match(text(env.get(COMMAND, "bsd-host"), "create"), /^ipv6_defaultrouter="-iface gif1"$/m);

    await env.reset();
    await buildMailServer(env, "deb", digitalOceanMailServer());
    const implicit = text(env.get(COMMAND, "deb-host"), "create");
    await env.reset();
    const base = digitalOceanMailServer();
    await buildMailServer(env, "deb", { ...base, digitalocean: { ...base.digitalocean!, os: "debian" } });
    assert.equal(text(env.get(COMMAND, "deb-host"), "create"), implicit);
    assert.match(implicit, /^#!\/bin\/bash/);
  });
});

describe("MailServer on FreeBSD: what is not rendered for FreeBSD is refused by its field", () => {
  let env: MockEnvironment;
  before(async () => {
    env = await installMocks();
  });
  const reject = (args: MailServerArgs) =>
    expectRejected(env, () => new MailServer("mx", args), "MailServer", "mx");
  const base = digitalOceanMailServer();

  const cases: Array<{
    name: string;
    args: MailServerArgs;
    field: string;
    value?: unknown;
    mentions: string[];
    fix: string;
  }> = [
    {
      name: "a FreeBSD droplet without a custom image",
      args: freebsdDroplet({ digitalocean: { ...base.digitalocean!, os: "freebsd" } }),
      field: "digitalocean.image",
      mentions: ["no FreeBSD image since 2022"],
      fix: "custom image",
    },
    {
      name: "a FreeBSD droplet from a Linux image",
      args: freebsdDroplet({
        digitalocean: { ...base.digitalocean!, os: "freebsd", image: "debian-12-x64" },
      }),
      field: "digitalocean.image",
      value: "debian-12-x64",
      mentions: ['os is "freebsd"'],
      fix: "FreeBSD custom image",
    },
    {
      name: "a Debian droplet from a FreeBSD image",
      args: digitalOceanMailServer({ digitalocean: { ...base.digitalocean!, image: "freebsd-14-x64-zfs" } }),
      field: "digitalocean.os",
      mentions: ["is FreeBSD"],
      fix: 'os: "freebsd"',
    },
    {
      name: "a FreeBSD Hetzner server",
      args: hetznerMailServer({
        hetzner: { sshKeys: ["admin"], sshPrivateKey: SSH_PRIVATE_KEY, os: "freebsd" },
      }),
      field: "hetzner.os",
      value: "freebsd",
      mentions: ["not supported on Hetzner Cloud"],
      fix: "existing host",
    },
    {
      name: "an OS that is not a choice",
      args: freebsdDroplet({
        digitalocean: { ...base.digitalocean!, os: "openbsd" as "freebsd", image: FREEBSD_IMAGE },
      }),
      field: "digitalocean.os",
      value: "openbsd",
      mentions: ['must be "debian" or "freebsd"'],
      fix: '"freebsd"',
    },
    {
      name: "Exim",
      args: freebsdDroplet({ mta: { kind: "exim" } }),
      field: "mta.kind",
      value: "exim",
      mentions: ['not rendered for FreeBSD hosts (digitalocean.os "freebsd")'],
      fix: '"postfix"',
    },
    {
      name: "docker-mailserver",
      args: freebsdDroplet({ mta: { kind: "docker-mailserver" } }),
      field: "mta.kind",
      value: "docker-mailserver",
      mentions: ["only Postfix's binding is"],
      fix: '"postfix"',
    },
    {
      name: "a Linux tunnel interface name",
      args: freebsdDroplet({ tunnel: { ...HE_TUNNEL, interfaceName: "he-ipv6" } }),
      field: "tunnel.interfaceName",
      value: "he-ipv6",
      mentions: ["gifN"],
      fix: '"gif0"',
    },
    {
      name: "Linux policy routing of the provider's route",
      args: freebsdDroplet({ tunnel: { ...HE_TUNNEL, providerDefaultRoute: "disable" } }),
      field: "tunnel.providerDefaultRoute",
      value: "disable",
      mentions: ["no source policy rules"],
      fix: "remove tunnel.providerDefaultRoute",
    },
    {
      name: "HE's endpoint update",
      args: freebsdDroplet({ tunnel: { ...HE_TUNNEL, username: "u", updateKey: "k" } }),
      field: "tunnel.updateKey",
      value: "(secret)",
      mentions: ["rendered for Debian hosts only"],
      fix: "tunnelbroker.net",
    },
    {
      name: "a native /64 on an existing FreeBSD host",
      args: {
        hostName: "mx3.example.org",
        zone: "example.org",
        existing: {
          ssh: { host: "192.0.2.50", privateKey: SSH_PRIVATE_KEY },
          ipv4Address: "192.0.2.50",
          ipv6Prefix: "2a01:4f8:c17:1234::/64",
          os: "freebsd",
        },
        firewall: FIREWALL,
      },
      field: "existing.ipv6Prefix",
      value: "2a01:4f8:c17:1234::/64",
      mentions: ["through a tunnel only"],
      fix: "Hurricane Electric tunnel",
    },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const error = await reject(c.args);
      assertExplained(error.problems, error.message, {
        field: c.field,
        value: c.value,
        mentions: c.mentions,
        fix: c.fix,
      });
    });
  }
});
