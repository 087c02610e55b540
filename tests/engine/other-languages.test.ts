/**
 * MailServer from Python and YAML, for real: each program (tests/consumer/python, tests/consumer/yaml) gets
 * the package by `pulumi package add` of this repository (the source-based component provider), then the
 * real engine runs `pulumi up` of it against one lab instance (the real command provider over SSH), and the
 * demo's checks hold (tunnel up, mail leaves from the SMTP address, FCrDNS), a second preview has no changes,
 * the policy pack passes over the Python stack, bad input gets the TypeScript error with nothing
 * registered, and `pulumi destroy` ends each. In sequence, on one instance (LAB_INSTANCE, default
 * "other-languages").
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";

import { checkMailServerArgs } from "../../components/mail-server-args";
import type { MailServerArgs } from "../../components";
import { formatProblems } from "../../net";
import { ConsumerProject } from "../../lab-driver/consumer-project";
import { engineEnv } from "../../lab-driver/engine-env";
import { cliText } from "../../lab-driver/lab-stack";
import { LabVm } from "../../lab-driver/lab-vm";
import { runLocal } from "../../lab-driver/local-command";
import { flushQueue, sendMail, waitDelivered } from "../../lab-driver/mail-flow";
import { repoRoot } from "../../lab-driver/repo-root";
import { labSkipReason } from "../lab/lab-skip";

const STACK = "lab";
const HOST = "mail.example.com";
const SMTP = "2001:db8:25::25";
/** The tunnel's link /64: a routed prefix a user could mistake it for. */
const LINK_PREFIX = "2001:db8:1e::/64";

/** The MailServer arguments of the programs, in TypeScript: what the TypeScript API says of a bad variant. */
function programArgs(routedPrefix: string): MailServerArgs {
  return {
    hostName: HOST,
    zone: "example.com",
    allowDocumentationPrefixes: true,
    existing: { ssh: { host: "127.0.0.1", privateKey: "key" }, ipv4Address: "192.0.2.10" },
    tunnel: {
      tunnelId: "100001",
      heServerIpv4: "198.51.100.1",
      localIpv4: "192.0.2.10",
      linkClientAddress: "2001:db8:1e::2",
      linkServerAddress: "2001:db8:1e::1",
      routedPrefix,
      providerInterface: "pub0",
      providerPrefix: "2001:db8:5ace::/64",
      providerDefaultRoute: "keep",
      verifyTarget: "2001:db8:feed::25",
      sageCertified: true,
    },
    firewall: { adminSources: ["10.0.2.2/32", "2001:db8:ad::/48"], rollbackSeconds: 60 },
    mta: { kind: "postfix" },
    dns: { aaaaTtl: 300 },
  };
}

/** Seconds of a CLI run, for the log. */
const seconds = (r: { ms: number }) => `${(r.ms / 1000).toFixed(1)} s`;

/** The demo's checks on the lab host after an up: the tunnel, where mail leaves from, FCrDNS. */
async function checkMailHost(vm: LabVm, project: ConsumerProject, label: string): Promise<void> {
  const t = vm.topology;
  assert.equal(await project.output(STACK, "smtpAddress"), SMTP);
  const route = await vm.sh("ip -6 route get 2001:db8:feed::25");
  assert.match(route, /dev he-ipv6/, `IPv6 does not leave through the tunnel: ${route}`);
  assert.match(route, new RegExp(`src ${SMTP}`), `IPv6 does not leave from the SMTP address: ${route}`);

  const ptr = await project.output(STACK, "ptrName");
  const records = await project.pulumi(["stack", "output", "dnsRecords", "--json", "--stack", STACK]);
  assert.equal(records.code, 0, cliText(records));
  await vm.labCtl(["dns", "load-records", "example.com", ptr.split(".").slice(16).join(".")], {
    input: records.stdout,
  });
  const dig = async (query: string) =>
    (
      await vm.netns("internet", `dig +short +time=2 +tries=2 @${t.internet.dns.ipv6} ${query}`)
    ).stdout.trim();
  const ptrAnswer = await dig(`-x ${SMTP}`);
  assert.equal(ptrAnswer.replace(/\.$/, ""), HOST, `PTR of ${SMTP}`);
  assert.equal(await dig(`${HOST} AAAA`), SMTP, `AAAA of ${HOST}`);

  await vm.labCtl(["mx", "clear"]);
  const subject = `${label}-${Date.now()}`;
  await sendMail(vm, `postmaster@${t.internet.mx.domain}`, subject);
  await flushQueue(vm);
  const delivery = await waitDelivered(vm, subject);
  assert.equal(delivery.peer, SMTP, `the MX saw the message from ${delivery.peer}`);
}

