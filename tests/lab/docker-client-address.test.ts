/**
 * docker-mailserver's real-client-IP fix in a real kernel and Debian's own Docker engine (`docker.io`, the lab's
 * `docker` image flavour): a container on the compose network's IPv6 ULA subnet, a published port, and an IPv6
 * client in the lab's `internet` namespace.
 *
 * - With Docker's defaults (no daemon.json) the client's IPv6 connection is answered by Docker's userland
 *   proxy on the host, and the container sees the docker network's gateway as its client: the problem
 *   docker-mailserver documents (SPF fails, fail2ban bans the gateway, a trusted docker network relays for
 *   anyone).
 * - With the mail host scripts as the MailServer component composes them for `mta.kind: docker-mailserver`
 *   (the packages, the nftables IPv6 firewall, the daemon.json section) the container sees the client's real
 *   address: ip6tables DNATs the published port to the container's ULA address.
 * - The firewall beside Docker's ip6tables rules: the published port reachable, a host port the firewall does
 *   not open dropped, the container's own ULA address unreachable from outside, ICMPv6 neighbour discovery
 *   still answered both ways.
 * - The remove script gives daemon.json back as it was (absent) and the proxy's view returns.
 *
 * The container's image is imported (`docker import`) from a root file system the image build extracted from
 * Debian's python3.11-minimal: no registry is involved. Its listener answers each connection with the peer
 * address it sees and logs it on standard output (`docker logs`): both ends are checked.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";

import {
  composeMailHostScripts,
  renderComposeIpv6Network,
  RESULT_CHANGED,
  RESULT_UNCHANGED,
} from "../../host-config";
import { mtaRestoreSection, mtaSection } from "../../components/mta/mta-binding";
import { LabVm, runInstance } from "../../lab-driver/lab-vm";
import { lastLine } from "../../lab-driver/mail-flow";
import { addressOf, hostProviderAddress, loadTopology } from "../../lab-driver/topology";
import { waitFor } from "../../lab-driver/wait-for";
import { labFirewallSpec, labSmtpAddress } from "./lab-host-specs";
import { labSkipReason } from "./lab-skip";

const t = loadTopology();
const hostIpv6 = hostProviderAddress(t);
/** The remote client: the internet namespace's admin address, a real routed IPv6 address. */
const clientIpv6 = t.internet.admin.ipv6;
/** The published SMTP port: the firewall opens it, as it does on every mail host. */
const smtpPort = 25;
/** The container's port behind it, and one it listens on but does not publish. */
const containerPort = 2525;
const unpublishedPort = 2626;
/** A host listener on a port the firewall does not open. */
const closedHostPort = 8080;
const rootfsTar = "/var/lib/lab/docker/listener-rootfs.tar";
const image = "lab/listener:python3.11-minimal";
const networkName = "mail";
const container = "mailserver";
const listenerScript = "/run/lab-docker-listener.py";
/** The compose network as the package renders it: its ULA subnet is what the container network gets. */
const composeNetwork = renderComposeIpv6Network({ networkName });
const ulaSubnet = /subnet: (\S+)/.exec(composeNetwork)?.[1] ?? "";

/** Accepts TCP on every port given (dual-stack), answers each connection with its peer and logs it. */
const LISTENER = `import selectors, socket, sys
sel = selectors.DefaultSelector()
for port in sys.argv[1:]:
    s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("::", int(port)))
    s.listen(16)
    sel.register(s, selectors.EVENT_READ)
print("listening", *sys.argv[1:], flush=True)
while True:
    for key, _ in sel.select():
        conn, peer = key.fileobj.accept()
        address = peer[0][7:] if peer[0].startswith("::ffff:") else peer[0]
        print("peer", address, conn.getsockname()[1], flush=True)
        conn.sendall((address + "\\n").encode())
        conn.close()
`;

