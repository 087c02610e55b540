import { describe, it } from "node:test";
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import {
  composeFreebsdHostScripts,
  FREEBSD_PF_CONF_PATH,
  FREEBSD_RC_CONF_PATH,
  FREEBSD_STATE_DIR,
  FreebsdHostScriptsSpec,
  renderFreebsdPfConf,
  RESULT_CHANGED,
  RESULT_FAILED,
  RESULT_UNCHANGED,
  TunnelSpec,
} from "../../../host-config";
import { postfixBox } from "./postfix-stub";
import { SEED_004 } from "./freebsd-seed";
import { assertScriptLints, describeRun, resultLine, Sandbox } from "./shell-harness";

const TUNNEL: TunnelSpec = {
  ...SEED_004,
  interfaceName: "gif0",
  serviceAddresses: ["2001:470:1f15:106a::80"],
};

const SPEC: FreebsdHostScriptsSpec = {
  hostName: "z.peek.ru",
  tunnel: TUNNEL,
  firewall: {
    allowedTcpPorts: [25, 587],
    adminSources: ["2001:db8:a::/48"],
    heServerIpv4: TUNNEL.heServerIpv4,
    tunnelInterface: "gif0",
    services: [
      {
        name: "www",
        interfaceId: "::80",
        address: "2001:470:1f15:106a::80",
        recordName: "www.peek.ru",
        ptr: false,
        ports: [{ port: 443, sources: ["::/0"] }],
      },
    ],
  },
  postfix: { smtpAddress: TUNNEL.smtpAddress, hostName: "z.peek.ru" },
};

/** A scratch FreeBSD: stand-ins for the base system's commands, Postfix's `postconf`, and what each reports. */
function freebsdBox(opts: { uname?: string; gifHolds?: string } = {}): Sandbox {
  const box = postfixBox("3.8.4");
  box.stub("uname", `echo ${opts.uname ?? "FreeBSD"}`);
  box.stub("service", "exit 0");
  box.stub("kldload", "exit 0");
  box.stub("nohup", "exit 0");
  box.stub("ping", "exit 0");
  box.stub("route", 'echo "  interface: gif0"');
  box.stub(
    "ifconfig",
    `gone="$IPV6_MAIL_ROOT/.gif0-destroyed"\n[ "\${2:-}" = destroy ] && { : >"$gone"; exit 0; }\n[ -e "$gone" ] && exit 1\necho "gif0: flags=8051<UP,POINTOPOINT,RUNNING,MULTICAST>"\necho "	inet6 ${opts.gifHolds ?? TUNNEL.smtpAddress} prefixlen 128"`,
  );
  box.stub("pfctl", 'case "$*" in "-s info") echo "Status: Enabled for 0 days";; esac\nexit 0');
  return box;
}

/** Runs a FreeBSD script as FreeBSD would: POSIX sh (dash here, so no bash-ism passes), in the box. */
function runSh(box: Sandbox, script: string) {
  const file = path.join(box.root, ".freebsd.sh");
  fs.writeFileSync(file, script);
  return spawnSync("sh", [file], {
    encoding: "utf8",
    env: { PATH: `${box.bin}:/usr/bin:/bin`, IPV6_MAIL_ROOT: box.root, STUB_LOG: box.log },
  });
}

