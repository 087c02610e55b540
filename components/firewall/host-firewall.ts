import * as pulumi from "@pulumi/pulumi";
import { types } from "@pulumi/command";
import { FirewallSpec, renderFirewallScripts } from "../../host-config";
import { resolveAccess } from "../hosts/access-args";
import { checkFirewallSettings, FirewallSettings } from "./firewall-settings";
import { HostScriptCommands, registerHostScript } from "../transport/host-script-command";
import { checkSetting, ConfigProblems, HE_SERVER_IPV4, INTERFACE_NAME } from "../../net";

const TYPE = "ipv6-mail:index:HostFirewall";

/** Arguments of {@link HostFirewall}. */
export interface HostFirewallArgs extends FirewallSettings {
  connection: types.input.remote.ConnectionArgs;
  /** HE's tunnel server: IPv4 protocol 41 is then accepted only from it. */
  heServerIpv4?: string;
  /** The tunnel interface, which a cloud firewall never sees into. */
  tunnelInterface?: string;
}

/** The host-config firewall spec for validated settings. */
export function firewallSpec(
  settings: FirewallSettings,
  heServerIpv4?: string,
  tunnelInterface?: string,
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
  };
}

/**
 * The host's IPv6 firewall (nftables): default drop inbound, ICMPv6 neighbour discovery and router
 * advertisements from fe80::/10 kept open (without them there is no IPv6), mail ports open, SSH from admin
 * networks only, and 6in4 accepted only from HE's server. A host with a tunnel needs it: IPv6 inside a 6in4
 * tunnel arrives as IPv4 protocol 41, so a cloud firewall never sees it.
 *
 * The ruleset is checked before loading, loaded atomically, and rolled back after `rollbackSeconds` unless a
 * second, new SSH connection confirms the host is still reachable. IPv4 input is never filtered, so the IPv4
 * path SSH uses cannot be cut.
 */
export class HostFirewall extends pulumi.ComponentResource {
  readonly ruleset: string;
  readonly interfaces: string[];
  readonly allowsNeighbourDiscovery = true;
  readonly commands: HostScriptCommands;

  constructor(name: string, args: HostFirewallArgs, opts?: pulumi.ComponentResourceOptions) {
    const problems = new ConfigProblems();
    problems.addAll(checkFirewallSettings(args, ""));
    problems.addAll(checkSetting(INTERFACE_NAME, args?.tunnelInterface, "tunnelInterface"));
    problems.addAll(checkSetting(HE_SERVER_IPV4, args?.heServerIpv4, "heServerIpv4"));
    problems.throwIfAny("HostFirewall", name);
    super(TYPE, name, {}, opts);
    const scripts = renderFirewallScripts(firewallSpec(args, args.heServerIpv4, args.tunnelInterface));
    this.ruleset = scripts.ruleset;
    this.interfaces = args.tunnelInterface ? ["*", args.tunnelInterface] : ["*"];
    this.commands = registerHostScript(
      name,
      { connection: args.connection, apply: scripts.apply, remove: scripts.remove, confirm: scripts.confirm },
      this,
    );
    this.registerOutputs({
      ruleset: this.ruleset,
      interfaces: this.interfaces,
      allowsNeighbourDiscovery: this.allowsNeighbourDiscovery,
    });
  }
}
