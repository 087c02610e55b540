/**
 * The doctor's verdict: counts and exit status from the checks, the text for people (each failure and
 * warning followed by its fix), and the host's probe output read into facts.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { effectiveSource, sourceAddressCheck } from "../../../doctor/checks/source-address-check";
import { doctorExitCode, doctorReport, formatDoctorText } from "../../../doctor/doctor-report";
import { parseHostProbe } from "../../../doctor/host-probe";

describe("doctorReport and formatDoctorText", () => {
  const checks = [
    { id: "mx", status: "ok", summary: "MX of example.org: 10 mail.example.org" },
    { id: "ptr", status: "fail", summary: "2001:db8:25::25 has no PTR record", fix: "set the PTR" },
    { id: "dnsbl", status: "warn", summary: "refused", fix: "use a resolver of your own" },
    { id: "tunnel", status: "skip", summary: "no tunnel", fix: "never shown for a skip" },
  ] as const;

  it("counts the verdicts; a failure makes the exit status 1, warnings and skips do not", () => {
    const report = doctorReport("mail.example.org", "2001:db8:25::25", checks);
    assert.deepEqual(report.counts, { ok: 1, fail: 1, warn: 1, skip: 1 });
    assert.equal(report.ok, false);
    assert.equal(doctorExitCode(report), 1);
    const clean = doctorReport("mail.example.org", null, [checks[0], checks[2], checks[3]]);
    assert.equal(clean.ok, true);
    assert.equal(doctorExitCode(clean), 0);
    assert.equal(clean.version, 1);
  });

  it("prints one line per check, the fix under each failure and warning, and the counts", () => {
    const text = formatDoctorText(doctorReport("mail.example.org", "2001:db8:25::25", checks));
    assert.equal(
      text,
      [
        "ipv6-mail doctor: mail.example.org (SMTP address 2001:db8:25::25)",
        "ok    mx      MX of example.org: 10 mail.example.org",
        "FAIL  ptr     2001:db8:25::25 has no PTR record",
        "              fix: set the PTR",
        "warn  dnsbl   refused",
        "              fix: use a resolver of your own",
        "skip  tunnel  no tunnel",
        "FAILED: 1 ok, 1 failed, 1 warnings, 1 skipped",
        "",
      ].join("\n"),
    );
  });
});

describe("parseHostProbe and the source-address check", () => {
  const tag = "ipv6-mail-doctor:";
  const probe = (lines: readonly string[]) =>
    ["Welcome banner", ...lines.map((l) => `${tag} ${l}`)].join("\n");
  const bound = probe([
    "route 2001:4860:4860::8888 from :: via fe80::1 dev eth0 src 2001:db8:5ace::210 metric 1024 pref medium",
    "mta postfix",
    "protocols all",
    "bind6 2001:db8:25::25",
    "route-from 2001:db8:25::25 2001:4860:4860::8888 from 2001:db8:25::25 via 2001:db8:1::1 dev he-ipv6 src 2001:db8:25::25",
    "tunnel he-ipv6 2001:db8:1::1",
    "tunnel-ping he-ipv6 0 3 packets transmitted, 3 received, 0% packet loss, time 2003ms",
    "dkim-signing Example.org s1",
    "dkim-key s1 MIIBIjAN",
    "end",
  ]);

  it("reads the kernel's route, the MTA's bound address and its route, tunnels and DKIM keys", () => {
    const facts = parseHostProbe(bound);
    assert.equal(facts.kernelSource, "2001:db8:5ace::210");
    assert.equal(facts.mta, "postfix");
    assert.equal(facts.mtaBindAddress, "2001:db8:25::25");
    assert.deepEqual(facts.tunnels, [
      {
        interfaceName: "he-ipv6",
        serverAddress: "2001:db8:1::1",
        pingExitCode: 0,
        pingSummary: "3 packets transmitted, 3 received, 0% packet loss, time 2003ms",
      },
    ]);
    assert.deepEqual(facts.dkimSigning, { domain: "example.org", selector: "s1" });
    assert.deepEqual(facts.dkimKeys, { s1: "MIIBIjAN" });
    assert.equal(effectiveSource(facts), "2001:db8:25::25");
  });

  it("throws when the probe did not run to its end", () => {
    assert.throws(() => parseHostProbe(probe(["mta postfix"])), /ended early/);
  });

  it("passes when the bound address is the AAAA, fails with the bind fix when the kernel picks another", () => {
    const facts = parseHostProbe(bound);
    const ok = sourceAddressCheck("mail.example.org", ["2001:db8:25::25"], facts, "2001:4860:4860::8888");
    assert.equal(ok.status, "ok");
    const unbound = parseHostProbe(
      probe([
        "route 2001:4860:4860::8888 from :: via fe80::1 dev eth0 src 2001:db8:5ace::210",
        "mta postfix",
        "bind6 ",
        "end",
      ]),
    );
    const fail = sourceAddressCheck("mail.example.org", ["2001:db8:25::25"], unbound, "2001:4860:4860::8888");
    assert.equal(fail.status, "fail");
    assert.equal(fail.details?.source, "2001:db8:5ace::210");
    assert.match(fail.fix ?? "", /postconf -e smtp_bind_address6=2001:db8:25::25/);
  });

  it("fails when the MTA binds an address the kernel has no route from", () => {
    const gone = parseHostProbe(
      probe([
        "route 2001:4860:4860::8888 from :: via fe80::1 dev eth0 src 2001:db8:5ace::210",
        "mta postfix",
        "bind6 2001:db8:25::25",
        "route-from 2001:db8:25::25 RTNETLINK answers: Network is unreachable",
        "end",
      ]),
    );
    assert.equal(effectiveSource(gone), undefined);
    const c = sourceAddressCheck("mail.example.org", ["2001:db8:25::25"], gone, "2001:4860:4860::8888");
    assert.equal(c.status, "fail");
    assert.match(c.summary, /no route from it/);
  });
});
