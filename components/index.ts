/**
 * The Pulumi components of ipv6-mail, their argument types and the errors they fail with: the package's API.
 * What the components use among themselves (the per-run prefix claims, the known-value markers, the argument
 * checks and spec builders) stays internal to their files.
 */
export { MailServer } from "./mail-server";
export type { MailServerArgs, MailServerDnsSettings } from "./mail-server-args";
export { DigitalOceanHost } from "./hosts/digitalocean-host";
export type { DigitalOceanHostArgs, DigitalOceanHostSettings } from "./hosts/digitalocean-host";
export { HetznerHost } from "./hosts/hetzner-host";
export type { HetznerHostArgs, HetznerHostSettings } from "./hosts/hetzner-host";
export { ExistingHost } from "./hosts/existing-host";
export type { MailHost } from "./hosts/mail-host";
export { HostOs } from "./hosts/host-os";
export type { ExistingHostArgs } from "./hosts/existing-host";
export { DEFAULT_MAIL_PORTS } from "./hosts/access-args";
export type { AccessArgs } from "./hosts/access-args";
export { HeTunnel } from "./tunnel/he-tunnel";
export type { HeTunnelArgs } from "./tunnel/he-tunnel";
export type { HeTunnelSettings } from "./tunnel/he-tunnel-args";
export { HostFirewall } from "./firewall/host-firewall";
export type { HostFirewallArgs } from "./firewall/host-firewall";
export type { FirewallSettings } from "./firewall/firewall-settings";
export { MtaBinding } from "./mta/mta-binding";
export type { MtaBindingArgs } from "./mta/mta-binding";
export type { MtaKind, MtaSettings } from "./mta/mta-settings";
export { MailDns } from "./dns/mail-dns";
export type { MailDnsArgs, MailDnsCloudflareArgs } from "./dns/mail-dns";
export type { MailDnsSettings } from "./dns/mail-dns-settings";
export { commandConnection } from "./transport/ssh-connection";
export type { SshConnectionArgs } from "./transport/ssh-connection";
export type { HostScriptCommands } from "./transport/host-script-command";
export { LateConfigError } from "./late-check";
