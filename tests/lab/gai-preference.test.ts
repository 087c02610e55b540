/**
 * `preferIpv4Outbound` in a real kernel and glibc: the gai.conf section the mail host scripts compose
 * (`gaiConfSection`) makes a dual-stack destination be reached over IPv4 first; without it (Debian's own
 * gai.conf, and again after `gaiConfRestoreSection`) the same destination is reached over IPv6.
 *
 * The destination is a name with an A and an AAAA record, served by the lab's DNS (`lab-ctl dns
 * load-records`), and a TCP listener in the internet namespace on both of those addresses that logs the peer
 * of every connection. Each case asserts both what getaddrinfo() orders first (`getent ahosts`) and which
 * address a real connection used: the client's view (Python's `socket.create_connection`, which tries the
 * addresses in getaddrinfo() order) and the listener's log of the peer.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";

import {
  composeHostScript,
  gaiConfRestoreSection,
  gaiConfSection,
  RESULT_CHANGED,
  RESULT_UNCHANGED,
  type HostScriptSection,
} from "../../host-config";
import { LabVm, runInstance } from "../../lab-driver/lab-vm";
import { lastLine } from "../../lab-driver/mail-flow";
import { addressOf, hostProviderAddress, loadTopology } from "../../lab-driver/topology";
import { waitFor } from "../../lab-driver/wait-for";
import { labSkipReason } from "./lab-skip";

const t = loadTopology();
/** A zone of the reserved `.example` TLD (RFC 2606) that only this test loads. */
const zone = "dualstack.example";
const name = `www.${zone}`;
/** The dual-stack destination: the internet namespace's service addresses that have both families. */
const destination = { ipv4: t.internet.dns.ipv4, ipv6: t.internet.dns.ipv6 };
const port = 8080;
const listenerLog = "/run/lab-gai-listener.jsonl";
const listenerScript = "/run/lab-gai-listener.py";
const listenerUnit = "lab-gai-listener";
const hostIpv4 = addressOf(t.host.public.ipv4);
const hostIpv6 = hostProviderAddress(t);

/**
 * Accepts TCP on one IPv4 and one IPv6 address, logs each connection's peer and local address as a JSON
 * line and answers with the peer address.
 */
const LISTENER = `import json, selectors, socket, sys
log_path, port, addresses = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
sel = selectors.DefaultSelector()
for address in addresses:
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    s = socket.socket(family, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((address, port))
    s.listen(16)
    sel.register(s, selectors.EVENT_READ)
with open(log_path, "a", buffering=1) as log:
    while True:
        for key, _ in sel.select():
            conn, peer = key.fileobj.accept()
            with conn:
                log.write(json.dumps({"peer": peer[0], "local": conn.getsockname()[0]}) + "\\n")
                conn.sendall((peer[0] + "\\n").encode())
`;

/** Connects to NAME:PORT through getaddrinfo() and prints the remote address, the local one and the reply. */
const CLIENT = `import socket, sys
s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=10)
print(s.getpeername()[0], s.getsockname()[0], s.recv(200).decode().strip())`;

interface Connection {
  /** The destination address the client connected to. */
  remote: string;
  /** The client's own address on that connection. */
  local: string;
  /** The peer address the listener saw (its answer). */
  seenByListener: string;
}

interface ListenerEntry {
  peer: string;
  local: string;
}

/** Runs one composed host script section on the host and returns its result line. */
async function applySection(vm: LabVm, section: HostScriptSection): Promise<string> {
  const result = await vm.runScript(composeHostScript([section], { title: `lab: ${section.name}` }), [], {
    check: false,
  });
  assert.equal(result.code, 0, `${section.name} failed:\n${result.stdout}\n${result.stderr}`);
  return lastLine(result.stdout);
}

/** The addresses `getent ahosts` lists for the name (a getaddrinfo() call), in its order, each once. */
async function ahostsOrder(vm: LabVm): Promise<string[]> {
  const out = await vm.sh(`getent ahosts ${name}`);
  const addresses = out.split("\n").map((line) => line.trim().split(/\s+/)[0]);
  return [...new Set(addresses)];
}

async function connect(vm: LabVm): Promise<Connection> {
  const out = await vm.exec(`python3 - ${name} ${port}`, { input: CLIENT });
  const [remote, local, seenByListener] = out.stdout.trim().split(/\s+/);
  return { remote, local, seenByListener };
}

