// A bad variant of the lab stack, written the way a user might by hand: Postfix bound to an address of the
// provider's *shared* /64 and a 6in4 tunnel, but no IPv6 firewall. `pulumi preview --policy-pack policies`
// must refuse it. Nothing here reaches a host: preview never runs the scripts.
"use strict";
const { remote } = require("@pulumi/command");
const { ExistingHost } = require("../../../dist/components/hosts/existing-host");

const script = [
  "#!/bin/bash",
  "set -eu",
  "ip tunnel add he-ipv6 mode sit remote 198.51.100.1 local 192.0.2.10 ttl 255",
  "ip link set he-ipv6 up mtu 1480",
  "ip -6 addr add 2001:db8:1e::2/64 dev he-ipv6",
  "ip -6 route replace default dev he-ipv6",
  "postconf -e 'smtp_bind_address6=2001:db8:5ace::25' 'inet_protocols=all'",
  "postfix reload",
].join("\n");

const host = new ExistingHost("mail", {
  ssh: { host: "127.0.0.1", port: 2222, privateKey: "not used by preview" },
  ipv4Address: "192.0.2.10",
  allowDocumentationPrefixes: true,
});

new remote.Command(
  "mail-host",
  {
    connection: { host: "127.0.0.1", port: 2222, user: "root", privateKey: "not used by preview" },
    create: script,
    delete: "true",
  },
  { parent: host },
);
