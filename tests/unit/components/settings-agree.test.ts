/**
 * Every setting has one declaration (net/mail-host-settings.ts): a value the component accepts, the renderer
 * renders, and a value the component refuses (naming the user's field), the renderer refuses as a broken
 * precondition, at both ends of each range; an unset value gets the same default in both.
 */
import { describe, it } from "node:test";
import * as assert from "node:assert/strict";
import { HeTunnelSettings } from "../../../components";
import { checkFirewallSettings } from "../../../components/firewall/firewall-settings";
import { checkMailServerArgs } from "../../../components/mail-server-args";
import { checkMailDnsArgs } from "../../../components/dns/mail-dns";
import { checkTunnelSettings, resolveTunnel } from "../../../components/tunnel/he-tunnel-args";
import { tunnelAddressing, tunnelSpec } from "../../../components/tunnel/he-tunnel";
import {
  renderFirewallScripts,
  renderHeEndpointUpdateScript,
  renderTunnelScripts,
  TunnelSpec,
} from "../../../host-config";
import {
  checkSetting,
  FIREWALL_ROLLBACK_SECONDS,
  HE_TUNNEL_ID,
  IntegerSetting,
  integerSetting,
  oneOfSetting,
  settingValue,
  TUNNEL_MTU,
} from "../../../net";
import { FIREWALL, HE_TUNNEL } from "./fixtures";

/** The tunnel spec the components render for the fixture tunnel. */
const TUNNEL_SPEC: TunnelSpec = tunnelSpec(
  resolveTunnel(HE_TUNNEL),
  tunnelAddressing(resolveTunnel(HE_TUNNEL), "mx1.example.org"),
  "10.0.0.5",
);

/** Values just inside and just outside an integer setting's range, and one that is not whole. */
function edges(setting: IntegerSetting): { inside: number[]; outside: number[] } {
  return {
    inside: [setting.min, setting.max],
    outside: [setting.min - 1, setting.max + 1, setting.min + 0.5],
  };
}

