/**
 * The doctor's command line: defaults derived from the host name, the SSH target as the stack connects
 * (root, port 22), and a usage error naming the flag and the value for anything it cannot run.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";

import {
  DEFAULT_DNSBL_ZONES,
  DEFAULT_ROUTE_TARGET,
  DoctorUsageError,
  parseDoctorArgs,
  type DoctorOptions,
} from "../../../doctor/doctor-args";

function parse(argv: readonly string[], files: Record<string, string> = {}): DoctorOptions {
  const options = parseDoctorArgs(argv, (file) => {
    if (!(file in files)) throw new Error(`ENOENT: ${file}`);
    return files[file];
  });
  assert.notEqual(options, "help");
  return options as DoctorOptions;
}

function usageError(argv: readonly string[], message: RegExp): void {
  assert.throws(
    () => parseDoctorArgs(argv, () => "{}"),
    (e: unknown) => e instanceof DoctorUsageError && message.test(e.message),
  );
}

describe("parseDoctorArgs", () => {
  it("derives zone, mail domain, envelope sender and SSH target from the host name", () => {
    const o = parse(["Mail.Example.ORG."]);
    assert.equal(o.hostName, "mail.example.org");
    assert.equal(o.zone, "example.org");
    assert.equal(o.mailDomain, "example.org");
    assert.equal(o.mailFrom, "postmaster@mail.example.org");
    assert.deepEqual(o.dnsblZones, DEFAULT_DNSBL_ZONES);
    assert.equal(o.routeTarget, DEFAULT_ROUTE_TARGET);
    assert.deepEqual(o.ssh, { user: "root", host: "mail.example.org", port: 22 });
    assert.equal(o.resolver, undefined);
    assert.equal(o.json, false);
    assert.equal(o.dnsTimeoutSeconds, 5);
  });

  it("takes every flag, in both --flag value and --flag=value form", () => {
    const o = parse([
      "mail.example.org",
      "--resolver=192.0.2.53:5353",
      "--zone",
      "example.net",
      "--domain=example.com",
      "--mail-from",
      "bounce@example.com",
      "--dnsbl",
      "a.example,b.example",
      "--dnsbl=c.example",
      "--dkim-selector",
      "S2026",
      "--route-target",
      "2001:DB8::0:1",
      "--ssh",
      "admin@2001:db8::22",
      "--ssh-port",
      "2222",
      "--ssh-key",
      "/k",
      "--known-hosts",
      "/kh",
      "--host-key-alias",
      "lab",
      "--dns-timeout",
      "2.5",
      "--json",
    ]);
    assert.equal(o.resolver, "192.0.2.53:5353");
    assert.equal(o.zone, "example.net");
    assert.equal(o.mailDomain, "example.com");
    assert.equal(o.mailFrom, "bounce@example.com");
    assert.deepEqual(o.dnsblZones, ["a.example", "b.example", "c.example"]);
    assert.equal(o.dkimSelector, "s2026");
    assert.equal(o.routeTarget, "2001:db8::1");
    assert.deepEqual(o.ssh, {
      user: "admin",
      host: "2001:db8::22",
      port: 2222,
      keyFile: "/k",
      knownHostsFile: "/kh",
      hostKeyAlias: "lab",
    });
    assert.equal(o.dnsTimeoutSeconds, 2.5);
    assert.equal(o.json, true);
  });

  it("accepts resolvers as ip, ip:port and [ipv6]:port", () => {
    assert.equal(parse(["m.example.org", "--resolver", "192.0.2.53"]).resolver, "192.0.2.53");
    assert.equal(parse(["m.example.org", "--resolver", "2001:db8::53"]).resolver, "2001:db8::53");
    assert.equal(parse(["m.example.org", "--resolver", "[2001:db8::53]:53"]).resolver, "[2001:db8::53]:53");
  });

  it("takes the host name and the SSH address from `pulumi stack output --json`", () => {
    const outputs = JSON.stringify({ hostName: "mx.example.org", ipv4Address: "192.0.2.10", other: 1 });
    const o = parse(["--stack-outputs", "out.json"], { "out.json": outputs });
    assert.equal(o.hostName, "mx.example.org");
    assert.deepEqual(o.ssh, { user: "root", host: "192.0.2.10", port: 22 });
  });

  it("pins a host key given as the stack's connection.hostKey gives it", () => {
    const key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHZ7AkxK4lwvfbN2iPIof1/GXeL78ZofwNQiCovhRGAY";
    assert.deepEqual(parse(["mail.example.org", "--host-key", key]).ssh, {
      user: "root",
      host: "mail.example.org",
      port: 22,
      hostKey: key,
    });
    usageError(["mail.example.org", "--host-key", "AAAA"], /--host-key "AAAA" is not an SSH public key/);
    usageError(
      ["mail.example.org", "--host-key", key, "--known-hosts", "/kh"],
      /--host-key and --known-hosts contradict each other/,
    );
  });

  it("turns the host checks off with --no-ssh", () => {
    assert.equal(parse(["mail.example.org", "--no-ssh"]).ssh, undefined);
  });

  it("returns help for --help, whatever else is given", () => {
    assert.equal(
      parseDoctorArgs(["--help", "--bogus"], () => ""),
      "help",
    );
  });

  it("rejects what it cannot run, naming the flag, the value and what to give", () => {
    usageError([], /no host name given; e\.g\. ipv6-mail doctor mail\.example\.org/);
    usageError(["a.example.org", "b.example.org"], /one host name expected/);
    usageError(["localhost"], /host name "localhost" is not a domain name; give e\.g\. example\.org/);
    usageError(
      ["mail.example.org", "--resolver", "dns.example"],
      /--resolver "dns\.example" is not an address/,
    );
    usageError(["mail.example.org", "--resolver", "192.0.2.53:70000"], /port 70000 is not 1\.\.65535/);
    usageError(["mail.example.org", "--resolver"], /--resolver needs a value/);
    usageError(["mail.example.org", "--bogus"], /unknown option "--bogus"/);
    usageError(["mail.example.org", "--zone", "a", "--zone", "b"], /--zone given 2 times; give it once/);
    usageError(["mail.example.org", "--mail-from", "nobody"], /--mail-from "nobody" is not a mail address/);
    usageError(["mail.example.org", "--dnsbl", ","], /--dnsbl names no zone/);
    usageError(["mail.example.org", "--dkim-selector", "a.b"], /--dkim-selector "a\.b" is not one DNS label/);
    usageError(
      ["mail.example.org", "--route-target", "192.0.2.1"],
      /--route-target "192\.0\.2\.1" is not an IPv6/,
    );
    usageError(["mail.example.org", "--ssh-port", "0"], /--ssh-port "0" is not a port/);
    usageError(["mail.example.org", "--dns-timeout", "0"], /--dns-timeout "0" is not a number of seconds/);
    usageError(["mail.example.org", "--no-ssh", "--ssh-key", "/k"], /--no-ssh and --ssh-key contradict/);
    assert.throws(
      () => parseDoctorArgs(["--stack-outputs", "x.json"], () => "not json"),
      /--stack-outputs "x\.json":.*give the output of `pulumi stack output --json`/,
    );
  });
});
