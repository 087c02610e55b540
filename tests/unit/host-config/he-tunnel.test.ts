import { describe, it } from "node:test";
import * as assert from "node:assert/strict";
import {
  RESULT_CHANGED,
  RESULT_FAILED,
  RESULT_UNCHANGED,
  renderTunnelScripts,
  TUNNEL_KEEPALIVE_UNIT,
  TunnelSpec,
} from "../../../host-config";
import { assertScriptLints, describeRun, resultLine, Sandbox } from "./shell-harness";

const KEEP: TunnelSpec = {
  heServerIpv4: "198.51.100.9",
  localIpv4: "10.0.0.5",
  linkClientAddress: "2001:470:1f0a:123::2",
  linkServerAddress: "2001:470:1f0a:123::1",
  routedPrefix: "2001:470:1f0b:123::/64",
  smtpAddress: "2001:470:1f0b:123::25",
  providerDefaultRoute: "keep",
  providerPrefix: "2a03:b0c0:3:d0::/64",
};
const DISABLE: TunnelSpec = {
  ...KEEP,
  providerDefaultRoute: "disable",
  providerInterface: "eth0",
  providerPrefix: undefined,
  routed48: "2001:470:abcd::/48",
  mtu: 1280,
};
const NETDEV = "/etc/systemd/network/60-ipv6-mail-he-ipv6.netdev";
const NETWORK = "/etc/systemd/network/60-ipv6-mail-he-ipv6.network";
const KEEPALIVE_SERVICE = `/etc/systemd/system/${TUNNEL_KEEPALIVE_UNIT}.service`;
const KEEPALIVE_TIMER = `/etc/systemd/system/${TUNNEL_KEEPALIVE_UNIT}.timer`;

function lines(text: string): string[] {
  return text.split("\n");
}

