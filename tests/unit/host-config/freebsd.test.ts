import { describe, it } from "node:test";
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
  FirewallSpec,
  firewallFacts,
  FREEBSD_PF_ADMIN_TABLE,
  FREEBSD_PF_CONF_PATH,
  FREEBSD_POSTFIX_MAIN_CF,
  FREEBSD_RC_CONF_PATH,
  freebsdPfFacts,
  postfixSettings,
  PostfixSpec,
  renderFreebsdMailHost,
  renderFreebsdPfConf,
  renderFreebsdPostfix,
  renderFreebsdTunnelRcConf,
  TunnelSpec,
} from "../../../host-config";
import { postfixBox } from "./postfix-stub";
import { SEED_004 } from "./freebsd-seed";

/** Runs `script` with POSIX sh (dash here: no bash-isms pass), `args` before it. */
function sh(args: string[], script: string, env: Record<string, string> = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ipv6-mail-freebsd-"));
  const file = path.join(dir, "fragment.sh");
  fs.writeFileSync(file, script);
  try {
    return spawnSync("sh", [...args, file], { encoding: "utf8", env: { PATH: "/usr/bin:/bin", ...env } });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** The variables an rc.conf fragment sets, as rc(8) would see them after sourcing it over an empty rc.conf. */
function rcVariables(fragment: string): Record<string, string> {
  const run = sh([], `${fragment}\nset\n`);
  assert.equal(run.status, 0, run.stderr);
  const vars: Record<string, string> = {};
  for (const line of run.stdout.split("\n")) {
    const m = /^([a-z][A-Za-z0-9_]*)='(.*)'$/.exec(line);
    if (m) vars[m[1]] = m[2];
  }
  return vars;
}

describe("FreeBSD rc.conf tunnel lines", () => {
  const table: Array<{ name: string; spec: TunnelSpec; expected: Record<string, string> }> = [
    {
      name: "seed 004 (gif0, default MTU)",
      spec: SEED_004,
      expected: {
        cloned_interfaces: " gif0",
        create_args_gif0: "tunnel 188.166.79.215 216.66.84.46 mtu 1480",
        ifconfig_gif0_ipv6: "inet6 2001:470:1f14:106a::2 2001:470:1f14:106a::1 prefixlen 128",
        ifconfig_gif0_alias0: "inet6 2001:470:1f15:106a::215 prefixlen 128",
        ipv6_defaultrouter: "-iface gif0",
        ipv6_static_routes: " ipv6_mail_2001_470_1f15_106a___64",
        ipv6_route_ipv6_mail_2001_470_1f15_106a___64: "2001:470:1f15:106a:: -prefixlen 64 ::1 -reject",
      },
    },
    {
      name: "gif1, MTU 1280, a routed /48, non-canonical input",
      spec: {
        ...SEED_004,
        interfaceName: "gif1",
        mtu: 1280,
        heServerIpv4: "198.51.100.9",
        localIpv4: "10.0.0.5",
        linkClientAddress: "2001:DB8:0:7::2",
        linkServerAddress: "2001:db8:0:7:0:0:0:1",
        routedPrefix: "2001:db8:25::/64",
        routed48: "2001:db8:4800::/48",
        smtpAddress: "2001:db8:25:0::25",
      },
      expected: {
        create_args_gif1: "tunnel 10.0.0.5 198.51.100.9 mtu 1280",
        ifconfig_gif1_ipv6: "inet6 2001:db8:0:7::2 2001:db8:0:7::1 prefixlen 128",
        ifconfig_gif1_alias0: "inet6 2001:db8:25::25 prefixlen 128",
        ipv6_defaultrouter: "-iface gif1",
        ipv6_static_routes: " ipv6_mail_2001_db8_25___64 ipv6_mail_2001_db8_4800___48",
        ipv6_route_ipv6_mail_2001_db8_25___64: "2001:db8:25:: -prefixlen 64 ::1 -reject",
        ipv6_route_ipv6_mail_2001_db8_4800___48: "2001:db8:4800:: -prefixlen 48 ::1 -reject",
      },
    },
  ];
  for (const { name, spec, expected } of table) {
    it(`${name}: passes sh -n and sets exactly the expected variables`, () => {
      const fragment = renderFreebsdTunnelRcConf(spec);
      const check = sh(["-n"], fragment);
      assert.equal(check.status, 0, check.stderr);
      const vars = rcVariables(fragment);
      for (const [key, value] of Object.entries(expected)) assert.equal(vars[key], value, key);
      const ours = Object.keys(vars).filter((k) => /^(cloned_|create_args_|ifconfig_|ipv6_)/.test(k));
      const want = Object.keys(expected).filter((k) => k !== "cloned_interfaces");
      assert.deepEqual(ours.filter((k) => k !== "cloned_interfaces").sort(), want.sort());
    });
  }

  it("puts each service address on the tunnel as a further /128 alias after the mail address", () => {
    const vars = rcVariables(
      renderFreebsdTunnelRcConf({
        ...SEED_004,
        serviceAddresses: ["2001:470:1f15:106a::80", "2001:470:1f15:106a:0:0:0:443"],
      }),
    );
    assert.equal(vars.ifconfig_gif0_alias0, "inet6 2001:470:1f15:106a::215 prefixlen 128");
    assert.equal(vars.ifconfig_gif0_alias1, "inet6 2001:470:1f15:106a::80 prefixlen 128");
    assert.equal(vars.ifconfig_gif0_alias2, "inet6 2001:470:1f15:106a::443 prefixlen 128");
    assert.throws(
      () => renderFreebsdTunnelRcConf({ ...SEED_004, serviceAddresses: ["2001:470:1f14:106a::80"] }),
      /2001:470:1f14:106a::80/,
      "a service address outside the routed /64 is refused as on Linux",
    );
  });

  it("appends to interfaces and routes the host's rc.conf already names", () => {
    const fragment = renderFreebsdTunnelRcConf(SEED_004);
    const vars = rcVariables(`cloned_interfaces="lagg0"\nipv6_static_routes="lan"\n${fragment}`);
    assert.deepEqual(vars.cloned_interfaces.split(" "), ["lagg0", "gif0"]);
    assert.deepEqual(vars.ipv6_static_routes.split(" "), ["lan", "ipv6_mail_2001_470_1f15_106a___64"]);
  });

  it("refuses an interface FreeBSD cannot clone as a gif tunnel, naming the field and the fix", () => {
    assert.throws(
      () => renderFreebsdTunnelRcConf({ ...SEED_004, interfaceName: "he-ipv6" }),
      /FreeBSD tunnel: interfaceName "he-ipv6" is not a FreeBSD gif interface.*"gif0"/,
    );
  });

  it("refuses what the Linux renderer refuses: the mail address outside the routed /64", () => {
    assert.throws(
      () => renderFreebsdTunnelRcConf({ ...SEED_004, smtpAddress: "2001:470:1f14:106a::25" }),
      /smtpAddress 2001:470:1f14:106a::25 is not inside routedPrefix 2001:470:1f15:106a::\/64/,
    );
  });
});

const FIREWALL: FirewallSpec = {
  allowedTcpPorts: [993, 25, 587, 465, 587, 22],
  sshPort: 22,
  adminSources: ["2001:db8:a::/48", "2001:db8:a:1::/64", "2001:db8:b::7", "192.0.2.0/24"],
  heServerIpv4: "216.66.84.46",
  tunnelInterface: "gif0",
};

function rules(conf: string): string[] {
  return conf.split("\n").filter((line) => line !== "" && !line.startsWith("#"));
}

describe("FreeBSD pf.conf", () => {
  it("renders the expected rules for a tunnel host with IPv6 admins", () => {
    assert.deepEqual(rules(renderFreebsdPfConf(FIREWALL)), [
      `table <${FREEBSD_PF_ADMIN_TABLE}> const { 2001:db8:a::/48, 2001:db8:b::7/128 }`,
      "set skip on lo0",
      "block drop in quick inet proto 41 from ! 216.66.84.46 to any",
      "pass quick inet all no state",
      "pass out quick inet6 all keep state",
      "block drop in quick on gif0 inet6 proto icmp6 icmp6-type routeradv",
      "pass in quick inet6 proto icmp6 from any to any icmp6-type { neighbrsol, neighbradv, unreach, toobig, timex, paramprob, echoreq, echorep } no state",
      "pass in quick inet6 proto icmp6 from fe80::/10 to any icmp6-type { routeradv, listqry, listenrep, 143 } no state",
      "pass in quick inet6 proto udp from fe80::/10 port 547 to any port 546 no state",
      "pass in quick inet6 proto tcp from any to any port { 25, 465, 587, 993 } keep state",
      `pass in quick inet6 proto tcp from <${FREEBSD_PF_ADMIN_TABLE}> to any port 22 keep state`,
      "block drop in quick inet6 all",
    ]);
  });

  it("renders a native host without IPv6 admins and with port 25 reset: SSH stays IPv4 only", () => {
    const conf = renderFreebsdPfConf({
      allowedTcpPorts: [25, 587],
      sshPort: 2222,
      adminSources: ["203.0.113.4"],
      rejectSmtpOverIpv6: true,
    });
    const r = rules(conf);
    assert.ok(!r.some((line) => line.startsWith("table ")), conf);
    assert.ok(!r.some((line) => line.includes("proto 41")), conf);
    assert.ok(!r.some((line) => line.includes("port 2222")), conf);
    assert.match(conf, /# no IPv6 admin source: SSH \(2222\) is reachable over IPv4 only/);
    const reset = r.indexOf("block return-rst in quick inet6 proto tcp from any to any port 25");
    const open = r.indexOf("pass in quick inet6 proto tcp from any to any port 587 keep state");
    assert.ok(reset >= 0 && open > reset, conf);
  });

  it("opens a service's ports on its own address only, from its sources, and says pf in the facts", () => {
    const spec: FirewallSpec = {
      ...FIREWALL,
      services: [
        {
          name: "web",
          interfaceId: "::80",
          address: "2001:470:1f15:106a::80",
          recordName: "www.peek.ru",
          ptr: false,
          ports: [{ port: 443, sources: ["::/0"] }],
        },
        {
          name: "desk",
          interfaceId: "::3389",
          address: "2001:470:1f15:106a:0::3389",
          recordName: "desk.peek.ru",
          ptr: false,
          ports: [{ port: 3389, sources: ["2001:db8:a::/48", "2001:db8:b::7"] }],
        },
      ],
    };
    const r = rules(renderFreebsdPfConf(spec));
    assert.ok(
      r.includes("pass in quick inet6 proto tcp from any to 2001:470:1f15:106a::80 port 443 keep state"),
    );
    assert.ok(
      r.includes(
        "pass in quick inet6 proto tcp from { 2001:db8:a::/48, 2001:db8:b::7 } to 2001:470:1f15:106a::3389 port 3389 keep state",
      ),
    );
    assert.ok(
      r.includes("pass in quick inet6 proto tcp from any to any port { 25, 465, 587, 993 } keep state"),
      "the mail ports stay open on every address, and no service port joins them",
    );
    assert.equal(freebsdPfFacts(spec).engine, "pf");
    assert.deepEqual({ ...freebsdPfFacts(spec), engine: "nftables" }, firewallFacts(spec));
    assert.throws(
      () => renderFreebsdPfConf({ ...spec, services: [{ ...spec.services![0], address: undefined }] }),
      /FreeBSD pf: service web has no address yet/,
    );
  });

  const specs: FirewallSpec[] = [
    FIREWALL,
    { allowedTcpPorts: [25], adminSources: ["2001:db8::/32"] },
    { allowedTcpPorts: [], adminSources: [], rejectSmtpOverIpv6: true },
  ];
  for (const [i, spec] of specs.entries()) {
    it(`invariants of spec ${i}: ND passes, IPv4 passes, ports and sources are the firewall facts'`, () => {
      const r = rules(renderFreebsdPfConf(spec));
      const facts = firewallFacts(spec);
      const quickIpv4Pass = r.indexOf("pass quick inet all no state");
      assert.ok(quickIpv4Pass >= 0, "IPv4 passes without state: the IPv4 SSH path is never cut");
      assert.ok(
        r.slice(0, quickIpv4Pass).every((line) => !/^block/.test(line) || line.includes("proto 41")),
        "no IPv4 block before the IPv4 pass but 6in4's",
      );
      const nd = r.find((line) => line.includes("icmp6-type") && line.includes("from any"));
      assert.ok(nd && /\bneighbrsol\b/.test(nd) && /\bneighbradv\b/.test(nd) && /\btoobig\b/.test(nd));
      const linkLocal = r.find((line) => line.includes("icmp6-type") && line.includes("from fe80::/10"));
      assert.ok(linkLocal && /\brouteradv\b/.test(linkLocal));
      assert.equal(r[r.length - 1], "block drop in quick inet6 all", "IPv6 input is blocked by default");
      for (const open of facts.ipv6Input.open) {
        const from = open.sources.includes("::/0") ? "any" : `<${FREEBSD_PF_ADMIN_TABLE}>`;
        assert.ok(
          r.some(
            (line) =>
              line.startsWith(`pass in quick inet6 proto tcp from ${from} to any port `) &&
              new RegExp(`port (\\{ [^}]*\\b${open.port}\\b[^}]*\\}|${open.port}) keep state$`).test(line),
          ),
          `port ${open.port} open to ${open.sources.join(", ")}`,
        );
      }
      const ipv6Passes = r.filter((line) => line.startsWith("pass in quick inet6 proto tcp"));
      assert.equal(
        ipv6Passes.reduce((n, line) => n + (/port \{ (.*) \}/.exec(line)?.[1].split(", ").length ?? 1), 0),
        facts.ipv6Input.open.length,
        "no TCP port open that the facts do not list",
      );
    });
  }
});

describe("FreeBSD Postfix binding", () => {
  const table: Array<{ spec: PostfixSpec; bind6: string }> = [
    {
      spec: { smtpAddress: "2001:470:1f15:106a::215", hostName: "z.peek.ru" },
      bind6: "2001:470:1f15:106a::215",
    },
    {
      spec: { smtpAddress: "2001:DB8:25:0::25", hostName: "Mail.Example.ORG", smtpIpv4: "192.0.2.25" },
      bind6: "2001:db8:25::25",
    },
  ];
  for (const { spec, bind6 } of table) {
    it(`binds ${spec.smtpAddress} with the Linux settings, and its command applies them`, () => {
      const binding = renderFreebsdPostfix(spec);
      const settings = postfixSettings(spec);
      assert.equal(binding.mainCf, settings.map(([k, v]) => `${k} = ${v}\n`).join(""));
      assert.match(
        binding.mainCf,
        new RegExp(`^smtp_bind_address6 = ${bind6}$`, "m"),
        "SMTP bind = SMTP address",
      );
      assert.match(binding.mainCf, /^smtp_bind_address_enforce = yes$/m);

      const box = postfixBox("3.8.4");
      try {
        box.stub("service", "exit 0");
        const run = sh([], binding.command, {
          PATH: `${box.bin}:/usr/bin:/bin`,
          IPV6_MAIL_ROOT: box.root,
          STUB_LOG: box.log,
        });
        assert.equal(run.status, 0, run.stderr);
        const mainCf = box.read("etc/postfix/main.cf");
        for (const [k, v] of settings)
          assert.match(mainCf, new RegExp(`^${k} = ${v.replace(/\./g, "\\.")}$`, "m"));
        assert.deepEqual(box.calls().at(-1), "service postfix restart");
      } finally {
        box.dispose();
      }
    });
  }
});

describe("FreeBSD mail host files", () => {
  const postfix: PostfixSpec = { smtpAddress: SEED_004.smtpAddress, hostName: "z.peek.ru" };

  it("renders rc.conf.local (sh syntax), pf.conf and main.cf, all naming the same mail address", () => {
    const host = renderFreebsdMailHost({ tunnel: SEED_004, firewall: FIREWALL, postfix });
    assert.deepEqual(
      Object.keys(host.files).sort(),
      [FREEBSD_PF_CONF_PATH, FREEBSD_RC_CONF_PATH, FREEBSD_POSTFIX_MAIN_CF].sort(),
    );
    const rc = host.files[FREEBSD_RC_CONF_PATH];
    const check = sh(["-n"], rc);
    assert.equal(check.status, 0, check.stderr);
    const vars = rcVariables(rc);
    assert.equal(vars.pf_enable, "YES");
    assert.equal(vars.pf_rules, FREEBSD_PF_CONF_PATH);
    assert.equal(vars.postfix_enable, "YES");
    assert.equal(vars.ipv6_defaultrouter, "-iface gif0");
    assert.equal(vars.ifconfig_gif0_alias0, `inet6 ${SEED_004.smtpAddress} prefixlen 128`);
    assert.match(
      host.files[FREEBSD_POSTFIX_MAIN_CF],
      new RegExp(`^smtp_bind_address6 = ${SEED_004.smtpAddress}$`, "m"),
    );
    assert.equal(host.files[FREEBSD_PF_CONF_PATH], renderFreebsdPfConf(FIREWALL));
    assert.equal(host.postfixCommand, renderFreebsdPostfix(postfix).command);
  });

  it("a native host (no tunnel, no Postfix) gets pf only", () => {
    const host = renderFreebsdMailHost({ firewall: { allowedTcpPorts: [25], adminSources: [] } });
    assert.deepEqual(Object.keys(host.files).sort(), [FREEBSD_PF_CONF_PATH, FREEBSD_RC_CONF_PATH].sort());
    const vars = rcVariables(host.files[FREEBSD_RC_CONF_PATH]);
    assert.equal(vars.pf_enable, "YES");
    assert.equal(vars.postfix_enable, undefined);
    assert.ok(!Object.keys(vars).some((k) => k.includes("gif")), "no tunnel lines");
    assert.equal(host.postfixCommand, undefined);
  });

  it("refuses a firewall guarding another tunnel interface than the tunnel's gif", () => {
    assert.throws(
      () =>
        renderFreebsdMailHost({ tunnel: SEED_004, firewall: { ...FIREWALL, tunnelInterface: "he-ipv6" } }),
      /FreeBSD mail host: firewall.tunnelInterface "he-ipv6" is not the tunnel's interface gif0; set tunnelInterface to "gif0"/,
    );
  });
});
