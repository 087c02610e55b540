import * as pulumi from "@pulumi/pulumi";
import { ConfigProblem, prefixesOverlap, parseIpv6Prefix } from "../net";

/** A /64 some mail host of the running program sends from. */
interface Claim {
  readonly owner: string;
  readonly first: bigint;
  readonly last: bigint;
}

/**
 * The claims of each program run, keyed by the object that stands for that run (see {@link runKey}). A
 * WeakMap, so a finished run's claims go when its root resource does, and nothing of one run is visible to
 * another: two inline programs of one Automation API process, or two mocked runs of one test process.
 */
const claimsByRun = new WeakMap<object, Map<string, Claim>>();

/** Stands for "no run": components built with neither a root stack resource nor a resource monitor. */
const NO_RUN: object = {};

/**
 * The object that identifies the program run a component is built in.
 *
 * - `pulumi.runtime.getStackResource()` (public in @pulumi/pulumi 3.248.0) is the run's root
 *   `pulumi:pulumi:Stack`. Every run creates its own (`runInPulumiStack`), and the SDK keeps it in the run's
 *   own store: the Automation API runs each inline program inside `AsyncLocalStorage` with a fresh store, so
 *   two stacks running at once in one process each see their own root. Keying by `getStack()`/`getProject()`
 *   instead would let two runs of the same stack (a preview, then an update, in one process) share claims.
 * - Without a root (a unit test that builds components right after `pulumi.runtime.setMocks`), the resource
 *   monitor stands for the run: `getMonitor()` is per store too, and every `setMocks` installs a new one.
 */
function runKey(): object {
  return pulumi.runtime.getStackResource() ?? pulumi.runtime.getMonitor() ?? NO_RUN;
}

function claimsOfThisRun(): Map<string, Claim> {
  const key = runKey();
  let claims = claimsByRun.get(key);
  if (claims === undefined) {
    claims = new Map();
    claimsByRun.set(key, claims);
  }
  return claims;
}

/**
 * Where a host's dedicated /64 comes from, as the user wrote it: the field to name when the /64 collides,
 * its value, how that value gives the /64 (when it is not the /64 itself), and how to change it.
 */
export interface PrefixOrigin {
  readonly field: string;
  readonly value: unknown;
  /** E.g. `the hash of hostName "mx2.example.org" picks subnet 7 of it`; unset when `value` is the /64. */
  readonly derivation?: string;
  readonly fix: string;
}

/**
 * Claims `prefix` for `owner` (a host name), so that two mail hosts of one stack never get the same or
 * overlapping /64s (two hosts hashing to the same /64 of a routed /48, or a copy-pasted routed /64). The
 * same owner may claim the same prefix again (a host's MailServer and its tunnel, or a program built twice
 * in one run); a different owner's claim wins, and the problem names what the user set to get `prefix`
 * (`origin`). Claims last for the program run (the stack's deployment), not the process.
 *
 * Linear in the number of claims per check, which stays small (one per host).
 */
export function claimDedicatedPrefix(prefix: string, owner: string, origin: PrefixOrigin): ConfigProblem[] {
  const parsed = parseIpv6Prefix(prefix);
  const claims = claimsOfThisRun();
  for (const [text, claim] of claims) {
    if (claim.owner !== owner && prefixesOverlap(claim, parsed)) {
      const gives = origin.derivation === undefined ? "" : `${origin.derivation}, ${parsed.text}, which `;
      return [
        {
          field: origin.field,
          value: origin.value,
          problem: `${gives}overlaps ${text}, which mail host ${claim.owner} of this stack already sends from`,
          fix: origin.fix,
        },
      ];
    }
  }
  claims.set(parsed.text, { owner, first: parsed.first, last: parsed.last });
  return [];
}

/**
 * Forgets the claims of the current run. Tests that build many programs in one mocked run (one `setMocks`
 * per test file) call it between tests; a real program never needs it. Not part of the package's API.
 */
export function resetDedicatedPrefixClaims(): void {
  claimsByRun.delete(runKey());
}
