/**
 * The HE tunnel's keepalive in a real kernel and systemd: the tunnel's apply installs a daily timer whose
 * run sends echo requests through the tunnel that HE's side sees, the timer comes back after a real reboot
 * of the VM, and the remove script takes timer and service away.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";

import {
  renderTunnelScripts,
  RESULT_CHANGED,
  RESULT_UNCHANGED,
  TUNNEL_KEEPALIVE_PINGS,
  TUNNEL_KEEPALIVE_UNIT,
} from "../../host-config";
import { LabVm, runInstance } from "../../lab-driver/lab-vm";
import { lastLine, nftCounter } from "../../lab-driver/mail-flow";
import { loadTopology } from "../../lab-driver/topology";
import { labTunnelSpec } from "./lab-host-specs";
import { labSkipReason } from "./lab-skip";

const t = loadTopology();
const tunnel = renderTunnelScripts(labTunnelSpec(t));
const timer = `${TUNNEL_KEEPALIVE_UNIT}.timer`;
const service = `${TUNNEL_KEEPALIVE_UNIT}.service`;
/** A counter in HE's namespace: echo requests arriving over its end of the tunnel for its `::1`. */
const COUNTER_TABLE = "inet lab_keepalive";
const COUNTER = "keepalive echo";

describe("the HE tunnel's keepalive timer", { skip: labSkipReason() }, () => {
  let vm: LabVm;

  async function heSees(): Promise<number> {
    return nftCounter(vm, t.he.namespace, COUNTER_TABLE, COUNTER);
  }

  async function countEchoesAtHe(): Promise<void> {
    await vm.exec(`ip netns exec ${t.he.namespace} /usr/local/lib/lab/lab-nft -f -`, {
      input: `table ${COUNTER_TABLE}
delete table ${COUNTER_TABLE}
table ${COUNTER_TABLE} {
  chain input {
    type filter hook input priority -10; policy accept;
    iifname "${t.he.tunnelInterface}" ip6 daddr ${t.he.serverIpv6} icmpv6 type echo-request counter comment "${COUNTER}"
  }
}
`,
    });
  }

  /** Runs the service once, as the timer does, and returns how many echo requests HE's side counted. */
  async function runKeepalive(): Promise<number> {
    const seen = await heSees();
    await vm.sh(`systemctl start ${service}`);
    assert.equal(await vm.sh(`systemctl show -p Result --value ${service}`), "success");
    return (await heSees()) - seen;
  }

  before(async () => {
    vm = await LabVm.start(runInstance("tunnel-keepalive"));
  });

  after(async () => {
    await vm?.stop();
  });

  it("the tunnel's apply installs and starts the daily timer (Persistent), and a second apply changes nothing", async () => {
    const r = await vm.runScript(tunnel.apply, [], { check: false });
    assert.equal(r.code, 0, `apply failed:\n${r.stdout}\n${r.stderr}`);
    assert.equal(lastLine(r.stdout), RESULT_CHANGED);
    assert.equal(await vm.sh(`systemctl is-enabled ${timer}`), "enabled");
    assert.equal(await vm.sh(`systemctl is-active ${timer}`), "active");
    assert.equal(await vm.sh(`systemctl show -p Persistent --value ${timer}`), "yes");
    assert.match(
      await vm.sh(`systemctl show -p TimersCalendar --value ${timer}`),
      /OnCalendar=\*-\*-\* 00:00:00/,
    );
    assert.notEqual(await vm.sh(`systemctl show -p NextElapseUSecRealtime --value ${timer}`), "");
    assert.equal(
      await vm.readFile(`/etc/systemd/system/${service}`),
      tunnel.files[`/etc/systemd/system/${service}`],
    );
    const again = await vm.runScript(tunnel.apply, [], { check: false });
    assert.equal(lastLine(again.stdout), RESULT_UNCHANGED, `${again.stdout}\n${again.stderr}`);
  });

  it("a run of the service sends echo requests through the tunnel that HE's side sees", async () => {
    await countEchoesAtHe();
    assert.equal(await runKeepalive(), TUNNEL_KEEPALIVE_PINGS);
    // The counter is HE's own view: nothing arrives there while the service does not run.
    assert.equal(await heSees(), TUNNEL_KEEPALIVE_PINGS);
  });

  it("after a real reboot the timer is enabled and active again, and its service still reaches HE", async () => {
    const bootBefore = await vm.bootId();
    await vm.reboot();
    assert.notEqual(await vm.bootId(), bootBefore, "a new boot");
    assert.equal(await vm.sh(`systemctl is-enabled ${timer}`), "enabled");
    assert.equal(await vm.sh(`systemctl is-active ${timer}`), "active");
    assert.notEqual(await vm.sh(`systemctl show -p NextElapseUSecRealtime --value ${timer}`), "");
    // The namespaces are rebuilt at boot: count again.
    await countEchoesAtHe();
    assert.equal(await runKeepalive(), TUNNEL_KEEPALIVE_PINGS);
  });

  it("the remove script stops the timer and deletes both units", async () => {
    const r = await vm.runScript(tunnel.remove, [], { check: false });
    assert.equal(r.code, 0, `remove failed:\n${r.stdout}\n${r.stderr}`);
    assert.equal(
      await vm.sh(
        `ls /etc/systemd/system/${service} /etc/systemd/system/${timer} /etc/systemd/system/timers.target.wants/${timer} 2>/dev/null | wc -l`,
      ),
      "0",
    );
    assert.equal(await vm.sh(`systemctl is-active ${timer} || true`), "inactive");
    assert.equal(
      await vm.sh(`systemctl list-timers --all --no-legend | grep -c ${TUNNEL_KEEPALIVE_UNIT} || true`),
      "0",
    );
    assert.equal(
      await vm.sh(`systemctl show -p LoadState --value ${service}`),
      "not-found",
      "systemd no longer knows the service",
    );
  });
});
