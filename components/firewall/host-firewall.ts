import * as pulumi from "@pulumi/pulumi";
import { types } from "@pulumi/command";
import {
  firewallFacts,
  FirewallSpec,
  freebsdPfFacts,
  renderFirewallRuleset,
  renderFirewallScripts,
} from "../../host-config";
import { HostOs } from "../hosts/host-os";
import { MAIL_FACTS_VERSION, MailFacts } from "../../facts/mail-facts";
import { HostConfiguration } from "../host-configuration";
import { resolveAccess } from "../hosts/access-args";
import { checkFirewallSettings, FirewallSettings } from "./firewall-settings";
import { HostScriptCommands, registerHostScript } from "../transport/host-script-command";
import { checkSetting, ConfigProblems, HE_SERVER_IPV4, HostService, INTERFACE_NAME } from "../../net";

const TYPE = "ipv6-mail:index:HostFirewall";

/** Arguments of {@link HostFirewall}. */
export interface HostFirewallArgs extends FirewallSettings {
  connection: types.input.remote.ConnectionArgs;
  /** HE's tunnel server: IPv4 protocol 41 is then accepted only from it. */
  heServerIpv4?: string;
  /** The tunnel interface, which a cloud firewall never sees into. */
  tunnelInterface?: string;
  /**
   * Services with their own address (checked by the MailServer): their ports are accepted on their address
   * only. Without addresses yet (the /64 is the host's own, not known) they appear in the facts by interface id.
   */
  services?: readonly HostService[];
}

/** The host-config firewall spec for validated settings. */
export function firewallSpec(
  settings: FirewallSettings,
  heServerIpv4?: string,
  tunnelInterface?: string,
  services?: readonly HostService[],
): FirewallSpec {
  const access = resolveAccess(settings);
  return {
    allowedTcpPorts: access.mailPorts,
    sshPort: access.sshPort,
    adminSources: access.adminSources,
    heServerIpv4,
    tunnelInterface,
    rejectSmtpOverIpv6: settings.rejectSmtpOverIpv6 ?? false,
    rollbackSeconds: settings.rollbackSeconds,
    ...(services?.length ? { services } : {}),
  };
}

/**
 * The host's IPv6 firewall (nftables; pf on a FreeBSD MailServer host): default drop inbound, ICMPv6 neighbour discovery and router
 * advertisements from fe80::/10 kept open (without them there is no IPv6), mail ports open, SSH from admin
 * networks only, and 6in4 accepted only from HE's server. A host with a tunnel needs it: IPv6 inside a 6in4
 * tunnel arrives as IPv4 protocol 41, so a cloud firewall never sees it.
 *
 * The ruleset is checked before loading, loaded atomically, and rolled back after `rollbackSeconds` unless a
 * second, new SSH connection confirms the host is still reachable. IPv4 input is never filtered, so the IPv4
 * path SSH uses cannot be cut.
 */
export class HostFirewall extends pulumi.ComponentResource {
  readonly interfaces: string[];
  /** What the ruleset does ({@link MailFacts}: default policy, ICMPv6 kept, open ports), the `facts` output. */
  readonly facts: MailFacts;
  private readonly configuration?: HostConfiguration;
  private readonly ownCommands?: HostScriptCommands;
  private readonly spec: FirewallSpec;
  private rendered?: string;

  /**
   * @param composedBy the host configuration of the MailServer this firewall is a part of: the firewall then
   *   hands it its spec instead of registering commands (the MailServer checked the same settings).
   */
  constructor(
    name: string,
    args: HostFirewallArgs,
    opts?: pulumi.ComponentResourceOptions,
    composedBy?: HostConfiguration,
  ) {
    if (!composedBy) {
      const problems = new ConfigProblems();
      problems.addAll(checkFirewallSettings(args, ""));
      problems.addAll(checkSetting(INTERFACE_NAME, args?.tunnelInterface, "tunnelInterface"));
      problems.addAll(checkSetting(HE_SERVER_IPV4, args?.heServerIpv4, "heServerIpv4"));
      problems.throwIfAny("HostFirewall", name);
    }
    super(TYPE, name, {}, opts);
    const spec = firewallSpec(args, args.heServerIpv4, args.tunnelInterface, args.services);
    this.spec = spec;
    // A FreeBSD host loads the same rules with pf (rendered from the spec by its host configuration).
    const facts = composedBy?.os === HostOs.Freebsd ? freebsdPfFacts(spec) : firewallFacts(spec);
    this.interfaces = [...facts.ipv6Input.interfaces];
    if (composedBy) {
      this.configuration = composedBy;
      composedBy.firewall = spec;
      this.facts = {
        version: MAIL_FACTS_VERSION,
        component: "HostFirewall",
        partOf: "MailServer",
        firewall: facts,
      };
      this.registerOutputs({ facts: this.facts });
      return;
    }
    const scripts = renderFirewallScripts(spec);
    this.rendered = scripts.ruleset;
    this.ownCommands = registerHostScript(
      name,
      { connection: args.connection, apply: scripts.apply, remove: scripts.remove, confirm: scripts.confirm },
      this,
    );
    this.facts = { version: MAIL_FACTS_VERSION, component: "HostFirewall", firewall: facts };
    this.registerOutputs({ ruleset: this.ruleset, interfaces: this.interfaces, facts: this.facts });
  }

  /** The nftables ruleset it loads (rendered when first asked for: a MailServer's host script renders its own). */
  get ruleset(): string {
    if (this.rendered === undefined) this.rendered = renderFirewallRuleset(this.spec);
    return this.rendered;
  }

  /** The commands that load the ruleset: its own, or its MailServer's one host configuration. */
  get commands(): HostScriptCommands {
    return this.ownCommands ?? (this.configuration as HostConfiguration).commands;
  }
}
