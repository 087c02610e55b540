/**
 * The resources each shipped stack registers (`type name`), as the stack program builds them from
 * `stacks/Pulumi.<stack>.yaml`. One list for the tests under mocks (tests/unit/components/stack-configs) and
 * for the real previews of the PR pipeline (tests/engine/pr-pipeline), so both check the same plan.
 */
const HOST_COMMANDS = ["command:remote:Command mail-host", "command:remote:Command mail-host-confirm"];
/** The parts of a MailServer, each a component under it; the host is configured by HOST_COMMANDS alone. */
const PARTS = (tunnel: boolean) => [
  ...(tunnel ? ["ipv6-mail:index:HeTunnel mail"] : []),
  "ipv6-mail:index:HostFirewall mail",
  "ipv6-mail:index:MtaBinding mail",
];
const records = (names: readonly string[]) =>
  names.map((r) => `cloudflare:index/dnsRecord:DnsRecord mail-${r}`);

export const STACK_RESOURCES: Readonly<Record<"do-prod" | "hetzner-prod" | "lab", readonly string[]>> = {
  "do-prod": [
    "ipv6-mail:index:MailServer mail",
    "ipv6-mail:index:DigitalOceanHost mail",
    "digitalocean:index/droplet:Droplet mail",
    "digitalocean:index/firewall:Firewall mail",
    ...PARTS(true),
    ...HOST_COMMANDS,
    "ipv6-mail:index:MailDns mail",
    ...records(["a", "aaaa", "mx", "spf", "helo-spf", "ptr"]),
  ],
  "hetzner-prod": [
    "ipv6-mail:index:MailServer mail",
    "ipv6-mail:index:HetznerHost mail",
    "hcloud:index/server:Server mail",
    "hcloud:index/firewall:Firewall mail",
    "hcloud:index/firewallAttachment:FirewallAttachment mail",
    "hcloud:index/rdns:Rdns mail-ipv4",
    ...PARTS(false),
    ...HOST_COMMANDS,
    "ipv6-mail:index:MailDns mail",
    "hcloud:index/rdns:Rdns mail-ptr",
    ...records(["a", "aaaa", "mx", "spf", "helo-spf"]),
  ],
  lab: [
    "ipv6-mail:index:MailServer mail",
    "ipv6-mail:index:ExistingHost mail",
    ...PARTS(true),
    ...HOST_COMMANDS,
  ],
};
