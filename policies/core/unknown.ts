import { types } from "node:util";

/**
 * How values that are not known yet reach the pack: the one place that knows it.
 *
 * During `pulumi preview`, an output that a provider computes (a droplet's `ipv6Address`, an hcloud server's
 * `ipv6Network`) and every input derived from one travels from the engine to the analyzer as one of seven
 * sentinel strings (`UnknownStringValue` and friends in the engine's `sdk/go/common/resource/plugin/rpc.go`).
 * The pack's own analyzer (`policies/analyzer/`) reads the engine's values as they arrive and sees the
 * sentinels as they are. `@pulumi/policy`, which runs the rules when they are embedded in a `PolicyPack` of
 * one's own (`packArgs`), keeps them too, but wraps each resource's properties in a proxy that throws on a
 * sentinel; the framework turns that throw into an *advisory* "can't run policy during preview" note, which
 * would let a mandatory rule pass silently. So the rules read the plain object behind the proxy and decide
 * themselves what an unknown means (fail closed, or reason from structure).
 *
 * Both facts are outside `@pulumi/policy`'s typed API (its proxy and sentinels are `@internal`): they were
 * checked against {@link UNKNOWNS_CHECKED_WITH}, and `tests/policies/unknown-adapter.test.ts` fails on any other
 * installed version until someone checks them again (and on this one if they stop holding). Where the proxy
 * cannot be opened the way it was checked, {@link unwrapPolicyProps} throws rather than let the rules read
 * through it: an error is loud, a silently advisory finding is not.
 */

/** The `@pulumi/policy` version this file was checked against (its proxy's keys, its sentinels). */
export const UNKNOWNS_CHECKED_WITH = "1.21.0";

/** The engine's sentinels for unknown values, one per value type. */
export const UNKNOWN_SENTINELS: ReadonlySet<string> = new Set([
  "1c4a061d-8072-4f0a-a4cb-0ff528b18fe7", // boolean
  "3eeb2bf0-c639-47a8-9e75-3b44932eb421", // number
  "04da6b54-80e4-46f7-96ec-b56ff0331ba9", // string (the engine uses it for most computed values)
  "6a19a0b0-7e62-4c92-b797-7f8e31da9cc2", // array
  "030794c1-ac77-496b-92df-f27374a8bd58", // asset
  "e48ece36-62e2-4504-bad9-02848725956a", // archive
  "dd056dcd-154b-4c76-9bd3-c8f88648b5ff", // object
]);

/** The sentinel the engine uses for a computed value of any type; the test harness uses it too. */
export const UNKNOWN_STRING_SENTINEL = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** A value the rules could not read because it is unknown at preview. */
export const UNKNOWN: unique symbol = Symbol("unknown at preview");

/** The type of {@link UNKNOWN}. */
export type Unknown = typeof UNKNOWN;

/** A value that is known, absent (`undefined`) or {@link UNKNOWN}. */
export type Maybe<T> = T | undefined | Unknown;

/** Whether a raw property value is one of the engine's unknown sentinels. */
export function isUnknownValue(value: unknown): boolean {
  return typeof value === "string" && UNKNOWN_SENTINELS.has(value);
}

/** Whether a raw value is unknown or contains an unknown anywhere inside it. */
export function containsUnknown(value: unknown): boolean {
  if (isUnknownValue(value)) return true;
  if (Array.isArray(value)) return value.some(containsUnknown);
  if (value !== null && typeof value === "object") return Object.values(value).some(containsUnknown);
  return false;
}

/** The keys `@pulumi/policy` 1.21.0's unknown-checking proxy answers without throwing (`proxy.js`). */
const IS_PROXY_KEY = "__isSpecialProxy";
const PROXY_TARGET_KEY = "__getSpecialProxyTarget";

/**
 * The plain properties of a resource: the object behind `@pulumi/policy`'s unknown-checking proxy, or the
 * object itself when it is no proxy (the pack's own analyzer, the test harness). Nested values of the target
 * are plain: the proxy wraps them lazily, on access.
 *
 * @throws Error when `props` is a proxy that does not open with the checked keys: the rules would otherwise
 *   read through it and every unknown would become `@pulumi/policy`'s advisory note instead of a finding.
 */
export function unwrapPolicyProps(props: unknown): Record<string, unknown> {
  if (props === null || typeof props !== "object") return {};
  if (!types.isProxy(props)) return props as Record<string, unknown>;
  const record = props as Record<string, unknown>;
  const target = record[IS_PROXY_KEY] === true ? record[PROXY_TARGET_KEY] : undefined;
  if (target !== null && typeof target === "object" && !types.isProxy(target)) {
    return target as Record<string, unknown>;
  }
  throw new Error(
    `ipv6-mail policies: the resource properties @pulumi/policy handed over are a proxy that does not open with ` +
      `"${PROXY_TARGET_KEY}" (checked with @pulumi/policy ${UNKNOWNS_CHECKED_WITH}); see policies/core/unknown.ts`,
  );
}

/** A human label for a maybe-value, for messages. */
export function describeMaybe(value: Maybe<unknown>): string {
  if (value === UNKNOWN) return "(unknown at preview)";
  if (value === undefined) return "(not set)";
  return typeof value === "string" ? value : JSON.stringify(value);
}
