import { composeHostScript, HostScriptSection } from "./script-frame";
import {
  FirewallSpec,
  firewallApplySection,
  firewallConfirmSection,
  firewallRemoveSection,
} from "./nftables-firewall";
import { gaiConfRestoreSection, gaiConfSection } from "./gai-conf";
import { hostPackagesRemoveSection, hostPackagesSection } from "./host-packages";
import { forgetHostStateSection } from "./host-state";

/** One part of a mail host's configuration: what its apply adds, and what its remove takes away again. */
export interface MailHostPart {
  readonly apply: readonly HostScriptSection[];
  readonly remove: HostScriptSection;
}

/** The parts of one mail host, each optional but the firewall (every mail host has one). */
export interface MailHostParts {
  /** The host's FQDN, for the scripts' titles. */
  readonly hostName: string;
  /** The dedicated /64's addresses: a 6in4 tunnel (with HE's endpoint update first), or the native NIC's. */
  readonly addressing?: MailHostPart;
  readonly firewall: FirewallSpec;
  /** The MTA's source address. */
  readonly mta?: MailHostPart;
  /** Write gai.conf to prefer IPv4 (otherwise a gai.conf an earlier apply wrote is restored). */
  readonly preferIpv4: boolean;
}

/** A mail host's three scripts: apply (one SSH session), confirm (a second, new one), remove (on delete). */
export interface MailHostScripts {
  readonly apply: string;
  readonly remove: string;
  readonly confirm: string;
}

/**
 * Composes the scripts of one mail host from its parts, in the one order every mail host uses: the packages
 * the other sections need first (a fresh cloud image), then addressing, firewall, MTA and gai.conf; the remove
 * script restores gai.conf and the MTA first, then takes the addressing and the firewall away, keeps the
 * packages and forgets the host's ipv6-mail state. The confirmation keeps the new firewall ruleset.
 */
export function composeMailHostScripts(parts: MailHostParts): MailHostScripts {
  const apply: HostScriptSection[] = [
    ...(parts.addressing?.apply ?? []),
    firewallApplySection(parts.firewall),
    ...(parts.mta?.apply ?? []),
    parts.preferIpv4 ? gaiConfSection() : gaiConfRestoreSection(),
  ];
  const remove: HostScriptSection[] = [
    gaiConfRestoreSection(),
    ...(parts.mta ? [parts.mta.remove] : []),
    ...(parts.addressing ? [parts.addressing.remove] : []),
    firewallRemoveSection(parts.firewall),
    hostPackagesRemoveSection(),
    forgetHostStateSection(),
  ];
  const packages = hostPackagesSection(apply);
  if (packages) apply.unshift(packages);
  const title = `mail host ${parts.hostName}`;
  return {
    apply: composeHostScript(apply, { title: `${title} (apply)` }),
    remove: composeHostScript(remove, { title: `${title} (remove)` }),
    confirm: composeHostScript([firewallConfirmSection(parts.firewall)], { title: `${title} (confirm)` }),
  };
}