describe("one declaration per setting", () => {
  it("firewall.rollbackSeconds: the component and the nftables renderer agree on 10..600, default 60", () => {
    const { inside, outside } = edges(FIREWALL_ROLLBACK_SECONDS);
    assert.deepEqual([FIREWALL_ROLLBACK_SECONDS.min, FIREWALL_ROLLBACK_SECONDS.max], [10, 600]);
    const render = (rollbackSeconds?: number) =>
      renderFirewallScripts({ allowedTcpPorts: [25], adminSources: FIREWALL.adminSources, rollbackSeconds });
    for (const value of inside) {
      assert.deepEqual(checkFirewallSettings({ ...FIREWALL, rollbackSeconds: value }, "firewall."), []);
      assert.match(render(value).apply, new RegExp(`fw_seconds=${value}\\n`));
    }
    for (const value of outside) {
      const [problem] = checkFirewallSettings({ ...FIREWALL, rollbackSeconds: value }, "firewall.");
      assert.equal(problem.field, "firewall.rollbackSeconds");
      assert.equal(problem.problem, "must be a whole number of seconds from 10 to 600");
      assert.throws(() => render(value), new RegExp(`rollbackSeconds ${value} must be a whole number`));
    }
    assert.match(render(undefined).apply, /fw_seconds=60\n/, "the renderer's default is the declared one");
  });

  it("tunnel.mtu: the component and the tunnel renderer agree on 1280..1480, default 1480", () => {
    const { inside, outside } = edges(TUNNEL_MTU);
    const check = (mtu?: number) =>
      checkTunnelSettings({ ...HE_TUNNEL, mtu } as HeTunnelSettings, "tunnel.", false);
    const netdev = (mtu?: number) =>
      renderTunnelScripts({ ...TUNNEL_SPEC, mtu }).files["/etc/systemd/network/60-ipv6-mail-he-ipv6.netdev"];
    for (const value of inside) {
      assert.deepEqual(check(value), []);
      assert.match(netdev(value), new RegExp(`^MTUBytes=${value}$`, "m"));
    }
    for (const value of outside) {
      assert.deepEqual(
        check(value).map((p) => p.field),
        ["tunnel.mtu"],
      );
      assert.throws(() => netdev(value), /host-config tunnel: mtu/);
    }
    assert.match(netdev(undefined), /^MTUBytes=1480$/m);
  });

  it("tunnel.tunnelId and interface names: one pattern for the component and the renderers", () => {
    for (const [tunnelId, valid] of [
      ["912345", true],
      ["1234567890", true],
      ["12345678901", false],
      ["12a", false],
    ] as const) {
      const problems = checkTunnelSettings({ ...HE_TUNNEL, tunnelId }, "tunnel.", false);
      assert.equal(problems.length === 0, valid, `component on ${tunnelId}`);
      const render = () => renderHeEndpointUpdateScript({ tunnelId, clientIpv4: "203.0.113.7" });
      if (valid) render();
      else assert.throws(render, /tunnelId/);
      assert.equal(HE_TUNNEL_ID.accepts(tunnelId), valid);
    }
    for (const [name, valid] of [
      ["he-ipv6", true],
      ["eth0.100", true],
      ["veth0@if5", false],
      ["this-name-is-too-long", false],
    ] as const) {
      const problems = checkTunnelSettings({ ...HE_TUNNEL, providerInterface: name }, "tunnel.", false);
      assert.equal(problems.length === 0, valid, `component on ${name}`);
      const render = () => renderTunnelScripts({ ...TUNNEL_SPEC, providerInterface: name });
      if (valid) render();
      else assert.throws(render, /providerInterface/);
    }
  });

  it("MailServer checks the settings nothing checked before, under the fields the user set", () => {
    const problems = checkMailServerArgs({
      hostName: "mx3.example.org",
      zone: "example.org",
      existing: { ssh: { host: "192.0.2.50", privateKey: "key" }, ipv6Prefix: "2a01:4f8:c17:1234::/64" },
      firewall: FIREWALL,
      mta: { bindIpv4: true },
      nativeInterface: "eth0; reboot",
      dns: { spfAuthorize: "all" as "prefix" },
    });
    assert.deepEqual(
      problems.map((p) => p.field),
      ["nativeInterface", "mta.bindIpv4"],
    );
    const dns = checkMailDnsArgs(
      {
        zone: "example.org",
        hostName: "mx3.example.org",
        smtpAddress: "2a01:4f8:c17:1234::25",
        dedicatedPrefix: "2a01:4f8:c17:1234::/64",
        spfAuthorize: "all" as "prefix",
        cloudflare: { zoneId: "z" },
      },
      "dns",
    );
    assert.deepEqual(
      dns.map((p) => [p.field, p.problem]),
      [["spfAuthorize", 'must be "prefix" or "address"']],
    );
  });

  it("checkSetting names the user's field; settingValue applies the default and asserts", () => {
    const port = integerSetting({ min: 1, max: 65535, default: 22, fix: "use 22" });
    assert.deepEqual(checkSetting(port, undefined, "sshPort"), []);
    assert.deepEqual(checkSetting(port, undefined, "sshPort", true), [
      {
        field: "sshPort",
        value: undefined,
        problem: "must be a whole number from 1 to 65535",
        fix: "use 22",
      },
    ]);
    assert.equal(settingValue(port, undefined, "renderer: sshPort"), 22);
    assert.throws(() => settingValue(port, 0, "renderer: sshPort"), /^Error: renderer: sshPort 0 must be/);
    const all = oneOfSetting({ values: ["-all", "~all"] as const, fix: "use -all" });
    assert.equal(checkSetting(all, "+all", "spfAll")[0].problem, 'must be "-all" or "~all"');
    assert.throws(() => settingValue(all, undefined, "renderer: spfAll"), /is required/);
  });
});
