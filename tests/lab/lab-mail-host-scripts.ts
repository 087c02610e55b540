import {
  composeHostScript,
  firewallApplySection,
  firewallConfirmSection,
  firewallRemoveSection,
  forgetHostStateSection,
  gaiConfRestoreSection,
  gaiConfSection,
  hostPackagesRemoveSection,
  hostPackagesSection,
  type HostScriptSection,
  postfixRestoreSection,
  postfixSection,
  tunnelApplySection,
  tunnelRemoveSection,
} from "../../host-config";
import { labFirewallSpec, labPostfixSpec, labTunnelSpec } from "./lab-host-specs";
import type { LabTopology } from "../../lab-driver/topology";

/** A mail host's three scripts: apply (one SSH session), confirm (a new one), remove (`pulumi destroy`). */
export interface LabMailHostScripts {
  readonly apply: string;
  readonly confirm: string;
  readonly remove: string;
}

/**
 * The scripts `MailServer` renders for the `lab` stack (an existing host, the HE tunnel, the firewall, Postfix),
 * composed from the same host-config sections in the same order as the component: the packages section first
 * (what the other sections run and the host lacks), then tunnel, firewall, Postfix and gai.conf; the remove
 * script undoes them last first, keeps the packages and deletes the host's ipv6-mail state.
 */
export function labMailHostScripts(
  t: LabTopology,
  options: { preferIpv4Outbound?: boolean } = {},
): LabMailHostScripts {
  const tunnel = labTunnelSpec(t);
  const firewall = labFirewallSpec(t);
  const apply: HostScriptSection[] = [
    tunnelApplySection(tunnel),
    firewallApplySection(firewall),
    postfixSection(labPostfixSpec(t)),
    options.preferIpv4Outbound ? gaiConfSection() : gaiConfRestoreSection(),
  ];
  const packages = hostPackagesSection(apply);
  const title = `mail host ${t.host.fqdn}`;
  return {
    apply: composeHostScript(packages ? [packages, ...apply] : apply, { title: `${title} (apply)` }),
    confirm: composeHostScript([firewallConfirmSection(firewall)], { title: `${title} (confirm)` }),
    remove: composeHostScript(
      [
        gaiConfRestoreSection(),
        postfixRestoreSection(),
        tunnelRemoveSection(tunnel),
        firewallRemoveSection(firewall),
        hostPackagesRemoveSection(),
        forgetHostStateSection(),
      ],
      { title: `${title} (remove)` },
    ),
  };
}
