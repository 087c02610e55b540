import {
  composeMailHostScripts,
  type MailHostScripts,
  postfixRestoreSection,
  postfixSection,
  tunnelApplySection,
  tunnelRemoveSection,
} from "../../host-config";
import { labFirewallSpec, labPostfixSpec, labTunnelSpec } from "./lab-host-specs";
import type { LabTopology } from "./topology";

/** A mail host's three scripts: apply (one SSH session), confirm (a new one), remove (`pulumi destroy`). */
export type LabMailHostScripts = MailHostScripts;

/**
 * The scripts `MailServer` renders for the `lab` stack (an existing host, the HE tunnel, the firewall, Postfix),
 * composed by the same function as the component (`composeMailHostScripts`) from the lab's specs.
 */
export function labMailHostScripts(
  t: LabTopology,
  options: { preferIpv4Outbound?: boolean } = {},
): LabMailHostScripts {
  const tunnel = labTunnelSpec(t);
  return composeMailHostScripts({
    hostName: t.host.fqdn,
    addressing: { apply: [tunnelApplySection(tunnel)], remove: tunnelRemoveSection(tunnel) },
    firewall: labFirewallSpec(t),
    mta: { apply: [postfixSection(labPostfixSpec(t))], remove: postfixRestoreSection() },
    preferIpv4: options.preferIpv4Outbound ?? false,
  });
}
