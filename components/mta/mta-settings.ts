import { checkSetting, ConfigProblem, DOCKER_IPV6_SUBNET } from "../../net";

/**
 * The mail transfer agents whose outbound source address this package pins; a named choice (a const object
 * and its union), so that other Pulumi languages get it as an enum.
 */
export const MtaKind = {
  /** Postfix (`smtp_bind_address6`). */
  Postfix: "postfix",
  /** Exim (`interface = <; v4 ; v6`). */
  Exim: "exim",
  /** docker-mailserver (Postfix in a container, Docker's `daemon.json` with ip6tables). */
  DockerMailserver: "docker-mailserver",
} as const;
/** One of {@link MtaKind}'s values. */
export type MtaKind = (typeof MtaKind)[keyof typeof MtaKind];

/** Which MTA runs on the host and how it is bound. */
export interface MtaSettings {
  /** Default `postfix`. */
  kind?: MtaKind;
  /** Also pin outbound IPv4 to the host's IPv4 address. */
  bindIpv4?: boolean;
  /** For docker-mailserver: the container network's IPv6 subnet (a ULA /64; default `DEFAULT_DOCKER_IPV6_SUBNET` of net/). */
  dockerIpv6Subnet?: string;
}

const KINDS: readonly MtaKind[] = Object.values(MtaKind);

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
