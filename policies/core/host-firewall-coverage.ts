import { chainDefaultDenies, ipv6InputChains } from "./host-firewall-script";
import { Host } from "./stack-model";
import { describeMaybe, Maybe, UNKNOWN } from "./unknown";

/** Whether a host firewall filters IPv6 arriving on an interface, and the evidence. */
export interface Coverage {
  readonly covered: boolean | typeof UNKNOWN;
  readonly evidence: string;
}

/**
 * Whether the host's own firewall drops unsolicited IPv6 by default on `iface` (any interface when undefined):
 * an IPv6 input chain with policy drop, or a catch-all drop for that interface. A HostFirewall component must
 * also list the interface; its facts say which it filters and with which default. Scripts unknown at preview make the answer unknown rather than false.
 */
export function hostFirewallCoverage(host: Host, iface: Maybe<string>): Coverage {
  let unknown: string | undefined;
  for (const fw of host.hostFirewalls) {
    if (fw.script === UNKNOWN) {
      unknown = `the ruleset of ${fw.origin} is unknown at preview`;
      continue;
    }
    if (fw.interfaces !== undefined && iface !== undefined) {
      if (fw.interfaces === UNKNOWN || iface === UNKNOWN) {
        unknown = `the interfaces of ${fw.origin} or the tunnel name are unknown at preview`;
        continue;
      }
      if (!fw.interfaces.includes(iface)) continue;
    }
    if (fw.facts) {
      const { policy, interfaces } = fw.facts.ipv6Input;
      // The input hook is bound to no interface (`*`): it filters the tunnel's traffic too.
      if (
        policy === "drop" &&
        (interfaces.includes("*") || (typeof iface === "string" && interfaces.includes(iface)))
      )
        return { covered: true, evidence: `${fw.origin}: IPv6 input policy drop (its facts)` };
      continue;
    }
    if (fw.script === undefined) {
      if (fw.interfaces !== undefined)
        return { covered: true, evidence: `${fw.origin} filters ${describeMaybe(iface)}` };
      continue;
    }
    const chains = ipv6InputChains(fw.script);
    const name = typeof iface === "string" ? iface : undefined;
    if (iface === UNKNOWN && chains.some((c) => c.policy === "drop"))
      return { covered: true, evidence: `${fw.origin}: IPv6 input policy drop` };
    if (chains.some((c) => chainDefaultDenies(c, name)))
      return { covered: true, evidence: `${fw.origin} drops IPv6 input by default` };
  }
  if (unknown) return { covered: UNKNOWN, evidence: unknown };
  if (host.unknownScripts.length > 0) {
    return {
      covered: UNKNOWN,
      evidence: `${host.unknownScripts.length} script(s) on the host are unknown at preview and may configure it`,
    };
  }
  return {
    covered: false,
    evidence:
      host.hostFirewalls.length === 0
        ? "no host firewall found"
        : "no IPv6 input chain that drops by default",
  };
}