/** Connects from SOURCE to [ADDRESS]:PORT and prints the reply, or `refused`/`timeout`/`unreachable`. */
const CLIENT = `import socket, sys
source, address, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
s.settimeout(4)
s.bind((source, 0))
try:
    s.connect((address, port))
    print(s.recv(200).decode().strip())
except ConnectionRefusedError:
    print("refused")
except socket.timeout:
    print("timeout")
except OSError as e:
    print("unreachable", e.errno)
`;

/** The mail host's scripts for docker-mailserver, as the MailServer component composes them (no tunnel here). */
const scripts = composeMailHostScripts({
  hostName: t.host.fqdn,
  // The apply restarts Docker after loading the firewall, which takes long on the emulated CPU: a rollback
  // window long enough for the confirming connection to come after it.
  firewall: labFirewallSpec(t, { rollbackSeconds: 300 }),
  mta: {
    apply: [mtaSection("docker-mailserver", labSmtpAddress(t), t.host.fqdn)],
    remove: mtaRestoreSection("docker-mailserver"),
  },
  preferIpv4: false,
});

async function run(vm: LabVm, script: string, what: string): Promise<string> {
  const result = await vm.runScript(script, [], { check: false, timeoutMs: 600_000 });
  assert.equal(result.code, 0, `${what} failed:\n${result.stdout}\n${result.stderr}`);
  return lastLine(result.stdout);
}

/** What the remote client gets back from the host's address and port (the peer the server saw). */
async function connectFromInternet(vm: LabVm, address: string, port: number): Promise<string> {
  const out = await vm.exec(
    `ip netns exec ${t.internet.namespace} python3 - ${clientIpv6} ${address} ${port}`,
    { input: CLIENT },
  );
  return out.stdout.trim();
}

/** The peers the container's listener logged, in order. */
async function containerPeers(vm: LabVm): Promise<string[]> {
  const log = await vm.sh(`docker logs ${container} 2>&1`);
  return log
    .split("\n")
    .filter((line) => line.startsWith("peer "))
    .map((line) => line.split(" ")[1]);
}

/** Connects once to the published port and returns what the client got and what the container logged. */
async function publishedPortPeer(vm: LabVm): Promise<{ reply: string; logged: string | undefined }> {
  const before = (await containerPeers(vm)).length;
  const reply = await connectFromInternet(vm, hostIpv6, smtpPort);
  const peers = await containerPeers(vm);
  assert.equal(
    peers.length,
    before + 1,
    `the container logged ${peers.length - before} connections, not one`,
  );
  return { reply, logged: peers.at(-1) };
}

/** Starts the container (again) with the published port and waits for its listener. */
async function startContainer(vm: LabVm): Promise<void> {
  await vm.sh(`docker rm -f ${container} >/dev/null 2>&1 || true`);
  await vm.sh(
    `docker run -d --name ${container} --network ${networkName} -p ${smtpPort}:${containerPort} ` +
      `-v ${listenerScript}:/listener.py:ro ${image} /usr/bin/python3.11 /listener.py ${containerPort} ${unpublishedPort}`,
  );
  await waitFor("the container's listener", async () =>
    (await vm.sh(`docker logs ${container} 2>&1`)).includes("listening") ? true : undefined,
  );
}

/**
 * The container network's IPv6 gateway: where Docker's userland proxy connects from. On a network with IPv6
 * the proxy of the host's `[::]:port` reaches the container over IPv6, so the container sees this address.
 * Docker puts it on the network's bridge (`br-` and the first 12 characters of the network's id).
 */
async function networkGatewayIpv6(vm: LabVm): Promise<string> {
  const id = await vm.sh(`docker network inspect ${networkName} --format '{{.Id}}'`);
  const bridge = `br-${id.slice(0, 12)}`;
  const out = await vm.sh(`ip -6 -o addr show dev ${bridge} scope global`);
  const ipv6 = /inet6 ([0-9a-f:]+)\//.exec(out)?.[1];
  assert.ok(ipv6, `no global IPv6 address on ${bridge}: ${out}`);
  assert.ok(ipv6.startsWith(ulaSubnet.split("::")[0]), `${ipv6} is in the network's ${ulaSubnet}`);
  return ipv6;
}