describe("FreeBSD host scripts", () => {
  const scripts = composeFreebsdHostScripts(SPEC);

  for (const [name, script] of Object.entries(scripts)) {
    it(`${name}: POSIX sh (sh -n under dash, shellcheck -s sh), no bash, no Linux tools`, () => {
      assertScriptLints(script, `FreeBSD ${name}`, "sh");
      assert.match(script, /^#!\/bin\/sh\n/);
      assert.doesNotMatch(script, /\bnft\b|\bsystemctl\b|\bip (-6 )?(route|addr|link|tunnel)\b|\[\[/);
    });
  }

  it("apply writes the managed block and pf.conf, keeps the rest of rc.conf.local, and is idempotent", () => {
    const box = freebsdBox();
    try {
      box.write(FREEBSD_RC_CONF_PATH, 'sshd_flags="-o UseDNS=no"\n');
      const first = runSh(box, scripts.apply);
      assert.equal(resultLine(first), RESULT_CHANGED, describeRun(first));
      const rc = box.read(FREEBSD_RC_CONF_PATH);
      assert.match(rc, /^sshd_flags="-o UseDNS=no"$/m, "the host's own lines stay");
      assert.match(rc, /^ifconfig_gif0_alias1="inet6 2001:470:1f15:106a::80 prefixlen 128"$/m);
      assert.match(rc, /^postfix_enable="YES"$/m);
      assert.equal(box.read(FREEBSD_PF_CONF_PATH), renderFreebsdPfConf(SPEC.firewall));
      assert.match(box.read("etc/postfix/main.cf"), /^smtp_bind_address6 = 2001:470:1f15:106a::215$/m);
      const calls = box.calls();
      for (const call of [
        "service netif restart gif0",
        "service routing restart inet6",
        "ping -6 -c 3 -o -S 2001:470:1f15:106a::215 2001:4860:4860::8888",
        `pfctl -f ${box.path(FREEBSD_PF_CONF_PATH)}`,
        "service postfix restart",
      ])
        assert.ok(calls.includes(call), `${call} in ${calls.join("; ")}`);
      assert.ok(
        calls.some((c) => c.startsWith("nohup sh -c")),
        "the pf rollback is armed",
      );
      assert.ok(box.exists(`${FREEBSD_STATE_DIR}/pf-pending`));

      box.clearCalls();
      const second = runSh(box, scripts.apply);
      assert.equal(resultLine(second), RESULT_UNCHANGED, describeRun(second));
      assert.ok(!box.calls().some((c) => c.startsWith("service netif") || c.startsWith("pfctl -f")));

      const confirm = runSh(box, scripts.confirm);
      assert.equal(resultLine(confirm), RESULT_CHANGED, describeRun(confirm));
      assert.ok(!box.exists(`${FREEBSD_STATE_DIR}/pf-pending`), "confirm cancels the rollback");
    } finally {
      box.dispose();
    }
  });

  it("remove takes out the block, pf.conf and the gif, and gives Postfix its values back", () => {
    const box = freebsdBox();
    try {
      box.write(FREEBSD_RC_CONF_PATH, 'sshd_flags="-o UseDNS=no"\n');
      const before = box.read("etc/postfix/main.cf");
      assert.equal(resultLine(runSh(box, scripts.apply)), RESULT_CHANGED);
      const remove = runSh(box, scripts.remove);
      assert.equal(resultLine(remove), RESULT_CHANGED, describeRun(remove));
      assert.equal(box.read(FREEBSD_RC_CONF_PATH), 'sshd_flags="-o UseDNS=no"\n');
      assert.ok(!box.exists(FREEBSD_PF_CONF_PATH), "pf.conf did not exist before");
      assert.ok(box.calls().includes("ifconfig gif0 destroy"));
      assert.ok(box.calls().includes("pfctl -d"));
      const after = box.read("etc/postfix/main.cf");
      assert.deepEqual(after.split("\n").filter(Boolean).sort(), before.split("\n").filter(Boolean).sort());
      assert.ok(!box.exists(FREEBSD_STATE_DIR));
      assert.equal(resultLine(runSh(box, scripts.remove)), RESULT_UNCHANGED);
    } finally {
      box.dispose();
    }
  });

  it("a failed check puts back what the run changed, and says so", () => {
    const box = freebsdBox({ gifHolds: "2001:470:1f15:106a::99" });
    try {
      box.write(FREEBSD_RC_CONF_PATH, 'sshd_flags="-o UseDNS=no"\n');
      const run = runSh(box, scripts.apply);
      assert.equal(run.status, 1);
      assert.equal(resultLine(run), RESULT_FAILED);
      assert.match(run.stderr, /gif0 does not hold the mail address 2001:470:1f15:106a::215/);
      assert.equal(box.read(FREEBSD_RC_CONF_PATH), 'sshd_flags="-o UseDNS=no"\n');
      assert.ok(!box.exists(FREEBSD_PF_CONF_PATH));
    } finally {
      box.dispose();
    }
  });

  it("refuses to run on another system than FreeBSD, before changing anything", () => {
    const box = freebsdBox({ uname: "Linux" });
    try {
      const run = runSh(box, scripts.apply);
      assert.equal(resultLine(run), RESULT_FAILED);
      assert.match(run.stderr, /these scripts configure FreeBSD \(uname -s: Linux\)/);
      assert.ok(!box.exists(FREEBSD_STATE_DIR) && !box.exists(FREEBSD_RC_CONF_PATH));
    } finally {
      box.dispose();
    }
  });

  it("with preferIpv4 the rc block sets the IPv4-first address policy; without a tunnel there is no gif", () => {
    const native = composeFreebsdHostScripts({
      hostName: "z.peek.ru",
      firewall: { allowedTcpPorts: [25], adminSources: [], rejectSmtpOverIpv6: true },
      preferIpv4: true,
    });
    const box = freebsdBox();
    try {
      const run = runSh(box, native.apply);
      assert.equal(resultLine(run), RESULT_CHANGED, describeRun(run));
      const rc = box.read(FREEBSD_RC_CONF_PATH);
      assert.match(rc, /^ip6addrctl_policy="ipv4_prefer"$/m);
      assert.doesNotMatch(rc, /gif/);
      assert.ok(box.calls().includes("service ip6addrctl restart"));
      assert.ok(!box.calls().some((c) => c.includes("netif")));
    } finally {
      box.dispose();
    }
  });
});