describe("HE tunnel rendering", () => {
  it("renders an independent sit netdev with TTL 255 and the MTU", () => {
    const netdev = lines(renderTunnelScripts(KEEP).files[NETDEV]);
    for (const l of ["[NetDev]", "Name=he-ipv6", "Kind=sit", "MTUBytes=1480", "[Tunnel]", "Local=10.0.0.5"]) {
      assert.ok(netdev.includes(l), l);
    }
    for (const l of ["Remote=198.51.100.9", "TTL=255", "Independent=yes"]) assert.ok(netdev.includes(l), l);
    assert.ok(lines(renderTunnelScripts(DISABLE).files[NETDEV]).includes("MTUBytes=1280"));
  });

  it("puts the link /64, the mail /128 and a sourced default route in the tunnel's .network", () => {
    const network = renderTunnelScripts(KEEP).files[NETWORK];
    assert.match(network, /^\[Match\]\nName=he-ipv6$/m);
    assert.match(network, /^Address=2001:470:1f0a:123::2\/64$/m);
    assert.match(network, /^Address=2001:470:1f0b:123::25\/128$/m);
    assert.match(
      network,
      /\[Route\]\nDestination=::\/0\nGateway=2001:470:1f0a:123::1\nGatewayOnLink=yes\nPreferredSource=2001:470:1f0b:123::25\nTable=4641\nMetric=100\n/,
    );
    assert.match(network, /\[Route\]\nType=unreachable\nDestination=2001:470:1f0b:123::\/64\n/);
    assert.match(
      network,
      /\[RoutingPolicyRule\]\nFamily=ipv6\nFrom=2a03:b0c0:3:d0::\/64\nTable=main\nPriority=10641\n/,
    );
    assert.match(
      network,
      /\[RoutingPolicyRule\]\nFamily=ipv6\nTable=main\nSuppressPrefixLength=0\nPriority=10642\n/,
    );
    assert.match(network, /\[RoutingPolicyRule\]\nFamily=ipv6\nTable=4641\nPriority=10643\n$/);
    assert.match(network, /^IPv6AcceptRA=no$/m);
  });

  it("disable: turns off the provider's RA default route and has no provider rule", () => {
    const r = renderTunnelScripts(DISABLE);
    assert.equal(
      r.files["/etc/sysctl.d/60-ipv6-mail-eth0.conf"].split("\n")[1],
      "net.ipv6.conf.eth0.accept_ra_defrtr = 0",
    );
    assert.doesNotMatch(r.files[NETWORK], /From=/);
    assert.match(r.files[NETWORK], /Destination=2001:470:abcd::\/48/);
    assert.match(r.apply, /ip -6 route del default dev "\$tun_provider_if" proto ra/);
    assert.equal(renderTunnelScripts(KEEP).files["/etc/sysctl.d/60-ipv6-mail-eth0.conf"], undefined);
  });

  it("keeps networkd away from routes and rules it does not own", () => {
    const conf = renderTunnelScripts(KEEP).files["/etc/systemd/networkd.conf.d/60-ipv6-mail.conf"];
    assert.match(conf, /^ManageForeignRoutes=no$/m);
    assert.match(conf, /^ManageForeignRoutingPolicyRules=no$/m);
  });

  it("rejects inconsistent specs with the field and the fix", () => {
    assert.throws(
      () => renderTunnelScripts({ ...KEEP, smtpAddress: "2001:470:1f0a:123::25" }),
      /not inside routedPrefix/,
    );
    assert.throws(
      () => renderTunnelScripts({ ...KEEP, providerDefaultRoute: "disable" }),
      /"disable" needs providerInterface/,
    );
    assert.throws(() => renderTunnelScripts({ ...KEEP, mtu: 1500 }), /mtu 1500/);
    assert.throws(
      () => renderTunnelScripts({ ...KEEP, interfaceName: "this-name-is-too-long" }),
      /interfaceName/,
    );
  });

  it("renders a daily, persistent keepalive that pings HE's end of the link over the tunnel", () => {
    const r = renderTunnelScripts({ ...DISABLE, interfaceName: "he0" });
    const service = lines(r.files[KEEPALIVE_SERVICE]);
    assert.ok(service.includes("Type=oneshot"));
    assert.ok(service.includes("ExecStart=/bin/ping -6 -n -q -c 3 -W 5 -I he0 2001:470:1f0a:123::1"));
    const timer = lines(r.files[KEEPALIVE_TIMER]);
    for (const line of ["OnCalendar=daily", "Persistent=true", "WantedBy=timers.target"]) {
      assert.ok(timer.includes(line), line);
    }
  });

  it("is deterministic and lints clean", () => {
    for (const spec of [KEEP, DISABLE, { ...KEEP, verifyPing: false, providerPrefix: undefined }]) {
      const a = renderTunnelScripts(spec);
      assert.deepEqual(a, renderTunnelScripts({ ...spec }));
      assertScriptLints(a.apply, "tunnel apply");
      assertScriptLints(a.remove, "tunnel remove");
    }
  });
});

/** Stub ip/networkctl/systemctl/ping/sleep: the link "comes up" when networkd (re)loads. */
function tunnelBox(): Sandbox {
  const box = new Sandbox();
  box.stub(
    "ip",
    String.raw`st="$IPV6_MAIL_ROOT/.stub-state"
case "$*" in
  "link show dev he-ipv6" | "-o link show dev he-ipv6")
    [ -f "$st/link" ] || exit 1
    echo "9: he-ipv6@NONE: <NOARP,UP,LOWER_UP> mtu 1480 qdisc noqueue state UNKNOWN" ;;
  "-6 addr show dev he-ipv6")
    [ -f "$st/link" ] && echo "    inet6 2001:470:1f0b:123::25/128 scope global" ;;
  "-6 route get "*)
    [ -f "$st/link" ] && echo "$4 from :: via 2001:470:1f0a:123::1 dev he-ipv6 table 4641 src 2001:470:1f0b:123::25 metric 100 pref medium" ;;
  "link delete dev he-ipv6") rm -f "$st/link" ;;
esac
exit 0`,
  );
  const up = String.raw`mkdir -p "$IPV6_MAIL_ROOT/.stub-state"; [ -n "${"$"}{STUB_NO_LINK:-}" ] || touch "$IPV6_MAIL_ROOT/.stub-state/link"`;
  box.stub("networkctl", `case "$1" in reload) ${up} ;; esac\nexit 0`);
  box.stub("systemctl", `case "$1" in restart | enable) ${up} ;; esac\nexit 0`);
  box.stub("ping", 'exit "${STUB_PING_RC:-0}"');
  box.stub("sleep", "exit 0");
  box.stub("sysctl", 'case "$1" in -n) echo 1 ;; esac\nexit 0');
  return box;
}

