/**
 * Services with their own address in the dedicated /64, on the real engine: a `pulumi up` of the `lab` stack
 * with a service adds its address on the tunnel beside the SMTP address and opens its ports on that address
 * only; a listener bound to it is reachable from the internet through HE on its port, not on another port of
 * the same address, and that port is closed on the SMTP address; a port kept to the admin network admits the
 * admin only; the AAAA and the PTR the stack plans answer in the lab DNS; an update without the service takes
 * its address and its rules away, and `pulumi destroy` leaves neither.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";

import { RESULT_CHANGED } from "../../host-config";
import { engineEnv } from "../../lab-driver/engine-env";
import { cliText, LabStack } from "../../lab-driver/lab-stack";
import { LabVm, runInstance } from "../../lab-driver/lab-vm";
import { addressOf, loadTopology } from "../../lab-driver/topology";
import type { MailServerSettings } from "../../stacks/stack-settings";
import { DnsRecordPlan, ptrOwnerName, serviceAddress } from "../../net";
import { labDnsZones, labSmtpAddress } from "./lab-host-specs";
import { labSkipReason } from "./lab-skip";

const t = loadTopology();
const smtp = labSmtpAddress(t);
const web = serviceAddress(t.he.routedPrefix, "::80");
const WEB_NAME = `www.${t.host.zone}`;
const WEB_PORT = 8080;
const OTHER_PORT = 8081;
const ADMIN_PORT = 8443;
/** A source in the internet namespace outside the admin network: its address on the HE link. */
const stranger = addressOf(t.internet.heLink.ipv6 as string);
const admin = t.internet.admin.ipv6;

/** A TCP listener that greets each client with its label: bound to one address and port. */
const LISTENER = String.raw`import socket, sys
address, port, label = sys.argv[1], int(sys.argv[2]), sys.argv[3]
s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((address, port))
s.listen(8)
while True:
    c, peer = s.accept()
    c.sendall(("%s %s\n" % (label, peer[0])).encode())
    c.close()
`;

