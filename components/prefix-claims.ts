import { ConfigProblem, prefixesOverlap, parseIpv6Prefix } from "../net";

/**
 * The dedicated /64s claimed by the mail hosts of this program, so that two hosts of one stack never get the
 * same or overlapping prefixes (two hosts hashing to the same /64 of a routed /48, or a copy-pasted routed
 * /64). Linear in the number of claims per check, which stays small (one per host).
 */
const claims = new Map<string, { owner: string; first: bigint; last: bigint }>();

/**
 * Claims `prefix` for `owner` (a host name). The same owner may claim the same prefix again (a program can
 * be evaluated twice in one process by tests); a different owner gets a problem naming the holder.
 */
export function claimDedicatedPrefix(prefix: string, owner: string, field: string): ConfigProblem[] {
  const parsed = parseIpv6Prefix(prefix);
  for (const [text, claim] of claims) {
    if (claim.owner !== owner && prefixesOverlap(claim, parsed)) {
      return [
        {
          field,
          value: prefix,
          problem: `overlaps ${text}, which mail host ${claim.owner} of this stack already sends from`,
          fix: "give every mail host its own /64 (a different routed /64, or a different subnetIndex of the routed /48)",
        },
      ];
    }
  }
  claims.set(parsed.text, { owner, first: parsed.first, last: parsed.last });
  return [];
}

/** Forgets every claim; for tests that evaluate many programs in one process. */
export function resetDedicatedPrefixClaims(): void {
  claims.clear();
}