async function containerIpv6(vm: LabVm): Promise<string> {
  return vm.sh(
    `docker inspect ${container} --format '{{(index .NetworkSettings.Networks "${networkName}").GlobalIPv6Address}}'`,
  );
}

async function waitDocker(vm: LabVm): Promise<void> {
  await waitFor(
    "dockerd",
    async () =>
      (await vm.exec("docker info >/dev/null 2>&1", { check: false })).code === 0 ? true : undefined,
    {
      timeoutMs: 180_000,
    },
  );
}

/** Neighbour discovery both ways on the host link: the provider's router and the host resolve each other. */
async function assertNeighbourDiscovery(vm: LabVm): Promise<void> {
  const router = addressOf(t.provider.hostLink.ipv6 ?? "");
  await vm.sh(`ip -6 neigh flush dev ${t.host.public.interface}`);
  await vm.netns(t.provider.namespace, `ip -6 neigh flush dev ${t.provider.hostLink.interface}`);
  await vm.sh(`ping -6 -c 1 -W 3 ${router} >/dev/null`);
  assert.match(
    await vm.sh(`ip -6 neigh show ${router} dev ${t.host.public.interface}`),
    /REACHABLE|STALE|DELAY|PROBE/,
  );
  await vm.netns(t.provider.namespace, `ip -6 neigh flush dev ${t.provider.hostLink.interface}`);
  await vm.netns(t.provider.namespace, `ping -6 -c 1 -W 3 ${hostIpv6} >/dev/null`);
  const seen = await vm.netns(t.provider.namespace, `ip -6 neigh show ${hostIpv6}`);
  assert.match(seen.stdout, /lladdr .*(REACHABLE|STALE|DELAY|PROBE)/);
}

