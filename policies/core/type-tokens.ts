/**
 * The resource types the pack understands. Provider tokens are the ones the installed SDKs register
 * (`@pulumi/digitalocean` 4.80, `@pulumi/hcloud` 1.41, `@pulumi/cloudflare` 6.22, `@pulumi/command` 1.2); the
 * component tokens are this package's. The pack matches tokens as strings so it never imports the components
 * and can judge stacks built without them.
 */
export const T = {
  mailServer: "ipv6-mail:index:MailServer",
  heTunnel: "ipv6-mail:index:HeTunnel",
  hostFirewall: "ipv6-mail:index:HostFirewall",
  mtaBinding: "ipv6-mail:index:MtaBinding",
  mailDns: "ipv6-mail:index:MailDns",
  digitalOceanHost: "ipv6-mail:index:DigitalOceanHost",
  hetznerHost: "ipv6-mail:index:HetznerHost",
  existingHost: "ipv6-mail:index:ExistingHost",
  droplet: "digitalocean:index/droplet:Droplet",
  doFirewall: "digitalocean:index/firewall:Firewall",
  doDnsRecord: "digitalocean:index/dnsRecord:DnsRecord",
  hcloudServer: "hcloud:index/server:Server",
  hcloudFirewall: "hcloud:index/firewall:Firewall",
  hcloudFirewallAttachment: "hcloud:index/firewallAttachment:FirewallAttachment",
  hcloudRdns: "hcloud:index/rdns:Rdns",
  cloudflareDnsRecord: "cloudflare:index/dnsRecord:DnsRecord",
  /** Deprecated in cloudflare 6.x in favour of DnsRecord, still accepted. */
  cloudflareRecord: "cloudflare:index/record:Record",
  cloudflareZone: "cloudflare:index/zone:Zone",
  remoteCommand: "command:remote:Command",
} as const;

/** Component types that stand for one host (they wrap a droplet or server, or describe an existing machine). */
export const HOST_COMPONENT_TYPES: ReadonlySet<string> = new Set([
  T.digitalOceanHost,
  T.hetznerHost,
  T.existingHost,
]);

/** Raw compute resource types. */
export const COMPUTE_TYPES: ReadonlySet<string> = new Set([T.droplet, T.hcloudServer]);
