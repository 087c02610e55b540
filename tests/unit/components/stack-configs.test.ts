/**
 * Every shipped stack config (`stacks/Pulumi.<stack>.yaml`) evaluated by the stack program under mocks, with
 * dummy secrets, the way `pulumi up` would run it: the outputs must be the ones the config promises, and no
 * secret may reach the state in plain text. The lab config's state file is replaced by a temporary one, so
 * the test needs no running lab.
 */
import { after, before, describe, it } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { repoRoot } from "../../../lab-driver/repo-root";
import { mailServerArgsFromConfig } from "../../../stacks/stack-settings";
import { STACK_RESOURCES } from "../../stack-resources";
import { HE_UPDATE_KEY, HE_USERNAME, SECRETS, SSH_PRIVATE_KEY } from "./fixtures";
import {
  assertNoPlainSecrets,
  COMMAND_STDOUT,
  DROPLET_IPV4,
  HCLOUD_IPV4,
  installMocks,
  isWireSecret,
  MockEnvironment,
  unwrap,
  valueOf,
} from "./mock-harness";

// js-yaml comes with @pulumi/pulumi (which reads Pulumi.yaml files with it); it ships no type declarations.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const yaml = require("js-yaml") as { load(text: string): unknown };

const ROOT = repoRoot();
const STACKS_DIR = path.join(ROOT, "stacks");
const PROGRAM = require.resolve("../../../stacks/index");
const LAB_KEY =
  "-----BEGIN OPENSSH PRIVATE KEY-----\nlab-fixture-key-0d4c\n-----END OPENSSH PRIVATE KEY-----\n";

interface Expected {
  readonly smtpAddress: string;
  readonly dedicatedPrefix: string;
  readonly ptrName: string;
  readonly spfRecord: string;
  readonly prefixSource: string;
  readonly hostName: string;
  /** Registered `type name` pairs. */
  readonly resources: readonly string[];
}

const EXPECTED: Record<string, Expected> = {
  "do-prod": {
    hostName: "mx1.example.org",
    smtpAddress: "2001:470:1f0b:9a::25",
    dedicatedPrefix: "2001:470:1f0b:9a::/64",
    ptrName: "5.2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.a.9.0.0.b.0.f.1.0.7.4.0.1.0.0.2.ip6.arpa",
    spfRecord: `v=spf1 ip4:${DROPLET_IPV4} ip6:2001:470:1f0b:9a::/64 -all`,
    prefixSource: "he-routed-64",
    resources: STACK_RESOURCES["do-prod"],
  },
  "hetzner-prod": {
    hostName: "mx2.example.org",
    smtpAddress: "2a01:4f8:c17:1234::25",
    dedicatedPrefix: "2a01:4f8:c17:1234::/64",
    ptrName: "5.2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.4.3.2.1.7.1.c.0.8.f.4.0.1.0.a.2.ip6.arpa",
    spfRecord: `v=spf1 ip4:${HCLOUD_IPV4} ip6:2a01:4f8:c17:1234::/64 -all`,
    prefixSource: "hetzner-server-64",
    resources: STACK_RESOURCES["hetzner-prod"],
  },
  lab: {
    hostName: "mail.example.com",
    smtpAddress: "2001:db8:25::25",
    dedicatedPrefix: "2001:db8:25::/64",
    ptrName: "5.2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.5.2.0.0.8.b.d.0.1.0.0.2.ip6.arpa",
    spfRecord: "v=spf1 ip4:192.0.2.10 ip6:2001:db8:25::/64 -all",
    prefixSource: "he-routed-64",
    resources: STACK_RESOURCES["lab"],
  },
};

/** The stack's config as the CLI hands it to a program: `project:key` → string (objects as JSON). */
function stackConfig(stack: string, labState: string): Record<string, string> {
  const file = yaml.load(fs.readFileSync(path.join(STACKS_DIR, `Pulumi.${stack}.yaml`), "utf8")) as {
    config: Record<string, unknown>;
  };
  const config: Record<string, string> = {};
  for (const [key, value] of Object.entries(file.config)) {
    config[key] = typeof value === "string" ? value : JSON.stringify(value);
  }
  const settings = file.config["ipv6-mail:mailServer"] as { existing?: { labState?: string } };
  if (settings.existing?.labState !== undefined) {
    config["ipv6-mail:mailServer"] = JSON.stringify({
      ...settings,
      existing: { ...settings.existing, labState },
    });
  }
  config["ipv6-mail:sshPrivateKey"] = SSH_PRIVATE_KEY;
  config["ipv6-mail:heUsername"] = HE_USERNAME;
  config["ipv6-mail:heUpdateKey"] = HE_UPDATE_KEY;
  return config;
}

const SECRET_KEYS = ["ipv6-mail:sshPrivateKey", "ipv6-mail:heUsername", "ipv6-mail:heUpdateKey"];

