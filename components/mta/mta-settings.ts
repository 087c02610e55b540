import { checkPublicIpv6Prefix, ConfigProblem, ipv6AddressKind, tryParseIpv6Prefix } from "../../net";

/** The mail transfer agents whose outbound source address this package pins. */
export type MtaKind = "postfix" | "exim" | "docker-mailserver";

/** The ULA network docker-mailserver's container gets by default (never a documentation or public range). */
export const DEFAULT_DOCKER_IPV6_SUBNET = "fd00:cafe:face:feed::/64";

/** Which MTA runs on the host and how it is bound. */
export interface MtaSettings {
  /** Default `postfix`. */
  kind?: MtaKind;
  /** Also pin outbound IPv4 to the host's IPv4 address. */
  bindIpv4?: boolean;
  /** For docker-mailserver: the container network's IPv6 subnet (a ULA /64; default {@link DEFAULT_DOCKER_IPV6_SUBNET}). */
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
      const parsed = tryParseIpv6Prefix(subnet);
      if (!parsed || parsed.length !== 64 || ipv6AddressKind(parsed.text) !== "unique-local") {
        const reason = parsed
          ? checkPublicIpv6Prefix(parsed.text, "", { requiredLength: 64 })[0]?.problem
          : undefined;
        problems.push({
          field: `${fieldPrefix}dockerIpv6Subnet`,
          value: subnet,
          problem: `must be a unique local (fc00::/7) /64${reason ? ` (${reason})` : ""}; documentation and public ranges leak or collide`,
          fix: `use ${DEFAULT_DOCKER_IPV6_SUBNET} or another fd00::/8 /64`,
        });
      }
    }
  }
  return problems;
}
