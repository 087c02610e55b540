import { checkSetting, ConfigProblem, DOCKER_IPV6_SUBNET } from "../../net";

/** The mail transfer agents whose outbound source address this package pins. */
export type MtaKind = "postfix" | "exim" | "docker-mailserver";

/** Which MTA runs on the host and how it is bound. */
export interface MtaSettings {
  /** Default `postfix`. */
  kind?: MtaKind;
  /** Also pin outbound IPv4 to the host's IPv4 address. */
  bindIpv4?: boolean;
  /** For docker-mailserver: the container network's IPv6 subnet (a ULA /64; default `DEFAULT_DOCKER_IPV6_SUBNET` of net/). */
  dockerIpv6Subnet?: string;
}

const KINDS: readonly MtaKind[] = ["postfix", "exim", "docker-mailserver"];

/** Checks MTA settings; fields are prefixed with `fieldPrefix` (e.g. `mta.`). */
export function checkMtaSettings(settings: MtaSettings | undefined, fieldPrefix: string): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  if (settings?.kind !== undefined && !KINDS.includes(settings.kind)) {
    problems.push({
      field: `${fieldPrefix}kind`,
      value: settings.kind,
      problem: "is not a supported MTA",
      fix: `use one of ${KINDS.join(", ")}`,
    });
  }
  const subnet = settings?.dockerIpv6Subnet;
  if (subnet !== undefined) {
    if (settings?.kind !== "docker-mailserver") {
      problems.push({
        field: `${fieldPrefix}dockerIpv6Subnet`,
        value: subnet,
        problem: "only applies to docker-mailserver",
        fix: 'remove it, or set kind: "docker-mailserver"',
      });
    } else {
      problems.push(...checkSetting(DOCKER_IPV6_SUBNET, subnet, `${fieldPrefix}dockerIpv6Subnet`));
    }
  }
  return problems;
}
