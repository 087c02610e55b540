import { cidrOf, ipv6PrefixOf, isIpv6 } from "./ip-text";
import { Ipv6Prefix, prefixOwnership, PrefixSource } from "../../net";

/** A statement, found in the stack, about who owns an IPv6 prefix. */
export interface PrefixClaim {
  readonly prefix: Ipv6Prefix;
  readonly source: PrefixSource;
  /** The resource the claim comes from (a droplet, an hcloud server, a tunnel, a MailServer, the config). */
  readonly urn?: string;
  readonly origin: string;
}

/** The claim that decides an address, with its ownership. */
export interface PrefixVerdict {
  readonly claim: PrefixClaim;
  readonly dedicated: boolean;
  readonly reason: string;
}

/**
 * Prefix claims indexed by network number per prefix length (a bigint key per claim), so classifying an
 * address costs one map lookup per distinct prefix length in the stack, never a scan over the claims. The
 * longest matching prefix decides; between claims of equal length a shared (non-dedicated) claim wins, so a
 * declaration can never whitewash a /64 the stack itself shows to be shared.
 */
export class PrefixIndex {
  private readonly byLength = new Map<number, Map<bigint, PrefixClaim[]>>();
  private lengths: number[] = [];

  /** Adds a claim; prefix texts that do not parse are ignored (other rules report them). */
  add(prefixText: string, source: PrefixSource, origin: string, urn?: string): void {
    const prefix = ipv6PrefixOf(prefixText);
    if (!prefix) return;
    let map = this.byLength.get(prefix.length);
    if (!map) {
      map = new Map();
      this.byLength.set(prefix.length, map);
      this.lengths = [...this.byLength.keys()].sort((a, b) => b - a);
    }
    const key = prefix.first >> BigInt(128 - prefix.length);
    const list = map.get(key) ?? [];
    list.push({ prefix, source, urn, origin });
    map.set(key, list);
  }

  /** Every claim covering the address, longest prefix first. */
  claimsFor(address: string): PrefixClaim[] {
    const cidr = isIpv6(address) ? cidrOf(address) : undefined;
    if (!cidr) return [];
    const value = cidr.prefix.first;
    const out: PrefixClaim[] = [];
    for (const length of this.lengths) {
      const list = this.byLength.get(length)?.get(value >> BigInt(128 - length));
      if (list) out.push(...list);
    }
    return out;
  }

  /** The deciding claim for an address, or undefined when nothing in the stack claims it. */
  classify(address: string): PrefixVerdict | undefined {
    const claims = this.claimsFor(address);
    if (claims.length === 0) return undefined;
    const longest = claims[0].prefix.length;
    const candidates = claims.filter((c) => c.prefix.length === longest);
    const shared = candidates.find((c) => !prefixOwnership(c.source).dedicated);
    const claim = shared ?? candidates[0];
    const ownership = prefixOwnership(claim.source);
    return { claim, dedicated: ownership.dedicated, reason: ownership.reason };
  }
}