describe("service addresses in the dedicated /64, on the real engine", { skip: labSkipReason() }, () => {
  let vm: LabVm;
  let stack: LabStack;
  let withService: MailServerSettings;

  /** What a client in the internet namespace, from `source`, reads from host:port; undefined when it gets nothing. */
  const greeting = async (source: string, host: string, port: number) => {
    const r = await vm.netns(t.internet.namespace, `nc -6 -w 4 -s ${source} ${host} ${port} </dev/null`, {
      check: false,
    });
    return r.code === 0 && r.stdout.trim() !== "" ? r.stdout.trim() : undefined;
  };
  /** What the same client reads from the host itself (the loopback path the firewall always admits). */
  const localGreeting = async (host: string, port: number) =>
    (await vm.sh(`nc -6 -w 4 ${host} ${port} </dev/null || true`)) || undefined;
  const listen = (address: string, port: number, label: string) =>
    vm.sh(
      `setsid nohup python3 /root/listener.py ${address} ${port} ${label} >/root/listener-${label}.log 2>&1 </dev/null & echo $! >>/root/listeners.pid`,
    );
  const up = async () => {
    const r = await stack.up();
    assert.equal(r.code, 0, `pulumi up failed:\n${cliText(r)}`);
  };
  const tunnelAddresses = () => vm.sh("ip -6 -o addr show dev he-ipv6");

  before(async () => {
    const engine = await engineEnv();
    vm = await LabVm.start(runInstance("service-addresses"));
    await vm.labCtl(["he", "sage", "on"]);
    stack = await LabStack.open(vm, engine, "services");
    withService = {
      ...stack.settings(),
      services: [
        {
          name: "www",
          interfaceId: "::80",
          hostName: WEB_NAME,
          ports: [{ port: WEB_PORT }, { port: ADMIN_PORT, sources: [t.internet.admin.prefix] }],
        },
      ],
    };
    stack.configure(withService);
    await vm.writeFile("/root/listener.py", LISTENER);
  });

  after(async () => {
    await vm?.exec("xargs -r kill </root/listeners.pid 2>/dev/null; rm -f /root/listeners.pid", {
      check: false,
    });
    stack?.close();
    await vm?.stop();
  });

  it("pulumi up adds the service address on the tunnel beside the SMTP address, and its rules with it as destination", async () => {
    await up();
    assert.equal(await stack.output("hostApplyResult"), RESULT_CHANGED);
    const addresses = await tunnelAddresses();
    assert.match(addresses, new RegExp(`inet6 ${smtp}/128 `));
    assert.match(addresses, new RegExp(`inet6 ${web}/128 `));
    const rules = await vm.sh("nft list chain ip6 ipv6_mail input");
    assert.match(rules, new RegExp(`ip6 daddr ${web} tcp dport ${WEB_PORT} accept comment "service www"`));
    assert.match(
      rules,
      new RegExp(`ip6 daddr ${web} ip6 saddr ${t.internet.admin.prefix} tcp dport ${ADMIN_PORT} accept`),
    );
    // Neighbour discovery is still admitted, and outbound connections still leave from the SMTP address.
    assert.match(rules, /icmpv6 type \{ nd-neighbor-solicit, nd-neighbor-advert \} ip6 hoplimit 255 accept/);
    assert.match(await vm.sh(`ip -6 route get ${t.internet.mx.ipv6}`), new RegExp(`src ${smtp} `));
  });

  it("a listener on the service address answers the internet on its port, not on another port, not on the SMTP address", async () => {
    await listen(web, WEB_PORT, "www");
    await listen(web, OTHER_PORT, "www-other");
    await listen(smtp, WEB_PORT, "smtp-address");
    await listen(web, ADMIN_PORT, "www-admin");
    // Every listener is up and answers on the host itself, so a silence from the internet is the firewall's.
    for (const [host, port, label] of [
      [web, WEB_PORT, "www"],
      [web, OTHER_PORT, "www-other"],
      [smtp, WEB_PORT, "smtp-address"],
      [web, ADMIN_PORT, "www-admin"],
    ] as const) {
      let answer: string | undefined;
      for (let i = 0; i < 20 && answer === undefined; i++) {
        answer = await localGreeting(host, port);
        if (answer === undefined) await new Promise((r) => setTimeout(r, 500));
      }
      assert.match(answer ?? "", new RegExp(`^${label} `), `${label} listens on [${host}]:${port}`);
    }
    // Through HE's tunnel from the internet: the client's own address arrives (no proxy on the way).
    assert.equal(await greeting(stranger, web, WEB_PORT), `www ${stranger}`);
    assert.equal(await greeting(stranger, web, OTHER_PORT), undefined, "another port of the service address");
    assert.equal(
      await greeting(stranger, smtp, WEB_PORT),
      undefined,
      "the service's port on the SMTP address",
    );
    // The port kept to the admin network: the admin gets in, another internet address does not.
    assert.equal(await greeting(admin, web, ADMIN_PORT), `www-admin ${admin}`);
    assert.equal(
      await greeting(stranger, web, ADMIN_PORT),
      undefined,
      "the admin port from outside the admin network",
    );
  });

  it("the service's AAAA and PTR, as the stack plans them, answer in the lab DNS", async () => {
    const out = await stack.pulumi(["stack", "output", "dnsRecords", "--json", "--stack", stack.stack]);
    assert.equal(out.code, 0, cliText(out));
    const records = JSON.parse(out.stdout) as DnsRecordPlan[];
    assert.deepEqual(
      records
        .filter((r) => r.name === WEB_NAME || r.content === WEB_NAME)
        .map((r) => [r.type, r.name, r.content]),
      [
        ["AAAA", WEB_NAME, web],
        ["PTR", ptrOwnerName(web), WEB_NAME],
      ],
    );
    await vm.loadDnsRecords(labDnsZones(t), records);
    const dig = async (name: string, type: string) =>
      (
        await vm.netns(
          t.internet.namespace,
          `dig +short +time=2 +tries=2 @${t.internet.dns.ipv6} ${name} ${type}`,
        )
      ).stdout.trim();
    assert.equal(await dig(WEB_NAME, "AAAA"), web);
    assert.equal(await dig(ptrOwnerName(web), "PTR"), `${WEB_NAME}.`);
    // The mail host's own records are unchanged by the service.
    assert.equal(await dig(t.host.fqdn, "AAAA"), smtp);
    assert.equal(await dig(ptrOwnerName(smtp), "PTR"), `${t.host.fqdn}.`);
  });

  it("an update without the service takes its address and its rules away; the mail address stays", async () => {
    stack.configure({ ...withService, services: undefined });
    await up();
    const addresses = await tunnelAddresses();
    assert.doesNotMatch(addresses, new RegExp(`inet6 ${web}/`));
    assert.match(addresses, new RegExp(`inet6 ${smtp}/128 `));
    assert.doesNotMatch(await vm.sh("nft list chain ip6 ipv6_mail input"), /service www/);
  });

  it("pulumi destroy after the service is back leaves neither the address nor a rule", async () => {
    stack.configure(withService);
    await up();
    assert.match(await tunnelAddresses(), new RegExp(`inet6 ${web}/128 `));
    const r = await stack.destroy();
    assert.equal(r.code, 0, `pulumi destroy failed:\n${cliText(r)}`);
    assert.doesNotMatch(await vm.sh("ip -6 -o addr show"), new RegExp(`inet6 ${web}/`));
    assert.doesNotMatch(await vm.sh("nft list tables"), /ipv6_mail/);
  });
});
