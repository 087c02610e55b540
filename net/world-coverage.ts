import { parseIpv4Prefix, parseIpv6Prefix, tryParseCidr } from "./ip-prefix";

/** Everything routed on the IPv6 internet: global unicast. A source list that covers it is open to the world. */
const IPV6_WORLD = parseIpv6Prefix("2000::/3");
/** All of IPv4: reserved ranges included, as cloud firewalls treat 0.0.0.0/0. */
const IPV4_WORLD = parseIpv4Prefix("0.0.0.0/0");

interface Range {
  first: bigint;
  last: bigint;
}

/**
 * Whether the union of `ranges` covers `target` entirely. Sorting then sweeping keeps it O(n log n), so a
 * firewall rule with many sources is never compared pairwise.
 */
function unionCovers(ranges: Range[], target: Range): boolean {
  const sorted = ranges
    .filter((r) => r.last >= target.first && r.first <= target.last)
    .sort((a, b) => (a.first < b.first ? -1 : a.first > b.first ? 1 : 0));
  let next = target.first;
  for (const r of sorted) {
    if (r.first > next) return false;
    if (r.last >= next) next = r.last + 1n;
    if (next > target.last) return true;
  }
  return next > target.last;
}

function rangesOf(cidrs: readonly string[], family: 4 | 6): Range[] {
  const out: Range[] = [];
  for (const text of cidrs) {
    const cidr = tryParseCidr(text);
    if (cidr && cidr.family === family) out.push(cidr.prefix);
  }
  return out;
}

/**
 * Whether a list of sources opens a port to the whole IPv6 internet. Parsed, never string-compared: `::/0`,
 * `0::/0`, `::0/0`, `2000::/3`, and `2000::/4` + `3000::/4` all answer true. Entries that do not parse, and
 * IPv4 entries, are ignored (find them with `tryParseCidr`).
 *
 * @example
 * coversIpv6World(["0::/0"]);                  // true
 * coversIpv6World(["2000::/4", "3000::/4"]);   // true
 * coversIpv6World(["2001:db8:ad::/48"]);      // false
 */
export function coversIpv6World(cidrs: readonly string[]): boolean {
  return unionCovers(rangesOf(cidrs, 6), IPV6_WORLD);
}

/** Whether a list of sources opens a port to all of IPv4 (`0.0.0.0/0`, or pieces that add up to it). */
export function coversIpv4World(cidrs: readonly string[]): boolean {
  return unionCovers(rangesOf(cidrs, 4), IPV4_WORLD);
}

/** Whether any entry of the list is an IPv6 source (so the rule does filter IPv6 at all). */
export function hasIpv6Source(cidrs: readonly string[]): boolean {
  return cidrs.some((text) => tryParseCidr(text)?.family === 6);
}
