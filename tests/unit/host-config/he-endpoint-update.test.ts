import { after, before, describe, it } from "node:test";
import * as assert from "node:assert/strict";
import * as http from "node:http";
import { AddressInfo } from "node:net";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { HE_UPDATE_URL } from "../../../net";
import {
  heEndpointUpdateStdin,
  RESULT_CHANGED,
  RESULT_FAILED,
  RESULT_UNCHANGED,
  renderHeEndpointUpdateScript,
} from "../../../host-config";
import { assertScriptLints, resultLine, Sandbox } from "./shell-harness";

const USER = 'tunnel"user';
const KEY = "s3cr3t\\update-key";

interface Seen {
  url: string;
  authorization: string;
}

/** Runs a rendered script asynchronously (the fake HE server lives in this process). */
function runAsync(
  box: Sandbox,
  script: string,
  input: string,
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const file = path.join(box.root, ".script.sh");
  fs.writeFileSync(file, script);
  return new Promise((resolve) => {
    const child = spawn("bash", [file], {
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", IPV6_MAIL_ROOT: box.root },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("close", (status) => resolve({ status, stdout, stderr }));
    child.stdin.end(input);
  });
}

describe("HE endpoint update", () => {
  const seen: Seen[] = [];
  let answer = "good 203.0.113.7";
  const server = http.createServer((req, res) => {
    seen.push({ url: req.url ?? "", authorization: req.headers.authorization ?? "" });
    res.end(answer);
  });
  let url = "";
  const box = new Sandbox();

  before(async () => {
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/nic/update`;
  });
  after(() => {
    server.close();
    box.dispose();
  });

  it("renders deterministically, lints clean and carries no credential", () => {
    const spec = { tunnelId: "123456", clientIpv4: "203.0.113.7" };
    const script = renderHeEndpointUpdateScript(spec);
    assert.equal(script, renderHeEndpointUpdateScript({ ...spec }));
    assert.match(script, new RegExp(`he_url=${HE_UPDATE_URL.replace(/[/.]/g, "\\$&")}`));
    assert.match(script, /curl --config - /);
    assert.doesNotMatch(script, /s3cr3t|tunnel"user/);
    assertScriptLints(script, "HE endpoint update");
    assert.equal(heEndpointUpdateStdin("u", "k"), "u\nk\n");
    assert.throws(() => heEndpointUpdateStdin("u\nx", "k"), /single lines/);
    assert.throws(
      () => renderHeEndpointUpdateScript({ tunnelId: "abc", clientIpv4: "203.0.113.7" }),
      /tunnelId/,
    );
  });

  it("sends hostname and myip with the credentials as basic auth, once", async () => {
    const script = renderHeEndpointUpdateScript({
      tunnelId: "123456",
      clientIpv4: "203.0.113.7",
      updateUrl: url,
    });
    const first = await runAsync(box, script, heEndpointUpdateStdin(USER, KEY));
    assert.equal(first.status, 0, first.stdout + first.stderr);
    assert.equal(resultLine(first), RESULT_CHANGED);
    assert.equal(seen.length, 1);
    assert.equal(seen[0].url, "/nic/update?hostname=123456&myip=203.0.113.7");
    assert.equal(seen[0].authorization, `Basic ${Buffer.from(`${USER}:${KEY}`).toString("base64")}`);
    assert.doesNotMatch(first.stdout + first.stderr, /s3cr3t/);
    assert.equal(box.read("var/lib/ipv6-mail/he-endpoint-123456"), "203.0.113.7\n");

    const second = await runAsync(box, script, heEndpointUpdateStdin(USER, KEY));
    assert.equal(resultLine(second), RESULT_UNCHANGED);
    assert.equal(seen.length, 1, "no request when the endpoint is already recorded");
  });

  it("fails clearly on badauth or an unexpected answer and records nothing", async () => {
    const script = renderHeEndpointUpdateScript({
      tunnelId: "777",
      clientIpv4: "203.0.113.8",
      updateUrl: url,
    });
    answer = "badauth";
    const bad = await runAsync(box, script, heEndpointUpdateStdin(USER, "wrong"));
    assert.equal(bad.status, 1);
    assert.equal(resultLine(bad), RESULT_FAILED);
    assert.match(
      bad.stderr,
      /answered 'badauth': check the tunnelbroker username and the tunnel's update key/,
    );
    answer = "abuse";
    const abuse = await runAsync(box, script, heEndpointUpdateStdin(USER, KEY));
    assert.match(abuse.stderr, /answered 'abuse' \(expected good or nochg\)/);
    assert.equal(box.exists("var/lib/ipv6-mail/he-endpoint-777"), false);
    answer = "nochg 203.0.113.8";
    const nochg = await runAsync(box, script, heEndpointUpdateStdin(USER, KEY));
    assert.equal(nochg.status, 0, nochg.stderr);
    assert.equal(box.read("var/lib/ipv6-mail/he-endpoint-777"), "203.0.113.8\n");
  });

  it("refuses to run without credentials on stdin", async () => {
    const script = renderHeEndpointUpdateScript({
      tunnelId: "888",
      clientIpv4: "203.0.113.9",
      updateUrl: url,
    });
    const run = await runAsync(box, script, "");
    assert.equal(run.status, 1);
    assert.match(run.stderr, /needs the tunnelbroker username and the tunnel's update key on stdin/);
  });
});