function calls(box: Sandbox, pattern: RegExp): string[] {
  return box.calls().filter((c) => pattern.test(c));
}

describe("HE tunnel scripts against stub commands", () => {
  it("applies once, then changes nothing and touches no interface", () => {
    const box = tunnelBox();
    try {
      const r = renderTunnelScripts(KEEP);
      const first = box.run(r.apply);
      assert.equal(first.status, 0, describeRun(first));
      assert.equal(resultLine(first), RESULT_CHANGED);
      assert.equal(box.read(NETDEV.slice(1)), r.files[NETDEV]);
      assert.equal(box.read(NETWORK.slice(1)), r.files[NETWORK]);
      assert.match(first.stdout, /he-ipv6 is up; IPv6 leaves from 2001:470:1f0b:123::25/);
      assert.deepEqual(calls(box, /^ping /), ["ping -6 -c 3 -W 2 2001:470:1f0a:123::1"]);
      assert.equal(box.read(KEEPALIVE_TIMER.slice(1)), r.files[KEEPALIVE_TIMER]);
      assert.equal(box.read(KEEPALIVE_SERVICE.slice(1)), r.files[KEEPALIVE_SERVICE]);
      assert.equal(calls(box, /^systemctl daemon-reload$/).length, 1, "systemd reads the new units");
      box.clearCalls();
      const second = box.run(r.apply);
      assert.equal(second.status, 0, describeRun(second));
      assert.equal(resultLine(second), RESULT_UNCHANGED);
      assert.deepEqual(
        calls(
          box,
          /^(networkctl reload|networkctl reconfigure|systemctl (restart|daemon-reload|enable)|ip link delete)/,
        ),
        [],
      );
      assert.equal(calls(box, /^ip -6 route get 2001:4860:4860::8888$/).length, 1, "still verified");
    } finally {
      box.dispose();
    }
  });

  it("recreates the netdev when its endpoint changes", () => {
    const box = tunnelBox();
    try {
      assert.equal(resultLine(box.run(renderTunnelScripts(KEEP).apply)), RESULT_CHANGED);
      box.clearCalls();
      const moved = box.run(renderTunnelScripts({ ...KEEP, heServerIpv4: "198.51.100.77" }).apply);
      assert.equal(resultLine(moved), RESULT_CHANGED, describeRun(moved));
      assert.deepEqual(calls(box, /^(ip link delete|networkctl reload)/), [
        "ip link delete dev he-ipv6",
        "networkctl reload",
      ]);
      assert.match(box.read(NETDEV.slice(1)), /^Remote=198\.51\.100\.77$/m);
    } finally {
      box.dispose();
    }
  });

  it("names the HE server when the tunnel does not answer, and restores the previous files", () => {
    const box = tunnelBox();
    try {
      const before = renderTunnelScripts(KEEP);
      assert.equal(resultLine(box.run(before.apply)), RESULT_CHANGED);
      const run = box.run(renderTunnelScripts({ ...KEEP, heServerIpv4: "198.51.100.77" }).apply, {
        env: { STUB_PING_RC: "1" },
      });
      assert.equal(run.status, 1, describeRun(run));
      assert.equal(resultLine(run), RESULT_FAILED);
      assert.match(
        run.stderr,
        /HE server 198\.51\.100\.77 did not answer on the tunnel \(2001:470:1f0a:123::1\): check heServerIpv4, localIpv4 and that protocol 41 reaches this host/,
      );
      assert.equal(box.read(NETDEV.slice(1)), before.files[NETDEV], "previous netdev restored");
    } finally {
      box.dispose();
    }
  });

  it("fails clearly and leaves nothing behind when the link never comes up", () => {
    const box = tunnelBox();
    try {
      const run = box.run(renderTunnelScripts(KEEP).apply, { env: { STUB_NO_LINK: "1" } });
      assert.equal(run.status, 1, describeRun(run));
      assert.match(run.stderr, /he-ipv6 did not come up with 2001:470:1f0b:123::25 within 30 s/);
      assert.equal(box.exists(NETDEV.slice(1)), false);
      assert.equal(box.exists(NETWORK.slice(1)), false);
    } finally {
      box.dispose();
    }
  });

  it("refuses when the SSH session arrives at an address whose answers would leave through HE", () => {
    const box = tunnelBox();
    try {
      const run = box.run(renderTunnelScripts(DISABLE).apply, {
        env: { SSH_CONNECTION: "2001:db8:99::1 50000 2a03:b0c0:3:d0::10 22" },
      });
      assert.equal(run.status, 1, describeRun(run));
      assert.match(run.stderr, /this SSH session arrives at 2a03:b0c0:3:d0::10 over IPv6/);
      assert.equal(box.exists(NETDEV.slice(1)), false);
      const keep = box.run(renderTunnelScripts(KEEP).apply, {
        env: { SSH_CONNECTION: "2001:db8:99::1 50000 2a03:b0c0:3:d0::10 22" },
      });
      assert.equal(resultLine(keep), RESULT_CHANGED, describeRun(keep));
      const v4 = box.run(renderTunnelScripts(KEEP).apply, {
        env: { SSH_CONNECTION: "192.0.2.1 50000 192.0.2.2 22" },
      });
      assert.equal(resultLine(v4), RESULT_UNCHANGED, describeRun(v4));
    } finally {
      box.dispose();
    }
  });

  it("disable mode installs the sysctl file and restores the old value on remove", () => {
    const box = tunnelBox();
    try {
      const r = renderTunnelScripts(DISABLE);
      const run = box.run(r.apply);
      assert.equal(resultLine(run), RESULT_CHANGED, describeRun(run));
      assert.ok(calls(box, /^sysctl -q -w net\.ipv6\.conf\.eth0\.accept_ra_defrtr=0$/).length === 1);
      assert.equal(
        box.read("etc/sysctl.d/60-ipv6-mail-eth0.conf"),
        r.files["/etc/sysctl.d/60-ipv6-mail-eth0.conf"],
      );
      box.clearCalls();
      const removed = box.run(r.remove);
      assert.equal(resultLine(removed), RESULT_CHANGED, describeRun(removed));
      assert.ok(calls(box, /^sysctl -q -w net\.ipv6\.conf\.eth0\.accept_ra_defrtr=1$/).length === 1);
      for (const f of Object.keys(r.files).filter((f) => !f.includes("networkd.conf.d"))) {
        assert.equal(box.exists(f.slice(1)), false, f);
      }
      assert.ok(calls(box, /^ip link delete dev he-ipv6$/).length === 1);
      assert.ok(
        calls(box, new RegExp(`^systemctl disable --now --quiet ${TUNNEL_KEEPALIVE_UNIT}\\.timer$`))
          .length === 1,
      );
      assert.equal(box.exists(KEEPALIVE_TIMER.slice(1)), false, "keepalive timer removed");
      assert.equal(resultLine(box.run(r.remove)), RESULT_UNCHANGED);
    } finally {
      box.dispose();
    }
  });
});
