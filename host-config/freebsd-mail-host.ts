import { FirewallSpec } from "./nftables-firewall";
import { PostfixSpec } from "./postfix";
import { TunnelSpec } from "./he-tunnel";
import { FREEBSD_RC_CONF_PATH, freebsdTunnelInterface, renderFreebsdTunnelRcConf } from "./freebsd-tunnel";
import { FREEBSD_PF_CONF_PATH, renderFreebsdPfConf } from "./freebsd-pf";
import { FREEBSD_POSTFIX_MAIN_CF, renderFreebsdPostfix } from "./freebsd-postfix";

/** A FreeBSD mail host from the specs a Linux mail host takes: the tunnel and Postfix optional, the firewall not. */
export interface FreebsdMailHostSpec {
  readonly tunnel?: TunnelSpec;
  readonly firewall: FirewallSpec;
  readonly postfix?: PostfixSpec;
  /**
   * Prefer IPv4 for the host's own outgoing connections: FreeBSD's `ip6addrctl_policy="ipv4_prefer"` (the
   * address selection policy table, ip6addrctl(8)), what gai.conf's precedence line is on Linux.
   */
  readonly preferIpv4?: boolean;
}

/** What a FreeBSD mail host needs, rendered: files by host path, and the one command that applies Postfix's part. */
export interface FreebsdMailHostFiles {
  /** {@link FREEBSD_RC_CONF_PATH}, {@link FREEBSD_PF_CONF_PATH} and (with Postfix) the main.cf settings. */
  readonly files: Readonly<Record<string, string>>;
  /** `postconf -e … && service postfix restart`, when the spec has Postfix. */
  readonly postfixCommand?: string;
}

/**
 * Renders the configuration of a FreeBSD mail host (DigitalOcean's FreeBSD image, seed 004) from the same specs
 * {@link composeMailHostScripts} takes for Linux. Rendered only: there is no FreeBSD kernel where this is
 * tested, so the files are checked for syntax (`sh -n`) and against the Linux firewall's facts, not run.
 * The rc.conf lines enable pf with the rendered rules and, with Postfix, the Postfix service that
 * `service postfix restart` needs, and with `preferIpv4` the IPv4-first address selection policy. A firewall naming another tunnel interface than the tunnel's gif is refused
 * (its router-advertisement drop would guard an interface that does not exist).
 */
export function renderFreebsdMailHost(spec: FreebsdMailHostSpec): FreebsdMailHostFiles {
  const gif = spec.tunnel ? freebsdTunnelInterface(spec.tunnel) : undefined;
  const dropRaOn = spec.firewall.tunnelInterface;
  if (gif && dropRaOn !== undefined && dropRaOn !== gif) {
    throw new Error(
      `host-config FreeBSD mail host: firewall.tunnelInterface "${dropRaOn}" is not the tunnel's interface ` +
        `${gif}; set tunnelInterface to "${gif}" so router advertisements through the tunnel are dropped`,
    );
  }
  const rc: string[] = [];
  if (spec.tunnel) rc.push(renderFreebsdTunnelRcConf(spec.tunnel));
  rc.push(
    "# ipv6-mail: the IPv6 host firewall (rendered; change the stack, not these lines)",
    'pf_enable="YES"',
    `pf_rules="${FREEBSD_PF_CONF_PATH}"`,
  );
  if (spec.preferIpv4) {
    rc.push(
      "# ipv6-mail: the host's own connections prefer IPv4 (ip6addrctl(8))",
      'ip6addrctl_policy="ipv4_prefer"',
    );
  }
  const postfix = spec.postfix ? renderFreebsdPostfix(spec.postfix) : undefined;
  if (postfix)
    rc.push("# ipv6-mail: Postfix sends the mail (the mail/postfix package)", 'postfix_enable="YES"');
  const files: Record<string, string> = {
    [FREEBSD_RC_CONF_PATH]: `${rc.join("\n")}\n`,
    [FREEBSD_PF_CONF_PATH]: renderFreebsdPfConf(spec.firewall),
  };
  if (postfix) files[FREEBSD_POSTFIX_MAIN_CF] = postfix.mainCf;
  return postfix ? { files, postfixCommand: postfix.command } : { files };
}
