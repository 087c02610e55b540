/**
 * The package as a consumer gets it: `npm pack` of the built repository, installed from the tarball into a
 * fresh project, a consumer program type-checked against it (strict) and run. Catches what the unit tests
 * cannot: files missing from (or leaking into) the tarball, broken `exports`, declarations that don't
 * compile, and dependencies that only resolve inside this repository. The policy pack directory the README
 * tells users to write (`fixture/mail-policy`, compared with the README verbatim) is installed from the
 * tarball, type-checked, and, when the Pulumi CLI is built, loaded by a real `pulumi preview`.
 *
 * Needs `npx tsc -p .` first (the tarball ships `dist/`) and the npm registry or npm's cache; takes about a
 * minute. Run it with `node --test dist/tests/consumer/`.
 */
import { after, before, describe, it } from "node:test";
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { repoRoot } from "../../lab-driver/repo-root";

const ROOT = repoRoot();
const FIXTURE = path.join(ROOT, "tests", "consumer", "fixture");

interface PackageJson {
  name: string;
  version: string;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
  exports: Record<string, string | { types?: string; default?: string }>;
}
const PKG = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as PackageJson;

/** The policy pack directory the README tells users to write, and the config it shows. */
const PACK_DIR = "mail-policy";
const PACK_FILES = ["PulumiPolicy.yaml", "package.json", "index.ts"];
const PACK_CONFIG = "policy-config.json";

/** The Pulumi CLI that scripts/pulumi-engine.sh builds; the CLI test is skipped without it. */
const ENGINE_BIN = path.join(ROOT, ".cache", "pulumi-engine", "bin");
const PULUMI = path.join(ENGINE_BIN, "pulumi");

