import { RuleDefinition } from "../core/rule";
import { adminPortsNotWorldOpen } from "./admin-ports-not-world-open";
import { dockerIpv6RealClientIp } from "./docker-ipv6-real-client-ip";
import { fcrdnsConsistent } from "./fcrdns-consistent";
import { ipv6FirewallConfigured } from "./ipv6-firewall-configured";
import { ipv6IcmpAllowed } from "./ipv6-icmp-allowed";
import { noDocumentationPrefix } from "./no-documentation-prefix";
import { smtpEgressUnblocked } from "./smtp-egress-unblocked";
import { smtpFromDedicatedPrefix } from "./smtp-from-dedicated-prefix";
import { smtpSourcePinned } from "./smtp-source-pinned";
import { spfAuthorizesSender } from "./spf-authorizes-sender";

/** Every rule of the pack, in the order RULES.md documents them. */
export const RULES: readonly RuleDefinition[] = [
  smtpFromDedicatedPrefix,
  ipv6FirewallConfigured,
  ipv6IcmpAllowed,
  adminPortsNotWorldOpen,
  fcrdnsConsistent,
  spfAuthorizesSender,
  noDocumentationPrefix,
  smtpEgressUnblocked,
  dockerIpv6RealClientIp,
  smtpSourcePinned,
];

export {
  adminPortsNotWorldOpen,
  dockerIpv6RealClientIp,
  fcrdnsConsistent,
  ipv6FirewallConfigured,
  ipv6IcmpAllowed,
  noDocumentationPrefix,
  smtpEgressUnblocked,
  smtpFromDedicatedPrefix,
  smtpSourcePinned,
  spfAuthorizesSender,
};