async function listenerEntries(vm: LabVm): Promise<ListenerEntry[]> {
  const log = await vm.sh(`cat ${listenerLog} 2>/dev/null || true`);
  return log
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line) as ListenerEntry);
}

/** Connects once and checks, from both ends, that the connection went from `from` to `to`. */
async function assertConnectionUses(vm: LabVm, from: string, to: string): Promise<void> {
  const logged = (await listenerEntries(vm)).length;
  const connection = await connect(vm);
  assert.deepEqual(connection, { remote: to, local: from, seenByListener: from });
  const entries = await listenerEntries(vm);
  assert.deepEqual(entries.slice(logged), [{ peer: from, local: to }]);
}

describe(
  "gai.conf: preferIpv4Outbound reaches a dual-stack destination over IPv4",
  { skip: labSkipReason() },
  () => {
    let vm: LabVm;
    let debianGaiConf: string;

    before(async () => {
      vm = await LabVm.start(runInstance("gai-preference"));
      await vm.loadDnsRecords(
        [zone],
        [
          { type: "A", name, content: destination.ipv4, ttl: 300 },
          { type: "AAAA", name, content: destination.ipv6, ttl: 300 },
        ],
      );
      await vm.writeFile(listenerScript, LISTENER);
      await vm.sh(
        `systemd-run --quiet --collect --unit=${listenerUnit} ip netns exec ${t.internet.namespace} ` +
          `python3 ${listenerScript} ${listenerLog} ${port} ${destination.ipv4} ${destination.ipv6}`,
      );
      await waitFor("the dual-stack listener", async () => {
        const listening = await vm.netns(t.internet.namespace, `ss -Hltn 'sport = :${port}'`);
        return listening.stdout.trim().split("\n").length === 2 ? true : undefined;
      });
      debianGaiConf = await vm.sh("sha256sum /etc/gai.conf");
    });

    after(async () => {
      await vm?.stop();
    });

    it("the name has an A and an AAAA record in the lab's DNS, and the host has an address of each family", async () => {
      assert.deepEqual(await vm.dig(name, "A"), [destination.ipv4]);
      assert.deepEqual(await vm.dig(name, "AAAA"), [destination.ipv6]);
      assert.match(await vm.sh("ip -6 addr show scope global"), new RegExp(`inet6 ${hostIpv6}/64 `));
      assert.match(await vm.sh("ip -4 addr show scope global"), new RegExp(`inet ${hostIpv4}/`));
    });

    it("without preferIpv4Outbound (the restore section on Debian's gai.conf): IPv6 first", async () => {
      assert.equal(await applySection(vm, gaiConfRestoreSection()), RESULT_UNCHANGED);
      assert.equal(await vm.sh("grep -c '^precedence' /etc/gai.conf || true"), "0");
      assert.deepEqual(await ahostsOrder(vm), [destination.ipv6, destination.ipv4]);
      await assertConnectionUses(vm, hostIpv6, destination.ipv6);
    });

    it("with the preferIpv4Outbound section: IPv4 first", async () => {
      assert.equal(await applySection(vm, gaiConfSection()), RESULT_CHANGED);
      assert.match(await vm.sh("cat /etc/gai.conf"), /^precedence ::ffff:0:0\/96 100$/m);
      assert.deepEqual(await ahostsOrder(vm), [destination.ipv4, destination.ipv6]);
      await assertConnectionUses(vm, hostIpv4, destination.ipv4);
      // Applied again, the section changes nothing and the preference holds.
      assert.equal(await applySection(vm, gaiConfSection()), RESULT_UNCHANGED);
      await assertConnectionUses(vm, hostIpv4, destination.ipv4);
    });

    it("with it taken away again (the restore section): Debian's gai.conf byte for byte, IPv6 first", async () => {
      assert.equal(await applySection(vm, gaiConfRestoreSection()), RESULT_CHANGED);
      assert.equal(await vm.sh("sha256sum /etc/gai.conf"), debianGaiConf);
      assert.deepEqual(await ahostsOrder(vm), [destination.ipv6, destination.ipv4]);
      await assertConnectionUses(vm, hostIpv6, destination.ipv6);
    });
  },
);
