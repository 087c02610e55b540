import { createHash } from "node:crypto";
import { ConfigProblems } from "./config-problem";
import { checkSetting } from "./setting";
import { Ipv6Prefix, ipv6PrefixFromValue, parseIpv6Prefix } from "./ip-prefix";
import { SUBNET_INDEX } from "./mail-host-settings";

/** How many /64s a /48 holds. */
export const SUBNETS_PER_48 = SUBNET_INDEX.max + 1;

/**
 * The `index`-th /64 of a routed /48 (index 0..65535).
 *
 * @example
 * subnet64Of48("2001:db8:100::/48", 37); // "2001:db8:100:25::/64"
 */
export function subnet64Of48(routed48: string, index: number): string {
  const prefix = parseIpv6Prefix(routed48);
  if (prefix.length !== 48) throw new RangeError(`${prefix.text} is not a /48`);
  if (!SUBNET_INDEX.accepts(index)) {
    throw new RangeError(`subnet index ${index} ${SUBNET_INDEX.problem}`);
  }
  return subnetOfParsed48(prefix, index);
}

/** The `index`-th /64 of an already parsed and checked /48 (planning a whole /48 parses it once, not per host). */
function subnetOfParsed48(routed48: Ipv6Prefix, index: number): string {
  return ipv6PrefixFromValue(routed48.first | (BigInt(index) << 64n), 64).text;
}

/**
 * A stable subnet index for a host name: the first 16 bits of SHA-256 of the lower-cased name. Stable across
 * runs, machines and the order of hosts in a stack, so adding a host never renumbers another one.
 */
export function hashedSubnetIndex(hostName: string): number {
  return createHash("sha256").update(hostName.trim().toLowerCase()).digest().readUInt16BE(0);
}

/** A host asking for a /64 out of the stack's routed /48. */
export interface SubnetRequest {
  /** The host's name (its FQDN); hashed when no index is given. */
  readonly name: string;
  /** An explicit subnet index 0..65535; wins over the hash. */
  readonly index?: number;
}

/** Where a host's /64 came from. */
export interface SubnetAssignment {
  readonly prefix: string;
  readonly index: number;
  readonly how: "explicit" | "hashed";
}

/**
 * Allocates one dedicated /64 per host out of a routed /48, deterministically, and never the same /64 twice.
 *
 * A collision is an error rather than a silent probe to the next free slot: probing would make a host's
 * address depend on which other hosts exist, so adding a host could renumber a running mail server and void
 * its PTR and reputation. The error names both hosts and a free index to pin one of them with.
 *
 * @throws {@link InvalidConfigError} listing every collision, bad or duplicate name, bad index, and a
 * `routed48` that is not a /48.
 */
export function planSubnets(
  routed48: string,
  hosts: readonly SubnetRequest[],
  component = "SubnetPlan",
  resourceName = routed48,
): Map<string, SubnetAssignment> {
  const problems = new ConfigProblems();
  let prefix: Ipv6Prefix | undefined;
  try {
    prefix = parseIpv6Prefix(routed48);
  } catch (error) {
    problems.add(
      "routed48",
      routed48,
      errorText(error),
      'give the routed /48 of your tunnel, e.g. "2001:470:8b2c::/48"',
    );
  }
  if (prefix !== undefined && prefix.length !== 48) {
    problems.add(
      "routed48",
      routed48,
      `is a /${prefix.length}, not a /48`,
      "give the routed /48 of your tunnel",
    );
  }
  if (!Array.isArray(hosts)) {
    problems.add("hosts", hosts, "is not a list", 'give a list such as [{ name: "mx1.example.org" }]');
  }
  problems.throwIfAny(component, resourceName);
  const routed = prefix as Ipv6Prefix;
  const byIndex = new Map<number, string>();
  const assignments = new Map<string, SubnetAssignment>();
  const pending: { host: SubnetRequest; index: number; how: "explicit" | "hashed"; position: number }[] = [];
  // Host names are DNS names: `MX1.example.org` and `mx1.example.org ` are the same host (and hash alike).
  const seenNames = new Set<string>();
  hosts.forEach((host, position) => {
    const name: unknown = host?.name;
    if (typeof name !== "string" || name.trim() === "") {
      problems.add(
        `hosts[${position}].name`,
        name,
        "is missing or empty",
        'give the host\'s FQDN, e.g. "mx1.example.org"',
      );
      return;
    }
    const key = name.trim().toLowerCase();
    if (seenNames.has(key)) {
      problems.add(
        `hosts[${position}].name`,
        name,
        "appears twice (names are compared case-insensitively)",
        "give every host a unique name",
      );
      return;
    }
    seenNames.add(key);
    const indexProblems = checkSetting(SUBNET_INDEX, host.index, `hosts[${position}].index`);
    if (indexProblems.length > 0) {
      problems.addAll(indexProblems);
      return;
    }
    const how = host.index === undefined ? "hashed" : "explicit";
    pending.push({ host, index: host.index ?? hashedSubnetIndex(name), how, position });
  });
  // Every index some host asks for: a suggested free index must not be one another host will land on.
  const requested = new Set(pending.map((p) => p.index));
  // Explicit indexes first: a pinned host keeps its /64 even when a hashed one lands on it.
  pending.sort((a, b) => (a.how === b.how ? a.position - b.position : a.how === "explicit" ? -1 : 1));
  for (const p of pending) {
    const holder = byIndex.get(p.index);
    if (holder !== undefined) {
      const free = firstFreeIndex(requested, p.index);
      requested.add(free);
      problems.add(
        `hosts[${p.position}].index`,
        p.host.index ?? `(hash of ${p.host.name})`,
        `${p.host.name} would get subnet ${p.index}, which ${holder} already has`,
        `pin one of them with an explicit index, e.g. index: ${free}`,
      );
      continue;
    }
    byIndex.set(p.index, p.host.name);
    assignments.set(p.host.name, { prefix: subnetOfParsed48(routed, p.index), index: p.index, how: p.how });
  }
  problems.throwIfAny(component, resourceName);
  return assignments;
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function firstFreeIndex(taken: ReadonlySet<number>, from: number): number {
  for (let i = 1; i <= SUBNETS_PER_48; i++) {
    const candidate = (from + i) % SUBNETS_PER_48;
    if (!taken.has(candidate)) return candidate;
  }
  return from;
}