/** Runs the stack program once under fresh mocks and returns its exports. */
async function evaluate(
  stack: string,
  labState: string,
): Promise<{ env: MockEnvironment; exports: Record<string, unknown> }> {
  const env = await installMocks(undefined, stackConfig(stack, labState), SECRET_KEYS, stack);
  await env.reset();
  delete require.cache[PROGRAM];
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const exports = require(PROGRAM) as Record<string, unknown>;
  const resolved: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(exports))
    resolved[key] = await valueOf(value as pulumi.Input<unknown>);
  await env.settle();
  return { env, exports: resolved };
}

describe("shipped stack configs under mocks", () => {
  let tmp: string;
  let labState: string;
  const savedInstance = process.env.LAB_INSTANCE;
  before(() => {
    delete process.env.LAB_INSTANCE;
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "ipv6-mail-stack-"));
    const keyPath = path.join(tmp, "id_ed25519");
    fs.writeFileSync(keyPath, LAB_KEY, { mode: 0o600 });
    labState = path.join(tmp, "state.json");
    fs.writeFileSync(
      labState,
      JSON.stringify({ sshHost: "127.0.0.1", sshPort: 2299, sshUser: "root", privateKeyPath: keyPath }),
    );
  });
  after(() => {
    fs.rmSync(tmp, { recursive: true, force: true });
    if (savedInstance !== undefined) process.env.LAB_INSTANCE = savedInstance;
  });

  it("has expectations for every stack config in stacks/", () => {
    const stacks = fs
      .readdirSync(STACKS_DIR)
      .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
      .filter((s): s is string => s !== undefined)
      .sort();
    assert.deepEqual(stacks, Object.keys(EXPECTED).sort());
  });

  for (const [stack, expected] of Object.entries(EXPECTED)) {
    it(`evaluates ${stack} to the promised outputs`, async () => {
      const { env, exports } = await evaluate(stack, labState);
      assert.deepEqual(
        {
          hostName: exports.hostName,
          smtpAddress: exports.smtpAddress,
          dedicatedPrefix: exports.dedicatedPrefix,
          ptrName: exports.ptrName,
          spfRecord: exports.spfRecord,
          prefixSource: exports.prefixSource,
        },
        {
          hostName: expected.hostName,
          smtpAddress: expected.smtpAddress,
          dedicatedPrefix: expected.dedicatedPrefix,
          ptrName: expected.ptrName,
          spfRecord: expected.spfRecord,
          prefixSource: expected.prefixSource,
        },
      );
      assert.equal(exports.hostApplyResult, COMMAND_STDOUT);
      assert.deepEqual(env.inventory(), [...expected.resources].sort());
      const top = env.get("ipv6-mail:index:MailServer", "mail");
      for (const r of env.registrations) {
        if (r !== top) assert.ok(r.parent !== undefined, `${r.type} ${r.name} has a parent`);
      }
      assertNoPlainSecrets(env, [...SECRETS, LAB_KEY]);
    });
  }

  it("reaches the lab over the state file's SSH target with its key as a secret", async () => {
    const { env } = await evaluate("lab", labState);
    for (const name of ["mail-host", "mail-host-confirm"]) {
      const command = env.get("command:remote:Command", name);
      assert.ok(isWireSecret(command.inputs.connection), `${name}: the connection is a secret`);
      const connection = unwrap(command.inputs.connection) as {
        host: string;
        port: number;
        privateKey: string;
      };
      assert.equal(connection.host, "127.0.0.1");
      assert.equal(connection.port, 2299);
      assert.equal(connection.privateKey, LAB_KEY);
    }
    const apply = env.get("command:remote:Command", "mail-host");
    assert.ok(isWireSecret(apply.inputs.stdin), "the HE credentials go on a secret stdin");
  });

  it("lets the lab config's ssh settings override the state file's target, keeping its key", async () => {
    const config = stackConfig("lab", labState);
    const settings = JSON.parse(config["ipv6-mail:mailServer"]) as { existing: Record<string, unknown> };
    settings.existing.ssh = { host: "127.0.0.1", port: 40022 };
    config["ipv6-mail:mailServer"] = JSON.stringify(settings);
    await installMocks(undefined, config, SECRET_KEYS, "lab");
    const args = mailServerArgsFromConfig(new pulumi.Config("ipv6-mail"), ROOT);
    const ssh = args.existing?.ssh;
    assert.equal(ssh?.host, "127.0.0.1");
    assert.equal(ssh?.port, 40022);
    assert.equal(ssh?.user, "root");
    assert.equal(await valueOf(ssh?.privateKey as pulumi.Input<string>), LAB_KEY);
  });

  it("fails with a fix when the lab state file is missing", async () => {
    await assert.rejects(
      evaluate("lab", path.join(tmp, "missing.json")),
      /no such file\. Fix: start the lab first/,
    );
  });
});