/** A stack whose MailServer sends from DigitalOcean's shared /64 (the engine has no provider plugins here). */
const SHARED_PREFIX_PROGRAM = `const pulumi = require("@pulumi/pulumi");
class MailServer extends pulumi.ComponentResource {
  constructor(name, outputs) { super("ipv6-mail:index:MailServer", name, {}, {}); this.registerOutputs(outputs); }
}
new MailServer("mail", {
  hostName: "mx1.example.net",
  dedicatedPrefix: "2a03:b0c0:3:d0::/64",
  prefixSource: "digitalocean-native",
  smtpAddress: "2a03:b0c0:3:d0::25",
  hostFirewall: true,
});
`;

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command to completion; the output is kept for assertion messages. */
function run(command: string, args: string[], cwd: string): Run {
  const result = spawnSync(command, args, {
    cwd,
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
    env: { ...process.env, npm_config_update_notifier: "false" },
  });
  if (result.error) throw result.error;
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function describeRun(what: string, r: Run): string {
  return `${what} exited ${r.status}\n--- stdout\n${r.stdout.slice(-4000)}\n--- stderr\n${r.stderr.slice(-4000)}`;
}

/** Runs, and fails the test with the output unless the command succeeded. */
function mustRun(what: string, command: string, args: string[], cwd: string): Run {
  const r = run(command, args, cwd);
  assert.equal(r.status, 0, describeRun(what, r));
  return r;
}

/** The last line of stdout that parses as JSON (the fixtures print one). */
function jsonResult(r: Run): Record<string, unknown> {
  const line = r.stdout
    .trim()
    .split("\n")
    .reverse()
    .find((l) => l.startsWith("{"));
  assert.ok(line, describeRun("the fixture printed no JSON", r));
  return JSON.parse(line) as Record<string, unknown>;
}

describe("the packed package in a consumer project", () => {
  let work: string;
  let project: string;
  let tarballFiles: string[];
  let tsc: string;
  let tarball: string;

  before(() => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), "ipv6-mail-consumer-"));
    const pack = mustRun("npm pack", "npm", ["pack", "--json", "--pack-destination", work], ROOT);
    const packed = (JSON.parse(pack.stdout) as { filename: string; files: { path: string }[] }[])[0];
    tarballFiles = packed.files.map((f) => f.path).sort();
    tarball = path.join(work, packed.filename);
    assert.ok(fs.existsSync(tarball), `npm pack wrote ${tarball}`);

    project = path.join(work, "consumer");
    fs.mkdirSync(project);
    fs.writeFileSync(
      path.join(project, "package.json"),
      JSON.stringify({ name: "ipv6-mail-consumer", version: "1.0.0", private: true }, null, 2),
    );
    // The same TypeScript and Node types as this repository, so npm's cache (filled by its install) serves them.
    mustRun(
      "npm install",
      "npm",
      [
        "install",
        "--ignore-scripts",
        "--no-audit",
        "--no-fund",
        "--prefer-offline",
        tarball,
        `typescript@${PKG.devDependencies.typescript}`,
        `@types/node@${PKG.devDependencies["@types/node"]}`,
      ],
      project,
    );
    fs.cpSync(FIXTURE, project, { recursive: true });
    tsc = path.join(project, "node_modules", "typescript", "bin", "tsc");
  });

  after(() => {
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  it("ships the library and its declarations, and no tests, stack program, lab or benchmarks", () => {
    for (const file of [
      "package.json",
      "dist/index.js",
      "dist/index.d.ts",
      "dist/components/mail-server.js",
      "dist/components/mail-server.d.ts",
      "dist/net/index.js",
      "dist/host-config/index.js",
      "dist/policies/pack.js",
      "dist/testing/index.js",
      "dist/testing/index.d.ts",
    ]) {
      assert.ok(tarballFiles.includes(file), `the tarball has ${file}`);
    }
    const leaked = tarballFiles.filter((f) =>
      /^(tests|dist\/tests|dist\/stacks|dist\/bench|dist\/lab-driver|stacks|lab|lab-driver|bench|scripts|components|node_modules)\//.test(
        f,
      ),
    );
    assert.deepEqual(leaked, [], "nothing but the library is packed");
    assert.ok(!tarballFiles.some((f) => f.endsWith(".ts") && !f.endsWith(".d.ts")), "no TypeScript sources");
  });

  it("ships no compiled file whose source is gone", () => {
    const stale = tarballFiles
      .filter((f) => f.startsWith("dist/") && f.endsWith(".js"))
      .filter((f) => !fs.existsSync(path.join(ROOT, f.slice("dist/".length).replace(/\.js$/, ".ts"))));
    assert.deepEqual(stale, [], "rebuild dist/ from a clean tree before packing");
  });

  it("installs every dependency from the tarball's own package.json", () => {
    const installed = JSON.parse(
      fs.readFileSync(path.join(project, "node_modules", "ipv6-mail", "package.json"), "utf8"),
    ) as PackageJson;
    assert.equal(installed.version, PKG.version);
    for (const [dep, version] of Object.entries(PKG.dependencies)) {
      const depPkg = path.join(project, "node_modules", ...dep.split("/"), "package.json");
      assert.ok(fs.existsSync(depPkg), `${dep} is installed`);
      // @pulumi/policy writes its version with a leading "v".
      const found = (JSON.parse(fs.readFileSync(depPkg, "utf8")) as { version: string }).version;
      assert.equal(found.replace(/^v/, ""), version, dep);
    }
  });

  it("resolves every subpath the package exports, at run time", () => {
    for (const subpath of Object.keys(PKG.exports)) {
      const specifier = subpath === "." ? "ipv6-mail" : `ipv6-mail/${subpath.slice(2)}`;
      const r = run(
        process.execPath,
        ["-e", `console.log(require.resolve(${JSON.stringify(specifier)}))`],
        project,
      );
      assert.equal(r.status, 0, describeRun(`require.resolve("${specifier}")`, r));
      assert.ok(r.stdout.trim().startsWith(path.join(project, "node_modules", "ipv6-mail")), r.stdout);
    }
  });

  it("installs the ipv6-mail command, which prints its usage and rejects a bad command line", () => {
    const bin = path.join(project, "node_modules", ".bin", "ipv6-mail");
    const help = run(bin, ["doctor", "--help"], project);
    assert.equal(help.status, 0, describeRun("ipv6-mail doctor --help", help));
    assert.match(help.stdout, /^usage: ipv6-mail doctor <host name> \[options\]/);
    assert.match(help.stdout, /--resolver <ip\[:port\]>/);
    const bad = run(bin, ["doctor"], project);
    assert.equal(bad.status, 2, describeRun("ipv6-mail doctor", bad));
    assert.match(bad.stderr, /no host name given/);
  });

  it("type-checks the consumer programs (strict, node16 resolution)", () => {
    mustRun("tsc -p tsconfig.json", process.execPath, [tsc, "-p", "tsconfig.json"], project);
  });

  it("type-checks them with moduleResolution node, as Pulumi's TypeScript template sets it", () => {
    const config = JSON.parse(fs.readFileSync(path.join(project, "tsconfig.json"), "utf8")) as {
      compilerOptions: Record<string, unknown>;
    };
    config.compilerOptions.module = "commonjs";
    config.compilerOptions.moduleResolution = "node";
    config.compilerOptions.noEmit = true;
    fs.writeFileSync(path.join(project, "tsconfig.node10.json"), JSON.stringify(config, null, 2));
    mustRun("tsc -p tsconfig.node10.json", process.execPath, [tsc, "-p", "tsconfig.node10.json"], project);
  });

  it("has declarations that compile without skipLibCheck", () => {
    const config = JSON.parse(fs.readFileSync(path.join(project, "tsconfig.json"), "utf8")) as {
      compilerOptions: Record<string, unknown>;
    };
    config.compilerOptions.skipLibCheck = false;
    config.compilerOptions.noEmit = true;
    fs.writeFileSync(path.join(project, "tsconfig.libcheck.json"), JSON.stringify(config, null, 2));
    const r = run(process.execPath, [tsc, "-p", "tsconfig.libcheck.json"], project);
    // Other packages' declarations are theirs to fix; this package's and the consumer's must be clean.
    const ours = r.stdout
      .split("\n")
      .filter((l) => /error TS/.test(l) && !/^node_modules\/(?!ipv6-mail\/)/.test(l));
    assert.deepEqual(ours, [], describeRun("tsc without skipLibCheck", r));
  });

  it("runs a MailServer program under mocks with the outputs the package promises", () => {
    const result = jsonResult(mustRun("node bin/index.js", process.execPath, ["bin/index.js"], project));
    assert.equal(result.smtpAddress, "2a01:4f8:c17:1234::25");
    assert.equal(result.dedicatedPrefix, "2a01:4f8:c17:1234::/64");
    assert.equal(result.prefixSource, "hetzner-server-64");
    assert.equal(result.ptrName, result.expectedPtr, "net.ptrOwnerName agrees with the component");
    assert.equal(result.ptrName, "5.2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.4.3.2.1.7.1.c.0.8.f.4.0.1.0.a.2.ip6.arpa");
    assert.equal(result.inPrefix, true);
    assert.deepEqual(
      result.refused,
      { rootClass: true, sameAsNet: true, fields: ["hostName", "firewall.adminSources"] },
      "InvalidConfigError is exported at the root (the same class as net.InvalidConfigError)",
    );
    assert.deepEqual(result.exportedInternals, [], "the root hides the components' internals");
    assert.equal(result.spfRecord, "v=spf1 ip4:203.0.113.21 ip6:2a01:4f8:c17:1234::/64 -all");
    const records = result.records as { type: string; content: string }[];
    assert.equal(records.find((r) => r.type === "AAAA")?.content, "2a01:4f8:c17:1234::25");
    const registered = result.registered as string[];
    for (const resource of [
      "ipv6-mail:index:MailServer mail",
      "ipv6-mail:index:HetznerHost mail",
      "hcloud:index/server:Server mail",
      "hcloud:index/rdns:Rdns mail-ptr",
      "command:remote:Command mail-host",
      "cloudflare:index/dnsRecord:DnsRecord mail-aaaa",
    ]) {
      assert.ok(registered.includes(resource), `${resource} registered; got ${registered.join(", ")}`);
    }
  });

  it("runs a policy test through ipv6-mail/testing", () => {
    const result = jsonResult(mustRun("node bin/testing.js", process.execPath, ["bin/testing.js"], project));
    assert.ok((result.rules as number) > 0, "ipv6-mail/policies exports the rules");
    assert.deepEqual(result.good, { passed: true, mandatory: [] }, "a MailServer passes the pack");
    const bad = result.bad as { passed: boolean; rules: string[] };
    assert.equal(bad.passed, false, "a droplet sending from its shared /64 fails the pack");
    assert.ok(bad.rules.includes("smtp-from-dedicated-prefix"), bad.rules.join(", "));
  });

  it("documents in the README the very policy pack directory and config tested here", () => {
    const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
    for (const file of [...PACK_FILES.map((f) => path.join(PACK_DIR, f)), PACK_CONFIG]) {
      const content = fs.readFileSync(path.join(FIXTURE, file), "utf8");
      assert.ok(readme.includes(`\n${content}\`\`\``), `README.md shows ${file} as a code block, verbatim`);
    }
    const pack = JSON.parse(
      fs.readFileSync(path.join(FIXTURE, PACK_DIR, "package.json"), "utf8"),
    ) as PackageJson;
    assert.deepEqual(
      pack.dependencies,
      {
        "@pulumi/policy": PKG.dependencies["@pulumi/policy"],
        "@pulumi/pulumi": PKG.dependencies["@pulumi/pulumi"],
        "ipv6-mail": PKG.version,
      },
      "the pack depends on this version of the package and on the Pulumi versions it is built with",
    );
    assert.equal(pack.devDependencies.typescript, PKG.devDependencies.typescript);
    assert.match(
      readme,
      /pulumi preview [^\n]*--policy-pack mail-policy --policy-pack-config policy-config\.json/,
    );
  });

  it(
    "blocks a preview through the real Pulumi CLI with that pack directory and config",
    { skip: fs.existsSync(PULUMI) ? false : "the Pulumi CLI is not built (scripts/pulumi-engine.sh)" },
    () => {
      const packDir = path.join(project, PACK_DIR);
      // As the README says: npm install in the pack directory (the tarball stands in for the registry).
      mustRun(
        "npm install (policy pack)",
        "npm",
        ["install", "--ignore-scripts", "--no-audit", "--no-fund", "--prefer-offline", tarball],
        packDir,
      );
      // The consumer project becomes a Pulumi project too, so the preview runs as the README shows it.
      fs.writeFileSync(
        path.join(project, "Pulumi.yaml"),
        "name: mail\nmain: stack.js\nruntime:\n  name: nodejs\n  options:\n    typescript: false\n",
      );
      fs.writeFileSync(path.join(project, "stack.js"), SHARED_PREFIX_PROGRAM);
      for (const dir of ["state", "home"]) fs.mkdirSync(path.join(work, dir));
      const env = {
        ...process.env,
        PATH: `${ENGINE_BIN}:${process.env.PATH ?? ""}`,
        PULUMI_HOME: path.join(work, "home"),
        PULUMI_BACKEND_URL: `file://${path.join(work, "state")}`,
        PULUMI_CONFIG_PASSPHRASE: "",
        PULUMI_SKIP_UPDATE_CHECK: "true",
        PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
      };
      const cli = (args: string[]): Run => {
        const r = spawnSync(PULUMI, args, { cwd: project, env, encoding: "utf8", timeout: 240_000 });
        if (r.error) throw r.error;
        return { status: r.status, stdout: r.stdout, stderr: r.stderr };
      };
      const init = cli(["stack", "init", "dev", "--non-interactive"]);
      assert.equal(init.status, 0, describeRun("pulumi stack init", init));
      const preview = cli([
        "preview",
        "--non-interactive",
        "--policy-pack",
        PACK_DIR,
        "--policy-pack-config",
        PACK_CONFIG,
      ]);
      const out = `${preview.stdout}\n${preview.stderr}`;
      assert.notEqual(preview.status, 0, describeRun("pulumi preview must be blocked", preview));
      assert.match(out, /ipv6-mail@v1\.0\.0 \(local: mail-policy\)/, "the pack is loaded from the directory");
      assert.match(
        out,
        /\[mandatory\] \[severity: critical\] {2}smtp-from-dedicated-prefix {2}\(ipv6-mail:index:MailServer: mail\)/,
      );
      assert.match(out, /\[advisory\] \[severity: high\] {2}fcrdns-consistent/, "the config lowers a rule");
      assert.doesNotMatch(out, /smtp-egress-unblocked/, "the config disables a rule");
    },
  );
});
