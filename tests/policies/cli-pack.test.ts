import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readReportInput } from "../../testing";

const root = join(__dirname, "..", "..", "..");
const engineBin = join(root, ".cache", "pulumi-engine", "bin");
const cli = join(engineBin, "pulumi");

const PROGRAM = `const pulumi = require("@pulumi/pulumi");
class Fake extends pulumi.ComponentResource {
  constructor(type, name, outputs) { super(type, name, {}, {}); this.registerOutputs(outputs); }
}
new Fake("ipv6-mail:index:MailServer", "mail", {
  hostName: "mail.example.net",
  dedicatedPrefix: "2a03:b0c0:3:d0::/64",
  prefixSource: "digitalocean-native",
  smtpAddress: "2a03:b0c0:3:d0::25",
  hostFirewall: true,
  allowDocumentationPrefixes: false,
});
`;

function project(): { base: string; dir: string; env: NodeJS.ProcessEnv } {
  const base = mkdtempSync(join(tmpdir(), "ipv6-mail-cli-"));
  const dir = join(base, "prog");
  mkdirSync(dir);
  mkdirSync(join(base, "state"));
  mkdirSync(join(base, "home"));
  symlinkSync(join(root, "node_modules"), join(dir, "node_modules"));
  writeFileSync(
    join(dir, "Pulumi.yaml"),
    "name: policycli\nruntime:\n  name: nodejs\n  options:\n    typescript: false\n",
  );
  writeFileSync(
    join(dir, "package.json"),
    '{ "name": "policycli", "version": "0.0.1", "main": "index.js" }\n',
  );
  writeFileSync(join(dir, "index.js"), PROGRAM);
  const env = {
    ...process.env,
    PATH: `${engineBin}:${process.env.PATH ?? ""}`,
    PULUMI_HOME: join(base, "home"),
    PULUMI_BACKEND_URL: `file://${join(base, "state")}`,
    PULUMI_CONFIG_PASSPHRASE: "",
    PULUMI_SKIP_UPDATE_CHECK: "true",
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
  };
  const init = spawnSync(cli, ["stack", "init", "dev", "--non-interactive"], {
    cwd: dir,
    env,
    encoding: "utf8",
  });
  assert.equal(init.status, 0, init.stderr);
  return { base, dir, env };
}

function preview(
  p: { dir: string; env: NodeJS.ProcessEnv },
  config: object,
  extraEnv: Record<string, string> = {},
  json = false,
) {
  const configPath = join(p.dir, "policy-config.json");
  writeFileSync(configPath, JSON.stringify(config));
  const args = [
    "preview",
    "--non-interactive",
    "--policy-pack",
    join(root, "policies"),
    "--policy-pack-config",
    configPath,
    ...(json ? ["--json"] : []),
  ];
  return spawnSync(cli, args, {
    cwd: p.dir,
    env: { ...p.env, ...extraEnv },
    encoding: "utf8",
    timeout: 240_000,
  });
}

const skip =
  existsSync(cli) && existsSync(join(root, "dist", "policies", "index.js"))
    ? false
    : "the Pulumi CLI (scripts/pulumi-engine.sh) or the build is missing";

test(
  "the real Pulumi CLI loads the pack from policies/, applies its config and blocks the preview",
  { skip },
  (t) => {
    const p = project();
    t.after(() => rmSync(p.base, { recursive: true, force: true }));
    const blocked = preview(p, {
      "smtp-from-dedicated-prefix": {
        exceptions: [{ resource: "mail", reason: "short", expires: "2030-01-01" }],
      },
    });
    const out = `${blocked.stdout}\n${blocked.stderr}`;
    assert.notEqual(blocked.status, 0, out);
    assert.match(out, /ipv6-mail@v0\.1\.0/);
    assert.match(
      out,
      /\[mandatory\] \[severity: critical\] {2}smtp-from-dedicated-prefix {2}\(ipv6-mail:index:MailServer: mail\)/,
    );
    assert.match(
      out,
      /\[exception invalid\] Exception #1 for "mail" is not applied: its reason "short" is shorter than 10 characters/,
    );

    const waived = preview(
      p,
      {
        "smtp-from-dedicated-prefix": {
          exceptions: [
            { resource: "mail", reason: "legacy relay until the tunnel is certified", expires: "2030-01-01" },
          ],
        },
        "fcrdns-consistent": "advisory",
        "spf-authorizes-sender": "disabled",
      },
      { PULUMI_ENABLE_STREAMING_JSON_PREVIEW: "1" },
      true,
    );
    assert.equal(waived.status, 0, waived.stderr);
    const report = readReportInput(waived.stdout);
    assert.equal(report.passed, true);
    assert.deepEqual(
      report.entries.map((e) => [e.rule, e.kind]),
      [
        ["smtp-from-dedicated-prefix", "exception-applied"],
        ["fcrdns-consistent", "violation"],
        ["smtp-egress-unblocked", "violation"],
      ],
    );

    // The README's policy-config.json: levels per rule id, through the CLI to the pack's analyzer.
    const readme = preview(
      p,
      { "fcrdns-consistent": "advisory", "smtp-egress-unblocked": "disabled" },
      { PULUMI_ENABLE_STREAMING_JSON_PREVIEW: "1" },
      true,
    );
    assert.notEqual(readme.status, 0, "smtp-from-dedicated-prefix stays mandatory");
    const levels = readReportInput(readme.stdout).entries.map((e) => [e.rule, e.level]);
    assert.deepEqual(levels, [
      ["smtp-from-dedicated-prefix", "mandatory"],
      ["fcrdns-consistent", "advisory"],
      ["spf-authorizes-sender", "mandatory"],
    ]);
  },
);