describe(
  "MailServer from Python and YAML: pulumi package add, real engine, lab VM",
  { skip: labSkipReason() },
  () => {
    let vm: LabVm;
    let env: NodeJS.ProcessEnv;
    let ssh: { host: string; port: number; privateKey: string };
    const projects: ConsumerProject[] = [];

    before(async () => {
      const wheels = await runLocal("bash", [path.join(repoRoot(), "scripts", "python-wheels.sh"), "--env"], {
        timeoutMs: 600_000,
      });
      const pip: NodeJS.ProcessEnv = {};
      for (const m of wheels.stdout.matchAll(/^export (\w+)=(.*)$/gm))
        pip[m[1]] = m[2].replace(/^'(.*)'$/, "$1");
      env = { ...(await engineEnv()), ...pip };
      vm = await LabVm.start(process.env.LAB_INSTANCE ?? "other-languages");
      ssh = {
        host: vm.ssh.sshHost,
        port: vm.ssh.sshPort,
        privateKey: readFileSync(vm.ssh.privateKeyPath, "utf8"),
      };
      await vm.labCtl(["he", "sage", "on"]);
    });

    after(async () => {
      for (const p of projects) p.close();
      await vm?.stop();
    });

    describe("Python", () => {
      let py: ConsumerProject;

      it("pulumi package add generates an SDK with MailServer, its Args and the named choices as enums", async () => {
        py = await ConsumerProject.create("python", env);
        projects.push(py);
        const add = await py.addPackage();
        assert.equal(add.code, 0, cliText(add));
        console.log(`python: pulumi package add took ${seconds(add)}`);
        const sdk = path.join(py.dir, "sdks", "ipv6-mail", "pulumi_ipv6_mail");
        const mailServer = readFileSync(path.join(sdk, "mail_server.py"), "utf8");
        assert.match(mailServer, /^class MailServer\(pulumi\.ComponentResource\):/m);
        for (const field of [
          "host_name",
          "zone",
          "existing",
          "tunnel",
          "firewall",
          "mta",
          "dns",
          "smtp_address",
        ])
          assert.match(mailServer, new RegExp(`def ${field}\\(self\\)`), `MailServer has no ${field}`);
        assert.match(
          readFileSync(path.join(sdk, "_enums.py"), "utf8"),
          /^class MtaKind\(_builtins\.str, Enum\):/m,
        );
        assert.match(
          readFileSync(path.join(sdk, "_inputs.py"), "utf8"),
          /^class HeTunnelSettingsArgs:/m,
          "the tunnel settings are not an Args class",
        );
      });

      it("bad input: the TypeScript API's error (field, value, fix) through the engine, nothing registered", async () => {
        await py.initStack("bad", ssh, { routedPrefix: LINK_PREFIX });
        const up = await py.pulumi(["up", "--yes", "--skip-preview", "--stack", "bad"]);
        assert.notEqual(up.code, 0, `pulumi up of the bad variant succeeded:\n${cliText(up)}`);
        const problems = checkMailServerArgs(programArgs(LINK_PREFIX));
        assert.ok(
          problems.some((p) => p.field === "tunnel.routedPrefix"),
          "the TypeScript check misses the fault",
        );
        const expected = formatProblems("MailServer", "mail", problems).split("\n");
        const printed = `${up.stdout}\n${up.stderr}`;
        for (const line of expected)
          assert.ok(printed.includes(line), `missing "${line}" in:\n${cliText(up)}`);
        console.log(`python: the bad variant's pulumi up said:\n${cliText(up, 12)}`);
        // The engine registers the package's provider before it asks it to construct; nothing else is.
        const types = await py.resourceTypes("bad");
        assert.deepEqual(
          types.filter((t) => t !== "pulumi:pulumi:Stack" && !t.startsWith("pulumi:providers:")),
          [],
          `registered for a bad config: ${types.join(", ")}`,
        );
      });

      it("pulumi up builds the lab host: tunnel up, mail from the SMTP address, FCrDNS", async () => {
        await py.initStack(STACK, ssh);
        const up = await py.pulumi(["up", "--yes", "--skip-preview", "--stack", STACK]);
        assert.equal(up.code, 0, cliText(up));
        console.log(`python: pulumi up took ${seconds(up)}\n${cliText(up, 30)}`);
        const types = await py.resourceTypes(STACK);
        for (const t of [
          "ipv6-mail:index:MailServer",
          "ipv6-mail:index:ExistingHost",
          "command:remote:Command",
        ])
          assert.ok(types.includes(t), `no ${t} in the state: ${types.join(", ")}`);
        await checkMailHost(vm, py, "python");
      });

      it("a second preview changes nothing, and the policy pack passes over the stack", async () => {
        const again = await py.pulumi(["preview", "--expect-no-changes", "--stack", STACK]);
        assert.equal(again.code, 0, cliText(again));
        const policy = await py.pulumi([
          "preview",
          "--stack",
          STACK,
          "--policy-pack",
          path.join(repoRoot(), "policies"),
          "--policy-pack-config",
          path.join(repoRoot(), "stacks", "policy-config.lab.json"),
        ]);
        assert.equal(policy.code, 0, cliText(policy));
        assert.match(
          policy.stdout,
          /ipv6-mail@v0\.1\.0 \(local: /,
          `the pack did not run:\n${cliText(policy)}`,
        );
        assert.doesNotMatch(policy.stdout, /\[mandatory\]/, cliText(policy));
        console.log(`python: preview ${seconds(again)}, preview with the pack ${seconds(policy)}`);
      });

      it("pulumi destroy removes it", async () => {
        const destroy = await py.pulumi(["destroy", "--yes", "--stack", STACK]);
        assert.equal(destroy.code, 0, cliText(destroy));
        assert.deepEqual(await py.resourceTypes(STACK), []);
        const link = await vm.exec("ip link show he-ipv6", { check: false });
        assert.notEqual(link.code, 0, "the tunnel is still there after destroy");
        console.log(`python: pulumi destroy took ${seconds(destroy)}`);
      });
    });

    describe("YAML", () => {
      let yaml: ConsumerProject;

      it("pulumi up of the YAML program builds the lab host: tunnel up, mail from the SMTP address, FCrDNS", async () => {
        yaml = await ConsumerProject.create("yaml", env);
        projects.push(yaml);
        const add = await yaml.addPackage();
        assert.equal(add.code, 0, cliText(add));
        assert.match(
          readFileSync(path.join(yaml.dir, "Pulumi.yaml"), "utf8"),
          /^packages:\n {2}ipv6-mail: /m,
        );
        await yaml.initStack(STACK, ssh);
        const up = await yaml.pulumi(["up", "--yes", "--skip-preview", "--stack", STACK]);
        assert.equal(up.code, 0, cliText(up));
        console.log(`yaml: pulumi package add ${seconds(add)}, pulumi up ${seconds(up)}`);
        await checkMailHost(vm, yaml, "yaml");
      });

      it("a second preview changes nothing, and destroy removes it", async () => {
        const again = await yaml.pulumi(["preview", "--expect-no-changes", "--stack", STACK]);
        assert.equal(again.code, 0, cliText(again));
        const destroy = await yaml.pulumi(["destroy", "--yes", "--stack", STACK]);
        assert.equal(destroy.code, 0, cliText(destroy));
        assert.deepEqual(await yaml.resourceTypes(STACK), []);
        console.log(`yaml: preview ${seconds(again)}, destroy ${seconds(destroy)}`);
      });
    });
  },
);
