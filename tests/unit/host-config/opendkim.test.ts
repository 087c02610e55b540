/**
 * The DKIM section: OpenDKIM's files, the key made on the host (real openssl in a staging root), the public
 * key line, Postfix's milters added beside existing ones, idempotency, rotation's next selector, and the
 * remove script giving main.cf back byte for byte.
 */
import * as assert from "node:assert/strict";
import { createPublicKey } from "node:crypto";
import * as fs from "node:fs";
import { describe, it } from "node:test";

import {
  composeHostScript,
  DKIM_PUBLIC_KEY_TAG,
  forgetHostStateSection,
  IPROUTE2_PACKAGE,
  opendkimRestoreSection,
  opendkimSection,
  packagesOf,
  postfixSection,
  OPENDKIM_DIR,
  OPENDKIM_DROPIN,
  OPENDKIM_PACKAGES,
  parseDkimPublicKeys,
  renderOpendkimConf,
  renderOpendkimScript,
  RESULT_CHANGED,
  RESULT_UNCHANGED,
} from "../../../host-config";
import { dkimRecordText } from "../../../net";
import { postfixBox } from "./postfix-stub";
import { assertScriptLints, describeRun, hasCommand, resultLine } from "./shell-harness";

const SPEC = { domain: "example.org", selector: "mail2026" };
const MAIN_CF = "inet_protocols = all\nsmtpd_milters = inet:127.0.0.1:11332\n";
const removeScript = composeHostScript([opendkimRestoreSection(), forgetHostStateSection()]);

/** The DKIM `p=` of a PEM private key, computed here independently of the script's openssl pipeline. */
function publicKeyOf(pem: string): string {
  return createPublicKey(pem).export({ type: "spki", format: "der" }).toString("base64");
}

describe("DKIM signing (OpenDKIM)", () => {
  it("renders lint-clean scripts and refuses bad selectors and domains", () => {
    assertScriptLints(renderOpendkimScript(SPEC), "opendkim");
    assertScriptLints(removeScript, "opendkim remove");
    assert.match(renderOpendkimConf(SPEC), /^KeyFile \/etc\/opendkim\/ipv6-mail\/mail2026\.private$/m);
    assert.match(renderOpendkimConf(SPEC), /^Domain example\.org$/m);
    assert.throws(
      () => renderOpendkimScript({ ...SPEC, selector: "Bad_Selector" }),
      /selector "Bad_Selector"/,
    );
    assert.throws(() => renderOpendkimScript({ ...SPEC, domain: "not a domain" }), /domain "not a domain"/);
    assert.throws(() => renderOpendkimScript({ ...SPEC, nextSelector: SPEC.selector }), /nextSelector/);
    assert.throws(() => parseDkimPublicKeys(`${DKIM_PUBLIC_KEY_TAG} example.org s1 not*base64`), /malformed/);
    // Its packages go with the other sections' into one packages section; iproute2 is named as the tunnel
    // names it (packagesOf refuses one package asked for two ways).
    const sections = [
      postfixSection({ smtpAddress: "2001:db8:25::25", hostName: "mail.example.org" }),
      opendkimSection(SPEC),
    ];
    assert.deepEqual(
      packagesOf(sections).map((p) => `${p.name}:${p.command}`),
      ["postfix:postconf", "opendkim:opendkim", "openssl:openssl", "iproute2:ip"],
    );
    assert.ok(OPENDKIM_PACKAGES.includes(IPROUTE2_PACKAGE));
  });

  it(
    "makes the key on the host, prints only its public half, adds the milter beside others, then is idempotent and removable",
    { skip: hasCommand("openssl") ? undefined : "openssl is not installed" },
    () => {
      const box = postfixBox("3.7.11", MAIN_CF);
      box.stub("opendkim", "exit 0");
      try {
        const first = box.run(renderOpendkimScript(SPEC));
        assert.equal(first.status, 0, describeRun(first));
        assert.equal(resultLine(first), RESULT_CHANGED);
        const keyPath = `${OPENDKIM_DIR}/mail2026.private`;
        const pem = box.read(keyPath);
        assert.match(pem, /^-----BEGIN PRIVATE KEY-----/);
        assert.equal(fs.statSync(box.path(keyPath)).mode & 0o777, 0o600);
        const body = pem.split("\n")[1];
        assert.ok(
          !first.stdout.includes(body) && !first.stderr.includes(body),
          "the private key is never printed",
        );

        const keys = parseDkimPublicKeys(first.stdout);
        assert.deepEqual(keys, [
          { domain: "example.org", selector: "mail2026", publicKey: publicKeyOf(pem) },
        ]);
        assert.match(dkimRecordText(keys[0].publicKey), /^v=DKIM1; k=rsa; p=MIIBIjAN/);
        const main = box.read("etc/postfix/main.cf");
        assert.match(main, /^smtpd_milters = inet:127\.0\.0\.1:11332, inet:127\.0\.0\.1:8891$/m);
        assert.match(main, /^non_smtpd_milters = inet:127\.0\.0\.1:8891$/m);
        assert.match(main, /^milter_default_action = accept$/m);
        assert.match(
          box.read(OPENDKIM_DROPIN),
          /^ExecStart=\/usr\/sbin\/opendkim -x \/etc\/opendkim\/ipv6-mail\/opendkim\.conf$/m,
        );

        const second = box.run(renderOpendkimScript(SPEC));
        assert.equal(second.status, 0, describeRun(second));
        assert.equal(resultLine(second), RESULT_UNCHANGED);
        assert.equal(box.read(keyPath), pem, "an existing key is kept");
        assert.deepEqual(parseDkimPublicKeys(second.stdout), keys, "and printed again for the DNS record");

        // Rotation, step 1: the next selector's key is made and printed; signing stays with the old one.
        const rotating = box.run(renderOpendkimScript({ ...SPEC, nextSelector: "mail2027" }));
        assert.equal(rotating.status, 0, describeRun(rotating));
        assert.deepEqual(
          parseDkimPublicKeys(rotating.stdout).map((k) => k.selector),
          ["mail2026", "mail2027"],
        );
        assert.match(box.read(`${OPENDKIM_DIR}/opendkim.conf`), /^Selector mail2026$/m);
        // Step 2: the new selector signs.
        const rotated = box.run(renderOpendkimScript({ domain: "example.org", selector: "mail2027" }));
        assert.equal(rotated.status, 0, describeRun(rotated));
        assert.match(box.read(`${OPENDKIM_DIR}/opendkim.conf`), /^Selector mail2027$/m);

        const removed = box.run(removeScript);
        assert.equal(removed.status, 0, describeRun(removed));
        assert.equal(resultLine(removed), RESULT_CHANGED);
        assert.equal(box.read("etc/postfix/main.cf"), MAIN_CF, "main.cf is as before, byte for byte");
        assert.ok(
          !box.exists(OPENDKIM_DIR) && !box.exists(OPENDKIM_DROPIN),
          "keys, configuration and drop-in gone",
        );
        assert.ok(!box.exists("var/lib/ipv6-mail"), "no state left");
      } finally {
        box.dispose();
      }
    },
  );
});
