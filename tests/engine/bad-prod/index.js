// A production mail host written by hand with plain provider resources (no ipv6-mail components, which would
// refuse these settings before registering anything): a DigitalOcean droplet or a Hetzner Cloud server with
// IPv6 and no firewall of any kind, Postfix pinned by a remote command, Cloudflare records and the IPv6 PTR. The stack config
// (Pulumi.<stack>.yaml beside this file) says which host and how it is wrong; `scripts/pr-pipeline.sh`
// previews it with the pack, which must refuse it. A preview runs no remote command.
"use strict";
const pulumi = require("@pulumi/pulumi");
const { remote } = require("@pulumi/command");
const cloudflare = require("@pulumi/cloudflare");
const digitalocean = require("@pulumi/digitalocean");
const hcloud = require("@pulumi/hcloud");

const config = new pulumi.Config();
const host = config.require("host"); // digitalocean | hetzner
const hostName = config.require("hostName");
const zone = config.require("zone");
const smtp = config.require("smtpAddress");
const zoneId = config.require("zoneId");

let ipv4;
if (host === "digitalocean") {
  const droplet = new digitalocean.Droplet("mail", {
    name: hostName,
    region: "fra1",
    size: "s-1vcpu-1gb",
    image: "debian-12-x64",
    ipv6: true,
  });
  ipv4 = droplet.ipv4Address;
  new cloudflare.DnsRecord("mail-ptr", {
    zoneId: config.require("reverseZoneId"),
    name: config.require("ptrName"),
    type: "PTR",
    content: hostName,
    ttl: 300,
  });
} else if (host === "hetzner") {
  const server = new hcloud.Server("mail", {
    name: hostName,
    serverType: "cx22",
    image: "debian-12",
    location: "fsn1",
    publicNets: [{ ipv4Enabled: true, ipv6Enabled: true }],
  });
  ipv4 = server.ipv4Address;
  new hcloud.Rdns("mail-ptr", { serverId: server.id.apply(Number), ipAddress: smtp, dnsPtr: hostName });
} else {
  throw new Error(`ipv6-mail-bad-prod:host = "${host}": must be digitalocean or hetzner`);
}

const postfix = [
  "set -eu",
  `postconf -e 'inet_protocols = all' 'smtp_bind_address6 = ${smtp}' 'smtp_bind_address_enforce = yes'`,
  `postconf -e 'myhostname = ${hostName}' 'smtp_helo_name = ${hostName}'`,
  "systemctl reload postfix",
].join("\n");
new remote.Command("mail-postfix", {
  connection: { host: ipv4, user: "root", privateKey: config.requireSecret("sshPrivateKey") },
  create: postfix,
});

new cloudflare.DnsRecord("mail-a", { zoneId, name: hostName, type: "A", content: ipv4, ttl: 3600 });
new cloudflare.DnsRecord("mail-aaaa", { zoneId, name: hostName, type: "AAAA", content: smtp, ttl: 300 });
new cloudflare.DnsRecord("mail-mx", {
  zoneId,
  name: zone,
  type: "MX",
  content: hostName,
  priority: 10,
  ttl: 3600,
});
const spf = config.require("spf");
new cloudflare.DnsRecord("mail-spf", { zoneId, name: zone, type: "TXT", content: spf, ttl: 3600 });