describe(
  "docker-mailserver: the container sees the IPv6 client's real address",
  { skip: labSkipReason() },
  () => {
    let vm: LabVm;

    before(async () => {
      vm = await LabVm.start(runInstance("docker-client-address"), "docker");
      await waitDocker(vm);
      const started = Date.now();
      await vm.sh(`docker import ${rootfsTar} ${image} >/dev/null`);
      console.log(
        `docker import of the listener's root file system: ${((Date.now() - started) / 1000).toFixed(1)} s`,
      );
      // docker-mailserver takes over the host's SMTP port from the host's own MTA.
      await vm.sh("systemctl stop postfix");
      await vm.writeFile(listenerScript, LISTENER);
      await vm.sh(`docker network create --ipv6 --subnet ${ulaSubnet} ${networkName} >/dev/null`);
      await startContainer(vm);
    });

    after(async () => {
      await vm?.stop();
    });

    it("Debian's Docker engine runs with its defaults: no daemon.json, no ip6tables", async () => {
      const version = await vm.sh("dockerd --version");
      console.log(version);
      assert.match(version, /^Docker version \d+\.\d+\.\d+/);
      assert.equal(await vm.sh("test -e /etc/docker/daemon.json && echo present || echo absent"), "absent");
      assert.equal(await vm.sh("docker info --format '{{.ExperimentalBuild}}'"), "false");
      assert.equal(ulaSubnet, "fd00:cafe:face:feed::/64");
      assert.match(await containerIpv6(vm), /^fd00:cafe:face:feed::/);
    });

    it("with Docker's defaults the container sees the docker gateway, not the IPv6 client (the problem)", async () => {
      const gateway = await networkGatewayIpv6(vm);
      const { reply, logged } = await publishedPortPeer(vm);
      assert.equal(reply, gateway);
      assert.equal(logged, gateway);
      assert.match(await vm.sh(`ss -Hltnp 'sport = :${smtpPort}'`), /docker-proxy/);
    });

    it("the mail host scripts for docker-mailserver (packages, firewall, daemon.json) apply", async () => {
      assert.equal(await run(vm, scripts.apply, "apply"), RESULT_CHANGED);
      assert.equal(await run(vm, scripts.confirm, "confirm"), RESULT_CHANGED);
      const daemonJson = JSON.parse(await vm.sh("cat /etc/docker/daemon.json")) as Record<string, unknown>;
      assert.deepEqual(daemonJson, { ip6tables: true, experimental: true, "userland-proxy": true });
      await waitDocker(vm);
      assert.equal(await vm.sh("docker info --format '{{.ExperimentalBuild}}'"), "true");
      // The daemon restarted; the container comes back as docker-mailserver's compose service would.
      await startContainer(vm);
      assert.match(await vm.sh("nft list tables"), /table ip6 ipv6_mail/);
    });

    it("with the rendered configuration the container sees the client's real IPv6 address", async () => {
      const ula = await containerIpv6(vm);
      assert.match(
        await vm.sh(`ip6tables -t nat -S DOCKER`),
        new RegExp(`--dport ${smtpPort} -j DNAT --to-destination \\[${ula}\\]:${containerPort}`),
      );
      const { reply, logged } = await publishedPortPeer(vm);
      assert.equal(reply, clientIpv6);
      assert.equal(logged, clientIpv6);
    });

    it("the firewall beside Docker's rules: the published port only, the container itself unreachable, ND kept", async () => {
      await vm.sh(
        `systemd-run --quiet --collect --unit=lab-closed-port python3 -m http.server --bind :: ${closedHostPort}`,
      );
      await waitFor("the host listener", async () =>
        (await vm.sh(`ss -Hltn 'sport = :${closedHostPort}'`)) !== "" ? true : undefined,
      );
      // Reachable on the host itself, dropped (no answer at all) from the internet.
      assert.match(
        await vm.sh(
          `python3 -c "import urllib.request as u; print(u.urlopen('http://[::1]:${closedHostPort}/').status)"`,
        ),
        /200/,
      );
      assert.equal(await connectFromInternet(vm, hostIpv6, closedHostPort), "timeout");
      // The container's unpublished port on the host address: dropped as well.
      assert.equal(await connectFromInternet(vm, hostIpv6, unpublishedPort), "timeout");
      // The container's ULA address is not routed from outside: neither port reaches it.
      const ula = await containerIpv6(vm);
      assert.match(await connectFromInternet(vm, ula, containerPort), /^(timeout|unreachable)/);
      // The published port still answers, with the real client.
      assert.equal((await publishedPortPeer(vm)).logged, clientIpv6);
      await assertNeighbourDiscovery(vm);
    });

    it("the remove script gives daemon.json back (absent) and Docker's defaults with them", async () => {
      assert.equal(await run(vm, scripts.remove, "remove"), RESULT_CHANGED);
      assert.equal(await vm.sh("test -e /etc/docker/daemon.json && echo present || echo absent"), "absent");
      assert.doesNotMatch(await vm.sh("nft list tables"), /ipv6_mail/);
      // Docker leaves its ip6tables rules behind when ip6tables goes off; the remove script took them away.
      assert.equal(
        await vm.sh("{ ip6tables -t nat -S; ip6tables -t filter -S; } | grep -cE 'DOCKER|br-' || true"),
        "0",
      );
      await waitDocker(vm);
      assert.equal(await vm.sh("docker info --format '{{.ExperimentalBuild}}'"), "false");
      await startContainer(vm);
      const gateway = await networkGatewayIpv6(vm);
      assert.equal((await publishedPortPeer(vm)).logged, gateway);
      assert.equal(await run(vm, scripts.remove, "remove again"), RESULT_UNCHANGED);
    });
  },
);
