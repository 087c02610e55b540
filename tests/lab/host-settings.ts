import type { LabVm } from "../../lab-driver/lab-vm";

/**
 * What `pulumi destroy` must give back, read from the host, by aspect: Postfix's explicit settings,
 * gai.conf, nftables.conf and its service, networkd, the IPv6 routing rules, the nftables tables, the links
 * and ipv6-mail's state directories. A host that lacks a tool (nft, postconf on a bare image) reads as
 * the tool's error, which is compared like any other text.
 */
export async function hostSettings(vm: LabVm): Promise<Record<string, string>> {
  const read = async (command: string) => (await vm.exec(command, { check: false })).stdout;
  return {
    postconf: await read("postconf -n"),
    gaiConf: await read("sha256sum /etc/gai.conf; stat -c %a /etc/gai.conf"),
    nftablesConf: await read("sha256sum /etc/nftables.conf 2>&1"),
    nftablesService: await read("systemctl is-enabled nftables.service"),
    networkd: await read("systemctl is-enabled systemd-networkd; systemctl is-active systemd-networkd"),
    networkdDropIns: await read("ls /etc/systemd/networkd.conf.d 2>&1"),
    rules: await read("ip -6 rule show"),
    tables: await read("nft list tables"),
    links: await read("ip -o link show | awk '{ print $2 }'"),
    stateDir: await read("ls -d /var/lib/ipv6-mail /etc/ipv6-mail 2>&1"),
  };
}

/** The aspects of {@link hostSettings} named in `keys`. */
export function only(settings: Record<string, string>, keys: readonly string[]): Record<string, string> {
  return Object.fromEntries(keys.map((k) => [k, settings[k]]));
}
